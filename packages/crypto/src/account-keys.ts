/**
 * Session Protocol V2 account keys (libsession-util `src/core/devices.cpp`, `keys_from_seed`,
 * `build_account_pubkey_message`, `next_account_rotation`; constants in
 * `include/session/core/devices.hpp`):
 *
 * - a 32-byte random seed; `SHAKE256("SessionAccountKeys" ‖ seed)` squeezed to 96 bytes: the
 *   X25519 private key (bytes 0..32) and the ML-KEM-768 key seed `d ‖ z` (bytes 32..96);
 * - the published bundle, a bencoded dict `M` (ML-KEM-768 public key), `X` (X25519 public key),
 *   Murmur's `t` (creation time, unix seconds) and `~`, an XEd25519 signature by the account's
 *   long-term X25519 key over every byte before the `1:~` key;
 * - the rotation time: created + 11 h + 2 h·(1 − u^N), u from a keyed, personalised BLAKE2b-8.
 */
import {
  BadSignatureError,
  decodeBencode,
  encodeBencode,
  isBencodeDict,
  Namespace,
  PayloadMalformedError,
  StaleKeysError,
} from '@murmur/wire';
import { blake2b } from '@noble/hashes/blake2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import type { SodiumBackend } from './backends/types.js';
import { recipientX25519 } from './identity.js';
import { MLKEM768_PUBLIC_KEY_LENGTH, MLKEM768_SEED_LENGTH, type MlKem768 } from './mlkem.js';
import { parseSessionId } from './session-id.js';
import type { AccountKeyBundle, AccountKeys, AccountPublicKeys, Identity } from './types.js';
import { requireBytes, requireInteger, requireObject } from './validate.js';
import { xed25519Sign, xed25519Verify } from './xed25519.js';

/** SHAKE256 domain prefix of the account-key expansion. */
export const ACCOUNT_KEYS_DOMAIN = 'SessionAccountKeys';
/** Length of an account-key seed. */
export const ACCOUNT_SEED_LENGTH = 32;
/** BLAKE2b personalisation of the rotation jitter. */
export const ACCOUNT_KEY_ROTATION_PERSONALISATION = 'SessionAccKeyRot';
/** Base rotation period (libsession `ACCOUNT_KEY_ROTATION_PERIOD`, 12 h), in seconds. */
export const ACCOUNT_KEY_ROTATION_PERIOD_SECONDS = 12 * 3600;
/** Rotation jitter window (libsession `ACCOUNT_KEY_ROTATION_WINDOW`, 2 h), in seconds. */
export const ACCOUNT_KEY_ROTATION_WINDOW_SECONDS = 2 * 3600;
/** How long a retired seed is kept (libsession `ACCOUNT_KEY_RETENTION`, 16 days), in seconds. */
export const ACCOUNT_KEY_RETENTION_SECONDS = 16 * 24 * 3600;
/** Murmur: a bundle whose `t` is older than this (48 h) is refused, in seconds. */
export const ACCOUNT_BUNDLE_MAX_AGE_SECONDS = 48 * 3600;
/** Murmur: a bundle dated more than this (1 h) in the future is refused, in seconds. */
export const ACCOUNT_BUNDLE_MAX_SKEW_SECONDS = 3600;
/** The namespace account-key bundles are published in (a public outbox). */
export const ACCOUNT_KEYS_NAMESPACE: number = Namespace.AccountKeys;

const encoder = new TextEncoder();
const DOMAIN = encoder.encode(ACCOUNT_KEYS_DOMAIN);
const ROTATION_PERSONALISATION = encoder.encode(ACCOUNT_KEY_ROTATION_PERSONALISATION);

