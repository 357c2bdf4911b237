/**
 * murmur-ntor: Tor's ntor handshake (tor-spec section 5.1.4) over X25519 with HMAC-SHA256, under
 * Murmur's protocol id. `ID` is the relay's Ed25519 key, `B` its registry X25519 key, `X` / `Y`
 * the client's and the relay's ephemeral keys.
 *
 * ```
 * secret_input = EXP(X, y) | EXP(X, b) | ID | B | X | Y | PROTOID     (relay side)
 *              = EXP(Y, x) | EXP(B, x) | ID | B | X | Y | PROTOID     (client side)
 * verify       = H(secret_input, t_verify)
 * auth_input   = verify | ID | B | Y | X | PROTOID | "Server"
 * AUTH         = H(auth_input, t_mac)
 * Kf | Kb      = HKDF-SHA256(secret_input, salt = t_key, info = m_expand, 64)
 * ```
 * where `H(x, t)` is HMAC-SHA256 keyed with `t`. Either X25519 output being all zeros fails the
 * handshake. Ephemeral secrets and `secret_input` are wiped before returning.
 */
import type { KeyPair, MurmurCrypto } from '@murmur/crypto';
import { concatBytes, DecryptionFailedError, InvalidInputError, utf8Encode } from '@murmur/wire';

/** The protocol id of murmur-ntor. */
export const NTOR_PROTOID = 'murmur-ntor-x25519-sha256-1';
const PROTOID = utf8Encode(NTOR_PROTOID);
const T_MAC = utf8Encode(`${NTOR_PROTOID}:mac`);
const T_KEY = utf8Encode(`${NTOR_PROTOID}:key_extract`);
const T_VERIFY = utf8Encode(`${NTOR_PROTOID}:verify`);
const M_EXPAND = utf8Encode(`${NTOR_PROTOID}:key_expand`);
const SERVER = utf8Encode('Server');

/** The two keys of one hop: `Kf` (towards the exit) and `Kb` (back). Secret. */
export interface HopKeys {
  kf: Uint8Array;
  kb: Uint8Array;
}

/** What the client keeps between CREATE and CREATED. Secret: wipe with {@link wipeNtorClient}. */
export interface NtorClientState {
  readonly id: Uint8Array;
  readonly b: Uint8Array;
  readonly x: Uint8Array;
  readonly xSecret: Uint8Array;
}

/** The relay's answer and its keys. */
export interface NtorServerResult extends HopKeys {
  y: Uint8Array;
  auth: Uint8Array;
}

function require32(value: Uint8Array, field: string): void {
  if (!(value instanceof Uint8Array) || value.length !== 32) {
    throw new InvalidInputError(`${field} must be 32 bytes`, { details: { field } });
  }
}

function exp(crypto: MurmurCrypto, secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  try {
    return crypto.x25519(secretKey, publicKey);
  } catch (error) {
    throw new DecryptionFailedError('murmur-ntor: an X25519 output is all zeros', {
      cause: error,
    });
  }
}

function finish(
  crypto: MurmurCrypto,
  shared1: Uint8Array,
  shared2: Uint8Array,
  id: Uint8Array,
  b: Uint8Array,
  x: Uint8Array,
  y: Uint8Array,
): { auth: Uint8Array; keys: HopKeys } {
  const secretInput = concatBytes(shared1, shared2, id, b, x, y, PROTOID);
  const verify = crypto.hmacSha256(T_VERIFY, secretInput);
  const auth = crypto.hmacSha256(T_MAC, concatBytes(verify, id, b, y, x, PROTOID, SERVER));
  const okm = crypto.hkdfSha256(secretInput, T_KEY, M_EXPAND, 64);
  const keys = { kf: okm.slice(0, 32), kb: okm.slice(32, 64) };
  crypto.wipe(okm);
  crypto.wipe(secretInput);
  crypto.wipe(verify);
  crypto.wipe(shared1);
  crypto.wipe(shared2);
  return { auth, keys };
}

/**
 * Client, first step: a fresh ephemeral key `X` for the relay `(ID, B)`.
 * `ephemeralSecretKey` is for known-answer tests only.
 */
export function ntorClientStart(
  crypto: MurmurCrypto,
  relay: { id: Uint8Array; b: Uint8Array },
  options: { ephemeralSecretKey?: Uint8Array } = {},
): NtorClientState {
  require32(relay.id, 'id');
  require32(relay.b, 'b');
  const xSecret = options.ephemeralSecretKey?.slice() ?? crypto.randomBytes(32);
  require32(xSecret, 'ephemeralSecretKey');
  return { id: relay.id.slice(), b: relay.b.slice(), x: crypto.x25519PublicKey(xSecret), xSecret };
}

/** Wipes the client's ephemeral secret (after {@link ntorClientFinish}, or on giving up). */
export function wipeNtorClient(crypto: MurmurCrypto, state: NtorClientState): void {
  crypto.wipe(state.xSecret);
}

/**
 * Client, second step: checks the relay's `AUTH` and derives the hop keys. Wipes the ephemeral
 * secret whatever the outcome.
 *
 * @throws {@link DecryptionFailedError} when `AUTH` does not match or an X25519 output is zero.
 */
export function ntorClientFinish(
  crypto: MurmurCrypto,
  state: NtorClientState,
  reply: { y: Uint8Array; auth: Uint8Array },
): HopKeys {
  try {
    require32(reply.y, 'y');
    require32(reply.auth, 'auth');
    const shared1 = exp(crypto, state.xSecret, reply.y);
    const shared2 = exp(crypto, state.xSecret, state.b);
    const { auth, keys } = finish(crypto, shared1, shared2, state.id, state.b, state.x, reply.y);
    if (!crypto.equalConstantTime(auth, reply.auth)) {
      crypto.wipe(keys.kf);
      crypto.wipe(keys.kb);
      throw new DecryptionFailedError('murmur-ntor: the relay AUTH does not match');
    }
    return keys;
  } finally {
    wipeNtorClient(crypto, state);
  }
}

/**
 * Relay side: answers a client's `X` with `Y` and `AUTH`, and derives the hop keys.
 * `relay.x25519` is the registry X25519 key pair (`B`, `b`); `relay.id` the Ed25519 key.
 * `ephemeralSecretKey` is for known-answer tests only.
 *
 * @throws {@link DecryptionFailedError} when an X25519 output is all zeros.
 */
export function ntorServer(
  crypto: MurmurCrypto,
  relay: { id: Uint8Array; x25519: KeyPair },
  x: Uint8Array,
  options: { ephemeralSecretKey?: Uint8Array } = {},
): NtorServerResult {
  require32(relay.id, 'id');
  require32(x, 'x');
  const ySecret = options.ephemeralSecretKey?.slice() ?? crypto.randomBytes(32);
  require32(ySecret, 'ephemeralSecretKey');
  try {
    const y = crypto.x25519PublicKey(ySecret);
    const shared1 = exp(crypto, ySecret, x);
    const shared2 = exp(crypto, relay.x25519.secretKey, x);
    const { auth, keys } = finish(crypto, shared1, shared2, relay.id, relay.x25519.publicKey, x, y);
    return { y, auth, ...keys };
  } finally {
    crypto.wipe(ySecret);
  }
}
