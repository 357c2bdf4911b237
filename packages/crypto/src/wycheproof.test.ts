/**
 * Google's Wycheproof vectors, read from test/vectors/wycheproof in this package. A missing file
 * fails the suite (readWycheproof throws); nothing here is ever skipped.
 */
import { bytesToHex, InvalidInputError } from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AesGcm, loadAesGcm } from './aes-gcm.js';
import { loadNativeBackend } from './backends/native.js';
import type { SodiumBackend } from './backends/types.js';
import { loadWasmBackend } from './backends/wasm.js';
import { loadCrypto } from './load-crypto.js';
import {
  BACKENDS,
  readWycheproof,
  type WycheproofHexField,
  type WycheproofTest,
} from './test-support/backends.js';
import { hex } from './test-support/fixtures.js';
import type { CryptoBackend, MurmurCrypto } from './types.js';

const text = (test: WycheproofTest, field: WycheproofHexField) => hex(test[field] ?? '');

describe('Wycheproof', () => {
  const crypto = {} as Record<CryptoBackend, MurmurCrypto>;
  const sodium = {} as Record<CryptoBackend, SodiumBackend>;
  beforeAll(async () => {
    crypto.native = await loadCrypto({ backend: 'native' });
    crypto.wasm = await loadCrypto({ backend: 'wasm' });
    sodium.native = await loadNativeBackend();
    sodium.wasm = await loadWasmBackend();
  });

  describe('Ed25519 (ed25519_test.json)', () => {
    const groups = readWycheproof('ed25519');
    const cases = groups.flatMap((group) =>
      group.tests.map((test) => ({ publicKey: group.publicKey?.pk ?? '', test })),
    );
    const invalid = cases.filter(({ test }) => test.result === 'invalid').length;

    it(`both backends give libsodium's answer, which is Wycheproof's, on all ${cases.length} cases (${invalid} invalid)`, () => {
      const disagreements: number[] = [];
      for (const { publicKey, test } of cases) {
        const signature = text(test, 'sig');
        const message = text(test, 'msg');
        const key = hex(publicKey);
        const native = crypto.native.verify(signature, message, key);
        const wasm = crypto.wasm.verify(signature, message, key);
        // libsodium itself, called directly, for the signatures it can be given (64 bytes).
        const libsodium =
          signature.length === 64 ? sodium.native.verifyDetached(signature, message, key) : false;
        const expected = test.result === 'valid';
        if (native !== expected || wasm !== expected || libsodium !== expected)
          disagreements.push(test.tcId);
      }
      expect(disagreements).toEqual([]);
      expect(invalid).toBeGreaterThan(0);
    });
  });

  describe('X25519 (x25519_test.json)', () => {
    const tests = readWycheproof('x25519').flatMap((group) => group.tests);
    it.each(BACKENDS)(
      `%s: every one of the ${tests.length} cases gives the shared secret, or a typed error exactly where it is all zeros`,
      (backend) => {
        const mismatches: number[] = [];
        for (const test of tests) {
          const expected = test.shared ?? '';
          const zero = /^0+$/.test(expected);
          try {
            const shared = crypto[backend].x25519(text(test, 'private'), text(test, 'public'));
            if (zero || bytesToHex(shared) !== expected) mismatches.push(test.tcId);
          } catch (error) {
            if (!zero || !(error instanceof InvalidInputError)) mismatches.push(test.tcId);
          }
        }
        expect(mismatches).toEqual([]);
      },
    );
  });

  describe('AES-GCM (aes_gcm_test.json)', () => {
    const groups = readWycheproof('aes_gcm');
    const aes = {} as Record<'node' | 'webcrypto', AesGcm>;
    beforeAll(async () => {
      aes.node = await loadAesGcm('node');
      aes.webcrypto = await loadAesGcm('webcrypto');
    });
    const count = groups.reduce((sum, group) => sum + group.tests.length, 0);

    const count96 = groups
      .filter((group) => group.ivSize === 96)
      .reduce((sum, group) => sum + group.tests.length, 0);

    it.each(['node', 'webcrypto'] as const)(
      `%s: all ${count} cases; the ${count96} with Murmur's 12-byte IV all pass, IV sizes the platform refuses fail closed`,
      async (source) => {
        const failures: number[] = [];
        const refused = new Set<number>();
        for (const group of groups) {
          for (const test of group.tests) {
            const key = text(test, 'key');
            const iv = text(test, 'iv');
            const aad = text(test, 'aad');
            const message = text(test, 'msg');
            const sealed = new Uint8Array([...text(test, 'ct'), ...text(test, 'tag')]);
            const opened = await aes[source].decrypt(key, iv, sealed, aad);
            let encrypted: Uint8Array | undefined;
            try {
              encrypted = await aes[source].encrypt(key, iv, message, aad);
            } catch {
              // OpenSSL refuses IVs over 256 bytes; Node's WebCrypto also IVs under 12 bytes.
              refused.add(group.ivSize ?? 0);
              if (opened !== undefined) failures.push(test.tcId);
              continue;
            }
            if (test.result === 'valid') {
              if (opened === undefined || bytesToHex(opened) !== bytesToHex(message))
                failures.push(test.tcId);
              if (bytesToHex(encrypted) !== bytesToHex(sealed)) failures.push(test.tcId);
            } else if (opened !== undefined) {
              failures.push(test.tcId);
            }
          }
        }
        expect(failures).toEqual([]);
        expect(refused.has(96)).toBe(false);
      },
    );
  });

  describe('XChaCha20-Poly1305 (xchacha20_poly1305_test.json)', () => {
    const groups = readWycheproof('xchacha20_poly1305');
    const count = groups.reduce((sum, group) => sum + group.tests.length, 0);
    it.each(BACKENDS)(
      `%s: all ${count} cases (other nonce sizes refused at the door)`,
      (backend) => {
        const failures: number[] = [];
        for (const group of groups) {
          for (const test of group.tests) {
            if (group.ivSize !== 192) {
              // Murmur only takes 24-byte nonces; these cases are all invalid by their size.
              if (test.result === 'valid') failures.push(test.tcId);
              continue;
            }
            const key = text(test, 'key');
            const nonce = text(test, 'iv');
            const aad = text(test, 'aad');
            const message = text(test, 'msg');
            const sealed = new Uint8Array([...text(test, 'ct'), ...text(test, 'tag')]);
            const opened = sodium[backend].xchacha20Poly1305Decrypt(sealed, aad, nonce, key);
            if (test.result === 'valid') {
              const encrypted = sodium[backend].xchacha20Poly1305Encrypt(message, aad, nonce, key);
              if (opened === undefined || bytesToHex(opened) !== bytesToHex(message))
                failures.push(test.tcId);
              if (bytesToHex(encrypted) !== bytesToHex(sealed)) failures.push(test.tcId);
            } else if (opened !== undefined) {
              failures.push(test.tcId);
            }
          }
        }
        expect(failures).toEqual([]);
      },
    );
  });

  describe('ChaCha20-Poly1305 (chacha20_poly1305_test.json)', () => {
    const groups = readWycheproof('chacha20_poly1305');
    const count = groups.reduce((sum, group) => sum + group.tests.length, 0);
    it.each(BACKENDS)(
      `%s: all ${count} cases (other nonce sizes refused at the door)`,
      (backend) => {
        const failures: number[] = [];
        for (const group of groups) {
          for (const test of group.tests) {
            const key = text(test, 'key');
            const nonce = text(test, 'iv');
            const aad = text(test, 'aad');
            const message = text(test, 'msg');
            const sealed = new Uint8Array([...text(test, 'ct'), ...text(test, 'tag')]);
            if (group.ivSize !== 96) {
              // Murmur only takes 12-byte nonces; these cases are refused before libsodium.
              let refused = false;
              try {
                crypto[backend].chacha20Poly1305Decrypt(sealed, nonce, key, aad);
              } catch (error) {
                refused = error instanceof InvalidInputError;
              }
              if (!refused || test.result === 'valid') failures.push(test.tcId);
              continue;
            }
            const opened = crypto[backend].chacha20Poly1305Decrypt(sealed, nonce, key, aad);
            if (test.result === 'valid') {
              const encrypted = crypto[backend].chacha20Poly1305Encrypt(message, nonce, key, aad);
              if (opened === undefined || bytesToHex(opened) !== bytesToHex(message))
                failures.push(test.tcId);
              if (bytesToHex(encrypted) !== bytesToHex(sealed)) failures.push(test.tcId);
            } else if (opened !== undefined) {
              failures.push(test.tcId);
            }
          }
        }
        expect(failures).toEqual([]);
      },
    );
  });

  describe('HKDF-SHA256 (hkdf_sha256_test.json)', () => {
    const tests = readWycheproof('hkdf_sha256').flatMap((group) => group.tests);
    it.each(BACKENDS)(`%s: all ${tests.length} cases`, (backend) => {
      const failures: number[] = [];
      for (const test of tests) {
        const size = test.size ?? 0;
        try {
          const okm = crypto[backend].hkdfSha256(
            text(test, 'ikm'),
            text(test, 'salt'),
            text(test, 'info'),
            size,
          );
          if (test.result !== 'valid' || bytesToHex(okm) !== test.okm) failures.push(test.tcId);
        } catch (error) {
          if (test.result === 'valid' || !(error instanceof InvalidInputError))
            failures.push(test.tcId);
        }
      }
      expect(failures).toEqual([]);
    });
  });

  describe('HMAC-SHA256 (hmac_sha256_test.json)', () => {
    const groups = readWycheproof('hmac_sha256');
    const count = groups.reduce((sum, group) => sum + group.tests.length, 0);
    it.each(BACKENDS)(
      `%s: all ${count} cases (truncated tags compared on their length)`,
      (backend) => {
        const failures: number[] = [];
        for (const group of groups) {
          const tagBytes = (group.tagSize ?? 0) / 8;
          for (const test of group.tests) {
            const tag = crypto[backend]
              .hmacSha256(text(test, 'key'), text(test, 'msg'))
              .subarray(0, tagBytes);
            const matches = bytesToHex(tag) === test.tag;
            if (matches !== (test.result === 'valid')) failures.push(test.tcId);
          }
        }
        expect(failures).toEqual([]);
      },
    );
  });
});
