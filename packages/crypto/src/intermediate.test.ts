import {
  bytesToHex,
  DecryptionFailedError,
  InvalidInputError,
  MurmurError,
  UnsupportedError,
} from '@murmur/wire';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto } from './load-crypto.js';
import { BACKENDS } from './test-support/backends.js';
import { hex, IDENTITIES, INTERMEDIATE_VECTOR } from './test-support/fixtures.js';
import type { Identity, MurmurCrypto } from './types.js';

describe.each(BACKENDS)('intermediate protocol on the %s backend', (backend) => {
  let crypto: MurmurCrypto;
  let alice: Identity;
  let bob: Identity;
  beforeAll(async () => {
    crypto = await loadCrypto({ backend });
    alice = crypto.identityFromSeed(hex(IDENTITIES.alice.seed));
    bob = crypto.identityFromSeed(hex(IDENTITIES.bob.seed));
  });

  it('matches the fixed vector and opens it', async () => {
    const vector = INTERMEDIATE_VECTOR;
    const ciphertext = await crypto.encryptIntermediate(
      hex(vector.plaintext),
      alice,
      bob.sessionId,
      {
        ephemeralSecretKey: hex(vector.ephemeralSecretKey),
        iv: hex(vector.iv),
      },
    );
    expect(bytesToHex(ciphertext)).toBe(vector.ciphertext);
    const ephemeralSecretKey = hex(vector.ephemeralSecretKey);
    const basePoint = hex('0900000000000000000000000000000000000000000000000000000000000000');
    expect(bytesToHex(crypto.x25519(ephemeralSecretKey, basePoint))).toBe(
      vector.ephemeralPublicKey,
    );
    const shared = crypto.x25519(ephemeralSecretKey, bob.x25519.publicKey);
    expect(bytesToHex(shared)).toBe(vector.sharedSecret);
    const salt = new Uint8Array([...hex(vector.ephemeralPublicKey), ...bob.x25519.publicKey]);
    const key = crypto.hkdfSha256(
      shared,
      salt,
      new TextEncoder().encode('Murmur intermediate v1'),
      32,
    );
    expect(bytesToHex(key)).toBe(vector.key);
    const opened = await crypto.decryptIntermediate(hex(vector.ciphertext), bob);
    expect(bytesToHex(opened.plaintext)).toBe(vector.plaintext);
    expect(opened.senderSessionId).toBe(IDENTITIES.alice.sessionId);
  });

  it('starts with version byte 0x01 and adds 157 bytes', async () => {
    const ciphertext = await crypto.encryptIntermediate(new Uint8Array(100), alice, bob.sessionId);
    expect(ciphertext[0]).toBe(0x01);
    expect(ciphertext).toHaveLength(100 + 157);
  });

  it('round-trips any message (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 1500 }),
        async (seed, plaintext) => {
          const sender = crypto.identityFromSeed(seed);
          const opened = await crypto.decryptIntermediate(
            await crypto.encryptIntermediate(plaintext, sender, bob.sessionId),
            bob,
          );
          expect(opened.plaintext).toEqual(plaintext);
          expect(opened.senderSessionId).toBe(sender.sessionId);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('fails with a typed error for any single flipped bit (UnsupportedError in the version byte)', async () => {
    const ciphertext = hex(INTERMEDIATE_VECTOR.ciphertext);
    for (let bit = 0; bit < ciphertext.length * 8; bit++) {
      const tampered = ciphertext.slice();
      tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
      const error = await crypto.decryptIntermediate(tampered, bob).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(bit < 8 ? UnsupportedError : DecryptionFailedError);
    }
  });

  it('names an unknown version byte', async () => {
    const ciphertext = hex(INTERMEDIATE_VECTOR.ciphertext);
    ciphertext[0] = 0x02;
    await expect(crypto.decryptIntermediate(ciphertext, bob)).rejects.toThrow(/version 0x02/);
  });

  it('refuses short input, other recipients and low-order ephemeral keys', async () => {
    for (const length of [0, 1, 100, 156]) {
      const short = new Uint8Array(length);
      if (length > 0) short[0] = 0x01;
      await expect(crypto.decryptIntermediate(short, bob)).rejects.toThrow(DecryptionFailedError);
    }
    const carol = crypto.identityFromSeed(hex(IDENTITIES.carol.seed));
    await expect(
      crypto.decryptIntermediate(hex(INTERMEDIATE_VECTOR.ciphertext), carol),
    ).rejects.toThrow(DecryptionFailedError);
    const lowOrder = hex(INTERMEDIATE_VECTOR.ciphertext);
    lowOrder.fill(0, 1, 33);
    await expect(crypto.decryptIntermediate(lowOrder, bob)).rejects.toThrow(DecryptionFailedError);
  });

  it('checks its inputs', async () => {
    await expect(
      crypto.encryptIntermediate(new Uint8Array(1), alice, bob.sessionId, {
        iv: new Uint8Array(16),
      }),
    ).rejects.toThrow(InvalidInputError);
    await expect(
      crypto.encryptIntermediate(new Uint8Array(1), alice, 'nope'),
    ).rejects.toBeInstanceOf(MurmurError);
  });
});
