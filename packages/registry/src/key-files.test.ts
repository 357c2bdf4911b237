import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, InvalidInputError } from '@murmur/wire';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createWalletFile,
  KeyFileError,
  loadNodeKeyFile,
  loadOrCreateWalletFile,
  loadWalletFile,
  readSecretJson,
  writeSecretJson,
} from './key-files.js';
import { testCrypto } from './test-support/chain.js';

let crypto: MurmurCrypto;
let dir: string;
beforeAll(async () => {
  crypto = await testCrypto();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'registry-key-files-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The error `action` throws (the test fails if it throws none). */
function thrown(action: () => unknown): KeyFileError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyFileError);
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as KeyFileError;
  }
  throw new Error('expected an error');
}

describe('wallet files', () => {
  it('creates a 0600 file in the documented format and loads it back', () => {
    const path = join(dir, 'alice.json');
    const wallet = createWalletFile(crypto, path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    expect(json).toEqual({
      type: 'murmur-wallet',
      version: 1,
      address: wallet.address,
      seed: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(bytesToHex(crypto.ed25519KeyPairFromSeed(Buffer.from(json.seed, 'hex')).publicKey)).toBe(
      wallet.address,
    );
    expect(bytesToHex(wallet.keyPair.publicKey)).toBe(wallet.address);
    expect(loadWalletFile(crypto, path).address).toBe(wallet.address);
    expect(loadOrCreateWalletFile(crypto, path).address).toBe(wallet.address);
  });

  it('never overwrites a wallet, and creates one on demand', () => {
    const path = join(dir, 'w.json');
    const created = loadOrCreateWalletFile(crypto, path);
    const before = readFileSync(path, 'utf8');
    const error = thrown(() => createWalletFile(crypto, path));
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/already exists; refusing to overwrite a wallet file/);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(loadWalletFile(crypto, path).address).toBe(created.address);
  });

  it('refuses a file others can read, printing the chmod command', () => {
    const path = join(dir, 'w.json');
    createWalletFile(crypto, path);
    for (const mode of [0o640, 0o604, 0o644]) {
      chmodSync(path, mode);
      const error = thrown(() => loadWalletFile(crypto, path));
      expect(error.message).toContain(`mode ${mode.toString(8)}`);
      expect(error.message).toContain(`chmod 600 ${path}`);
    }
    chmodSync(path, 0o600);
    expect(() => loadWalletFile(crypto, path)).not.toThrow();
  });

  it('refuses a damaged, a foreign, a missing and a non-JSON file, naming it', () => {
    const path = join(dir, 'w.json');
    createWalletFile(crypto, path);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    const write = (value: unknown) =>
      writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value), {
        mode: 0o600,
      });
    const cases: [unknown, RegExp][] = [
      [{ ...json, address: '00'.repeat(32) }, /address does not match the seed/],
      [{ ...json, version: 2 }, /not a murmur-wallet version 1 file/],
      [{ ...json, type: 'murmur-authority' }, /is a murmur-authority file, not a murmur-wallet/],
      [{ address: json.address, seed: json.seed }, /not a murmur-wallet version 1 file/],
      [{ ...json, seed: 'abcd' }, /seed must be 64 hex characters/],
      [['not', 'an', 'object'], /not a murmur-wallet version 1 file/],
      ['nope', /is not a valid wallet file \(not JSON\)/],
    ];
    for (const [value, message] of cases) {
      write(value);
      const error = thrown(() => loadWalletFile(crypto, path));
      expect(error.message).toMatch(message);
      expect(error.message).toContain(path);
      expect(error.message).not.toContain(json.seed);
    }
    const missing = join(dir, 'missing.json');
    expect(thrown(() => loadWalletFile(crypto, missing)).message).toBe(
      `no wallet file at ${missing}`,
    );
  });

  it('names the field a schema check finds wrong, and loadOrCreate never replaces a bad file', () => {
    const path = join(dir, 'bad.json');
    createWalletFile(crypto, path);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    const cases: [unknown, string, string][] = [
      [{ ...json, version: 2 }, 'version', '`version` must be 1'],
      [{ ...json, seed: 7 }, 'seed', '`seed` must be the 32-byte seed in hex'],
      [{ type: 'murmur-wallet', version: 1 }, 'seed', '`seed` is required'],
      [{ ...json, address: 12 }, 'address', '`address` must be the wallet address in hex'],
    ];
    for (const [value, field, text] of cases) {
      const damaged = JSON.stringify(value);
      writeFileSync(path, damaged, { mode: 0o600 });
      const error = thrown(() => loadOrCreateWalletFile(crypto, path));
      expect(error.message).toContain(`${path} is not a murmur-wallet version 1 file`);
      expect(error.message).toContain(text);
      expect(error.details).toMatchObject({ path, field });
      expect(readFileSync(path, 'utf8')).toBe(damaged);
    }
  });

  it('with strict: false also reads bare {seed} files and publicKey for address', () => {
    const path = join(dir, 'bare.json');
    const seed = crypto.randomBytes(32);
    const address = bytesToHex(crypto.ed25519KeyPairFromSeed(seed).publicKey);
    writeFileSync(path, JSON.stringify({ seed: bytesToHex(seed) }), { mode: 0o600 });
    expect(() => loadWalletFile(crypto, path)).toThrow(/not a murmur-wallet version 1 file/);
    expect(loadWalletFile(crypto, path, { strict: false }).address).toBe(address);
    writeFileSync(
      path,
      JSON.stringify({ publicKey: address.toUpperCase(), seed: bytesToHex(seed) }),
    );
    expect(loadWalletFile(crypto, path, { strict: false }).address).toBe(address);
    writeFileSync(path, JSON.stringify({ publicKey: '00'.repeat(32), seed: bytesToHex(seed) }));
    expect(() => loadWalletFile(crypto, path, { strict: false })).toThrow(/does not match/);
    writeFileSync(path, JSON.stringify({ type: 'other', seed: bytesToHex(seed) }));
    expect(() => loadWalletFile(crypto, path, { strict: false })).toThrow(
      /is a other file, not a murmur-wallet/,
    );
  });
});