/** The account keys of a seed. */
export function deriveAccountKeys(
  sodium: SodiumBackend,
  mlkem: MlKem768,
  seed: Uint8Array,
): AccountKeys {
  requireBytes(seed, 'seed', ACCOUNT_SEED_LENGTH);
  const input = new Uint8Array(DOMAIN.length + ACCOUNT_SEED_LENGTH);
  input.set(DOMAIN, 0);
  input.set(seed, DOMAIN.length);
  const expanded = shake256(input, { dkLen: 32 + MLKEM768_SEED_LENGTH });
  sodium.wipe(input);
  const x25519SecretKey = expanded.slice(0, 32);
  const mlkemSeed = expanded.subarray(32);
  const mlkemPair = mlkem.keygen(mlkemSeed);
  sodium.wipe(expanded);
  return {
    seed: seed.slice(),
    x25519: { publicKey: sodium.scalarMultBase(x25519SecretKey), secretKey: x25519SecretKey },
    mlkem768: mlkemPair,
  };
}

/** Checks the public half of account keys a sender encrypts to. */
export function requireAccountPublicKeys(
  keys: { x25519PublicKey: Uint8Array; mlkem768PublicKey: Uint8Array },
  field: string,
): void {
  requireObject(keys, field);
  requireBytes(keys.x25519PublicKey, `${field}.x25519PublicKey`, 32);
  requireBytes(keys.mlkem768PublicKey, `${field}.mlkem768PublicKey`, MLKEM768_PUBLIC_KEY_LENGTH);
}

function concat(parts: readonly (Uint8Array | string)[]): Uint8Array {
  const bytes = parts.map((part) => (typeof part === 'string' ? encoder.encode(part) : part));
  const out = new Uint8Array(bytes.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of bytes) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Options of {@link encodeAccountKeyBundle}. */
export interface EncodeAccountKeyBundleOptions {
  /** The 64 random bytes Z of the XEd25519 nonce (test vectors); absent: fresh random bytes. */
  signatureRandom?: Uint8Array | undefined;
}

/**
 * The signed bundle `d 1:M 1184:… 1:X 32:… [1:t i…e] 1:~ 64:… e` of `bundle`, signed by
 * `owner`'s long-term X25519 key. `created` absent: no `t` (the bytes libsession writes).
 */
export function encodeAccountKeyBundle(
  sodium: SodiumBackend,
  bundle: AccountKeyBundle,
  owner: Identity,
  options: EncodeAccountKeyBundleOptions = {},
): Uint8Array {
  requireAccountPublicKeys(bundle, 'bundle');
  const own = recipientX25519(owner, 'owner');
  const parts: (Uint8Array | string)[] = [
    'd1:M1184:',
    bundle.mlkem768PublicKey,
    '1:X32:',
    bundle.x25519PublicKey,
  ];
  if (bundle.created !== undefined) {
    requireInteger(bundle.created, 'bundle.created', 0, Number.MAX_SAFE_INTEGER);
    parts.push(`1:ti${bundle.created}e`);
  }
  const body = concat(parts);
  const signature = xed25519Sign(sodium, own.secretKey, body, options.signatureRandom);
  return concat([body, '1:~64:', signature, 'e']);
}

/** Options of {@link decodeAccountKeyBundle}. */
export interface DecodeAccountKeyBundleOptions {
  /** The reader's clock (unix milliseconds) for the `t` check; absent: `Date.now()`. */
  now?: number | undefined;
}

/**
 * Reads and checks a bundle fetched from `ownerSessionId`'s namespace −21: the signature (strict
 * Ed25519 under the key converted from the Session ID), the key lengths, and `t` when present
 * (at most 48 h old, at most 1 h ahead). Unknown keys are ignored (and, before `~`, signed).
 *
 * @throws PayloadMalformedError for bytes that are not a bundle; BadSignatureError if the
 *   signature does not verify; StaleKeysError for a `t` outside the window.
 */
export function decodeAccountKeyBundle(
  sodium: SodiumBackend,
  bytes: Uint8Array,
  ownerSessionId: string,
  options: DecodeAccountKeyBundleOptions = {},
): AccountPublicKeys & { created: number | undefined } {
  requireBytes(bytes, 'bytes');
  const ownerKey = parseSessionId(ownerSessionId);
  const dict = decodeBencode(bytes);
  if (!isBencodeDict(dict)) throw new PayloadMalformedError('An account-key bundle is a dict');
  const m = dict.get('M');
  const x = dict.get('X');
  const t = dict.get('t');
  const signature = dict.get('~');
  if (!(m instanceof Uint8Array) || m.length !== MLKEM768_PUBLIC_KEY_LENGTH) {
    throw new PayloadMalformedError('The bundle needs M, a 1184-byte ML-KEM-768 public key');
  }
  if (!(x instanceof Uint8Array) || x.length !== 32) {
    throw new PayloadMalformedError('The bundle needs X, a 32-byte X25519 public key');
  }
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw new PayloadMalformedError('The bundle needs ~, a 64-byte signature');
  }
  if (t !== undefined && (typeof t !== 'number' || t < 0)) {
    throw new PayloadMalformedError('The bundle time t must be a non-negative integer');
  }
  // The dict is canonical (decodeBencode accepts nothing else), so the signed part, every byte
  // before the "1:~" key, is the encoding of the entries before `~` without its closing `e`.
  const signed = new Map([...dict].filter(([key]) => key < '~'));
  const end = encodeBencode(signed).length - 1;
  if (!xed25519Verify(sodium, signature, ownerKey, bytes.subarray(0, end))) {
    throw new BadSignatureError(
      'The account-key bundle signature does not verify under the Session ID it was fetched for',
      { details: { sessionId: ownerSessionId } },
    );
  }
  if (t !== undefined) {
    const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
    if (nowSeconds - t > ACCOUNT_BUNDLE_MAX_AGE_SECONDS) {
      throw new StaleKeysError(
        `The account-key bundle was created ${nowSeconds - t} s ago, more than 48 h: a swarm node may be replaying an old bundle; fetch again`,
        { details: { created: t, now: nowSeconds } },
      );
    }
    if (t - nowSeconds > ACCOUNT_BUNDLE_MAX_SKEW_SECONDS) {
      throw new StaleKeysError(
        `The account-key bundle is dated ${t - nowSeconds} s in the future (more than 1 h): check the clocks`,
        { details: { created: t, now: nowSeconds } },
      );
    }
  }
  // Copies, as plain Uint8Arrays (a Buffer input gives Buffer views, whose slice() copies nothing).
  return { mlkem768PublicKey: new Uint8Array(m), x25519PublicKey: new Uint8Array(x), created: t };
}

