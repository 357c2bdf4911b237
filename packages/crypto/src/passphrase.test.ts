import { InvalidInputError } from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { PASSPHRASE_SEAL_HEADER_LENGTH, PWHASH_MEMLIMIT_MIN } from './passphrase.js';
import { BACKENDS, loadBoth } from './test-support/backends.js';
import type { CryptoBackend, MurmurCrypto } from './types.js';

// Small limits keep the tests fast; the default (interactive) limits are tested once below.
const FAST = { opsLimit: 1, memLimit: PWHASH_MEMLIMIT_MIN * 8 };

let both: Record<CryptoBackend, MurmurCrypto>;
beforeAll(async () => {
  both = await loadBoth();
});

describe.each(BACKENDS)('passphrase seal (%s)', (backend) => {
  const c = () => both[backend];

  it('opens with the right passphrase and gives back the secret', () => {
    const secret = c().randomBytes(32);
    const sealed = c().sealWithPassphrase(secret, 'correct horse battery staple', FAST);
    expect(sealed.length).toBe(PASSPHRASE_SEAL_HEADER_LENGTH + 16 + 32);
    expect(sealed[0]).toBe(1);
    expect(c().openWithPassphrase(sealed, 'correct horse battery staple')).toEqual(secret);
  });

  it('a fresh salt and nonce each time', () => {
    const secret = c().randomBytes(32);
    const a = c().sealWithPassphrase(secret, 'pass', FAST);
    const b = c().sealWithPassphrase(secret, 'pass', FAST);
    expect(a).not.toEqual(b);
  });

  it('a wrong passphrase or an altered byte does not open', () => {
    const secret = c().randomBytes(32);
    const sealed = c().sealWithPassphrase(secret, 'right', FAST);
    expect(c().openWithPassphrase(sealed, 'wrong')).toBeUndefined();
    for (const index of [10, 30, PASSPHRASE_SEAL_HEADER_LENGTH, sealed.length - 1]) {
      const altered = sealed.slice();
      altered[index] = (altered[index] as number) ^ 1;
      expect(c().openWithPassphrase(altered, 'right')).toBeUndefined();
    }
  });

  it('refuses malformed input and crafted limits before doing any work', () => {
    const sealed = c().sealWithPassphrase(new Uint8Array([1, 2, 3]), 'p', FAST);
    expect(() => c().openWithPassphrase(sealed.subarray(0, 20), 'p')).toThrow(InvalidInputError);
    const version = sealed.slice();
    version[0] = 9;
    expect(() => c().openWithPassphrase(version, 'p')).toThrow(/version/);
    const huge = sealed.slice();
    new DataView(huge.buffer).setUint32(5, 0xffffffff);
    expect(() => c().openWithPassphrase(huge, 'p')).toThrow(/memLimit/);
    expect(() => c().sealWithPassphrase(new Uint8Array(1), '', FAST)).toThrow(/passphrase/);
    expect(() => c().sealWithPassphrase(new Uint8Array(1), 'p', { opsLimit: 0 })).toThrow(
      /opsLimit/,
    );
  });
});

describe('passphrase seal across backends', () => {
  it('what one backend seals the other opens (same Argon2id, same secretbox)', () => {
    const secret = both.native.randomBytes(32);
    const fromNative = both.native.sealWithPassphrase(secret, 'pässword', FAST);
    expect(both.wasm.openWithPassphrase(fromNative, 'pässword')).toEqual(secret);
    const fromWasm = both.wasm.sealWithPassphrase(secret, 'pässword', FAST);
    expect(both.native.openWithPassphrase(fromWasm, 'pässword')).toEqual(secret);
  });

  it('the default limits are libsodium interactive ones (written in the header)', () => {
    const sealed = both.native.sealWithPassphrase(new Uint8Array(32), 'x');
    const view = new DataView(sealed.buffer);
    expect([view.getUint32(1), view.getUint32(5)]).toEqual([2, 64 * 1024 * 1024]);
    expect(both.native.openWithPassphrase(sealed, 'x')).toEqual(new Uint8Array(32));
  });
});
