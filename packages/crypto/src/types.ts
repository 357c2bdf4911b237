/**
 * Public types of `@murmur/crypto`: key pairs, identities, the options of each operation and the
 * {@link MurmurCrypto} interface that both backends implement.
 */
import type { RpcMethod } from '@murmur/wire';

/** Which libsodium build does the work: `native` (sodium-native, Node only) or `wasm`. */
export type CryptoBackend = 'native' | 'wasm';

/** A public key and its secret key. For Ed25519 the secret key is libsodium's 64-byte form. */
export interface KeyPair {
  /** 32-byte public key. */
  publicKey: Uint8Array;
  /** Secret key: 64 bytes (seed ‖ public key) for Ed25519, 32 bytes for X25519. Wipe when done. */
  secretKey: Uint8Array;
}

/** A Session account: the seed, both key pairs derived from it and the Session ID. */
export interface Identity {
  /** The seed as given: 32 bytes, or 16 bytes for a Session-style seed. Secret. */
  seed: Uint8Array;
  /** Ed25519 key pair from `crypto_sign_seed_keypair` (secret key in libsodium's 64-byte form). */
  ed25519: KeyPair;
  /** X25519 key pair converted from the Ed25519 pair (libsodium's ed25519 → curve25519). */
  x25519: KeyPair;
  /** `05` followed by the hex of the X25519 public key: 66 lower-case hex characters. */
  sessionId: string;
}

/** What {@link MurmurCrypto.decryptIncoming} returns once the box opened and the signature held. */
export interface DecryptedMessage {
  /**
   * The sender's message: for v1 still Session-padded (if the sender padded it), for V2 the
   * content exactly as sent (V2 pads inside its own format). It may be a view of a larger
   * buffer whose other bytes are public keys; `wipe(plaintext)` clears the message itself.
   */
  plaintext: Uint8Array;
  /** The sender's Session ID, derived from the Ed25519 key that signed the message. */
  senderSessionId: string;
  /** The sender's Ed25519 public key, 32 bytes. */
  senderEd25519PublicKey: Uint8Array;
  /**
   * Which form opened the message: `v1` (sealed box to the long-term key), `v2` (account keys:
   * forward-secret and post-quantum) or `v2-no-pfs` (V2 layout sealed to the long-term key:
   * not forward-secret). Absent only from older objects built by hand.
   */
  protocol?: MessageProtocol;
  /** V2 only: the account keys (one of those given) that opened the message. */
  accountKeys?: AccountKeys | undefined;
  /** V2 only: the Session Pro signature `~P`, when the message has one (not verified here). */
  proSignature?: Uint8Array | undefined;
}

/** The message forms {@link MurmurCrypto.decryptIncoming} opens. */
export type MessageProtocol = 'v1' | 'v2' | 'v2-no-pfs';

/**
 * Session Protocol V2 account keys: a 32-byte seed and what SHAKE256 expands it to. All of it
 * but the public keys is secret; wipe with {@link MurmurCrypto.wipeAccountKeys}.
 */
export interface AccountKeys {
  /** The 32-byte seed the keys come from (what is stored). */
  seed: Uint8Array;
  /** X25519 pair: the SHAKE output's first 32 bytes and their public key. */
  x25519: KeyPair;
  /** ML-KEM-768 pair: public key 1184 bytes, expanded secret key 2400 bytes. */
  mlkem768: KeyPair;
}

/** The public account keys a sender encrypts to, as a bundle carries them. */
export interface AccountPublicKeys {
  /** ML-KEM-768 public key, 1184 bytes (`M`). */
  mlkem768PublicKey: Uint8Array;
  /** X25519 public key, 32 bytes (`X`). */
  x25519PublicKey: Uint8Array;
}

/** A published account-key bundle's content. */
export interface AccountKeyBundle extends AccountPublicKeys {
  /** Murmur's `t`: creation time in unix seconds (absent in bundles Session clients publish). */
  created?: number | undefined;
}

/** Fixed inputs for {@link MurmurCrypto.encryptV2}, for test vectors only. */
export interface EncryptV2Options {
  /** 32-byte ephemeral X25519 secret key e instead of a fresh one. */
  ephemeralSecretKey?: Uint8Array | undefined;
  /** The 32 random bytes m of the ML-KEM encapsulation instead of fresh ones. */
  mlkemRandom?: Uint8Array | undefined;
  /** A Session Pro Ed25519 secret key (64 bytes): adds `~P`, its signature of the bytes before. */
  proEd25519SecretKey?: Uint8Array | undefined;
}

