/**
 * docs/PROTOCOL.md shows the package's fixed vectors as worked examples. This test reads the
 * page and checks that every value it shows is the tested one, so the two cannot drift apart.
 * Skipped, saying so, where the page is not beside the package (a published tarball).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  IDENTITIES,
  INTERMEDIATE_VECTOR,
  LAYER_VECTORS,
  MESSAGE_HASH_VECTORS,
  SESSION_PROTOCOL_VECTOR,
  SIGNED_REQUEST_VECTORS,
} from './test-support/fixtures.js';
import {
  ACCOUNT_KEYS_VECTOR,
  BUNDLE_VECTOR,
  ROTATION_VECTOR,
  V2_INTERMEDIATE,
  V2_MESSAGE_VECTOR,
  XED25519_VECTOR,
} from './test-support/v2-fixtures.js';

const page = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'docs',
  'PROTOCOL.md',
);

/** `hex` cut at the given byte offsets. */
function segments(hex: string, ...offsets: number[]): string[] {
  const cuts = [
    0,
    ...offsets.map((offset) => (offset < 0 ? hex.length / 2 + offset : offset)),
    hex.length / 2,
  ];
  return cuts.slice(1).map((end, index) => hex.slice((cuts[index] as number) * 2, end * 2));
}

if (!existsSync(page)) {
  describe('docs/PROTOCOL.md', () => {
    it.skip(`skipped: ${page} is not here`, () => {});
  });
} else {
  describe('docs/PROTOCOL.md shows the tested values', () => {
    const text = readFileSync(page, 'utf8').replace(/\s+/g, ' ');
    const shows = (value: string) => expect(text, value).toContain(value);

    it('keys, Session IDs and phrases', () => {
      for (const identity of [IDENTITIES.alice, IDENTITIES.carol]) {
        for (const value of Object.values(identity)) shows(value);
      }
      shows(IDENTITIES.bob.ed25519PublicKey);
      shows(IDENTITIES.bob.x25519PublicKey);
      shows(IDENTITIES.bob.sessionId);
    });

    it('Session Protocol v1', () => {
      const vector = SESSION_PROTOCOL_VECTOR;
      for (const value of [
        vector.plaintext,
        vector.ephemeralPublicKey,
        vector.nonce,
        vector.signature,
      ])
        shows(value);
      for (const part of segments(vector.ciphertext, 32, 48)) shows(part);
    });

    it('intermediate protocol', () => {
      const vector = INTERMEDIATE_VECTOR;
      for (const value of [vector.iv, vector.ephemeralPublicKey, vector.sharedSecret, vector.key])
        shows(value);
      for (const part of segments(vector.ciphertext, 1, 33, 45, -16)) shows(part);
    });

    it('onion layers', () => {
      for (const mode of ['aes-gcm', 'xchacha20'] as const) {
        const vector = LAYER_VECTORS[mode];
        shows(vector.key);
        shows(vector.responseCiphertext);
        for (const part of segments(vector.ciphertext, mode === 'aes-gcm' ? 12 : 24, -16))
          shows(part);
      }
    });

    it('Session Protocol V2: account keys, bundle, XEd25519, messages, rotation', () => {
      const a = ACCOUNT_KEYS_VECTOR;
      for (const value of [
        a.x25519SecretKey,
        a.x25519PublicKey,
        a.mlkem768PublicKeySha256,
        a.mlkem768PublicKey.slice(0, 32),
        a.mlkem768PublicKey.slice(-32),
        BUNDLE_VECTOR.signature,
        BUNDLE_VECTOR.withTimeSha256,
        BUNDLE_VECTOR.signatureWithoutTime,
        BUNDLE_VECTOR.withoutTimeSha256,
        XED25519_VECTOR.ed25519PublicKey,
        XED25519_VECTOR.convertedPublicKey,
        XED25519_VECTOR.signature,
        V2_MESSAGE_VECTOR.ephemeralPublicKey,
        V2_MESSAGE_VECTOR.keyIndicator,
        V2_MESSAGE_VECTOR.mlkemCiphertextSha256,
        V2_MESSAGE_VECTOR.message.slice(72, 104),
        V2_MESSAGE_VECTOR.tail,
        V2_MESSAGE_VECTOR.messageSha256,
        V2_MESSAGE_VECTOR.noPfsEphemeralPublicKey,
        V2_MESSAGE_VECTOR.noPfsTail,
        V2_MESSAGE_VECTOR.noPfsSha256,
        String(ROTATION_VECTOR.oneDevice),
        String(ROTATION_VECTOR.threeDevices),
        ...Object.values(V2_INTERMEDIATE),
      ])
        shows(value);
    });

    it('signed requests and message hashes', () => {
      for (const vector of SIGNED_REQUEST_VECTORS) {
        shows(vector.signature);
        const message = vector.message;
        if (
          message !== undefined &&
          !MESSAGE_HASH_VECTORS.some((hash) => message.includes(hash.hash))
        ) {
          shows(message);
        }
      }
      for (const vector of MESSAGE_HASH_VECTORS) shows(vector.hash);
    });
  });
}
