/**
 * The bencoded relay messages of subscriptions: SUBSCRIBE, SUBSCRIBED, UNSUBSCRIBE, SUB_ENDED,
 * and the `MONITOR2` text the account signs. One codec, used by the client and the exit alike.
 */
import {
  type BencodeDict,
  decodeBencode,
  encodeBencode,
  getBencodeBytes,
  getBencodeInteger,
  getBencodeList,
  getBencodeString,
  isBencodeDict,
  monitorSignatureMessage,
  PayloadMalformedError,
} from '@murmur/wire';

/** Who is subscribed: a `05` account by its Ed25519 key `P`, or any account by its 33 bytes `p`. */
export type SubscriptionAccount = { ed25519: Uint8Array } | { account: Uint8Array };

/** A SUBSCRIBE request. */
export type SubscribeRequest = SubscriptionAccount & {
  /** Ascending, distinct int16 namespaces. */
  namespaces: number[];
  /** Unix seconds the signature was made at (accepted within ±10 minutes). */
  timestamp: number;
  /** Ed25519 signature of {@link monitorSignatureMessage} (64). */
  signature: Uint8Array;
};

/** An UNSUBSCRIBE request. */
export type UnsubscribeRequest = SubscriptionAccount & { namespaces: number[] };

/** The answer to SUBSCRIBE: success, or Session's monitor error codes 1–6 and 7 (a limit). */
export type SubscribeAnswer =
  | { success: true }
  | { success: false; errcode: number; error: string };

/** SUB_ENDED: the exit stopped a subscription (left the swarm, lost upstream, a limit). */
export interface SubscriptionEnded {
  /** The 33-byte account. */
  account: Uint8Array;
  reason: number;
  text: string;
}

/** SUBSCRIBED `errcode` 7: a Murmur limit (accounts per circuit, SUBSCRIBEs a minute). */
export const SUBSCRIBE_ERROR_LIMIT = 7;

function malformed(message: string, field = 'subscribe'): PayloadMalformedError {
  return new PayloadMalformedError(message, { details: { field } });
}

function dictOf(bytes: Uint8Array, what: string): BencodeDict {
  const value = decodeBencode(bytes, { maxDepth: 2 });
  if (!isBencodeDict(value)) throw malformed(`${what} must be a bencoded dict`);
  return value;
}

function requireOnly(dict: BencodeDict, allowed: string[], what: string): void {
  for (const key of dict.keys()) {
    if (!allowed.includes(key)) throw malformed(`${what} has an unknown field \`${key}\``);
  }
}

function requireNamespaces(namespaces: readonly number[]): void {
  if (namespaces.length === 0 || namespaces.length > 64)
    throw malformed('n must list 1 to 64 namespaces');
  let previous = -Infinity;
  for (const namespace of namespaces) {
    if (!Number.isInteger(namespace) || namespace < -32_768 || namespace > 32_767) {
      throw malformed('each namespace is an int16');
    }
    if (namespace <= previous) throw malformed('namespaces must be ascending and distinct');
    previous = namespace;
  }
}

function readAccount(dict: BencodeDict): SubscriptionAccount {
  const ed25519 = getBencodeBytes(dict, 'P', { optional: true });
  const account = getBencodeBytes(dict, 'p', { optional: true });
  if ((ed25519 === undefined) === (account === undefined))
    throw malformed('give exactly one of P and p');
  if (ed25519 !== undefined) {
    if (ed25519.length !== 32) throw malformed('P is a 32-byte Ed25519 key');
    return { ed25519 };
  }
  if ((account as Uint8Array).length !== 33) throw malformed('p is a 33-byte account');
  return { account: account as Uint8Array };
}

function writeAccount(request: SubscriptionAccount): Record<string, Uint8Array> {
  if ('ed25519' in request) {
    if (request.ed25519.length !== 32) throw malformed('P is a 32-byte Ed25519 key');
    return { P: request.ed25519 };
  }
  if (request.account.length !== 33) throw malformed('p is a 33-byte account');
  return { p: request.account };
}

function readNamespaces(dict: BencodeDict): number[] {
  const list = getBencodeList(dict, 'n');
  const namespaces = list.map((value) => {
    if (typeof value !== 'number') throw malformed('each namespace is an integer');
    return value;
  });
  requireNamespaces(namespaces);
  return namespaces;
}

/** Encodes SUBSCRIBE data. */
export function encodeSubscribe(request: SubscribeRequest): Uint8Array {
  requireNamespaces(request.namespaces);
  if (request.signature.length !== 64) throw malformed('s is a 64-byte signature');
  if (!Number.isSafeInteger(request.timestamp) || request.timestamp < 0)
    throw malformed('t is unix seconds');
  return encodeBencode({
    ...writeAccount(request),
    n: request.namespaces,
    s: request.signature,
    t: request.timestamp,
  });
}

/** Decodes SUBSCRIBE data; {@link PayloadMalformedError} for any other shape. */
export function decodeSubscribe(bytes: Uint8Array): SubscribeRequest {
  const dict = dictOf(bytes, 'SUBSCRIBE');
  requireOnly(dict, ['P', 'p', 'n', 's', 't'], 'SUBSCRIBE');
  const account = readAccount(dict);
  const namespaces = readNamespaces(dict);
  const signature = getBencodeBytes(dict, 's');
  if (signature.length !== 64) throw malformed('s is a 64-byte signature');
  const timestamp = getBencodeInteger(dict, 't');
  if (timestamp < 0) throw malformed('t is unix seconds');
  return { ...account, namespaces, timestamp, signature };
}

