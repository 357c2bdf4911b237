/**
 * Message namespaces: 16-bit signed integers that split one account's storage into independent
 * boxes, and the rules that follow from a namespace's number (SS `common/namespace.h`, DESK
 * `snode_api/namespaces.ts`).
 */
import {
  NAMESPACE_MAX,
  NAMESPACE_MIN,
  TTL_MAX_PRIVATE_MS,
  TTL_MAX_PUBLIC_MS,
  TTL_MIN_MS,
} from './constants.js';
import { InvalidInputError } from './errors.js';

/** The namespaces Session clients use. Namespaces −30 … 30 are reserved for Session. */
export const Namespace = Object.freeze({
  /** One-to-one messages (a public inbox: anyone may deposit). */
  Default: 0,
  /** User config: profile. */
  UserProfile: 2,
  /** User config: contacts. */
  Contacts: 3,
  /** User config: volatile conversation info (read markers and the like). */
  ConvoInfoVolatile: 4,
  /** User config: the groups and communities the user belongs to. */
  UserGroups: 5,
  /** Groups v2: messages. */
  GroupMessages: 11,
  /** Groups v2: encryption keys. */
  GroupKeys: 12,
  /** Groups v2: group info. */
  GroupInfo: 13,
  /** Groups v2: members. */
  GroupMembers: 14,
  /** Groups v2: messages that revoked subaccounts can still retrieve. */
  RevokedRetrievableGroupMessages: -11,
  /** Legacy closed groups (deprecated; retrievable without a signature). */
  LegacyClosedGroup: -10,
  /**
   * Session Protocol V2 account-key bundle (libsession-util `src/core/devices.cpp`): a public
   * outbox, so owner-signed stores, unsigned retrieves, and a new store replaces the old.
   */
  AccountKeys: -21,
} as const);

/** One of the {@link Namespace} values. */
export type KnownNamespace = (typeof Namespace)[keyof typeof Namespace];

/** True for an integer from −32768 to 32767. */
export function isValidNamespace(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= NAMESPACE_MIN &&
    value <= NAMESPACE_MAX
  );
}

function requireNamespace(namespace: number): number {
  if (!isValidNamespace(namespace)) {
    throw new InvalidInputError(
      `namespace must be an integer from ${NAMESPACE_MIN} to ${NAMESPACE_MAX}, got ${String(namespace)}`,
      { details: { field: 'namespace' } },
    );
  }
  // Normalise -0 to 0 so that it is "namespace 0" everywhere (signatures, hashes).
  return namespace === 0 ? 0 : namespace;
}

/**
 * A public inbox (namespace divisible by 10, such as 0, −10, 60): anyone may store into it
 * without a signature; messages there live at most 14 days.
 */
export function isPublicInbox(namespace: number): boolean {
  return requireNamespace(namespace) % 10 === 0;
}

/**
 * A public outbox (−1, −21, −41, …: negative with −n ≡ 1 mod 20): one message that each store
 * replaces, retrievable by anyone without a signature.
 */
export function isPublicOutbox(namespace: number): boolean {
  const value = requireNamespace(namespace);
  return value < 0 && -value % 20 === 1;
}

/**
 * A namespace that revoked subaccounts can still retrieve from (negative, −n ≡ 11 mod 100:
 * −11, −111, −211, …).
 */
export function isRevokedRetrievable(namespace: number): boolean {
  const value = requireNamespace(namespace);
  return value < 0 && -value % 100 === 11;
}

/** Whether `store` into this namespace must be signed (every namespace but public inboxes). */
export function storeRequiresAuth(namespace: number): boolean {
  return !isPublicInbox(namespace);
}

/**
 * Whether `retrieve` from this namespace must be signed: every namespace except legacy closed
 * groups (−10) and public outboxes.
 */
export function retrieveRequiresAuth(namespace: number): boolean {
  const value = requireNamespace(namespace);
  return !(value === Namespace.LegacyClosedGroup || isPublicOutbox(value));
}

/** The longest TTL a message in this namespace may have: 14 days in public inboxes, else 30. */
export function maxTtlMs(namespace: number): number {
  return isPublicInbox(namespace) ? TTL_MAX_PUBLIC_MS : TTL_MAX_PRIVATE_MS;
}

/** Whether `ttlMs` is within the TTL limits of `namespace` (inclusive at both ends). */
export function isTtlInRange(namespace: number, ttlMs: number): boolean {
  return Number.isInteger(ttlMs) && ttlMs >= TTL_MIN_MS && ttlMs <= maxTtlMs(namespace);
}

/**
 * How a namespace appears in a signed request string: the empty string for namespace 0, `"all"`
 * for all namespaces, else its decimal form (SS `signature_value`).
 */
export function namespaceSignaturePart(namespace: number | 'all'): string {
  if (namespace === 'all') return 'all';
  const value = requireNamespace(namespace);
  return value === 0 ? '' : String(value);
}
