import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '@murmur/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, testCrypto } from '../test-support/fixtures.js';
import { loadNodeKey, nodeKeyFromSeedHex } from './node-key.js';
import { createWalletFile, loadWalletFile } from './wallet-file.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function dir(): string {
  const made = tempDir();
  cleanups.push(made.cleanup);
  return made.dir;
}

describe('wallet files', () => {
  it('creates a 0600 file in the documented format and loads it back', async () => {
    const crypto = await testCrypto();
    const path = join(dir(), 'alice.json');
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
    expect(loadWalletFile(crypto, path).address).toBe(wallet.address);
    expect(() => createWalletFile(crypto, path)).toThrow(/refusing to overwrite/);
  });

  it('refuses a file others can read (printing the chmod command), a damaged one and a missing one', async () => {
    const crypto = await testCrypto();
    const folder = dir();
    const path = join(folder, 'w.json');
    createWalletFile(crypto, path);
    chmodSync(path, 0o640);
    expect(() => loadWalletFile(crypto, path)).toThrow(`chmod 600 ${path}`);
    chmodSync(path, 0o600);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...json, address: '00'.repeat(32) }));
    expect(() => loadWalletFile(crypto, path)).toThrow(/does not match the seed/);
    writeFileSync(path, JSON.stringify({ type: 'murmur-wallet', version: 2, seed: json.seed }));
    expect(() => loadWalletFile(crypto, path)).toThrow(/not a murmur-wallet version 1/);
    writeFileSync(path, 'nope');
    expect(() => loadWalletFile(crypto, path)).toThrow(/not JSON/);
    expect(() => loadWalletFile(crypto, join(folder, 'missing.json'))).toThrow(/no wallet at/);
  });
});

describe('node keys', () => {
  it("reads murmur-node's key.json from the file or the data directory, or a seed in hex", async () => {
    const crypto = await testCrypto();
    const folder = join(dir(), 'node');
    mkdirSync(folder);
    const seed = crypto.randomBytes(32);
    const publicKey = bytesToHex(crypto.ed25519KeyPairFromSeed(seed).publicKey);
    const file = join(folder, 'key.json');
    writeFileSync(
      file,
      JSON.stringify({ version: 1, ed25519Seed: bytesToHex(seed), ed25519PublicKey: publicKey }),
      { mode: 0o600 },
    );
    expect(bytesToHex(loadNodeKey(crypto, folder).publicKey)).toBe(publicKey);
    expect(bytesToHex(loadNodeKey(crypto, file).publicKey)).toBe(publicKey);
    expect(bytesToHex(nodeKeyFromSeedHex(crypto, bytesToHex(seed)).publicKey)).toBe(publicKey);
    expect(() => nodeKeyFromSeedHex(crypto, 'abcd')).toThrow(/64 hex/);
    chmodSync(file, 0o644);
    expect(() => loadNodeKey(crypto, folder)).toThrow(/chmod 600/);
    chmodSync(file, 0o600);
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        ed25519Seed: bytesToHex(seed),
        ed25519PublicKey: '00'.repeat(32),
      }),
    );
    expect(() => loadNodeKey(crypto, file)).toThrow(/does not match/);
  });
});
