import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '@murmur/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, testCrypto } from '../test-support/fixtures.js';
import { loadNodeKey, nodeKeyFromSeedHex } from './node-key.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function dir(): string {
  const made = tempDir();
  cleanups.push(made.cleanup);
  return made.dir;
}

// The key file itself is `@murmur/registry/key-files`' (tested there); these are the wallet
// command's two ways to name the node key.
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
  });
});
