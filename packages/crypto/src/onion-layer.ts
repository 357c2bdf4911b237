/**
 * Onion-layer encryption (Session storage server `channel_encryption.cpp`):
 *
 * - `aes-gcm`: key = HMAC-SHA256(key = ASCII "LOKI", message = X25519 shared secret);
 *   output `iv(12) ‖ ciphertext ‖ tag(16)`, no additional data.
 * - `xchacha20`: key = BLAKE2b-256(shared secret ‖ client ephemeral pk ‖ node pk) (the client's
 *   key first in both directions); output `nonce(24) ‖ ciphertext ‖ tag(16)`, no additional data.
 *
 * The node answers with the same key. `aes-cbc` (no MAC) is refused.
 */
import {
  DecryptionFailedError,
  InvalidInputError,
  UnsupportedError,
  utf8Encode,
} from '@murmur/wire';
import type { AesGcm } from './aes-gcm.js';
import type { SodiumBackend } from './backends/types.js';
import type {
  EncryptedLayer,
  EncryptLayerOptions,
  EncryptLayerResponseOptions,
  KeyPair,
  LayerEncryption,
} from './types.js';
import { requireBytes, requireKeyPair } from './validate.js';

/** The HMAC key of the aes-gcm layer key. */
export const AES_GCM_LAYER_KEY_SALT = 'LOKI';
const AES_IV_LENGTH = 12;
const XCHACHA_NONCE_LENGTH = 24;
const TAG_LENGTH = 16;

/**
 * Returns `encType` if it is one of the two accepted modes.
 *
 * @throws UnsupportedError for anything else; for `aes-cbc`/`cbc` the message says it is
 *   refused because it has no MAC.
 */
export function requireLayerEncryption(encType: unknown): LayerEncryption {
  if (encType === 'aes-gcm' || encType === 'xchacha20') return encType;
  if (encType === 'aes-cbc' || encType === 'cbc') {
    throw new UnsupportedError(
      'aes-cbc onion layers are refused: the mode has no MAC, so a relay could alter a layer unnoticed; use aes-gcm or xchacha20',
      { details: { encType } },
    );
  }
  const shown = typeof encType === 'string' ? JSON.stringify(encType.slice(0, 40)) : typeof encType;
  throw new UnsupportedError(`Unknown onion-layer encryption ${shown}; use aes-gcm or xchacha20`);
}

/** The symmetric key of a layer from the X25519 shared secret. */
function layerKey(
  sodium: SodiumBackend,
  encType: LayerEncryption,
  sharedSecret: Uint8Array,
  clientPublicKey: Uint8Array,
  nodePublicKey: Uint8Array,
): Uint8Array {
  if (encType === 'aes-gcm') {
    return sodium.hmacSha256(utf8Encode(AES_GCM_LAYER_KEY_SALT), sharedSecret);
  }
  const input = new Uint8Array(96);
  input.set(sharedSecret, 0);
  input.set(clientPublicKey, 32);
  input.set(nodePublicKey, 64);
  const key = sodium.blake2b(input, 32);
  sodium.wipe(input);
  return key;
}

function nonceLength(encType: LayerEncryption): number {
  return encType === 'aes-gcm' ? AES_IV_LENGTH : XCHACHA_NONCE_LENGTH;
}

/** `iv ‖ AES-256-GCM(plaintext) ‖ tag` under `key`, assembled in one array. */
async function sealAesGcm(
  sodium: SodiumBackend,
  aes: AesGcm,
  key: Uint8Array,
  plaintext: Uint8Array,
  fixedNonce: Uint8Array | undefined,
): Promise<Uint8Array> {
  const iv = fixedNonce ?? sodium.randomBytes(AES_IV_LENGTH);
  const out = await aes.encrypt(key, iv, plaintext, undefined, AES_IV_LENGTH);
  out.set(iv, 0);
  return out;
}

/** `nonce ‖ AEAD(plaintext)`: a value for xchacha20, a promise for aes-gcm. */
function seal(
  sodium: SodiumBackend,
  aes: AesGcm,
  encType: LayerEncryption,
  key: Uint8Array,
  plaintext: Uint8Array,
  fixedNonce: Uint8Array | undefined,
): Uint8Array | Promise<Uint8Array> {
  if (fixedNonce !== undefined) requireBytes(fixedNonce, 'options.nonce', nonceLength(encType));
  return encType === 'aes-gcm'
    ? sealAesGcm(sodium, aes, key, plaintext, fixedNonce)
    : sodium.xchacha20Poly1305Seal(plaintext, fixedNonce, key);
}

function tooShort(encType: LayerEncryption, length: number): DecryptionFailedError {
  const minimum = nonceLength(encType) + TAG_LENGTH;
  return new DecryptionFailedError(
    `An ${encType} onion layer has at least ${minimum} bytes; this one has ${length}`,
    { details: { encType, length } },
  );
}

function notAuthentic(encType: LayerEncryption): DecryptionFailedError {
  return new DecryptionFailedError(
    `The ${encType} onion layer could not be decrypted: wrong key, or it was altered`,
    { details: { encType } },
  );
}

/** Opens `nonce ‖ XChaCha20-Poly1305(plaintext)`. */
function openXChaCha(sodium: SodiumBackend, key: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length < XCHACHA_NONCE_LENGTH + TAG_LENGTH) {
    throw tooShort('xchacha20', ciphertext.length);
  }
  const plaintext = sodium.xchacha20Poly1305Decrypt(
    ciphertext.subarray(XCHACHA_NONCE_LENGTH),
    undefined,
    ciphertext.subarray(0, XCHACHA_NONCE_LENGTH),
    key,
  );
  if (plaintext === undefined) throw notAuthentic('xchacha20');
  return plaintext;
}

