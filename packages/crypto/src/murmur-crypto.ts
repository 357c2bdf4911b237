/**
 * Builds the {@link MurmurCrypto} object over one loaded backend and one AES-GCM source. Every
 * method is written once, in the module that owns it; this file binds them and implements the
 * small primitives.
 */
import { DecryptionFailedError, InvalidInputError } from '@murmur/wire';
import {
  decodeAccountKeyBundle,
  deriveAccountKeys,
  encodeAccountKeyBundle,
} from './account-keys.js';
import type { AesGcm } from './aes-gcm.js';
import type { SodiumBackend } from './backends/types.js';
import { hkdfSha256 } from './hkdf.js';
import { generateIdentity, identityFromSeed, wipeIdentity } from './identity.js';
import { decryptIntermediate, encryptIntermediate } from './intermediate.js';
import { messageHash } from './message-hash.js';
import type { MlKem768 } from './mlkem.js';
import {
  decryptLayer,
  decryptLayerResponse,
  encryptLayer,
  encryptLayerResponse,
} from './onion-layer.js';
import { padMessage, unpadMessage } from './padding.js';
import { openWithPassphrase, sealWithPassphrase } from './passphrase.js';
import { phraseFromSeed, seedFromPhrase } from './phrase.js';
import {
  signedRequestBytes,
  signedRequestMessage,
  signRequest,
  verifyRequest,
} from './request-signing.js';
import { createSenderIdCache } from './sender-id-cache.js';
import { isSessionId, parseSessionId } from './session-id.js';
import { decryptIncoming, encryptForRecipient } from './session-protocol.js';
import {
  decryptV2,
  encryptV2,
  encryptV2NoPfs,
  looksLikeV2,
  v2Failed,
  v2KeyIndicator,
} from './session-protocol-v2.js';
import type {
  AccountKeys,
  DecryptedMessage,
  DecryptIncomingOptions,
  MurmurCrypto,
} from './types.js';
import { nobleV2Hashes, type V2Hashes } from './v2-hashes.js';
import { requireBytes, requireInteger, requireObject } from './validate.js';
import { xed25519PublicKey, xed25519Sign, xed25519Verify } from './xed25519.js';

/** Nonce length of IETF ChaCha20-Poly1305. */
export const CHACHA20_POLY1305_NONCE_LENGTH = 12;
/** Tag length of ChaCha20-Poly1305. */
export const CHACHA20_POLY1305_TAG_LENGTH = 16;

/** The largest `randomBytes` request (1 GiB is far beyond any use; it guards against typos). */
const MAX_RANDOM_BYTES = 1 << 30;

function requireAccountKeysList(value: unknown): readonly AccountKeys[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new InvalidInputError('options.accountKeys must be an array of account keys', {
      details: { field: 'options.accountKeys' },
    });
  }
  value.forEach((keys: AccountKeys, index) => {
    const field = `options.accountKeys[${index}]`;
    requireObject(keys, field);
    requireObject(keys.x25519, `${field}.x25519`);
    requireObject(keys.mlkem768, `${field}.mlkem768`);
    requireBytes(keys.x25519.secretKey, `${field}.x25519.secretKey`, 32);
    requireBytes(keys.x25519.publicKey, `${field}.x25519.publicKey`, 32);
    requireBytes(keys.mlkem768.secretKey, `${field}.mlkem768.secretKey`, 2400);
    requireBytes(keys.mlkem768.publicKey, `${field}.mlkem768.publicKey`, 1184);
  });
  return value;
}

/**
 * Opens v1 and V2 messages. A V2-shaped message is tried with the matching account keys, then
 * the no-PFS form, then as v1 (a sealed box starts with `00 02` once in 65536); anything else
 * is v1. Only an AEAD or box failure moves on; a bad signature refuses the message.
 */
function decryptAny(
  sodium: SodiumBackend,
  hashes: V2Hashes,
  mlkem: MlKem768,
  senderIdOf: ReturnType<typeof createSenderIdCache>,
  ciphertext: Uint8Array,
  recipient: Parameters<MurmurCrypto['decryptIncoming']>[1],
  options: DecryptIncomingOptions | undefined,
): DecryptedMessage {
  requireBytes(ciphertext, 'ciphertext');
  if (options !== undefined) requireObject(options, 'options');
  const accountKeys = requireAccountKeysList(options?.accountKeys);
  if (looksLikeV2(ciphertext)) {
    const opened = decryptV2(sodium, hashes, mlkem, senderIdOf, ciphertext, recipient, accountKeys);
    if (opened !== undefined) return opened;
    try {
      return { ...decryptIncoming(sodium, senderIdOf, ciphertext, recipient), protocol: 'v1' };
    } catch (error) {
      if (error instanceof DecryptionFailedError) throw v2Failed(ciphertext.length);
      throw error;
    }
  }
  try {
    return { ...decryptIncoming(sodium, senderIdOf, ciphertext, recipient), protocol: 'v1' };
  } catch (error) {
    if (error instanceof DecryptionFailedError && ciphertext[0] === 0x00) {
      throw new DecryptionFailedError(
        `The message could not be decrypted: it starts 00 ${(ciphertext[1] ?? 0).toString(16).padStart(2, '0')}, an unknown Session Protocol version (or a short V2 message), and is no v1 message either`,
        { cause: error, details: { version: ciphertext[1], length: ciphertext.length } },
      );
    }
    throw error;
  }
}