/** Fixed inputs for {@link MurmurCrypto.encryptV2NoPfs}, for test vectors only. */
export interface EncryptV2NoPfsOptions {
  /** 32-byte ephemeral X25519 secret key e instead of a fresh one. */
  ephemeralSecretKey?: Uint8Array | undefined;
  /** The 2 random bytes in the key-indicator slot instead of fresh ones. */
  keyIndicator?: Uint8Array | undefined;
  /** The 1088 random bytes in the ML-KEM ciphertext slot instead of fresh ones. */
  filler?: Uint8Array | undefined;
  /** A Session Pro Ed25519 secret key (64 bytes): adds `~P`. */
  proEd25519SecretKey?: Uint8Array | undefined;
}

/** Options of {@link MurmurCrypto.decryptIncoming}. */
export interface DecryptIncomingOptions {
  /**
   * The recipient's account keys, current and retired (V2). The ones whose key indicator
   * matches are tried; then the no-PFS form; then v1.
   */
  accountKeys?: readonly AccountKeys[] | undefined;
}

/** The two onion-layer encryptions Murmur accepts (Session's `aes-cbc` has no MAC: refused). */
export type LayerEncryption = 'aes-gcm' | 'xchacha20';

/** One encrypted onion layer and what the client keeps to read the answer. */
export interface EncryptedLayer {
  /** `IV(12) ‖ ct ‖ tag(16)` for aes-gcm, `nonce(24) ‖ ct ‖ tag(16)` for xchacha20. */
  ciphertext: Uint8Array;
  /** The fresh ephemeral X25519 public key the node needs (sent as `ephemeral_key`). */
  ephemeralPublicKey: Uint8Array;
  /** The symmetric key shared with the node; it also decrypts the node's response. Secret. */
  key: Uint8Array;
}

/** Fixed inputs for {@link MurmurCrypto.encryptLayer}, for test vectors only. */
export interface EncryptLayerOptions {
  /** 32-byte ephemeral X25519 secret key instead of a fresh random one. */
  ephemeralSecretKey?: Uint8Array;
  /** The IV (12 bytes, aes-gcm) or nonce (24 bytes, xchacha20) instead of a random one. */
  nonce?: Uint8Array;
}

/** Fixed inputs for {@link MurmurCrypto.encryptLayerResponse}, for test vectors only. */
export interface EncryptLayerResponseOptions {
  /** The IV (12 bytes, aes-gcm) or nonce (24 bytes, xchacha20) instead of a random one. */
  nonce?: Uint8Array;
}

/** Fixed inputs for {@link MurmurCrypto.encryptForRecipient}, for test vectors only. */
export interface EncryptForRecipientOptions {
  /**
   * 32-byte X25519 secret key to use as the sealed box's ephemeral key instead of a fresh one.
   * The output is then deterministic (and still an ordinary sealed box).
   */
  ephemeralSecretKey?: Uint8Array;
}

/** Fixed inputs for {@link MurmurCrypto.encryptIntermediate}, for test vectors only. */
export interface EncryptIntermediateOptions {
  /** 32-byte ephemeral X25519 secret key instead of a fresh random one. */
  ephemeralSecretKey?: Uint8Array;
  /** 12-byte AES-GCM IV instead of a random one. */
  iv?: Uint8Array;
}

/** The storage RPC methods whose requests carry no signature of their own. */
export type UnsignedRequestMethod =
  | 'get_swarm'
  | 'info'
  | 'batch'
  | 'sequence'
  | 'oxend_request'
  | 'active_nodes_bin';

/** The storage RPC methods whose requests carry an Ed25519 signature: every other one. */
export type SignedRequestMethod = Exclude<RpcMethod, UnsignedRequestMethod>;

/** A subaccount token as an RPC carries it: 36 bytes, or their hex or base64 text. */
export type SubaccountTokenInput = Uint8Array | string;

/**
 * The fields of a storage RPC request that its signature covers, under the RPC's own names, so
 * that the request's `params` object can be passed as is (other fields are ignored).
 */
