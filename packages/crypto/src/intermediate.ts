/**
 * The intermediate protocol of the seed design, kept to read old messages (never the default
 * for sending). Layout, version 0x01:
 *
 * `0x01 ‖ ephemeral_x25519_pk(32) ‖ iv(12) ‖ AES-256-GCM(inner) ‖ tag(16)`, where
 * `inner = message ‖ sender_ed25519_pk(32) ‖ signature(64)` exactly as in Session Protocol v1
 * and the key is HKDF-SHA256(ikm = X25519(ephemeral_sk, recipient_x25519_pk),
 * salt = ephemeral_pk ‖ recipient_x25519_pk, info = "Murmur intermediate v1", 32 bytes).
 * No additional data: the version is bound through the HKDF info string.
 */
import {
  DecryptionFailedError,
  InvalidSessionIdError,
  UnsupportedError,
  utf8Encode,
} from '@murmur/wire';
import type { AesGcm } from './aes-gcm.js';
import type { SodiumBackend } from './backends/types.js';
import { hkdfSha256 } from './hkdf.js';
import { recipientX25519, senderSecretKey } from './identity.js';
import type { SenderIdLookup } from './sender-id-cache.js';
import { parseSessionId } from './session-id.js';
import { INNER_OVERHEAD, openSignedInner, signedInner } from './session-protocol.js';
import type { DecryptedMessage, EncryptIntermediateOptions, Identity } from './types.js';
import { requireBytes } from './validate.js';

/** The version byte of this layout. */
export const INTERMEDIATE_VERSION = 0x01;
/** The HKDF info string of version 0x01. */
export const INTERMEDIATE_INFO = 'Murmur intermediate v1';
const HEADER_LENGTH = 1 + 32 + 12;
const TAG_LENGTH = 16;
/** The shortest intermediate ciphertext (an empty message). */
export const MIN_INTERMEDIATE_LENGTH = HEADER_LENGTH + INNER_OVERHEAD + TAG_LENGTH;

function intermediateKey(
  sodium: SodiumBackend,
  sharedSecret: Uint8Array,
  ephemeralPublicKey: Uint8Array,
  recipientKey: Uint8Array,
): Uint8Array {
  const salt = new Uint8Array(64);
  salt.set(ephemeralPublicKey, 0);
  salt.set(recipientKey, 32);
  return hkdfSha256(sodium, sharedSecret, salt, utf8Encode(INTERMEDIATE_INFO), 32);
}

/** Encrypts `plaintext` with the intermediate protocol, version 0x01. */
export async function encryptIntermediate(
  sodium: SodiumBackend,
  aes: AesGcm,
  plaintext: Uint8Array,
  sender: Identity,
  recipientSessionId: string,
  intermediateOptions?: EncryptIntermediateOptions,
): Promise<Uint8Array> {
  const options = intermediateOptions ?? {};
  requireBytes(plaintext, 'plaintext');
  const secretKey = senderSecretKey(sender, 'sender');
  const recipientKey = parseSessionId(recipientSessionId);
  if (options.ephemeralSecretKey !== undefined) {
    requireBytes(options.ephemeralSecretKey, 'options.ephemeralSecretKey', 32);
  }
  if (options.iv !== undefined) requireBytes(options.iv, 'options.iv', 12);

  const ephemeralSecretKey = options.ephemeralSecretKey ?? sodium.randomBytes(32);
  const ephemeralPublicKey = sodium.scalarMultBase(ephemeralSecretKey);
  const sharedSecret = sodium.scalarMult(ephemeralSecretKey, recipientKey);
  if (options.ephemeralSecretKey === undefined) sodium.wipe(ephemeralSecretKey);
  if (sharedSecret === undefined) {
    throw new InvalidSessionIdError('The recipient key gives no usable shared secret');
  }
  const key = intermediateKey(sodium, sharedSecret, ephemeralPublicKey, recipientKey);
  sodium.wipe(sharedSecret);
  const iv = options.iv ?? sodium.randomBytes(12);
  const inner = signedInner(sodium, plaintext, secretKey, recipientKey);
  try {
    const out = await aes.encrypt(key, iv, inner, undefined, HEADER_LENGTH);
    out[0] = INTERMEDIATE_VERSION;
    out.set(ephemeralPublicKey, 1);
    out.set(iv, 33);
    return out;
  } finally {
    sodium.wipe(key);
    sodium.wipe(inner);
  }
}

/**
 * Opens an intermediate-protocol message and checks its signature.
 *
 * @throws UnsupportedError for a version byte other than 0x01; DecryptionFailedError if it is
 *   too short, the ephemeral key is unusable or the AES-GCM tag fails; BadSignatureError if the
 *   signature does not verify.
 */
export async function decryptIntermediate(
  sodium: SodiumBackend,
  senderIdOf: SenderIdLookup,
  aes: AesGcm,
  ciphertext: Uint8Array,
  recipient: Identity,
): Promise<DecryptedMessage> {
  requireBytes(ciphertext, 'ciphertext');
  const own = recipientX25519(recipient, 'recipient');
  if (ciphertext.length === 0) {
    throw new DecryptionFailedError('The intermediate-protocol message is empty');
  }
  const version = ciphertext[0] as number;
  if (version !== INTERMEDIATE_VERSION) {
    throw new UnsupportedError(
      `Intermediate-protocol version 0x${version.toString(16).padStart(2, '0')} is not supported; this build reads version 0x01`,
      { details: { version } },
    );
  }
  if (ciphertext.length < MIN_INTERMEDIATE_LENGTH) {
    throw new DecryptionFailedError(
      `An intermediate-protocol message has at least ${MIN_INTERMEDIATE_LENGTH} bytes; this one has ${ciphertext.length}`,
      { details: { length: ciphertext.length } },
    );
  }
  const ephemeralPublicKey = ciphertext.subarray(1, 33);
  const iv = ciphertext.subarray(33, HEADER_LENGTH);
  const sharedSecret = sodium.scalarMult(own.secretKey, ephemeralPublicKey);
  if (sharedSecret === undefined) {
    throw new DecryptionFailedError('The message names an unusable (low-order) ephemeral key');
  }
  const key = intermediateKey(sodium, sharedSecret, ephemeralPublicKey, own.publicKey);
  sodium.wipe(sharedSecret);
  const inner = await aes.decrypt(key, iv, ciphertext.subarray(HEADER_LENGTH));
  sodium.wipe(key);
  if (inner === undefined) {
    throw new DecryptionFailedError(
      'The message could not be decrypted: it was not encrypted to this recipient, or it was altered',
    );
  }
  return openSignedInner(sodium, senderIdOf, inner, own.publicKey);
}
