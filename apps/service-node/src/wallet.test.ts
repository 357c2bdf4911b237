import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { createWalletFile, KeyFileError } from '@murmur/registry/key-files';
import { bytesToHex } from '@murmur/wire';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadWalletFile } from './wallet.js';

let crypto: MurmurCrypto;
let dir: string;
beforeAll(async () => {
  crypto = await loadCrypto();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'node-wallet-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, value: unknown, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value), { mode });
  chmodSync(path, mode);
  return path;
}

describe('the operator wallet file of murmur-node register', () => {
  it('reads the wallet files murmur-devnet and @murmur/testnet write', () => {
    const path = join(dir, 'operator.json');
    const created = createWalletFile(crypto, path);
    expect(loadWalletFile(crypto, path).address).toBe(created.address);
  });

  it('also reads bare {seed} files and publicKey in place of address', () => {
    const seed = crypto.randomBytes(32);
    const address = bytesToHex(crypto.ed25519KeyPairFromSeed(seed).publicKey);
    expect(loadWalletFile(crypto, write('bare.json', { seed: bytesToHex(seed) })).address).toBe(
      address,
    );
    const aliased = write('aliased.json', { publicKey: address, seed: bytesToHex(seed) });
    expect(loadWalletFile(crypto, aliased).address).toBe(address);
  });

  it('refuses what is not a wallet, naming the file and what is wrong', () => {
    const seed = bytesToHex(crypto.randomBytes(32));
    const cases: [unknown, RegExp][] = [
      [{ type: 'murmur-authority', seed }, /is a murmur-authority file, not a murmur-wallet/],
      [{ address: '00'.repeat(32), seed }, /address does not match the seed/],
      [{ address: 'ab' }, /not a murmur-wallet version 1 file/],
      [{ seed: 'abcd' }, /seed must be 64 hex characters/],
      ['{', /is not a valid wallet file \(not JSON\)/],
    ];
    for (const [value, message] of cases) {
      const path = write('wallet.json', value);
      expect(() => loadWalletFile(crypto, path)).toThrow(message);
      expect(() => loadWalletFile(crypto, path)).toThrow(KeyFileError);
      expect(() => loadWalletFile(crypto, path)).toThrow(path);
    }
    const missing = join(dir, 'missing.json');
    expect(() => loadWalletFile(crypto, missing)).toThrow(`no wallet file at ${missing}`);
  });

  it('refuses a wallet others can read, with the chmod command that fixes it', () => {
    const path = write('wallet.json', { seed: bytesToHex(crypto.randomBytes(32)) }, 0o644);
    expect(() => loadWalletFile(crypto, path)).toThrow(
      `${path} can be read by other users (mode 644); it holds a secret key. Fix it with: chmod 600 ${path}`,
    );
  });
});
