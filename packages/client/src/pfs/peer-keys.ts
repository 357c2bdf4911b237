/**
 * The sender side of Session Protocol V2: what a client knows of each contact's published
 * account keys, how it fetches them (from two swarm members, so one node cannot hide them alone),
 * and the send rules of `PFS.md`, downgrade resistance included:
 *
 * | peer's keys | send |
 * |---|---|
 * | fresh (< 24 h) | V2 with PFS |
 * | stale (24–48 h) | V2 with PFS, refetch in the background |
 * | unknown or expired (> 48 h) | fetch first, hold the message up to 20 s |
 * | never published (NAK, 1 h) | v1 or V2 no-PFS ("not forward-secret" badge) |
 * | seen with PFS before, keys now missing | never downgrade silently: retry; after 1 h ask |
 * | "require forward secrecy" set | never downgrade: queue and retry (blocked) |
 */
import type { AccountPublicKeys, MessageProtocol, MurmurCrypto } from '@murmur/crypto';
import { MurmurError, UpstreamFailedError } from '@murmur/wire';

/** Fresh for 24 h after a fetch. */
export const PEER_KEYS_FRESH_MS = 24 * 3600 * 1000;
/** Usable (stale) up to 48 h after a fetch; expired beyond. */
export const PEER_KEYS_EXPIRED_MS = 48 * 3600 * 1000;
/** A fetch that found no bundle is remembered (NAK) for 1 h. */
export const PEER_KEYS_NAK_MS = 3600 * 1000;
/** How long a message is held while the peer's keys are fetched. */
export const PEER_KEYS_HOLD_MS = 20_000;
/** After this long without keys for a contact seen with PFS, the person is asked. */
export const PEER_KEYS_ASK_AFTER_MS = 3600 * 1000;

/** What the cache knows of a contact's keys. */
export type PeerKeysState = 'unknown' | 'fresh' | 'stale' | 'expired' | 'nak';

/** One contact's entry. */
export interface PeerKeysEntry {
  state: PeerKeysState;
  /** The last valid keys fetched, while not expired. */
  keys?: AccountPublicKeys | undefined;
  /** Sticky: a valid bundle was once seen for this contact (never cleared by a NAK). */
  supportsPfs: boolean;
  /** When the keys were fetched (ms). */
  fetchedAt?: number | undefined;
  /** Since when fetches have failed or found nothing (ms), while they do. */
  failingSince?: number | undefined;
}

/** The sender key cache (in memory; `supportsPfs` should be persisted with the contact). */
export interface PeerKeyCache {
  get(sessionId: string): PeerKeysEntry;
  /** Records a fetch that found valid keys. */
  recordKeys(sessionId: string, keys: AccountPublicKeys): void;
  /** Records a fetch that found no bundle at all (NAK for 1 h). */
  recordNone(sessionId: string): void;
  /** Records a failed fetch (network, or only invalid/replayed bundles): no NAK. */
  recordFailure(sessionId: string): void;
  /** Restores the sticky flag from storage. */
  setSupportsPfs(sessionId: string, value: boolean): void;
}

interface Raw {
  keys?: AccountPublicKeys;
  fetchedAt?: number;
  nakUntil?: number;
  supportsPfs: boolean;
  failingSince?: number;
}

/** A {@link PeerKeyCache} on the given clock (ms). */
export function createPeerKeyCache(now: () => number): PeerKeyCache {
  const entries = new Map<string, Raw>();
  const raw = (id: string): Raw => {
    let entry = entries.get(id);
    if (entry === undefined) {
      entry = { supportsPfs: false };
      entries.set(id, entry);
    }
    return entry;
  };
  return {
    get(sessionId) {
      const entry = entries.get(sessionId) ?? { supportsPfs: false };
      const at = now();
      let state: PeerKeysState = 'unknown';
      if (entry.keys !== undefined && entry.fetchedAt !== undefined) {
        const age = at - entry.fetchedAt;
        state =
          age < PEER_KEYS_FRESH_MS ? 'fresh' : age <= PEER_KEYS_EXPIRED_MS ? 'stale' : 'expired';
      }
      if (
        state !== 'fresh' &&
        state !== 'stale' &&
        entry.nakUntil !== undefined &&
        at < entry.nakUntil
      ) {
        state = 'nak';
      }
      return {
        state,
        keys: state === 'fresh' || state === 'stale' ? entry.keys : undefined,
        supportsPfs: entry.supportsPfs,
        fetchedAt: entry.fetchedAt,
        failingSince: entry.failingSince,
      };
    },
    recordKeys(sessionId, keys) {
      const entry = raw(sessionId);
      entry.keys = keys;
      entry.fetchedAt = now();
      entry.supportsPfs = true;
      delete entry.nakUntil;
      delete entry.failingSince;
    },
    recordNone(sessionId) {
      const entry = raw(sessionId);
      entry.nakUntil = now() + PEER_KEYS_NAK_MS;
      entry.failingSince ??= now();
    },
    recordFailure(sessionId) {
      raw(sessionId).failingSince ??= now();
    },
    setSupportsPfs(sessionId, value) {
      raw(sessionId).supportsPfs = value;
    },
  };
}