export interface SignedRequestParams {
  /** Integer namespace (−32768 … 32767), absent = 0; `'all'` for delete_all, delete_before, expire_all. */
  namespace?: number | 'all' | undefined;
  /** Request timestamp in milliseconds (an integer, or its decimal text as old clients send). */
  timestamp?: number | string | undefined;
  /** store only: the timestamp the signature covers; defaults to `timestamp`. */
  sig_timestamp?: number | string | undefined;
  /** Message hashes (delete, expire, get_expiries), in request order. */
  messages?: readonly string[] | undefined;
  /** expire: one expiry for all messages, or one per message; expire_all: one expiry (ms). */
  expiry?: number | string | readonly (number | string)[] | undefined;
  /** delete_before: the cut-off time in milliseconds. */
  before?: number | string | undefined;
  /** expire: only shorten expiries. */
  shorten?: boolean | undefined;
  /** expire: only extend expiries. */
  extend?: boolean | undefined;
  /** revoke_subaccount: the token, or tokens, to revoke (36 bytes each). */
  revoke?: SubaccountTokenInput | readonly SubaccountTokenInput[] | undefined;
  /** unrevoke_subaccount: the token, or tokens, to unrevoke (36 bytes each). */
  unrevoke?: SubaccountTokenInput | readonly SubaccountTokenInput[] | undefined;
}

/** Options of {@link loadCrypto}. */
export interface LoadCryptoOptions {
  /**
   * `native` (sodium-native; fails with an UnsupportedError where it cannot load) or `wasm`
   * (libsodium-wrappers-sumo). Absent: native when it loads, else wasm.
   */
  backend?: CryptoBackend | undefined;
  /**
   * Where AES-256-GCM comes from: `node` (node:crypto) or `webcrypto` (globalThis.crypto.subtle).
   * Absent: node:crypto when it can be imported, else WebCrypto.
   */
  aesGcm?: 'node' | 'webcrypto' | undefined;
  /**
   * Where ML-KEM-768 comes from: `libsodium` (the WebAssembly libsodium 1.0.22, faster) or
   * `noble` (`@noble/post-quantum`). Both give the same bytes. Absent: libsodium, else noble.
   */
  mlkem?: 'libsodium' | 'noble' | undefined;
}

/**
 * Every operation of `@murmur/crypto`, bound to one loaded backend. Obtain it with
 * {@link loadCrypto}. Inputs of the wrong type or length throw an `InvalidInputError` before any
 * libsodium call; no method logs, and no error message contains a secret.
 */
export interface MurmurCrypto {
  /** The libsodium build in use. */
  readonly backend: CryptoBackend;
  /** Where AES-256-GCM comes from. */
  readonly aesGcm: 'node' | 'webcrypto';

  /** A new identity from a fresh 32-byte random seed. */
  generateIdentity(): Identity;
  /**
   * The identity of a seed: 32 bytes, or 16 bytes (a Session seed, extended with 16 zero bytes
   * exactly as Session does; `identity.seed` is then the 16 bytes given).
   */
  identityFromSeed(seed: Uint8Array): Identity;
  /** Ends an identity's life: overwrites its seed and secret keys with zeros. */
  wipeIdentity(identity: Identity): void;

  /** The BIP39 English phrase of a seed: 24 words for 32 bytes, 12 words for 16 bytes. */
  phraseFromSeed(seed: Uint8Array): string;
  /** The seed (16 or 32 bytes) of a 12- or 24-word BIP39 English phrase; `InvalidPhraseError` otherwise. */
  seedFromPhrase(phrase: string): Uint8Array;

  /** The 32-byte X25519 public key of a `05` Session ID; `InvalidSessionIdError` otherwise. */
  parseSessionId(id: string): Uint8Array;
  /** True when {@link MurmurCrypto.parseSessionId} would accept `id`. */
  isSessionId(id: unknown): id is string;

  /** Session Protocol v1: sign, then seal to the recipient's X25519 key. */
  encryptForRecipient(
    plaintext: Uint8Array,
    sender: Identity,
    recipientSessionId: string,
    options?: EncryptForRecipientOptions,
  ): Uint8Array;
  /**
   * Opens a Session Protocol message, v1 or V2 (with the account keys given, then the no-PFS
   * form), checks its signature and says which form opened it (`protocol`).
   */
  decryptIncoming(
    ciphertext: Uint8Array,
    recipient: Identity,
    options?: DecryptIncomingOptions,
  ): DecryptedMessage;

