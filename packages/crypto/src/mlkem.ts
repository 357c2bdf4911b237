/**
 * ML-KEM-768 (FIPS 203) for Session Protocol V2, from one of two implementations that give the
 * same bytes: `@noble/post-quantum` (pure JavaScript, the reference, always available) and
 * libsodium 1.0.22's `crypto_kem_mlkem768_*` from the WebAssembly build Murmur already ships
 * (about 4-5x faster here; sodium-native 5.1 has no ML-KEM). Both take the 64-byte key seed as
 * `d ‖ z` and the 32-byte encapsulation randomness `m` exactly as libsession's mlkem-native
 * (`keypair_derand`, `enc_derand`), so known-answer vectors hold for either; the test suite
 * checks that they agree byte for byte.
 */
import { InvalidInputError, UnsupportedError } from '@murmur/wire';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

/** Where ML-KEM-768 comes from. */
export type MlKemSource = 'libsodium' | 'noble';

/** ML-KEM-768 public (encapsulation) key length. */
export const MLKEM768_PUBLIC_KEY_LENGTH = 1184;
/** ML-KEM-768 secret (decapsulation) key length, in the expanded FIPS 203 form. */
export const MLKEM768_SECRET_KEY_LENGTH = 2400;
/** ML-KEM-768 ciphertext length. */
export const MLKEM768_CIPHERTEXT_LENGTH = 1088;
/** ML-KEM-768 key seed length (`d ‖ z`). */
export const MLKEM768_SEED_LENGTH = 64;

/** The three ML-KEM-768 operations V2 needs, all deterministic given their inputs. */
export interface MlKem768 {
  readonly source: MlKemSource;
  /** Key pair of a 64-byte seed `d ‖ z` (FIPS 203 ML-KEM.KeyGen_internal). */
  keygen(seed: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array };
  /** Encapsulation with the 32 random bytes `m` given (ML-KEM.Encaps_internal). */
  encapsulate(
    publicKey: Uint8Array,
    m: Uint8Array,
  ): { cipherText: Uint8Array; sharedSecret: Uint8Array };
  /** Decapsulation (implicit rejection: a bad ciphertext gives a pseudo-random secret). */
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array;
}

function invalidPublicKey(cause: unknown): InvalidInputError {
  return new InvalidInputError(
    'The ML-KEM-768 public key is not valid (a coefficient is out of range)',
    { cause, details: { field: 'mlkem768PublicKey' } },
  );
}

/** The `@noble/post-quantum` implementation. */
export const nobleMlKem768: MlKem768 = {
  source: 'noble',
  keygen: (seed) => ml_kem768.keygen(seed),
  encapsulate(publicKey, m) {
    try {
      return ml_kem768.encapsulate(publicKey, m);
    } catch (cause) {
      throw invalidPublicKey(cause);
    }
  },
  decapsulate: (cipherText, secretKey) => ml_kem768.decapsulate(cipherText, secretKey),
};

type Sodium = typeof import('libsodium-wrappers-sumo').default;

/** The libsodium (WebAssembly) implementation; rejects where that build has no ML-KEM. */
export async function loadLibsodiumMlKem768(): Promise<MlKem768> {
  const module = await import('libsodium-wrappers-sumo');
  const sodium: Sodium = module.default;
  await sodium.ready;
  if (typeof sodium.crypto_kem_mlkem768_enc_deterministic !== 'function') {
    throw new UnsupportedError('This libsodium build has no ML-KEM-768');
  }
  return {
    source: 'libsodium',
    keygen(seed) {
      const pair = sodium.crypto_kem_mlkem768_seed_keypair(seed);
      return { publicKey: pair.publicKey, secretKey: pair.privateKey };
    },
    encapsulate(publicKey, m) {
      let out: { ciphertext: Uint8Array; sharedSecret: Uint8Array };
      try {
        out = sodium.crypto_kem_mlkem768_enc_deterministic(publicKey, m);
      } catch (cause) {
        throw invalidPublicKey(cause);
      }
      return { cipherText: out.ciphertext, sharedSecret: out.sharedSecret };
    },
    decapsulate: (cipherText, secretKey) => sodium.crypto_kem_mlkem768_dec(cipherText, secretKey),
  };
}

/** The implementation asked for; absent: libsodium where it loads, else noble. */
export async function loadMlKem768(source: MlKemSource | undefined): Promise<MlKem768> {
  if (source === 'noble') return nobleMlKem768;
  try {
    return await loadLibsodiumMlKem768();
  } catch (cause) {
    if (source === 'libsodium') {
      throw new UnsupportedError('ML-KEM-768 from libsodium could not be loaded here', {
        cause,
        details: { mlkem: source },
      });
    }
    return nobleMlKem768;
  }
}
