/**
 * The messages that storage RPC signatures cover (Session storage server 2.8
 * `client_rpc_endpoints.h`), and Ed25519 signing and checking of them.
 *
 * "NS" below is the namespace in base 10, the empty string for namespace 0 (given or not) and
 * `all` where a method allows it. Integers are base 10, timestamps in milliseconds.
 *
 * | method | signed message |
 * | --- | --- |
 * | store | `store ‖ NS ‖ sig_timestamp` (sig_timestamp defaults to timestamp) |
 * | retrieve | `retrieve ‖ NS ‖ timestamp` |
 * | delete | `delete ‖ messages[0] ‖ … ‖ messages[n]` |
 * | delete_all | `delete_all ‖ NS ‖ timestamp` (NS may be `all`) |
 * | delete_before | `delete_before ‖ NS ‖ before` (NS may be `all`) |
 * | expire | `expire ‖ ("shorten" \| "extend" \| "") ‖ expiry (or expiries concatenated) ‖ messages…` |
 * | expire_all | `expire_all ‖ NS ‖ expiry` (NS may be `all`) |
 * | get_expiries | `get_expiries ‖ timestamp ‖ messages…` |
 * | revoke_subaccount | `revoke_subaccount ‖ timestamp ‖ token bytes…` (36 raw bytes each) |
 * | unrevoke_subaccount | `unrevoke_subaccount ‖ timestamp ‖ token bytes…` |
 */
import {
  base64ToBytes,
  bytesToBase64,
  hexToBytes,
  InvalidInputError,
  isHex,
  RPC_METHODS,
} from '@murmur/wire';
import type { SodiumBackend } from './backends/types.js';
import type {
  SignedRequestMethod,
  SignedRequestParams,
  SubaccountTokenInput,
  UnsignedRequestMethod,
} from './types.js';
import { describeValue, requireBytes, requireObject } from './validate.js';

const UNSIGNED_REQUEST_METHODS: ReadonlySet<string> = new Set<UnsignedRequestMethod>([
  'get_swarm',
  'info',
  'batch',
  'sequence',
  'oxend_request',
  'active_nodes_bin',
]);

/**
 * Every method {@link signedRequestMessage} knows: `@murmur/wire`'s `RPC_METHODS` without the
 * unsigned ones (in the same order).
 */
export const SIGNED_REQUEST_METHODS: readonly SignedRequestMethod[] = Object.freeze(
  RPC_METHODS.filter(
    (method): method is SignedRequestMethod => !UNSIGNED_REQUEST_METHODS.has(method),
  ),
);

/** Length of a subaccount token. */
export const SUBACCOUNT_TOKEN_LENGTH = 36;

const MIN_NAMESPACE = -32768;
const MAX_NAMESPACE = 32767;

function missing(method: string, field: string): InvalidInputError {
  return new InvalidInputError(`${method} needs params.${field}`, { details: { method, field } });
}

function namespacePart(method: string, value: unknown, allowAll: boolean): string {
  if (value === undefined || value === 0) return '';
  if (value === 'all') {
    if (allowAll) return 'all';
    throw new InvalidInputError(`${method} does not accept namespace "all"`, {
      details: { method, field: 'namespace' },
    });
  }
  if (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= MIN_NAMESPACE &&
    value <= MAX_NAMESPACE
  ) {
    return String(value);
  }
  throw new InvalidInputError(
    `params.namespace must be an integer from ${MIN_NAMESPACE} to ${MAX_NAMESPACE}${allowAll ? ' or "all"' : ''}, got ${describeValue(value)}`,
    { details: { method, field: 'namespace' } },
  );
}

/** A non-negative integer (or its decimal text, as old clients send) in canonical base 10. */
function integerPart(method: string, field: string, value: unknown): string {
  if (value === undefined || value === null) throw missing(method, field);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^[0-9]{1,16}$/.test(value)) {
    const parsed = Number(value);
    if (Number.isSafeInteger(parsed)) return String(parsed);
  }
  throw new InvalidInputError(
    `params.${field} must be a non-negative integer (milliseconds), got ${typeof value === 'string' ? 'text that is not one' : describeValue(value)}`,
    { details: { method, field } },
  );
}

/** Message hashes: a non-empty array of non-empty printable-ASCII strings. */
function hashesPart(method: string, value: unknown): string {
  if (value === undefined || value === null) throw missing(method, 'messages');
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidInputError(`params.messages must be a non-empty array of message hashes`, {
      details: { method, field: 'messages' },
    });
  }
  value.forEach((hash: unknown, index) => {
    if (typeof hash !== 'string' || !/^[\x21-\x7e]+$/.test(hash)) {
      throw new InvalidInputError(
        `params.messages[${index}] must be a message hash (printable ASCII text)`,
        { details: { method, field: `messages[${index}]` } },
      );
    }
  });
  return value.join('');
}

function expiryPart(method: string, value: unknown, messageCount: number): string {
  if (Array.isArray(value)) {
    if (value.length !== messageCount) {
      throw new InvalidInputError(
        `params.expiry as an array must have one expiry per message (${messageCount}), got ${value.length}`,
        { details: { method, field: 'expiry' } },
      );
    }
    return value.map((item, index) => integerPart(method, `expiry[${index}]`, item)).join('');
  }
  return integerPart(method, 'expiry', value);
}