/**
 * The MurmurCrypto object of a backend, an AES-GCM source, an ML-KEM-768 implementation and the
 * V2 hashes (default `@noble/hashes`).
 */
export function createMurmurCrypto(
  sodium: SodiumBackend,
  aes: AesGcm,
  mlkem: MlKem768,
  hashes: V2Hashes = nobleV2Hashes,
): MurmurCrypto {
  const senderIdOf = createSenderIdCache(sodium);
  return {
    backend: sodium.name,
    aesGcm: aes.source,
    mlkem: mlkem.source,

    generateIdentity: () => generateIdentity(sodium),
    identityFromSeed: (seed) => identityFromSeed(sodium, seed),
    wipeIdentity: (identity) => wipeIdentity(sodium, identity),
    phraseFromSeed,
    seedFromPhrase,
    parseSessionId,
    isSessionId,

    encryptForRecipient: (plaintext, sender, recipientSessionId, options) =>
      encryptForRecipient(sodium, plaintext, sender, recipientSessionId, options),
    decryptIncoming: (ciphertext, recipient, options) =>
      decryptAny(sodium, hashes, mlkem, senderIdOf, ciphertext, recipient, options),

    generateAccountKeys() {
      const seed = sodium.randomBytes(32);
      try {
        return deriveAccountKeys(sodium, mlkem, seed);
      } finally {
        sodium.wipe(seed);
      }
    },
    accountKeysFromSeed: (seed) => deriveAccountKeys(sodium, mlkem, seed),
    wipeAccountKeys(keys) {
      requireObject(keys, 'keys');
      for (const secret of [keys.seed, keys.x25519?.secretKey, keys.mlkem768?.secretKey]) {
        if (secret instanceof Uint8Array) sodium.wipe(secret);
      }
    },
    encodeAccountKeyBundle: (bundle, owner, options) =>
      encodeAccountKeyBundle(sodium, bundle, owner, options),
    decodeAccountKeyBundle: (bytes, ownerSessionId, options) =>
      decodeAccountKeyBundle(sodium, bytes, ownerSessionId, options),
    xed25519Sign: (secretKey, message, random) => xed25519Sign(sodium, secretKey, message, random),
    xed25519Verify: (signature, publicKey, message) =>
      xed25519Verify(sodium, signature, publicKey, message),
    xed25519PublicKey,
    encryptV2: (content, sender, recipientSessionId, recipientKeys, options) =>
      encryptV2(sodium, hashes, mlkem, content, sender, recipientSessionId, recipientKeys, options),
    encryptV2NoPfs: (content, sender, recipientSessionId, options) =>
      encryptV2NoPfs(sodium, hashes, content, sender, recipientSessionId, options),
    v2KeyIndicator: (ciphertext, recipient) =>
      v2KeyIndicator(sodium, hashes, ciphertext, recipient),
    padMessage,
    unpadMessage,
    encryptIntermediate: (plaintext, sender, recipientSessionId, options) =>
      encryptIntermediate(sodium, aes, plaintext, sender, recipientSessionId, options),
    decryptIntermediate: (ciphertext, recipient) =>
      decryptIntermediate(sodium, senderIdOf, aes, ciphertext, recipient),

    encryptLayer: (plaintext, recipientX25519PublicKey, encType, options) =>
      encryptLayer(sodium, aes, plaintext, recipientX25519PublicKey, encType, options),
    decryptLayerResponse: (ciphertext, key, encType) =>
      decryptLayerResponse(sodium, aes, ciphertext, key, encType),
    decryptLayer: (ciphertext, node, senderEphemeralPublicKey, encType) =>
      decryptLayer(sodium, aes, ciphertext, node, senderEphemeralPublicKey, encType),
    encryptLayerResponse: (plaintext, key, encType, options) =>
      encryptLayerResponse(sodium, aes, plaintext, key, encType, options),

    signedRequestMessage,
    signedRequestBytes,
    signRequest: (method, params, secretKey) => signRequest(sodium, method, params, secretKey),
    verifyRequest: (method, params, signature, publicKey) =>
      verifyRequest(sodium, method, params, signature, publicKey),
    messageHash: (pubkeyHex, namespace, data) => messageHash(sodium, pubkeyHex, namespace, data),

    sign(message, ed25519SecretKey) {
      requireBytes(message, 'message');
      requireBytes(ed25519SecretKey, 'ed25519SecretKey', 64);
      return sodium.signDetached(message, ed25519SecretKey);
    },

    proSignatureDecoy(scalars) {
      if (scalars !== undefined) {
        requireBytes(scalars.r, 'scalars.r', 32);
        requireBytes(scalars.s, 'scalars.s', 32);
      }
      const r = scalars?.r ?? sodium.ed25519ScalarRandom();
      const point = sodium.ed25519ScalarMultBaseNoclamp(r);
      if (point === undefined) {
        throw new InvalidInputError('scalars.r must not be zero', {
          details: { field: 'scalars.r' },
        });
      }
      const out = new Uint8Array(64);
      out.set(point, 0);
      out.set(scalars?.s ?? sodium.ed25519ScalarRandom(), 32);
      return out;
    },

    verify(signature, message, ed25519PublicKey) {
      requireBytes(signature, 'signature');
      requireBytes(message, 'message');
      requireBytes(ed25519PublicKey, 'ed25519PublicKey', 32);
      // libsodium reads exactly 64 bytes: any other length is a bad signature, not a prefix.
      if (signature.length !== 64) return false;
      return sodium.verifyDetached(signature, message, ed25519PublicKey);
    },

    ed25519KeyPairFromSeed(seed32) {
      requireBytes(seed32, 'seed32', 32);
      return sodium.signSeedKeyPair(seed32);
    },

    ed25519PublicKeyToX25519(publicKey) {
      requireBytes(publicKey, 'publicKey', 32);
      const out = sodium.ed25519PublicKeyToX25519(publicKey);
      if (out === undefined) {
        throw new InvalidInputError('publicKey is not a valid Ed25519 point (or has low order)', {
          details: { field: 'publicKey' },
        });
      }
      return out;
    },

    x25519KeyPair() {
      const secretKey = sodium.randomBytes(32);
      return { publicKey: sodium.scalarMultBase(secretKey), secretKey };
    },

    x25519PublicKey(secretKey) {
      requireBytes(secretKey, 'secretKey', 32);
      return sodium.scalarMultBase(secretKey);
    },

    x25519(secretKey, publicKey) {
      requireBytes(secretKey, 'secretKey', 32);
      requireBytes(publicKey, 'publicKey', 32);
      const out = sodium.scalarMult(secretKey, publicKey);
      if (out === undefined) {
        throw new InvalidInputError(
          'publicKey is a low-order X25519 point: the shared secret would be all zeros',
          { details: { field: 'publicKey' } },
        );
      }
      return out;
    },

    blake2b(data, outputLength = 32, key) {
      requireBytes(data, 'data');
      requireInteger(outputLength, 'outputLength', 16, 64);
      if (key !== undefined) {
        requireBytes(key, 'key');
        if (key.length < 16 || key.length > 64) {
          throw new InvalidInputError(`key must be 16 to 64 bytes, got ${key.length} bytes`, {
            details: { field: 'key' },
          });
        }
      }
      return sodium.blake2b(data, outputLength, key);
    },

    sha256(data) {
      requireBytes(data, 'data');
      return sodium.sha256(data);
    },

    hmacSha256(key, data) {
      requireBytes(key, 'key');
      requireBytes(data, 'data');
      return sodium.hmacSha256(key, data);
    },

    hkdfSha256: (ikm, salt, info, length) => hkdfSha256(sodium, ikm, salt, info, length),

    chacha20Poly1305Encrypt(plaintext, nonce, key, additionalData) {
      requireBytes(plaintext, 'plaintext');
      requireBytes(nonce, 'nonce', CHACHA20_POLY1305_NONCE_LENGTH);
      requireBytes(key, 'key', 32);
      if (additionalData !== undefined) requireBytes(additionalData, 'additionalData');
      return sodium.chacha20Poly1305Encrypt(plaintext, additionalData, nonce, key);
    },

    chacha20Poly1305Decrypt(ciphertext, nonce, key, additionalData) {
      requireBytes(ciphertext, 'ciphertext');
      requireBytes(nonce, 'nonce', CHACHA20_POLY1305_NONCE_LENGTH);
      requireBytes(key, 'key', 32);
      if (additionalData !== undefined) requireBytes(additionalData, 'additionalData');
      if (ciphertext.length < CHACHA20_POLY1305_TAG_LENGTH) return undefined;
      return sodium.chacha20Poly1305Decrypt(ciphertext, additionalData, nonce, key);
    },

    randomBytes(length) {
      requireInteger(length, 'length', 0, MAX_RANDOM_BYTES);
      return sodium.randomBytes(length);
    },

    sealWithPassphrase: (secret, passphrase, limits) =>
      sealWithPassphrase(sodium, secret, passphrase, limits),
    openWithPassphrase: (sealed, passphrase) => openWithPassphrase(sodium, sealed, passphrase),

    equalConstantTime(a, b) {
      requireBytes(a, 'a');
      requireBytes(b, 'b');
      if (a.length !== b.length) return false;
      return a.length === 0 || sodium.equalConstantTime(a, b);
    },

    wipe(bytes) {
      requireBytes(bytes, 'bytes');
      if (bytes.length > 0) sodium.wipe(bytes);
    },
  };
}
