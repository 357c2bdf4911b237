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
  ACCOUNT_KEY_RETENTION_SECONDS,
  ACCOUNT_KEYS_NAMESPACE,
  ACCOUNT_SEED_LENGTH,
  type AccountKeyRotationInput,
  accountKeyRotationTime,
} from './account-keys.js';
export { loadCrypto } from './load-crypto.js';
export { MESSAGE_HASH_LENGTH } from './message-hash.js';
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