/** One swarm member's answer to an unsigned retrieve of namespace −21: the messages' data. */
export type BundleFetcher = () => Promise<Uint8Array[]>;

/** What {@link fetchPeerKeys} found. */
export type PeerKeysFetch =
  | { kind: 'keys'; keys: AccountPublicKeys; created: number | undefined }
  | { kind: 'none' };

/**
 * Asks two swarm members (in parallel) for `sessionId`'s bundle and keeps the newest valid one
 * (by `t`; a bundle without `t` counts as oldest). Bundles that fail their signature or are
 * older than 48 h are ignored. Both answering "nothing" is a NAK (`none`); anything else without
 * a valid bundle (members unreachable, only replayed or forged bundles) throws, so that it is
 * not mistaken for a peer that never published.
 */
export async function fetchPeerKeys(
  crypto: MurmurCrypto,
  sessionId: string,
  fetchers: readonly BundleFetcher[],
  now: () => number,
): Promise<PeerKeysFetch> {
  const answers = await Promise.allSettled(fetchers.map((fetch) => fetch()));
  let best: { keys: AccountPublicKeys; created: number | undefined } | undefined;
  let empty = 0;
  let rejected: unknown;
  for (const answer of answers) {
    if (answer.status === 'rejected') {
      rejected ??= answer.reason;
      continue;
    }
    if (answer.value.length === 0) empty++;
    for (const data of answer.value) {
      try {
        const read = crypto.decodeAccountKeyBundle(data, sessionId, { now: now() });
        if (best === undefined || (read.created ?? -1) > (best.created ?? -1)) {
          best = {
            keys: {
              mlkem768PublicKey: read.mlkem768PublicKey,
              x25519PublicKey: read.x25519PublicKey,
            },
            created: read.created,
          };
        }
      } catch (error) {
        rejected ??= error;
      }
    }
  }
  if (best !== undefined) return { kind: 'keys', ...best };
  if (empty === fetchers.length && fetchers.length > 0) return { kind: 'none' };
  if (MurmurError.isInstance(rejected)) throw rejected;
  throw new UpstreamFailedError(
    `No swarm member returned a usable account-key bundle for ${sessionId}`,
    { cause: rejected, details: { sessionId } },
  );
}

/** Per-contact and account settings the send rules read. */
export interface SendSettings {
  /** The contact's "require forward secrecy" setting. */
  requirePfs: boolean;
  /** What to send to a peer that never published keys (Murmur setting; Session sends v1). */
  fallback: 'v1' | 'v2-no-pfs';
}

/** What to do with a message to a contact. */
export type SendDecision =
  | { action: 'send'; protocol: 'v2'; keys: AccountPublicKeys; refetch: boolean; show: 'normal' }
  | { action: 'fetch'; holdMs: number; show: 'securing' }
  | { action: 'send'; protocol: 'v1' | 'v2-no-pfs'; show: 'not-forward-secret' }
  | { action: 'retry'; show: 'warning'; askUser: boolean }
  | { action: 'blocked'; show: 'blocked' };

/** The send rules of `PFS.md` for one contact's cache entry. */
export function decideSend(
  entry: PeerKeysEntry,
  settings: SendSettings,
  now: number,
  fetchFailed = false,
): SendDecision {
  if ((entry.state === 'fresh' || entry.state === 'stale') && entry.keys !== undefined) {
    return {
      action: 'send',
      protocol: 'v2',
      keys: entry.keys,
      refetch: entry.state === 'stale',
      show: 'normal',
    };
  }
  if ((entry.state === 'unknown' || entry.state === 'expired') && !fetchFailed) {
    return { action: 'fetch', holdMs: PEER_KEYS_HOLD_MS, show: 'securing' };
  }
  // No usable keys: the peer never published (NAK), or the fetch failed.
  if (settings.requirePfs) return { action: 'blocked', show: 'blocked' };
  if (entry.supportsPfs) {
    const since = entry.failingSince ?? now;
    return { action: 'retry', show: 'warning', askUser: now - since >= PEER_KEYS_ASK_AFTER_MS };
  }
  return { action: 'send', protocol: settings.fallback, show: 'not-forward-secret' };
}

/** Whether a received message was forward-secret, for the UI (from `decryptIncoming`). */
export function isForwardSecret(protocol: MessageProtocol | undefined): boolean {
  return protocol === 'v2';
}