  /** Where ML-KEM-768 comes from. */
  readonly mlkem: 'libsodium' | 'noble';
  /** Fresh account keys from a new random seed. */
  generateAccountKeys(): AccountKeys;
  /** The account keys of a 32-byte seed (SHAKE256 expansion, as libsession). */
  accountKeysFromSeed(seed: Uint8Array): AccountKeys;
  /** Overwrites the seed and secret keys of account keys with zeros. */
  wipeAccountKeys(keys: AccountKeys): void;
  /** The signed bundle to publish in namespace −21 (signed by `owner`'s long-term key). */
  encodeAccountKeyBundle(
    bundle: AccountKeyBundle,
    owner: Identity,
    options?: { signatureRandom?: Uint8Array | undefined },
  ): Uint8Array;
  /**
   * Reads a bundle fetched for `ownerSessionId` and checks its signature and its `t` (at most
   * 48 h old). Throws PayloadMalformedError, BadSignatureError or StaleKeysError.
   */
  decodeAccountKeyBundle(
    bytes: Uint8Array,
    ownerSessionId: string,
    options?: { now?: number | undefined },
  ): AccountPublicKeys & { created: number | undefined };
  /** XEd25519 signature of `message` by an X25519 private key (`random`: the 64-byte Z). */
  xed25519Sign(x25519SecretKey: Uint8Array, message: Uint8Array, random?: Uint8Array): Uint8Array;
  /** Checks an XEd25519 signature with strict Ed25519 under the converted X25519 key. */
  xed25519Verify(signature: Uint8Array, x25519PublicKey: Uint8Array, message: Uint8Array): boolean;
  /** The Ed25519 key (sign bit 0) an X25519 public key converts to. */
  xed25519PublicKey(x25519PublicKey: Uint8Array): Uint8Array;
  /** Session Protocol V2 (forward-secret, post-quantum) to the recipient's account keys. */
  encryptV2(
    content: Uint8Array,
    sender: Identity,
    recipientSessionId: string,
    recipientKeys: AccountPublicKeys,
    options?: EncryptV2Options,
  ): Uint8Array;
  /** V2's no-PFS form: the same layout, sealed to the long-term key only. */
  encryptV2NoPfs(
    content: Uint8Array,
    sender: Identity,
    recipientSessionId: string,
    options?: EncryptV2NoPfsOptions,
  ): Uint8Array;
  /**
   * The key indicator of a V2 message for this recipient: the first two bytes of the ML-KEM
   * public key it was sent to (undefined for anything that is not V2 or not openable).
   */
  v2KeyIndicator(ciphertext: Uint8Array, recipient: Identity): Uint8Array | undefined;

  /** Session's padding: `0x80`, then zeros up to a multiple of 160 bytes. */
  padMessage(bytes: Uint8Array): Uint8Array;
  /** Removes Session padding (both the current and the older `160k − 1` lengths). */
  unpadMessage(bytes: Uint8Array): Uint8Array;

  /** The intermediate protocol (version 0x01), for reading old messages. */
  encryptIntermediate(
    plaintext: Uint8Array,
    sender: Identity,
    recipientSessionId: string,
    options?: EncryptIntermediateOptions,
  ): Promise<Uint8Array>;
  /** Opens an intermediate-protocol message and checks its signature. */
  decryptIntermediate(ciphertext: Uint8Array, recipient: Identity): Promise<DecryptedMessage>;

  /** Client side of an onion layer: a fresh ephemeral X25519 key per call. */
  encryptLayer(
    plaintext: Uint8Array,
    recipientX25519PublicKey: Uint8Array,
    encType: LayerEncryption,
    options?: EncryptLayerOptions,
  ): Promise<EncryptedLayer>;
  /** Client side: decrypts a node's response with the layer key. */
  decryptLayerResponse(
    ciphertext: Uint8Array,
    key: Uint8Array,
    encType: LayerEncryption,
  ): Promise<Uint8Array>;
  /** Node side: decrypts a layer with the node's X25519 key pair and the sender's ephemeral key. */
  decryptLayer(
    ciphertext: Uint8Array,
    node: KeyPair,
    senderEphemeralPublicKey: Uint8Array,
    encType: LayerEncryption,
  ): Promise<{ plaintext: Uint8Array; key: Uint8Array }>;
  /** Node side: encrypts the response with the key the layer was decrypted with. */
  encryptLayerResponse(
    plaintext: Uint8Array,
    key: Uint8Array,
    encType: LayerEncryption,
    options?: EncryptLayerResponseOptions,
  ): Promise<Uint8Array>;

  /**
   * The exact message a storage RPC signature covers, as a string of one character per byte
   * (pure ASCII except for the raw token bytes of revoke/unrevoke_subaccount).
   */
  signedRequestMessage(method: SignedRequestMethod, params: SignedRequestParams): string;
  /** The bytes a storage RPC signature covers. */
  signedRequestBytes(method: SignedRequestMethod, params: SignedRequestParams): Uint8Array;
  /** Signs a storage RPC request: the base64 (padded) Ed25519 signature. */
  signRequest(
    method: SignedRequestMethod,
    params: SignedRequestParams,
    ed25519SecretKey: Uint8Array,
  ): string;
  /** Checks a storage RPC signature (strict, as libsodium). False for any bad signature. */
  verifyRequest(
    method: SignedRequestMethod,
    params: SignedRequestParams,
    signatureBase64: string,
    ed25519PublicKey: Uint8Array,
  ): boolean;

