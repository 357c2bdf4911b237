/**
 * Session Protocol V2: known answers (frozen, checked independently), round trips, and every
 * way a message must be refused, on both backends and both ML-KEM implementations.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { sha3_256, shake256 } from '@noble/hashes/sha3.js';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto } from './load-crypto.js';
import { nobleMlKem768 } from './mlkem.js';
import { V2_MIN_LENGTH } from './session-protocol-v2.js';
import { hex, IDENTITIES, sequence } from './test-support/fixtures.js';
import {
  ACCOUNT_KEYS_VECTOR,
  V2_CONTENT,
  V2_INPUTS,
  V2_INTERMEDIATE,
  V2_MESSAGE_VECTOR,
  V2_NO_PFS_KEY_INDICATOR,
} from './test-support/v2-fixtures.js';
import type { AccountKeys, Identity, MurmurCrypto } from './types.js';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const input = (name: keyof typeof V2_INPUTS) => sequence(V2_INPUTS[name][0], V2_INPUTS[name][1]);
const content = new TextEncoder().encode(V2_CONTENT);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

const VARIANTS = [
  { backend: 'native', mlkem: 'libsodium' },
  { backend: 'native', mlkem: 'noble' },
  { backend: 'wasm', mlkem: 'libsodium' },
  { backend: 'wasm', mlkem: 'noble' },
] as const;

describe.each(VARIANTS)('Session Protocol V2 ($backend, ML-KEM from $mlkem)', (variant) => {
  let c: MurmurCrypto;
  let alice: Identity;
  let bob: Identity;
  let carol: Identity;
  let keys: AccountKeys;
  beforeAll(async () => {
    c = await loadCrypto(variant);
    alice = c.identityFromSeed(hex(IDENTITIES.alice.seed));
    bob = c.identityFromSeed(hex(IDENTITIES.bob.seed));
    carol = c.identityFromSeed(hex(IDENTITIES.carol.seed));
    keys = c.accountKeysFromSeed(input('accountSeed'));
  });
  const bobKeys = () => ({
    mlkem768PublicKey: keys.mlkem768.publicKey,
    x25519PublicKey: keys.x25519.publicKey,
  });

  it('uses the ML-KEM implementation asked for', () => {
    expect(c.mlkem).toBe(variant.mlkem);
  });

  it('derives the account keys of a seed', () => {
    expect(toHex(keys.x25519.secretKey)).toBe(ACCOUNT_KEYS_VECTOR.x25519SecretKey);
    expect(toHex(keys.x25519.publicKey)).toBe(ACCOUNT_KEYS_VECTOR.x25519PublicKey);
    expect(toHex(keys.mlkem768.publicKey)).toBe(ACCOUNT_KEYS_VECTOR.mlkem768PublicKey);
    expect(keys.mlkem768.secretKey).toHaveLength(2400);
    expect(toHex(keys.seed)).toBe(toHex(input('accountSeed')));
  });

  it('encrypts the known-answer V2 message and opens it as v2', () => {
    const message = c.encryptV2(content, alice, bob.sessionId, bobKeys(), {
      ephemeralSecretKey: input('ephemeralSecretKey'),
      mlkemRandom: input('mlkemRandom'),
    });
    expect(toHex(message)).toBe(V2_MESSAGE_VECTOR.message);
    const opened = c.decryptIncoming(message, bob, { accountKeys: [keys] });
    expect(opened.protocol).toBe('v2');
    expect(opened.accountKeys).toBe(keys);
    expect(new TextDecoder().decode(opened.plaintext)).toBe(V2_CONTENT);
    expect(opened.senderSessionId).toBe(alice.sessionId);
    expect(toHex(opened.senderEd25519PublicKey)).toBe(IDENTITIES.alice.ed25519PublicKey);
    expect(opened.proSignature).toBeUndefined();
    expect(toHex(c.v2KeyIndicator(message, bob) as Uint8Array)).toBe(
      toHex(keys.mlkem768.publicKey.subarray(0, 2)),
    );
  });

  it('encrypts the known-answer no-PFS message and opens it as v2-no-pfs', () => {
    const message = c.encryptV2NoPfs(content, alice, bob.sessionId, {
      ephemeralSecretKey: input('noPfsEphemeralSecretKey'),
      keyIndicator: hex(V2_NO_PFS_KEY_INDICATOR),
      filler: input('noPfsFiller'),
    });
    expect(toHex(message)).toBe(V2_MESSAGE_VECTOR.noPfs);
    for (const accountKeys of [[keys], [], undefined]) {
      const opened = c.decryptIncoming(message, bob, { accountKeys });
      expect(opened.protocol).toBe('v2-no-pfs');
      expect(opened.accountKeys).toBeUndefined();
      expect(new TextDecoder().decode(opened.plaintext)).toBe(V2_CONTENT);
    }
  });

  it('still opens v1 and says so', () => {
    const sealed = c.encryptForRecipient(content, alice, bob.sessionId);
    const opened = c.decryptIncoming(sealed, bob, { accountKeys: [keys] });
    expect(opened.protocol).toBe('v1');
    expect(opened.senderSessionId).toBe(alice.sessionId);
  });

  it('round-trips any content; the length is 1536 + 256·n and depends only on the size', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (data) => {
        const pfs = c.encryptV2(data, alice, bob.sessionId, bobKeys());
        const noPfs = c.encryptV2NoPfs(data, alice, bob.sessionId);
        const dictLength = 2 + 38 + 3 + String(data.length).length + 1 + data.length + 70;
        const expected = Math.ceil(Math.max(1536, 1140 + dictLength) / 256) * 256;
        for (const message of [pfs, noPfs]) {
          expect(message.length).toBe(expected);
          expect([...message.subarray(0, 2)]).toEqual([0, 2]);
        }
        const opened = c.decryptIncoming(pfs, bob, { accountKeys: [keys] });
        expect(opened.protocol).toBe('v2');
        expect(toHex(opened.plaintext)).toBe(toHex(data));
        const openedNoPfs = c.decryptIncoming(noPfs, bob, { accountKeys: [keys] });
        expect(openedNoPfs.protocol).toBe('v2-no-pfs');
        expect(toHex(openedNoPfs.plaintext)).toBe(toHex(data));
      }),
      { numRuns: 12 },
    );
  });

  it('refuses a message with any byte changed', () => {
    const message = hex(V2_MESSAGE_VECTOR.message);
    const noPfs = hex(V2_MESSAGE_VECTOR.noPfs);
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.nat({ max: message.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (pfs, index, flip) => {
          const altered = (pfs ? message : noPfs).slice();
          altered[index] = (altered[index] as number) ^ flip;
          // The no-PFS key-indicator and filler slots carry nothing: changing them changes nothing.
          if (!pfs && index >= 2 && index < 4) return;
          if (!pfs && index >= 36 && index < 1124) return;
          expect(codeOf(() => c.decryptIncoming(altered, bob, { accountKeys: [keys] }))).toBe(
            'DECRYPTION_FAILED',
          );
        },
      ),
      { numRuns: 40 },
    );
    // Every region at least once: prefix, indicator, E, ML-KEM ciphertext, body, tag.
    for (const index of [0, 1, 2, 3, 4, 35, 36, 1123, 1124, 1300, message.length - 1]) {
      const altered = message.slice();
      altered[index] = (altered[index] as number) ^ 1;
      expect(codeOf(() => c.decryptIncoming(altered, bob, { accountKeys: [keys] }))).toBe(
        'DECRYPTION_FAILED',
      );
    }
    expect(codeOf(() => c.decryptIncoming(message.subarray(0, 1535), bob))).toBe(
      'DECRYPTION_FAILED',
    );
  });

  it('refuses the wrong keys: another recipient, other account keys, none', () => {
    const message = hex(V2_MESSAGE_VECTOR.message);
    const other = c.generateAccountKeys();
    expect(codeOf(() => c.decryptIncoming(message, carol, { accountKeys: [keys] }))).toBe(
      'DECRYPTION_FAILED',
    );
    expect(codeOf(() => c.decryptIncoming(message, bob, { accountKeys: [other] }))).toBe(
      'DECRYPTION_FAILED',
    );
    expect(codeOf(() => c.decryptIncoming(message, bob))).toBe('DECRYPTION_FAILED');
    // A retired key next to the current one still opens what was sent to it.
    expect(c.decryptIncoming(message, bob, { accountKeys: [other, keys] }).accountKeys).toBe(keys);
    expect(
      codeOf(() => c.decryptIncoming(hex(V2_MESSAGE_VECTOR.noPfs), carol, { accountKeys: [keys] })),
    ).toBe('DECRYPTION_FAILED');
  });

  it('refuses a message whose inner signature is bad, without trying other forms', async () => {
    await sodium.ready;
    const message = hex(V2_MESSAGE_VECTOR.noPfs);
    const key = hex(V2_INTERMEDIATE.noPfsKey);
    const nonce = hex(V2_INTERMEDIATE.noPfsNonce);
    const inner = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      message.subarray(1124),
      null,
      nonce,
      key,
    );
    const signatureAt = hex(V2_INTERMEDIATE.inner).length - 1 - 64;
    inner[signatureAt] = (inner[signatureAt] as number) ^ 1;
    const forged = message.slice();
    forged.set(
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(inner, null, null, nonce, key),
      1124,
    );
    expect(codeOf(() => c.decryptIncoming(forged, bob, { accountKeys: [keys] }))).toBe(
      'BAD_SIGNATURE',
    );
    // A sender key that does not match the signature (S swapped for Carol's key).
    const swapped = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      message.subarray(1124),
      null,
      nonce,
      key,
    );
    swapped.set(hex(IDENTITIES.carol.ed25519PublicKey), 7);
    forged.set(
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(swapped, null, null, nonce, key),
      1124,
    );
    expect(codeOf(() => c.decryptIncoming(forged, bob))).toBe('BAD_SIGNATURE');
  });

  it('carries a Session Pro signature ~P over every byte before it', async () => {
    await sodium.ready;
    const pro = c.ed25519KeyPairFromSeed(sequence(0x55, 32));
    const message = c.encryptV2(content, alice, bob.sessionId, bobKeys(), {
      proEd25519SecretKey: pro.secretKey,
    });
    const opened = c.decryptIncoming(message, bob, { accountKeys: [keys] });
    expect(opened.proSignature).toHaveLength(64);
    const signedPart = hex(V2_INTERMEDIATE.inner).subarray(0, -1);
    expect(c.verify(opened.proSignature as Uint8Array, signedPart, pro.publicKey)).toBe(true);
    const noPfs = c.encryptV2NoPfs(content, alice, bob.sessionId, {
      ephemeralSecretKey: input('noPfsEphemeralSecretKey'),
      keyIndicator: hex(V2_NO_PFS_KEY_INDICATOR),
      filler: input('noPfsFiller'),
      proEd25519SecretKey: pro.secretKey,
    });
    const inner = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      noPfs.subarray(1124),
      null,
      hex(V2_INTERMEDIATE.noPfsNonce),
      hex(V2_INTERMEDIATE.noPfsKey),
    );
    // The dict is the PFS one's (same content) with "2:~P64:<sig>" before the final "e".
    expect(toHex(inner.subarray(0, signedPart.length))).toBe(toHex(signedPart));
    const proSignature = inner.subarray(signedPart.length + 7, signedPart.length + 71);
    expect(c.verify(proSignature, signedPart, pro.publicKey)).toBe(true);
    expect(toHex(c.decryptIncoming(noPfs, bob).proSignature as Uint8Array)).toBe(
      toHex(proSignature),
    );
  });

  it('refuses bad input with InvalidInputError', () => {
    const badMlkem = {
      mlkem768PublicKey: new Uint8Array(1184).fill(0xff),
      x25519PublicKey: keys.x25519.publicKey,
    };
    expect(codeOf(() => c.encryptV2(content, alice, bob.sessionId, badMlkem))).toBe(
      'INVALID_INPUT',
    );
    expect(
      codeOf(() =>
        c.encryptV2(content, alice, bob.sessionId, {
          mlkem768PublicKey: keys.mlkem768.publicKey.subarray(1),
          x25519PublicKey: keys.x25519.publicKey,
        }),
      ),
    ).toBe('INVALID_INPUT');
    expect(
      codeOf(() =>
        c.encryptV2(content, alice, bob.sessionId, bobKeys(), { mlkemRandom: new Uint8Array(31) }),
      ),
    ).toBe('INVALID_INPUT');
    expect(
      codeOf(() =>
        c.decryptIncoming(hex(V2_MESSAGE_VECTOR.message), bob, {
          accountKeys: [{} as AccountKeys],
        }),
      ),
    ).toBe('INVALID_INPUT');
    expect(codeOf(() => c.encryptV2NoPfs(content, alice, 'nonsense'))).toBe('INVALID_SESSION_ID');
  });
});

describe('Session Protocol V2 intermediate values (recomputed from the definitions)', () => {
  it('KISS, key indicator, X-Wing combiner, SHAKE256 key and nonce, no-PFS secret', async () => {
    const c = await loadCrypto({ backend: 'native', mlkem: 'noble' });
    const bobX = hex(IDENTITIES.bob.x25519PublicKey);
    const bobSecret = hex(IDENTITIES.bob.x25519SecretKey);
    const message = hex(V2_MESSAGE_VECTOR.message);
    const ephemeral = message.subarray(4, 36);
    expect(toHex(ephemeral)).toBe(V2_MESSAGE_VECTOR.ephemeralPublicKey);
    const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
    const kiss = blake2b(concat(ephemeral, bobX), {
      dkLen: 2,
      key: c.x25519(bobSecret, ephemeral),
      personalization: new TextEncoder().encode('Session-Msg-KISS'),
    });
    expect(toHex(kiss)).toBe(V2_INTERMEDIATE.kiss);
    const m = hex(ACCOUNT_KEYS_VECTOR.mlkem768PublicKey);
    expect(
      toHex(
        Uint8Array.of(
          (m[0] as number) ^ (kiss[0] as number),
          (m[1] as number) ^ (kiss[1] as number),
        ),
      ),
    ).toBe(V2_MESSAGE_VECTOR.keyIndicator);
    const keys = c.accountKeysFromSeed(input('accountSeed'));
    const ssm = nobleMlKem768.decapsulate(message.subarray(36, 1124), keys.mlkem768.secretKey);
    expect(toHex(ssm)).toBe(V2_INTERMEDIATE.ssm);
    const ssx = c.x25519(keys.x25519.secretKey, ephemeral);
    expect(toHex(ssx)).toBe(V2_INTERMEDIATE.ssx);
    const label = Uint8Array.of(0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c);
    const ss = sha3_256(concat(ssm, ssx, ephemeral, keys.x25519.publicKey, label));
    expect(toHex(ss)).toBe(V2_INTERMEDIATE.ss);
    const kn = shake256(concat(new TextEncoder().encode('SessionV2MessageSS'), ss), { dkLen: 56 });
    expect(toHex(kn.subarray(0, 32))).toBe(V2_INTERMEDIATE.key);
    expect(toHex(kn.subarray(32))).toBe(V2_INTERMEDIATE.nonce);
    const noPfs = hex(V2_MESSAGE_VECTOR.noPfs);
    const e2 = noPfs.subarray(4, 36);
    const dh = c.x25519(bobSecret, e2);
    expect(toHex(dh)).toBe(V2_INTERMEDIATE.noPfsDh);
    const ss2 = sha3_256(concat(dh, bobX, e2, new TextEncoder().encode('SessionV2NonPFS')));
    expect(toHex(ss2)).toBe(V2_INTERMEDIATE.noPfsSs);
    const kn2 = shake256(concat(new TextEncoder().encode('SessionV2NonPFSSS'), ss2), {
      dkLen: 56,
    });
    expect(toHex(kn2.subarray(0, 32))).toBe(V2_INTERMEDIATE.noPfsKey);
    expect(toHex(kn2.subarray(32))).toBe(V2_INTERMEDIATE.noPfsNonce);
    expect(V2_MIN_LENGTH).toBe(1536);
  });
});
