import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto } from '@murmur/crypto';
import { bytesToHex } from '@murmur/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createWalletFile,
  loadNodeKeys,
  loadOrCreateWalletFile,
  loadWalletFile,
} from './wallets.js';

const crypto = await loadCrypto();
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'testnet-wallets-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('wallet files', () => {
  it("writes murmur-devnet's format with mode 0600 and reads it back", () => {
    const path = join(dir, 'w.json');
    const wallet = createWalletFile(crypto, path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    expect(json).toMatchObject({ type: 'murmur-wallet', version: 1, address: wallet.address });
    expect(json.seed).toMatch(/^[0-9a-f]{64}$/);
    expect(bytesToHex(crypto.ed25519KeyPairFromSeed(Buffer.from(json.seed, 'hex')).publicKey)).toBe(
      wallet.address,
    );
    expect(loadWalletFile(crypto, path).address).toBe(wallet.address);
    expect(loadOrCreateWalletFile(crypto, path).address).toBe(wallet.address);
  });

  it('never overwrites and refuses a file others can read', () => {
    const path = join(dir, 'w.json');
    createWalletFile(crypto, path);
    expect(() => createWalletFile(crypto, path)).toThrow(/never overwritten/);
    chmodSync(path, 0o644);
    expect(() => loadWalletFile(crypto, path)).toThrow(/chmod 600/);
  });
});

describe('loadNodeKeys', () => {
  it("derives murmur-node's keys from key.json", () => {
    const seed = crypto.randomBytes(32);
    const identity = crypto.identityFromSeed(seed);
    writeFileSync(
      join(dir, 'key.json'),
      JSON.stringify({
        version: 1,
        ed25519Seed: bytesToHex(seed),
        ed25519PublicKey: bytesToHex(identity.ed25519.publicKey),
      }),
      { mode: 0o600 },
    );
    const keys = loadNodeKeys(crypto, dir);
    expect(keys.ed25519Hex).toBe(bytesToHex(identity.ed25519.publicKey));
    expect(keys.x25519Hex).toBe(bytesToHex(identity.x25519.publicKey));
  });

  it('refuses a key file whose public key does not match', () => {
    writeFileSync(
      join(dir, 'key.json'),
      JSON.stringify({
        version: 1,
        ed25519Seed: '11'.repeat(32),
        ed25519PublicKey: '22'.repeat(32),
      }),
      { mode: 0o600 },
    );
    expect(() => loadNodeKeys(crypto, dir)).toThrow(/does not match/);
    expect(() => loadNodeKeys(crypto, join(dir, 'missing'))).toThrow(/no node key file/);
  });
});
