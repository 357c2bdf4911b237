/**
 * The WebAssembly backend: libsodium-wrappers-sumo 0.8.4 (browsers, and Node where
 * sodium-native cannot load). The sumo build is needed for SHA-256 and HMAC-SHA256.
 */
import type { SodiumBackend } from './types.js';

type Sodium = typeof import('libsodium-wrappers-sumo').default;

/** Loads libsodium-wrappers-sumo and waits until its WebAssembly module is ready. */
export async function loadWasmBackend(): Promise<SodiumBackend> {
  const module = await import('libsodium-wrappers-sumo');
  const sodium: Sodium = module.default;
  await sodium.ready;
  return createWasmBackend(sodium);
}

/** Runs a libsodium-wrappers call that throws on failure; `undefined` instead of the throw. */
function attempt<T>(call: () => T): T | undefined {
  try {
    return call();
  } catch {
    return undefined;
  }
}

function createWasmBackend(sodium: Sodium): SodiumBackend {
  return {
    name: 'wasm',

    randomBytes(length) {
      return length > 0 ? sodium.randombytes_buf(length) : new Uint8Array(0);
    },

    signSeedKeyPair(seed) {
      const pair = sodium.crypto_sign_seed_keypair(seed);
      return { publicKey: pair.publicKey, secretKey: pair.privateKey };
    },

    signDetached(message, secretKey) {
      return sodium.crypto_sign_detached(message, secretKey);
    },

    verifyDetached(signature, message, publicKey) {
      return sodium.crypto_sign_verify_detached(signature, message, publicKey);
    },

    ed25519PublicKeyToX25519(publicKey) {
      return attempt(() => sodium.crypto_sign_ed25519_pk_to_curve25519(publicKey));
    },

    ed25519SecretKeyToX25519(secretKey) {
      return sodium.crypto_sign_ed25519_sk_to_curve25519(secretKey);
    },

    ed25519ScalarRandom() {
      return sodium.crypto_core_ed25519_scalar_random();
    },

    ed25519ScalarReduce(scalar64) {
      return sodium.crypto_core_ed25519_scalar_reduce(scalar64);
    },

    ed25519ScalarAdd(x, y) {
      return sodium.crypto_core_ed25519_scalar_add(x, y);
    },

    ed25519ScalarNegate(scalar) {
      return sodium.crypto_core_ed25519_scalar_negate(scalar);
    },

    ed25519ScalarMultBaseNoclamp(scalar) {
      return attempt(() => sodium.crypto_scalarmult_ed25519_base_noclamp(scalar));
    },

    sha512(data) {
      return sodium.crypto_hash_sha512(data);
    },

    scalarMultBase(secretKey) {
      return sodium.crypto_scalarmult_base(secretKey);
    },

    scalarMult(secretKey, publicKey) {
      return attempt(() => sodium.crypto_scalarmult(secretKey, publicKey));
    },

    boxSeal(message, publicKey) {
      return sodium.crypto_box_seal(message, publicKey);
    },

    boxSealOpen(ciphertext, publicKey, secretKey) {
      return attempt(() => sodium.crypto_box_seal_open(ciphertext, publicKey, secretKey));
    },

    boxEasy(message, nonce, publicKey, secretKey) {
      return attempt(() => sodium.crypto_box_easy(message, nonce, publicKey, secretKey));
    },

    blake2b(data, outputLength, key) {
      return sodium.crypto_generichash(outputLength, data, key ?? null);
    },

    sha256(data) {
      return sodium.crypto_hash_sha256(data);
    },

    hmacSha256(key, data) {
      const state = sodium.crypto_auth_hmacsha256_init(key);
      sodium.crypto_auth_hmacsha256_update(state, data);
      return sodium.crypto_auth_hmacsha256_final(state);
    },

    xchacha20Poly1305Encrypt(message, additionalData, nonce, key) {
      return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        message,
        additionalData ?? null,
        null,
        nonce,
        key,
      );
    },

    xchacha20Poly1305Seal(message, nonce, key) {
      const nonceBytes = nonce ?? sodium.randombytes_buf(24);
      const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        message,
        null,
        null,
        nonceBytes,
        key,
      );
      const out = new Uint8Array(24 + sealed.length);
      out.set(nonceBytes, 0);
      out.set(sealed, 24);
      return out;
    },

    xchacha20Poly1305Decrypt(ciphertext, additionalData, nonce, key) {
      return attempt(() =>
        sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
          null,
          ciphertext,
          additionalData ?? null,
          nonce,
          key,
        ),
      );
    },

    chacha20Poly1305Encrypt(message, additionalData, nonce, key) {
      return sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
        message,
        additionalData ?? null,
        null,
        nonce,
        key,
      );
    },

    chacha20Poly1305Decrypt(ciphertext, additionalData, nonce, key) {
      return attempt(() =>
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
          null,
          ciphertext,
          additionalData ?? null,
          nonce,
          key,
        ),
      );
    },

    pwhash(outLength, password, salt, opsLimit, memLimit) {
      return sodium.crypto_pwhash(
        outLength,
        password,
        salt,
        opsLimit,
        memLimit,
        sodium.crypto_pwhash_ALG_ARGON2ID13,
      );
    },

    secretboxEasy(message, nonce, key) {
      return sodium.crypto_secretbox_easy(message, nonce, key);
    },

    secretboxOpenEasy(ciphertext, nonce, key) {
      return attempt(() => sodium.crypto_secretbox_open_easy(ciphertext, nonce, key));
    },

    equalConstantTime(a, b) {
      return sodium.memcmp(a, b);
    },

    wipe(bytes) {
      sodium.memzero(bytes);
    },
  };
}
