/**
 * Session IDs: `05` followed by the 64 hex digits of an X25519 public key.
 */
import { bytesToHex, InvalidSessionIdError } from '@murmur/wire';
import { describeValue } from './validate.js';

/** Number of characters in a Session ID. */
export const SESSION_ID_LENGTH = 66;

/** The prefix byte of a Session (account) ID. */
export const SESSION_ID_PREFIX = 0x05;

const OTHER_PREFIXES: Record<string, string> = {
  '03': 'a group ID (03 prefix)',
  '15': 'a community-blinded ID (15 prefix)',
  '25': 'a community-blinded ID (25 prefix)',
  '00': 'a testnet ID (00 prefix)',
};

/** Value of one hex digit, or −1. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * The low-order X25519 u-coordinates that libsodium refuses in `crypto_scalarmult` (its
 * `has_small_order` list), in canonical form: 0, 1, the two points of order 8 and p − 1.
 * (p and p + 1, the other two entries of libsodium's list, are non-canonical and are refused
 * by the canonical-encoding rule before this list is consulted.)
 */
const LOW_ORDER_POINTS: readonly (readonly number[])[] = [
  [0x00],
  [0x01],
  [
    0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
    0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
  ],
  [
    0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
    0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57,
  ],
  [
    0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
  ],
];

/** True if `key` equals `point` (a short point is zero-extended to 32 bytes). */
function equalsPoint(key: Uint8Array, point: readonly number[]): boolean {
  for (let i = 0; i < 32; i++) if (key[i] !== (point[i] ?? 0)) return false;
  return true;
}

/**
 * Why `key` is not usable as an X25519 public key, or `undefined` if it is. See
 * {@link parseSessionId} for the rule.
 */
export function x25519PublicKeyProblem(key: Uint8Array): string | undefined {
  const top = key[31] as number;
  if (top & 0x80) return 'its key has the top bit set, which no X25519 public key has';
  if (top === 0x7f && (key[0] as number) >= 0xed) {
    let allOnes = true;
    for (let i = 1; i < 31; i++) {
      if (key[i] !== 0xff) {
        allOnes = false;
        break;
      }
    }
    if (allOnes) return 'its key is not a canonical field element (it is at least 2^255 - 19)';
  }
  for (const point of LOW_ORDER_POINTS) {
    if (equalsPoint(key, point)) {
      return 'its key is a low-order point (all zero, or in libsodium’s small-order list)';
    }
  }
  return undefined;
}

/**
 * The 32-byte X25519 public key inside a Session ID.
 *
 * Accepted: exactly 66 hex characters (either case) beginning `05`, whose 32 key bytes are a
 * usable X25519 public key:
 * - canonical: top bit clear and the value below 2^255 − 19 (every key made by converting an
 *   Ed25519 key is);
 * - not a low-order point: not 0, 1, 2^255 − 20 or either point of order 8 — the canonical
 *   entries of libsodium's small-order list, so that a shared secret with the key can never be
 *   all zeros or a handful of predictable values.
 *
 * Whether the key lies on the curve or on its twist is not checked: that needs a field
 * exponentiation per call, and a twist key harms no one but a sender who seals to it (the
 * sealed box uses a fresh ephemeral key, and nobody can open the result).
 *
 * @throws InvalidSessionIdError naming the problem (wrong type, length, a non-hex character,
 *   another prefix such as `03` groups or `15`/`25` blinded IDs, or an unusable key).
 */
export function parseSessionId(id: unknown): Uint8Array {
  if (typeof id !== 'string') {
    throw new InvalidSessionIdError(
      `A Session ID must be a string of ${SESSION_ID_LENGTH} hex characters, got ${describeValue(id)}`,
    );
  }
  if (id.length !== SESSION_ID_LENGTH) {
    throw new InvalidSessionIdError(
      `A Session ID has ${SESSION_ID_LENGTH} hex characters (05 and 64 more); this one has ${id.length}`,
      { details: { length: id.length } },
    );
  }
  const key = new Uint8Array(32);
  let prefix = 0;
  for (let i = 0; i < 33; i++) {
    const high = hexDigit(id.charCodeAt(2 * i));
    const low = hexDigit(id.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) {
      const position = high < 0 ? 2 * i + 1 : 2 * i + 2;
      throw new InvalidSessionIdError(
        `A Session ID may contain only hex digits (0-9, a-f); character ${position} is not one`,
        { details: { position } },
      );
    }
    if (i === 0) prefix = (high << 4) | low;
    else key[i - 1] = (high << 4) | low;
  }
  if (prefix !== SESSION_ID_PREFIX) {
    const prefixText = id.slice(0, 2).toLowerCase();
    const kind = OTHER_PREFIXES[prefixText] ?? `an ID with prefix ${prefixText}`;
    throw new InvalidSessionIdError(
      `This is ${kind}; only 05 account IDs (Session IDs) are accepted here`,
      { details: { prefix: prefixText } },
    );
  }
  const problem = x25519PublicKeyProblem(key);
  if (problem !== undefined) {
    throw new InvalidSessionIdError(`This Session ID is not valid: ${problem}`);
  }
  return key;
}

/** True when {@link parseSessionId} accepts `id`. */
export function isSessionId(id: unknown): id is string {
  try {
    parseSessionId(id);
    return true;
  } catch {
    return false;
  }
}

/** The Session ID of an X25519 public key: `05` + 64 lower-case hex digits. */
export function sessionIdFromX25519(publicKey: Uint8Array): string {
  return `05${bytesToHex(publicKey)}`;
}