  /** Storage message hash: BLAKE2b-256 of `prefix ‖ key ‖ NS ‖ data`, unpadded base64 (43 chars). */
  messageHash(pubkeyHex: string, namespace: number, data: Uint8Array): string;

  /** Ed25519 detached signature (64 bytes). */
  sign(message: Uint8Array, ed25519SecretKey: Uint8Array): Uint8Array;
  /** Strict Ed25519 verification, the same answer as libsodium. */
  verify(signature: Uint8Array, message: Uint8Array, ed25519PublicKey: Uint8Array): boolean;
  /**
   * A decoy for `Envelope.proSig` (64 bytes), made as libsession-util makes it for a sender
   * without a Session Pro key: a validly-encoded Ed25519 signature that verifies against nothing,
   * `R = r·B` for a random scalar `r` (a point of the prime-order subgroup, as a real `R`) and
   * `s` a second random scalar. `scalars` fixes `r` and `s` (32-byte little-endian scalars below
   * L; tests only).
   */
  proSignatureDecoy(scalars?: { r: Uint8Array; s: Uint8Array }): Uint8Array;
  /** Ed25519 key pair of a 32-byte seed. */
  ed25519KeyPairFromSeed(seed32: Uint8Array): KeyPair;
  /** X25519 public key of an Ed25519 public key; `InvalidInputError` if it is not a valid point. */
  ed25519PublicKeyToX25519(publicKey: Uint8Array): Uint8Array;
  /** A fresh random X25519 key pair. */
  x25519KeyPair(): KeyPair;
  /** The X25519 public key of a 32-byte secret key (`crypto_scalarmult_base`). */
  x25519PublicKey(secretKey: Uint8Array): Uint8Array;
  /** X25519 shared secret; `InvalidInputError` for a low-order key (all-zero output). */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** BLAKE2b with 16..64 output bytes (default 32) and an optional 16..64-byte key. */
  blake2b(data: Uint8Array, outputLength?: number, key?: Uint8Array): Uint8Array;
  /** SHA-256. */
  sha256(data: Uint8Array): Uint8Array;
  /** HMAC-SHA256 with a key of any length. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-SHA256 (RFC 5869) of `length` bytes (at most 8160). */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /**
   * ChaCha20-Poly1305 (IETF, RFC 8439: 32-byte key, 12-byte nonce): `ciphertext ‖ tag(16)`.
   * The caller owns nonce uniqueness (circuit layers use a per-direction counter).
   */
  chacha20Poly1305Encrypt(
    plaintext: Uint8Array,
    nonce: Uint8Array,
    key: Uint8Array,
    additionalData?: Uint8Array,
  ): Uint8Array;
  /**
   * Opens `ciphertext ‖ tag` sealed by {@link MurmurCrypto.chacha20Poly1305Encrypt}. Returns
   * `undefined` (never throws) when it does not authenticate or is shorter than the tag: a hot
   * path that refuses data from peers should not pay for an exception. Wrong key or nonce
   * lengths still throw `InvalidInputError`.
   */
  chacha20Poly1305Decrypt(
    ciphertext: Uint8Array,
    nonce: Uint8Array,
    key: Uint8Array,
    additionalData?: Uint8Array,
  ): Uint8Array | undefined;
  /**
   * Seals a secret (a seed) under a passphrase: Argon2id (`crypto_pwhash`) with a fresh salt
   * derives the key, `crypto_secretbox` seals; the limits (default: libsodium's interactive
   * ones) are written in the header. Throws `InvalidInputError` for an empty passphrase or
   * limits out of range.
   */
  sealWithPassphrase(
    secret: Uint8Array,
    passphrase: string,
    limits?: { opsLimit?: number; memLimit?: number },
  ): Uint8Array;
  /**
   * Opens what {@link MurmurCrypto.sealWithPassphrase} sealed: `undefined` for a wrong
   * passphrase or altered bytes; `InvalidInputError` for bytes that are no sealed secret.
   */
  openWithPassphrase(sealed: Uint8Array, passphrase: string): Uint8Array | undefined;
  /** Cryptographically secure random bytes. */
  randomBytes(length: number): Uint8Array;
  /** Equality in time that depends only on the length. Different lengths are unequal. */
  equalConstantTime(a: Uint8Array, b: Uint8Array): boolean;
  /** Overwrites `bytes` with zeros. */
  wipe(bytes: Uint8Array): void;
}
