/**
 * The small byte-level interface each libsodium build implements. Everything in the package is
 * written once above it. Callers validate every length first: a backend assumes correct sizes
 * and never sees user input directly. Failures that depend on data (a box that does not open, a
 * low-order point) come back as `undefined` or `false`, never as an exception.
 */
import type { CryptoBackend, KeyPair } from '../types.js';

/** One libsodium build behind the package: sodium-native (`native`) or the WebAssembly build. */
export interface SodiumBackend {
  readonly name: CryptoBackend;

  randomBytes(length: number): Uint8Array;

  /** `crypto_sign_seed_keypair`: 32-byte seed → (32-byte pk, 64-byte sk). */
  signSeedKeyPair(seed: Uint8Array): KeyPair;
  /** `crypto_sign_detached` with a 64-byte secret key. */
  signDetached(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /** `crypto_sign_verify_detached` with a 64-byte signature and a 32-byte key. */
  verifyDetached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /** `crypto_sign_ed25519_pk_to_curve25519`; `undefined` for an invalid point. */
  ed25519PublicKeyToX25519(publicKey: Uint8Array): Uint8Array | undefined;
  /** `crypto_sign_ed25519_sk_to_curve25519` of a 64-byte secret key. */
  ed25519SecretKeyToX25519(secretKey: Uint8Array): Uint8Array;

  /** `crypto_core_ed25519_scalar_random`: a uniformly random scalar in [1, L), 32 bytes LE. */
  ed25519ScalarRandom(): Uint8Array;
  /** `crypto_scalarmult_ed25519_base_noclamp`; `undefined` for the zero scalar (mod L). */
  ed25519ScalarMultBaseNoclamp(scalar: Uint8Array): Uint8Array | undefined;
  /** `crypto_core_ed25519_scalar_reduce`: a 64-byte little-endian integer mod L. */
  ed25519ScalarReduce(scalar64: Uint8Array): Uint8Array;
  /** `crypto_core_ed25519_scalar_add`: (x + y) mod L. */
  ed25519ScalarAdd(x: Uint8Array, y: Uint8Array): Uint8Array;
  /** `crypto_core_ed25519_scalar_negate`: −s mod L. */
  ed25519ScalarNegate(scalar: Uint8Array): Uint8Array;
  /** `crypto_hash_sha512`. */
  sha512(data: Uint8Array): Uint8Array;

  /** `crypto_scalarmult_base`. */
  scalarMultBase(secretKey: Uint8Array): Uint8Array;
  /** `crypto_scalarmult`; `undefined` where libsodium refuses (low-order input, zero output). */
  scalarMult(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array | undefined;

  /** `crypto_box_seal`. */
  boxSeal(message: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** `crypto_box_seal_open`; `undefined` if the box does not open. */
  boxSealOpen(
    ciphertext: Uint8Array,
    publicKey: Uint8Array,
    secretKey: Uint8Array,
  ): Uint8Array | undefined;
  /** `crypto_box_easy` (XSalsa20-Poly1305 under X25519); `undefined` for a low-order key. */
  boxEasy(
    message: Uint8Array,
    nonce: Uint8Array,
    publicKey: Uint8Array,
    secretKey: Uint8Array,
  ): Uint8Array | undefined;

  /** `crypto_generichash` (BLAKE2b), output 16..64 bytes, key absent or 16..64 bytes. */
  blake2b(data: Uint8Array, outputLength: number, key?: Uint8Array): Uint8Array;
  /** `crypto_hash_sha256`. */
  sha256(data: Uint8Array): Uint8Array;
  /** HMAC-SHA256 with a key of any length. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;

  /** `crypto_aead_xchacha20poly1305_ietf_encrypt`: ciphertext ‖ tag. */
  xchacha20Poly1305Encrypt(
    message: Uint8Array,
    additionalData: Uint8Array | undefined,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array;
  /**
   * `nonce ‖ ciphertext ‖ tag` in one array: the 24-byte nonce given, or a fresh random one,
   * then `crypto_aead_xchacha20poly1305_ietf_encrypt` without additional data (onion layers).
   */
  xchacha20Poly1305Seal(
    message: Uint8Array,
    nonce: Uint8Array | undefined,
    key: Uint8Array,
  ): Uint8Array;
  /** `crypto_aead_xchacha20poly1305_ietf_decrypt`; `undefined` if it does not authenticate. */
  xchacha20Poly1305Decrypt(
    ciphertext: Uint8Array,
    additionalData: Uint8Array | undefined,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array | undefined;

  /** `crypto_aead_chacha20poly1305_ietf_encrypt` (12-byte nonce): ciphertext ‖ tag. */
  chacha20Poly1305Encrypt(
    message: Uint8Array,
    additionalData: Uint8Array | undefined,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array;
  /** `crypto_aead_chacha20poly1305_ietf_decrypt`; `undefined` if it does not authenticate. */
  chacha20Poly1305Decrypt(
    ciphertext: Uint8Array,
    additionalData: Uint8Array | undefined,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array | undefined;

  /**
   * `crypto_pwhash` with Argon2id v1.3 (`crypto_pwhash_ALG_ARGON2ID13`): `outLength` bytes from
   * a password and a 16-byte salt. Callers keep the limits within libsodium's bounds.
   */
  pwhash(
    outLength: number,
    password: Uint8Array,
    salt: Uint8Array,
    opsLimit: number,
    memLimit: number,
  ): Uint8Array;
  /** `crypto_secretbox_easy` (XSalsa20-Poly1305, 24-byte nonce, 32-byte key): tag ‖ ciphertext. */
  secretboxEasy(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  /** `crypto_secretbox_open_easy`; `undefined` if the box does not open. */
  secretboxOpenEasy(
    ciphertext: Uint8Array,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array | undefined;

  /** `sodium_memcmp` for two arrays of the same length. */
  equalConstantTime(a: Uint8Array, b: Uint8Array): boolean;
  /** `sodium_memzero`. */
  wipe(bytes: Uint8Array): void;
}