/** Inputs of {@link accountKeyRotationTime}. */
export interface AccountKeyRotationInput {
  /** The current account seed (the BLAKE2b key). */
  seed: Uint8Array;
  /** This device's 32-byte unique id (the hashed data). */
  deviceId: Uint8Array;
  /** When the current account keys were created, unix seconds. */
  created: number;
  /** Registered devices of the account (1 for a single device). */
  devices: number;
}

/**
 * When this device rotates the account keys, in unix milliseconds:
 * `created + 11 h + 2 h·(1 − u^N)`, `u = LE-uint64(BLAKE2b-8(deviceId, key = seed, pers =
 * "SessionAccKeyRot")) / 2^64` (libsession `Devices::next_account_rotation`). The minimum over
 * N devices is uniform in 11–13 h whatever N is.
 */
export function accountKeyRotationTime(input: AccountKeyRotationInput): number {
  requireObject(input, 'input');
  requireBytes(input.seed, 'input.seed', ACCOUNT_SEED_LENGTH);
  requireBytes(input.deviceId, 'input.deviceId', 32);
  requireInteger(input.created, 'input.created', 0, Number.MAX_SAFE_INTEGER);
  requireInteger(input.devices, 'input.devices', 1, 1_000_000);
  const hash = blake2b(input.deviceId, {
    dkLen: 8,
    key: input.seed,
    personalization: ROTATION_PERSONALISATION,
  });
  let value = 0n;
  for (let i = 7; i >= 0; i--) value = (value << 8n) | BigInt(hash[i] as number);
  const u = Number(value) / 2 ** 64;
  const offsetSeconds =
    ACCOUNT_KEY_ROTATION_PERIOD_SECONDS -
    ACCOUNT_KEY_ROTATION_WINDOW_SECONDS / 2 +
    ACCOUNT_KEY_ROTATION_WINDOW_SECONDS * (1 - u ** input.devices);
  return input.created * 1000 + Math.floor(offsetSeconds * 1000);
}