/** Encodes UNSUBSCRIBE data. */
export function encodeUnsubscribe(request: UnsubscribeRequest): Uint8Array {
  requireNamespaces(request.namespaces);
  return encodeBencode({ ...writeAccount(request), n: request.namespaces });
}

/** Decodes UNSUBSCRIBE data. */
export function decodeUnsubscribe(bytes: Uint8Array): UnsubscribeRequest {
  const dict = dictOf(bytes, 'UNSUBSCRIBE');
  requireOnly(dict, ['P', 'p', 'n'], 'UNSUBSCRIBE');
  return { ...readAccount(dict), namespaces: readNamespaces(dict) };
}

/** Encodes SUBSCRIBED data. */
export function encodeSubscribed(answer: SubscribeAnswer): Uint8Array {
  if (answer.success) return encodeBencode({ success: 1 });
  if (!Number.isInteger(answer.errcode) || answer.errcode < 1)
    throw malformed('errcode is a positive integer');
  return encodeBencode({ errcode: answer.errcode, error: answer.error });
}

/** Decodes SUBSCRIBED data. */
export function decodeSubscribed(bytes: Uint8Array): SubscribeAnswer {
  const dict = dictOf(bytes, 'SUBSCRIBED');
  if (dict.has('success')) {
    requireOnly(dict, ['success'], 'SUBSCRIBED');
    if (getBencodeInteger(dict, 'success') !== 1) throw malformed('success must be 1');
    return { success: true };
  }
  requireOnly(dict, ['errcode', 'error'], 'SUBSCRIBED');
  const errcode = getBencodeInteger(dict, 'errcode');
  if (errcode < 1) throw malformed('errcode is a positive integer');
  return { success: false, errcode, error: getBencodeString(dict, 'error') };
}

/** Encodes SUB_ENDED data. */
export function encodeSubscriptionEnded(ended: SubscriptionEnded): Uint8Array {
  if (ended.account.length !== 33) throw malformed('@ is a 33-byte account');
  if (!Number.isInteger(ended.reason) || ended.reason < 0)
    throw malformed('r is a non-negative integer');
  return encodeBencode({ '@': ended.account, e: ended.text, r: ended.reason });
}

/** Decodes SUB_ENDED data. */
export function decodeSubscriptionEnded(bytes: Uint8Array): SubscriptionEnded {
  const dict = dictOf(bytes, 'SUB_ENDED');
  requireOnly(dict, ['@', 'e', 'r'], 'SUB_ENDED');
  const account = getBencodeBytes(dict, '@');
  if (account.length !== 33) throw malformed('@ is a 33-byte account');
  const reason = getBencodeInteger(dict, 'r');
  if (reason < 0) throw malformed('r is a non-negative integer');
  return { account, reason, text: getBencodeString(dict, 'e') };
}

/**
 * The text the account signs to subscribe through an exit:
 * `"MONITOR2" + hex(account) + t + namespaces joined by "," + hex(exit Ed25519 key)`. Defined
 * once in `@murmur/wire` (the node checks the same bytes at its monitor endpoint).
 */
export { monitorSignatureMessage };

/** One new message for a subscribed account, with Session's monitor fields. */
export interface Notification {
  /** `@`: the 33-byte account. */
  account: Uint8Array;
  /** `h`: the message hash. */
  hash: string;
  /** `n`: its namespace. */
  namespace: number;
  /** `t`: its timestamp (ms). */
  timestamp: number;
  /** `z`: its expiry (ms). */
  expiry: number;
  /** `~`: its data; absent when the message is above 16 KiB (fetch it with DATA). */
  data?: Uint8Array;
}

/** Encodes a notification (bencoded, Session's field names). */
export function encodeNotification(notification: Notification): Uint8Array {
  if (notification.account.length !== 33) throw malformed('@ is a 33-byte account', 'notification');
  return encodeBencode({
    '@': notification.account,
    h: notification.hash,
    n: notification.namespace,
    t: notification.timestamp,
    z: notification.expiry,
    '~': notification.data,
  });
}

/** Decodes a notification. */
export function decodeNotification(bytes: Uint8Array): Notification {
  const dict = dictOf(bytes, 'a notification');
  requireOnly(dict, ['@', 'h', 'n', 't', 'z', '~'], 'a notification');
  const account = getBencodeBytes(dict, '@');
  if (account.length !== 33) throw malformed('@ is a 33-byte account', 'notification');
  const namespace = getBencodeInteger(dict, 'n');
  if (namespace < -32_768 || namespace > 32_767) throw malformed('n is an int16', 'notification');
  const notification: Notification = {
    account,
    hash: getBencodeString(dict, 'h'),
    namespace,
    timestamp: getBencodeInteger(dict, 't'),
    expiry: getBencodeInteger(dict, 'z'),
  };
  const data = getBencodeBytes(dict, '~', { optional: true });
  if (data !== undefined) notification.data = data;
  return notification;
}
