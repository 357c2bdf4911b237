/**
 * The native backend: libsodium through sodium-native (Node only), HMAC-SHA256 through
 * node:crypto (sodium-native does not expose libsodium's HMAC with keys of any length).
 */
import type { SodiumNative } from 'sodium-native';
import type { SodiumBackend } from './types.js';

type CreateHmac = (
  algorithm: 'sha256',
  key: Uint8Array,
) => { update(data: Uint8Array): { digest(): Uint8Array } };

/** Loads sodium-native and node:crypto; rejects if either is missing. */
export async function loadNativeBackend(): Promise<SodiumBackend> {
  const [sodiumModule, nodeCrypto] = await Promise.all([
    import('sodium-native'),
    import('node:crypto'),
  ]);
  const sodium = (sodiumModule as { default: SodiumNative }).default;
  if (typeof sodium?.crypto_box_seal !== 'function') {
    throw new Error('sodium-native loaded without the expected functions');
  }
  return createNativeBackend(sodium, nodeCrypto.createHmac as unknown as CreateHmac);
}

/** `out` once `call` (a sodium-native call writing into it) has run; `undefined` if it threw. */
/** libsodium's `crypto_pwhash_ALG_ARGON2ID13`. */
const PWHASH_ALG_ARGON2ID13 = 2;
/** libsodium's `crypto_secretbox_MACBYTES`. */
const SECRETBOX_MAC_BYTES = 16;

function written(out: Uint8Array, call: () => void): Uint8Array | undefined {
  try {
    call();
  } catch {
    return undefined;
  }
  return out;
}

