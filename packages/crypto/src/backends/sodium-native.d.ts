/**
 * The part of sodium-native 5.1.0 that `@murmur/crypto` calls (the package ships no types).
 * Output buffers come first, as in libsodium; the functions throw on a size mismatch.
 */
declare module 'sodium-native' {
  type Bytes = Uint8Array;
  export interface SodiumNative {
    crypto_sign_BYTES: number;
    crypto_sign_PUBLICKEYBYTES: number;
    crypto_sign_SECRETKEYBYTES: number;
    crypto_box_SEALBYTES: number;
    crypto_box_MACBYTES: number;
    crypto_aead_xchacha20poly1305_ietf_ABYTES: number;
    crypto_aead_chacha20poly1305_ietf_ABYTES: number;
    randombytes_buf(buffer: Bytes): void;
    crypto_sign_seed_keypair(publicKey: Bytes, secretKey: Bytes, seed: Bytes): void;
    crypto_sign_detached(signature: Bytes, message: Bytes, secretKey: Bytes): void;
    crypto_sign_verify_detached(signature: Bytes, message: Bytes, publicKey: Bytes): boolean;
    crypto_sign_ed25519_pk_to_curve25519(x25519PublicKey: Bytes, ed25519PublicKey: Bytes): void;
    crypto_sign_ed25519_sk_to_curve25519(x25519SecretKey: Bytes, ed25519SecretKey: Bytes): void;
    crypto_core_ed25519_scalar_random(scalar: Bytes): void;
    crypto_scalarmult_ed25519_base_noclamp(point: Bytes, scalar: Bytes): void;
    crypto_scalarmult_base(publicKey: Bytes, secretKey: Bytes): void;
    crypto_scalarmult(shared: Bytes, secretKey: Bytes, publicKey: Bytes): void;
    crypto_box_seal(ciphertext: Bytes, message: Bytes, publicKey: Bytes): void;
    crypto_box_seal_open(
      message: Bytes,
      ciphertext: Bytes,
      publicKey: Bytes,
      secretKey: Bytes,
    ): boolean;
    crypto_box_easy(
      ciphertext: Bytes,
      message: Bytes,
      nonce: Bytes,
      publicKey: Bytes,
      secretKey: Bytes,
    ): void;
    crypto_generichash(output: Bytes, input: Bytes, key?: Bytes): void;
    crypto_hash_sha256(output: Bytes, input: Bytes): void;
    crypto_hash_sha512(output: Bytes, input: Bytes): void;
    crypto_core_ed25519_scalar_reduce(reduced: Bytes, scalar64: Bytes): void;
    crypto_core_ed25519_scalar_add(sum: Bytes, x: Bytes, y: Bytes): void;
    crypto_core_ed25519_scalar_negate(negated: Bytes, scalar: Bytes): void;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
      ciphertext: Bytes,
      message: Bytes,
      additionalData: Bytes | null,
      secretNonce: null,
      nonce: Bytes,
      key: Bytes,
    ): number;
    crypto_aead_xchacha20poly1305_ietf_decrypt(
      message: Bytes,
      secretNonce: null,
      ciphertext: Bytes,
      additionalData: Bytes | null,
      nonce: Bytes,
      key: Bytes,
    ): number;
    crypto_aead_chacha20poly1305_ietf_encrypt(
      ciphertext: Bytes,
      message: Bytes,
      additionalData: Bytes | null,
      secretNonce: null,
      nonce: Bytes,
      key: Bytes,
    ): number;
    crypto_aead_chacha20poly1305_ietf_decrypt(
      message: Bytes,
      secretNonce: null,
      ciphertext: Bytes,
      additionalData: Bytes | null,
      nonce: Bytes,
      key: Bytes,
    ): number;
    crypto_pwhash(
      output: Bytes,
      password: Bytes,
      salt: Bytes,
      opsLimit: number,
      memLimit: number,
      algorithm: number,
    ): void;
    crypto_secretbox_easy(ciphertext: Bytes, message: Bytes, nonce: Bytes, key: Bytes): void;
    crypto_secretbox_open_easy(
      message: Bytes,
      ciphertext: Bytes,
      nonce: Bytes,
      key: Bytes,
    ): boolean;
    sodium_memcmp(a: Bytes, b: Bytes): boolean;
    sodium_memzero(buffer: Bytes): void;
  }
  const sodium: SodiumNative;
  export default sodium;
}
