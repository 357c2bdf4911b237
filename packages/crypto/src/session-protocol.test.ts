import {
  BadSignatureError,
  bytesToHex,
  DecryptionFailedError,
  InvalidInputError,
  InvalidSessionIdError,
  utf8Encode,
} from '@murmur/wire';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeBackend } from './backends/native.js';
import type { SodiumBackend } from './backends/types.js';
import { loadWasmBackend } from './backends/wasm.js';
import { loadCrypto } from './load-crypto.js';
import { signedInner } from './session-protocol.js';
import { BACKENDS } from './test-support/backends.js';
import { hex, IDENTITIES, SESSION_PROTOCOL_VECTOR } from './test-support/fixtures.js';
import type { Identity, MurmurCrypto } from './types.js';

describe.each(BACKENDS)('Session Protocol v1 on the %s backend', (backend) => {
  let crypto: MurmurCrypto;
  let sodium: SodiumBackend;
  let alice: Identity;
  let bob: Identity;
  beforeAll(async () => {
    crypto = await loadCrypto({ backend });
    sodium = backend === 'native' ? await loadNativeBackend() : await loadWasmBackend();
    alice = crypto.identityFromSeed(hex(IDENTITIES.alice.seed));
    bob = crypto.identityFromSeed(hex(IDENTITIES.bob.seed));
  });

  it('matches the fixed vector (Alice to Bob, fixed ephemeral key)', () => {
    const vector = SESSION_PROTOCOL_VECTOR;
    const plaintext = hex(vector.plaintext);
    const ciphertext = crypto.encryptForRecipient(plaintext, alice, bob.sessionId, {
      ephemeralSecretKey: hex(vector.ephemeralSecretKey),
    });
    expect(bytesToHex(ciphertext)).toBe(vector.ciphertext);
    expect(bytesToHex(ciphertext.subarray(0, 32))).toBe(vector.ephemeralPublicKey);
    const nonceInput = new Uint8Array([...hex(vector.ephemeralPublicKey), ...bob.x25519.publicKey]);
    expect(bytesToHex(crypto.blake2b(nonceInput, 24))).toBe(vector.nonce);
    const signed = new Uint8Array([
      ...plaintext,
      ...alice.ed25519.publicKey,
      ...bob.x25519.publicKey,
    ]);
    expect(bytesToHex(crypto.sign(signed, alice.ed25519.secretKey))).toBe(vector.signature);

    const opened = crypto.decryptIncoming(hex(vector.ciphertext), bob);
    expect(bytesToHex(opened.plaintext)).toBe(vector.plaintext);
    expect(opened.senderSessionId).toBe(IDENTITIES.alice.sessionId);
    expect(bytesToHex(opened.senderEd25519PublicKey)).toBe(IDENTITIES.alice.ed25519PublicKey);
  });

  it('adds 144 bytes: 48 for the sealed box, 96 for the key and signature', () => {
    const ciphertext = crypto.encryptForRecipient(new Uint8Array(1024), alice, bob.sessionId);
    expect(ciphertext).toHaveLength(1024 + 144);
    expect(crypto.decryptIncoming(ciphertext, bob).plaintext).toEqual(new Uint8Array(1024));
  });

  it('round-trips any message between any two identities (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 2000 }),
        (senderSeed, recipientSeed, plaintext) => {
          const sender = crypto.identityFromSeed(senderSeed);
          const recipient = crypto.identityFromSeed(recipientSeed);
          const padded = crypto.padMessage(plaintext);
          const opened = crypto.decryptIncoming(
            crypto.encryptForRecipient(padded, sender, recipient.sessionId),
            recipient,
          );
          expect(crypto.unpadMessage(opened.plaintext)).toEqual(plaintext);
          expect(opened.senderSessionId).toBe(sender.sessionId);
          expect(opened.senderEd25519PublicKey).toEqual(sender.ed25519.publicKey);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('fails with DecryptionFailedError for any single flipped bit of the ciphertext', () => {
    const ciphertext = hex(SESSION_PROTOCOL_VECTOR.ciphertext);
    for (let bit = 0; bit < ciphertext.length * 8; bit++) {
      const tampered = ciphertext.slice();
      tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(() => crypto.decryptIncoming(tampered, bob)).toThrow(DecryptionFailedError);
    }
  });

  it('fails with BadSignatureError for any flipped bit of the message, key or signature inside the box (property)', () => {
    const plaintext = utf8Encode('sign me');
    const inner = signedInner(sodium, plaintext, alice.ed25519.secretKey, bob.x25519.publicKey);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: inner.length * 8 - 1 }), (bit) => {
        const tampered = inner.slice();
        tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
        const sealed = sodium.boxSeal(tampered, bob.x25519.publicKey);
        expect(() => crypto.decryptIncoming(sealed, bob)).toThrow(BadSignatureError);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a message signed for another recipient (the signature binds the recipient key)', () => {
    const carol = crypto.identityFromSeed(hex(IDENTITIES.carol.seed));
    const inner = signedInner(
      sodium,
      utf8Encode('for carol'),
      alice.ed25519.secretKey,
      carol.x25519.publicKey,
    );
    const forwarded = sodium.boxSeal(inner, bob.x25519.publicKey);
    expect(() => crypto.decryptIncoming(forwarded, bob)).toThrow(BadSignatureError);
  });

  it('refuses a message for someone else, and anything too short to be one', () => {
    const carol = crypto.identityFromSeed(hex(IDENTITIES.carol.seed));
    expect(() => crypto.decryptIncoming(hex(SESSION_PROTOCOL_VECTOR.ciphertext), carol)).toThrow(
      DecryptionFailedError,
    );
    for (const length of [0, 1, 47, 48, 143]) {
      expect(() => crypto.decryptIncoming(new Uint8Array(length), bob)).toThrow(
        DecryptionFailedError,
      );
    }
    expect(() => crypto.decryptIncoming(new Uint8Array(144), bob)).toThrow(DecryptionFailedError);
  });

  it('checks every input before any libsodium call', () => {
    expect(() =>
      crypto.encryptForRecipient('hi' as unknown as Uint8Array, alice, bob.sessionId),
    ).toThrow(InvalidInputError);
    expect(() =>
      crypto.encryptForRecipient(new Uint8Array(1), alice, `03${bob.sessionId.slice(2)}`),
    ).toThrow(InvalidSessionIdError);
    expect(() =>
      crypto.encryptForRecipient(new Uint8Array(1), {} as Identity, bob.sessionId),
    ).toThrow(InvalidInputError);
    const mismatched = {
      ...alice,
      ed25519: { ...alice.ed25519, publicKey: bob.ed25519.publicKey },
    };
    expect(() => crypto.encryptForRecipient(new Uint8Array(1), mismatched, bob.sessionId)).toThrow(
      InvalidInputError,
    );
    expect(() =>
      crypto.encryptForRecipient(new Uint8Array(1), alice, bob.sessionId, {
        ephemeralSecretKey: new Uint8Array(31),
      }),
    ).toThrow(InvalidInputError);
    expect(() =>
      crypto.decryptIncoming(new Uint8Array(200), {
        ...bob,
        x25519: undefined,
      } as unknown as Identity),
    ).toThrow(InvalidInputError);
    expect(() => crypto.decryptIncoming(null as unknown as Uint8Array, bob)).toThrow(
      InvalidInputError,
    );
  });

  it('wipes nothing the caller gave it', () => {
    const plaintext = utf8Encode('keep me');
    crypto.encryptForRecipient(plaintext, alice, bob.sessionId);
    expect(plaintext).toEqual(utf8Encode('keep me'));
  });
});