function createNativeBackend(sodium: SodiumNative, createHmac: CreateHmac): SodiumBackend {
  const sealBytes = sodium.crypto_box_SEALBYTES;
  const macBytes = sodium.crypto_box_MACBYTES;
  const aeadBytes = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES;
  const ietfBytes = sodium.crypto_aead_chacha20poly1305_ietf_ABYTES;

  return {
    name: 'native',

    randomBytes(length) {
      const out = new Uint8Array(length);
      if (length > 0) sodium.randombytes_buf(out);
      return out;
    },

    signSeedKeyPair(seed) {
      const publicKey = new Uint8Array(32);
      const secretKey = new Uint8Array(64);
      sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed);
      return { publicKey, secretKey };
    },

    signDetached(message, secretKey) {
      const signature = new Uint8Array(64);
      sodium.crypto_sign_detached(signature, message, secretKey);
      return signature;
    },

    verifyDetached(signature, message, publicKey) {
      return sodium.crypto_sign_verify_detached(signature, message, publicKey);
    },

    ed25519PublicKeyToX25519(publicKey) {
      const out = new Uint8Array(32);
      return written(out, () => sodium.crypto_sign_ed25519_pk_to_curve25519(out, publicKey));
    },

    ed25519SecretKeyToX25519(secretKey) {
      const out = new Uint8Array(32);
      sodium.crypto_sign_ed25519_sk_to_curve25519(out, secretKey);
      return out;
    },

    ed25519ScalarRandom() {
      const out = new Uint8Array(32);
      sodium.crypto_core_ed25519_scalar_random(out);
      return out;
    },

    ed25519ScalarReduce(scalar64) {
      const out = new Uint8Array(32);
      sodium.crypto_core_ed25519_scalar_reduce(out, scalar64);
      return out;
    },

    ed25519ScalarAdd(x, y) {
      const out = new Uint8Array(32);
      sodium.crypto_core_ed25519_scalar_add(out, x, y);
      return out;
    },

    ed25519ScalarNegate(scalar) {
      const out = new Uint8Array(32);
      sodium.crypto_core_ed25519_scalar_negate(out, scalar);
      return out;
    },

    ed25519ScalarMultBaseNoclamp(scalar) {
      const out = new Uint8Array(32);
      return written(out, () => sodium.crypto_scalarmult_ed25519_base_noclamp(out, scalar));
    },

    sha512(data) {
      const out = new Uint8Array(64);
      sodium.crypto_hash_sha512(out, data);
      return out;
    },

    scalarMultBase(secretKey) {
      const out = new Uint8Array(32);
      sodium.crypto_scalarmult_base(out, secretKey);
      return out;
    },

    scalarMult(secretKey, publicKey) {
      const out = new Uint8Array(32);
      return written(out, () => sodium.crypto_scalarmult(out, secretKey, publicKey));
    },

    boxSeal(message, publicKey) {
      const out = new Uint8Array(message.length + sealBytes);
      sodium.crypto_box_seal(out, message, publicKey);
      return out;
    },

    boxSealOpen(ciphertext, publicKey, secretKey) {
      const out = new Uint8Array(ciphertext.length - sealBytes);
      return sodium.crypto_box_seal_open(out, ciphertext, publicKey, secretKey) ? out : undefined;
    },

    boxEasy(message, nonce, publicKey, secretKey) {
      const out = new Uint8Array(message.length + macBytes);
      try {
        sodium.crypto_box_easy(out, message, nonce, publicKey, secretKey);
      } catch {
        return undefined;
      }
      return out;
    },

    blake2b(data, outputLength, key) {
      const out = new Uint8Array(outputLength);
      if (key === undefined) sodium.crypto_generichash(out, data);
      else sodium.crypto_generichash(out, data, key);
      return out;
    },

    sha256(data) {
      const out = new Uint8Array(32);
      sodium.crypto_hash_sha256(out, data);
      return out;
    },

    hmacSha256(key, data) {
      const digest = createHmac('sha256', key).update(data).digest();
      return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength).slice();
    },

    xchacha20Poly1305Encrypt(message, additionalData, nonce, key) {
      const out = new Uint8Array(message.length + aeadBytes);
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        out,
        message,
        additionalData ?? null,
        null,
        nonce,
        key,
      );
      return out;
    },

    xchacha20Poly1305Seal(message, nonce, key) {
      const out = new Uint8Array(24 + message.length + aeadBytes);
      const nonceView = out.subarray(0, 24);
      if (nonce === undefined) sodium.randombytes_buf(nonceView);
      else nonceView.set(nonce);
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        out.subarray(24),
        message,
        null,
        null,
        nonceView,
        key,
      );
      return out;
    },

    xchacha20Poly1305Decrypt(ciphertext, additionalData, nonce, key) {
      const out = new Uint8Array(ciphertext.length - aeadBytes);
      return written(out, () =>
        sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
          out,
          null,
          ciphertext,
          additionalData ?? null,
          nonce,
          key,
        ),
      );
    },

    chacha20Poly1305Encrypt(message, additionalData, nonce, key) {
      const out = new Uint8Array(message.length + ietfBytes);
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
        out,
        message,
        additionalData ?? null,
        null,
        nonce,
        key,
      );
      return out;
    },

    chacha20Poly1305Decrypt(ciphertext, additionalData, nonce, key) {
      const out = new Uint8Array(ciphertext.length - ietfBytes);
      return written(out, () =>
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
          out,
          null,
          ciphertext,
          additionalData ?? null,
          nonce,
          key,
        ),
      );
    },

    pwhash(outLength, password, salt, opsLimit, memLimit) {
      const out = new Uint8Array(outLength);
      sodium.crypto_pwhash(out, password, salt, opsLimit, memLimit, PWHASH_ALG_ARGON2ID13);
      return out;
    },

    secretboxEasy(message, nonce, key) {
      const out = new Uint8Array(message.length + SECRETBOX_MAC_BYTES);
      sodium.crypto_secretbox_easy(out, message, nonce, key);
      return out;
    },

    secretboxOpenEasy(ciphertext, nonce, key) {
      if (ciphertext.length < SECRETBOX_MAC_BYTES) return undefined;
      const out = new Uint8Array(ciphertext.length - SECRETBOX_MAC_BYTES);
      return sodium.crypto_secretbox_open_easy(out, ciphertext, nonce, key) ? out : undefined;
    },

    equalConstantTime(a, b) {
      return sodium.sodium_memcmp(a, b);
    },

    wipe(bytes) {
      sodium.sodium_memzero(bytes);
    },
  };
}