/** Opens `iv ‖ AES-256-GCM(plaintext) ‖ tag`. */
async function openAesGcm(
  aes: AesGcm,
  key: Uint8Array,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  if (ciphertext.length < AES_IV_LENGTH + TAG_LENGTH) throw tooShort('aes-gcm', ciphertext.length);
  const plaintext = await aes.decrypt(
    key,
    ciphertext.subarray(0, AES_IV_LENGTH),
    ciphertext.subarray(AES_IV_LENGTH),
  );
  if (plaintext === undefined) throw notAuthentic('aes-gcm');
  return plaintext;
}

/** Opens a layer or response; DecryptionFailedError if it is short or does not verify. */
function open(
  sodium: SodiumBackend,
  aes: AesGcm,
  encType: LayerEncryption,
  key: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | Promise<Uint8Array> {
  return encType === 'aes-gcm'
    ? openAesGcm(aes, key, ciphertext)
    : openXChaCha(sodium, key, ciphertext);
}

/** Client side: encrypts a layer to a node's X25519 key with a fresh ephemeral key. */
export async function encryptLayer(
  sodium: SodiumBackend,
  aes: AesGcm,
  plaintext: Uint8Array,
  recipientX25519PublicKey: Uint8Array,
  encType: LayerEncryption,
  layerOptions?: EncryptLayerOptions,
): Promise<EncryptedLayer> {
  const options = layerOptions ?? {};
  requireBytes(plaintext, 'plaintext');
  requireBytes(recipientX25519PublicKey, 'recipientX25519PublicKey', 32);
  const mode = requireLayerEncryption(encType);
  if (options.ephemeralSecretKey !== undefined) {
    requireBytes(options.ephemeralSecretKey, 'options.ephemeralSecretKey', 32);
  }
  if (options.nonce !== undefined) requireBytes(options.nonce, 'options.nonce', nonceLength(mode));
  const ephemeralSecretKey = options.ephemeralSecretKey ?? sodium.randomBytes(32);
  const ephemeralPublicKey = sodium.scalarMultBase(ephemeralSecretKey);
  const sharedSecret = sodium.scalarMult(ephemeralSecretKey, recipientX25519PublicKey);
  if (options.ephemeralSecretKey === undefined) sodium.wipe(ephemeralSecretKey);
  if (sharedSecret === undefined) {
    throw new InvalidInputError(
      'recipientX25519PublicKey is a low-order point: it gives no usable shared secret',
      { details: { field: 'recipientX25519PublicKey' } },
    );
  }
  const key = layerKey(sodium, mode, sharedSecret, ephemeralPublicKey, recipientX25519PublicKey);
  sodium.wipe(sharedSecret);
  const ciphertext = await seal(sodium, aes, mode, key, plaintext, options.nonce);
  return { ciphertext, ephemeralPublicKey, key };
}

/** Client side: decrypts the node's response with the layer key. */
export async function decryptLayerResponse(
  sodium: SodiumBackend,
  aes: AesGcm,
  ciphertext: Uint8Array,
  key: Uint8Array,
  encType: LayerEncryption,
): Promise<Uint8Array> {
  requireBytes(ciphertext, 'ciphertext');
  requireBytes(key, 'key', 32);
  return open(sodium, aes, requireLayerEncryption(encType), key, ciphertext);
}

/** Node side: decrypts a layer with the node's X25519 pair and the sender's ephemeral key. */
export async function decryptLayer(
  sodium: SodiumBackend,
  aes: AesGcm,
  ciphertext: Uint8Array,
  node: KeyPair,
  senderEphemeralPublicKey: Uint8Array,
  encType: LayerEncryption,
): Promise<{ plaintext: Uint8Array; key: Uint8Array }> {
  requireBytes(ciphertext, 'ciphertext');
  requireKeyPair(node, 'node', 32, 32);
  requireBytes(senderEphemeralPublicKey, 'senderEphemeralPublicKey', 32);
  const mode = requireLayerEncryption(encType);
  const sharedSecret = sodium.scalarMult(node.secretKey, senderEphemeralPublicKey);
  if (sharedSecret === undefined) {
    throw new DecryptionFailedError(
      'The sender’s ephemeral key is a low-order point: it gives no usable shared secret',
    );
  }
  const key = layerKey(sodium, mode, sharedSecret, senderEphemeralPublicKey, node.publicKey);
  sodium.wipe(sharedSecret);
  try {
    return { plaintext: await open(sodium, aes, mode, key, ciphertext), key };
  } catch (error) {
    sodium.wipe(key);
    throw error;
  }
}

/** Node side: encrypts the response with the key its layer was decrypted with. */
export async function encryptLayerResponse(
  sodium: SodiumBackend,
  aes: AesGcm,
  plaintext: Uint8Array,
  key: Uint8Array,
  encType: LayerEncryption,
  responseOptions?: EncryptLayerResponseOptions,
): Promise<Uint8Array> {
  const options = responseOptions ?? {};
  requireBytes(plaintext, 'plaintext');
  requireBytes(key, 'key', 32);
  return seal(sodium, aes, requireLayerEncryption(encType), key, plaintext, options.nonce);
}
