/**
 * XEd25519-style signatures with an X25519 key, as libsession-util signs account-key bundles
 * (`src/xed25519.cpp`, `xed25519::sign`): the signature verifies with plain, strict Ed25519
 * against the Edwards key converted from the signer's X25519 public key with the sign bit 0, so
 * a reader needs only the Session ID.
 *
 * Signing with X25519 private scalar `a` (clamped):
 *
 * 1. `A = a·B`; if A's sign bit is set, `a := −a mod L` and the bit is cleared (now `A = a·B`).
 * 2. `r = BLAKE2b-512(a ‖ M ‖ Z, pers "xed25519signatur") mod L`, Z 64 random bytes (libsession
 *    draws Z itself; Murmur takes it from the caller for known-answer vectors).
 * 3. `R = r·B`, `S = r + SHA-512(R ‖ A ‖ M)·a mod L`; the signature is `R ‖ S`.
 *
 * With the same Z the output equals libsession's byte for byte.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import type { SodiumBackend } from './backends/types.js';
import { requireBytes } from './validate.js';

/** BLAKE2b personalisation of the nonce hash (16 bytes, no terminator). */
export const XED25519_NONCE_PERSONALISATION = 'xed25519signatur';
/** Length of the random input Z of the nonce hash. */
export const XED25519_RANDOM_LENGTH = 64;

const PERSONALISATION = new TextEncoder().encode(XED25519_NONCE_PERSONALISATION);
const P = 2n ** 255n - 19n;

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] as number);
  return value;
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/**
 * The Ed25519 public key (sign bit 0) of an X25519 public key: `y = (u − 1) / (u + 1) mod p`,
 * as libsession's `xed25519::pubkey` (the top bit of u is ignored; 1/0 is taken as 0, as
 * libsodium's field inversion does). Only public data goes through this BigInt arithmetic.
 */
export function xed25519PublicKey(x25519PublicKey: Uint8Array): Uint8Array {
  requireBytes(x25519PublicKey, 'x25519PublicKey', 32);
  const u = littleEndianToBigInt(x25519PublicKey) & (2n ** 255n - 1n);
  const y = ((((u - 1n) % P) + P) * modPow(u + 1n, P - 2n, P)) % P;
  const out = new Uint8Array(32);
  let rest = y;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** `h·a mod L` by double-and-add over the bits of the public `h`, in libsodium scalar adds. */
function scalarMultiply(sodium: SodiumBackend, h: Uint8Array, a: Uint8Array): Uint8Array {
  let accumulator: Uint8Array = new Uint8Array(32);
  for (let bit = 255; bit >= 0; bit--) {
    accumulator = sodium.ed25519ScalarAdd(accumulator, accumulator);
    if ((((h[bit >> 3] as number) >> (bit & 7)) & 1) === 1) {
      accumulator = sodium.ed25519ScalarAdd(accumulator, a);
    }
  }
  return accumulator;
}

/** Signs `message` with X25519 private key `x25519SecretKey`; `random` is Z (64 bytes). */
export function xed25519Sign(
  sodium: SodiumBackend,
  x25519SecretKey: Uint8Array,
  message: Uint8Array,
  random?: Uint8Array,
): Uint8Array {
  requireBytes(x25519SecretKey, 'x25519SecretKey', 32);
  requireBytes(message, 'message');
  if (random !== undefined) requireBytes(random, 'random', XED25519_RANDOM_LENGTH);
  const z = random ?? sodium.randomBytes(XED25519_RANDOM_LENGTH);
  let a: Uint8Array = x25519SecretKey.slice();
  a[0] = (a[0] as number) & 248;
  a[31] = ((a[31] as number) & 127) | 64;
  const publicKey = sodium.ed25519ScalarMultBaseNoclamp(a);
  if (publicKey === undefined) throw new Error('unreachable: a clamped scalar is never zero');
  if ((publicKey[31] as number) >> 7 === 1) {
    const negated = sodium.ed25519ScalarNegate(a);
    sodium.wipe(a);
    a = negated;
    publicKey[31] = (publicKey[31] as number) & 0x7f;
  }
  const nonceInput = new Uint8Array(32 + message.length + XED25519_RANDOM_LENGTH);
  nonceInput.set(a, 0);
  nonceInput.set(message, 32);
  nonceInput.set(z, 32 + message.length);
  const nonceHash = blake2b(nonceInput, { dkLen: 64, personalization: PERSONALISATION });
  sodium.wipe(nonceInput);
  const r = sodium.ed25519ScalarReduce(nonceHash);
  sodium.wipe(nonceHash);
  const bigR = sodium.ed25519ScalarMultBaseNoclamp(r);
  if (bigR === undefined) throw new Error('XEd25519: the nonce reduced to zero; sign again');
  const hramInput = new Uint8Array(64 + message.length);
  hramInput.set(bigR, 0);
  hramInput.set(publicKey, 32);
  hramInput.set(message, 64);
  const h = sodium.ed25519ScalarReduce(sodium.sha512(hramInput));
  const ha = scalarMultiply(sodium, h, a);
  const s = sodium.ed25519ScalarAdd(ha, r);
  for (const secret of [a, r, ha]) sodium.wipe(secret);
  const signature = new Uint8Array(64);
  signature.set(bigR, 0);
  signature.set(s, 32);
  return signature;
}

/** Strict Ed25519 verification of an XEd25519 signature against an X25519 public key. */
export function xed25519Verify(
  sodium: SodiumBackend,
  signature: Uint8Array,
  x25519PublicKey: Uint8Array,
  message: Uint8Array,
): boolean {
  requireBytes(signature, 'signature');
  requireBytes(message, 'message');
  if (signature.length !== 64) return false;
  return sodium.verifyDetached(signature, message, xed25519PublicKey(x25519PublicKey));
}
