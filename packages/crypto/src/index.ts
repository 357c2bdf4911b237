/**
 * @packageDocumentation
 * `@murmur/crypto`: Murmur's cryptography, one API over two libsodium builds: native
 * (sodium-native, chosen automatically on Node when it loads) and WebAssembly
 * (libsodium-wrappers-sumo, for browsers and as a fallback). Both give byte-identical results
 * wherever the output is deterministic.
 *
 * It covers identities and Session IDs, BIP39 recovery phrases (24 words; 12 for Session's
 * 16-byte seeds), the Session Protocol v1 and its padding, the older intermediate protocol
 * (for reading old messages), Session Protocol V2 (account keys and their signed bundle, forward-
 * secret and post-quantum messages, the no-PFS form), onion-layer AEAD (aes-gcm and xchacha20, client and node
 * side), the signed strings and signatures of storage RPC requests, and message hashes. The
 * normative byte layouts are in `docs/PROTOCOL.md`.
 *
 * @example
 * ```ts
 * import { loadCrypto } from '@murmur/crypto';
 *
 * const crypto = await loadCrypto(); // native on Node when sodium-native loads, else wasm
 * const alice = crypto.generateIdentity();
 * const bob = crypto.identityFromSeed(crypto.seedFromPhrase(bobsTwentyFourWords));
 *
 * const padded = crypto.padMessage(new TextEncoder().encode('hello'));
 * const sealed = crypto.encryptForRecipient(padded, alice, bob.sessionId);
 * const opened = crypto.decryptIncoming(sealed, bob);
 * opened.senderSessionId === alice.sessionId; // true
 * crypto.unpadMessage(opened.plaintext); // the bytes of 'hello'
 * crypto.wipeIdentity(alice); // secrets are plain Uint8Arrays: wipe them when done
 * ```
 */
export {
  ACCOUNT_BUNDLE_MAX_AGE_SECONDS,
  ACCOUNT_BUNDLE_MAX_SKEW_SECONDS,
  ACCOUNT_KEY_RETENTION_SECONDS,
  ACCOUNT_KEY_ROTATION_PERIOD_SECONDS,
  ACCOUNT_KEY_ROTATION_WINDOW_SECONDS,
  ACCOUNT_KEYS_NAMESPACE,
  ACCOUNT_SEED_LENGTH,
  type AccountKeyRotationInput,
  accountKeyRotationTime,
} from './account-keys.js';
export type { AesGcmSource } from './aes-gcm.js';
export { HKDF_SHA256_MAX_LENGTH } from './hkdf.js';
export { SEED_LENGTH, SESSION_SEED_LENGTH } from './identity.js';
export {
  INTERMEDIATE_INFO,
  INTERMEDIATE_VERSION,
  MIN_INTERMEDIATE_LENGTH,
} from './intermediate.js';
export { loadCrypto } from './load-crypto.js';
export { MESSAGE_HASH_LENGTH } from './message-hash.js';
export {
  MLKEM768_CIPHERTEXT_LENGTH,
  MLKEM768_PUBLIC_KEY_LENGTH,
  MLKEM768_SECRET_KEY_LENGTH,
  MLKEM768_SEED_LENGTH,
  type MlKemSource,
} from './mlkem.js';
export {
  CHACHA20_POLY1305_NONCE_LENGTH,
  CHACHA20_POLY1305_TAG_LENGTH,
} from './murmur-crypto.js';
export { AES_GCM_LAYER_KEY_SALT, requireLayerEncryption } from './onion-layer.js';
export { PADDING_BLOCK, PADDING_TERMINATOR } from './padding.js';
export {
  PASSPHRASE_SEAL_HEADER_LENGTH,
  PASSPHRASE_SEAL_VERSION,
  type PassphraseLimits,
  PWHASH_MEMLIMIT_INTERACTIVE,
  PWHASH_MEMLIMIT_MAX,
  PWHASH_MEMLIMIT_MIN,
  PWHASH_OPSLIMIT_INTERACTIVE,
  PWHASH_OPSLIMIT_MAX,
  PWHASH_OPSLIMIT_MIN,
} from './passphrase.js';
export { normalisePhrase, PHRASE_WORD_COUNTS } from './phrase.js';
export { SIGNED_REQUEST_METHODS, SUBACCOUNT_TOKEN_LENGTH } from './request-signing.js';
export { SESSION_ID_LENGTH, SESSION_ID_PREFIX } from './session-id.js';
export { MIN_CIPHERTEXT_LENGTH } from './session-protocol.js';
export { V2_HEADER_LENGTH, V2_MIN_LENGTH, V2_OVERHEAD } from './session-protocol-v2.js';
export type {
  AccountKeyBundle,
  AccountKeys,
  AccountPublicKeys,
  CryptoBackend,
  DecryptedMessage,
  DecryptIncomingOptions,
  EncryptedLayer,
  EncryptForRecipientOptions,
  EncryptIntermediateOptions,
  EncryptLayerOptions,
  EncryptLayerResponseOptions,
  EncryptV2NoPfsOptions,
  EncryptV2Options,
  Identity,
  KeyPair,
  LayerEncryption,
  LoadCryptoOptions,
  MessageProtocol,
  MurmurCrypto,
  SignedRequestMethod,
  SignedRequestParams,
  SubaccountTokenInput,
  UnsignedRequestMethod,
} from './types.js';
export { assertEd25519KeyPair, assertX25519KeyPair } from './validate.js';