function tokenBytes(method: string, field: string, token: SubaccountTokenInput): Uint8Array {
  let bytes: Uint8Array | undefined;
  if (token instanceof Uint8Array) bytes = token;
  else if (typeof token === 'string') {
    try {
      bytes = isHex(token, SUBACCOUNT_TOKEN_LENGTH)
        ? hexToBytes(token)
        : base64ToBytes(token, { field: `params.${field}` });
    } catch {
      bytes = undefined;
    }
  }
  if (bytes === undefined || bytes.length !== SUBACCOUNT_TOKEN_LENGTH) {
    throw new InvalidInputError(
      `params.${field} must be a ${SUBACCOUNT_TOKEN_LENGTH}-byte subaccount token (bytes, hex or base64)`,
      { details: { method, field } },
    );
  }
  return bytes;
}

/** The tokens as a binary string (one character per byte). */
function tokensPart(method: string, field: string, value: unknown): string {
  if (value === undefined || value === null) throw missing(method, field);
  const tokens: unknown[] = Array.isArray(value) ? value : [value];
  if (tokens.length === 0) {
    throw new InvalidInputError(`params.${field} must hold at least one token`, {
      details: { method, field },
    });
  }
  let out = '';
  tokens.forEach((token, index) => {
    const bytes = tokenBytes(
      method,
      Array.isArray(value) ? `${field}[${index}]` : field,
      token as SubaccountTokenInput,
    );
    out += String.fromCharCode(...bytes);
  });
  return out;
}

/**
 * The signed message of `method` as a binary string: one character per byte. It is plain
 * ASCII for every method but revoke_subaccount and unrevoke_subaccount, whose token bytes
 * follow as characters U+0000–U+00FF. Use {@link signedRequestBytes} for the bytes.
 *
 * @throws InvalidInputError naming a missing or malformed field, or an unknown method.
 */
export function signedRequestMessage(
  method: SignedRequestMethod,
  params: SignedRequestParams,
): string {
  requireObject(params, 'params');
  switch (method) {
    case 'store':
      return `store${namespacePart(method, params.namespace, false)}${integerPart(
        method,
        params.sig_timestamp !== undefined ? 'sig_timestamp' : 'timestamp',
        params.sig_timestamp ?? params.timestamp,
      )}`;
    case 'retrieve':
      return `retrieve${namespacePart(method, params.namespace, false)}${integerPart(method, 'timestamp', params.timestamp)}`;
    case 'delete':
      return `delete${hashesPart(method, params.messages)}`;
    case 'delete_all':
      return `delete_all${namespacePart(method, params.namespace, true)}${integerPart(method, 'timestamp', params.timestamp)}`;
    case 'delete_before':
      return `delete_before${namespacePart(method, params.namespace, true)}${integerPart(method, 'before', params.before)}`;
    case 'expire': {
      if (params.shorten === true && params.extend === true) {
        throw new InvalidInputError('expire cannot both shorten and extend', {
          details: { method, field: 'shorten' },
        });
      }
      const mode = params.shorten === true ? 'shorten' : params.extend === true ? 'extend' : '';
      const hashes = hashesPart(method, params.messages);
      const expiry = expiryPart(method, params.expiry, params.messages?.length ?? 0);
      return `expire${mode}${expiry}${hashes}`;
    }
    case 'expire_all':
      return `expire_all${namespacePart(method, params.namespace, true)}${integerPart(method, 'expiry', params.expiry)}`;
    case 'get_expiries':
      return `get_expiries${integerPart(method, 'timestamp', params.timestamp)}${hashesPart(method, params.messages)}`;
    case 'revoke_subaccount':
      return `revoke_subaccount${integerPart(method, 'timestamp', params.timestamp)}${tokensPart(method, 'revoke', params.revoke)}`;
    case 'unrevoke_subaccount':
      return `unrevoke_subaccount${integerPart(method, 'timestamp', params.timestamp)}${tokensPart(method, 'unrevoke', params.unrevoke)}`;
    default:
      throw new InvalidInputError(
        `No signed message is defined for method ${typeof method === 'string' ? JSON.stringify((method as string).slice(0, 40)) : describeValue(method)}`,
        { details: { field: 'method' } },
      );
  }
}

/** The bytes a storage RPC signature covers. */
export function signedRequestBytes(
  method: SignedRequestMethod,
  params: SignedRequestParams,
): Uint8Array {
  const message = signedRequestMessage(method, params);
  const out = new Uint8Array(message.length);
  for (let i = 0; i < message.length; i++) out[i] = message.charCodeAt(i);
  return out;
}

/** Signs a storage RPC request with a 64-byte Ed25519 secret key: base64 (padded). */
export function signRequest(
  sodium: SodiumBackend,
  method: SignedRequestMethod,
  params: SignedRequestParams,
  ed25519SecretKey: Uint8Array,
): string {
  requireBytes(ed25519SecretKey, 'ed25519SecretKey', 64);
  const message = signedRequestBytes(method, params);
  return bytesToBase64(sodium.signDetached(message, ed25519SecretKey));
}

/**
 * Checks a storage RPC signature: false for a signature that is not base64 of 64 bytes or that
 * libsodium's strict `crypto_sign_verify_detached` rejects.
 *
 * @throws InvalidInputError for a public key that is not 32 bytes or params that do not form a
 *   signed message (the request itself is malformed).
 */
export function verifyRequest(
  sodium: SodiumBackend,
  method: SignedRequestMethod,
  params: SignedRequestParams,
  signatureBase64: string,
  ed25519PublicKey: Uint8Array,
): boolean {
  requireBytes(ed25519PublicKey, 'ed25519PublicKey', 32);
  const message = signedRequestBytes(method, params);
  if (typeof signatureBase64 !== 'string' || signatureBase64.length > 88) return false;
  let signature: Uint8Array;
  try {
    signature = base64ToBytes(signatureBase64);
  } catch {
    return false;
  }
  if (signature.length !== 64) return false;
  return sodium.verifyDetached(signature, message, ed25519PublicKey);
}
