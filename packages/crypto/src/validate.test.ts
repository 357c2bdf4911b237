import { InvalidInputError } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { assertEd25519KeyPair, assertX25519KeyPair } from './validate.js';

const bytes = (length: number) => new Uint8Array(length);

describe('the key-pair checks', () => {
  it('accept pairs of the right lengths', () => {
    expect(() =>
      assertX25519KeyPair({ publicKey: bytes(32), secretKey: bytes(32) }, 'x'),
    ).not.toThrow();
    expect(() =>
      assertEd25519KeyPair({ publicKey: bytes(32), secretKey: bytes(64) }, 'e'),
    ).not.toThrow();
  });

  it('refuse anything else with InvalidInputError naming the field', () => {
    const bad: unknown[] = [
      undefined,
      null,
      'key',
      {},
      { publicKey: bytes(31), secretKey: bytes(32) },
      { publicKey: bytes(32), secretKey: bytes(33) },
      { publicKey: [1, 2], secretKey: bytes(32) },
    ];
    for (const value of bad) {
      expect(() => assertX25519KeyPair(value, 'node')).toThrow(InvalidInputError);
      expect(() => assertX25519KeyPair(value, 'node')).toThrow(
        expect.objectContaining({ details: { field: 'node' } }),
      );
    }
    // An X25519 pair is not an Ed25519 one (libsodium's Ed25519 secret key is 64 bytes).
    expect(() =>
      assertEd25519KeyPair({ publicKey: bytes(32), secretKey: bytes(32) }, 'wallet'),
    ).toThrow(expect.objectContaining({ details: { field: 'wallet' } }));
  });
});