describe('node key files', () => {
  function writeKeyFile(folder: string, seed: Uint8Array, publicKey?: string): string {
    const file = join(folder, 'key.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        ed25519Seed: bytesToHex(seed),
        ...(publicKey === undefined ? {} : { ed25519PublicKey: publicKey }),
      }),
      { mode: 0o600 },
    );
    return file;
  }

  it("derives murmur-node's keys from key.json, given the file or the data directory", () => {
    const folder = join(dir, 'node');
    mkdirSync(folder);
    const seed = crypto.randomBytes(32);
    const identity = crypto.identityFromSeed(seed);
    const publicKey = bytesToHex(identity.ed25519.publicKey);
    const file = writeKeyFile(folder, seed, publicKey);
    for (const path of [folder, file]) {
      const keys = loadNodeKeyFile(crypto, path);
      expect(keys.ed25519Hex).toBe(publicKey);
      expect(keys.x25519Hex).toBe(bytesToHex(identity.x25519.publicKey));
      expect(keys.ed25519.secretKey).toEqual(identity.ed25519.secretKey);
    }
    writeKeyFile(folder, seed);
    expect(loadNodeKeyFile(crypto, folder).ed25519Hex).toBe(publicKey);
  });

  it('refuses a key file others can read, a damaged one and a missing one', () => {
    const folder = join(dir, 'node');
    mkdirSync(folder);
    const file = writeKeyFile(folder, crypto.randomBytes(32), '22'.repeat(32));
    expect(thrown(() => loadNodeKeyFile(crypto, folder)).message).toBe(
      `${file}: ed25519PublicKey does not match the seed`,
    );
    chmodSync(file, 0o644);
    expect(thrown(() => loadNodeKeyFile(crypto, folder)).message).toContain(`chmod 600 ${file}`);
    chmodSync(file, 0o600);
    writeFileSync(file, JSON.stringify({ version: 2, ed25519Seed: '11'.repeat(32) }));
    expect(thrown(() => loadNodeKeyFile(crypto, file)).message).toMatch(
      /not a murmur-node key file \(version 1 with ed25519Seed\)/,
    );
    const badKey = JSON.stringify({
      version: 1,
      ed25519Seed: '11'.repeat(32),
      ed25519PublicKey: 5,
    });
    writeFileSync(file, badKey);
    const refused = thrown(() => loadNodeKeyFile(crypto, file));
    expect(refused).toBeInstanceOf(KeyFileError);
    expect(refused.message).toBe(
      `${file} is not a murmur-node key file (version 1 with ed25519Seed): \`ed25519PublicKey\` must be the public key in hex`,
    );
    expect(refused.details).toEqual({ path: file, field: 'ed25519PublicKey' });
    expect(readFileSync(file, 'utf8')).toBe(badKey);
    writeFileSync(file, JSON.stringify({ version: 1, ed25519Seed: 'zz' }));
    expect(thrown(() => loadNodeKeyFile(crypto, file)).message).toBe(
      `${file}: ed25519Seed must be 64 hex characters`,
    );
    const missing = join(dir, 'missing');
    expect(thrown(() => loadNodeKeyFile(crypto, missing)).message).toMatch(
      /^no node key file at .*missing/,
    );
  });
});

describe('secret JSON files', () => {
  it('round-trips with mode 0600 and refuses to write over one', () => {
    const path = join(dir, 'authority.json');
    writeSecretJson(path, { seed: 'ab' }, 'ledger authority key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readSecretJson(path, 'ledger authority key')).toEqual({ seed: 'ab' });
    expect(() => writeSecretJson(path, {}, 'ledger authority key')).toThrow(
      /refusing to overwrite a ledger authority key/,
    );
    expect(() => writeSecretJson(join(dir, 'no', 'such', 'dir.json'), {}, 'x')).toThrow(
      KeyFileError,
    );
  });
});

describe('the main entry', () => {
  it('stays browser-safe: nothing it imports uses node: modules', () => {
    const src = dirname(fileURLToPath(import.meta.url));
    const seen = new Set<string>();
    const queue = ['index.ts'];
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(join(src, file), 'utf8');
      expect(text, file).not.toMatch(/from ['"]node:/);
      for (const match of text.matchAll(/from '\.\/([a-z0-9-]+)\.js'/g)) {
        queue.push(`${match[1]}.ts`);
      }
    }
    expect(seen.has('key-files.ts')).toBe(false);
    expect(seen.size).toBeGreaterThan(10);
    expect(readdirSync(src)).toContain('key-files.ts');
  });
});
