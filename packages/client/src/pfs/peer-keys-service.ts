/**
 * The sender's side in one place: for a message to a contact, decide how to send it (the rules of
 * `decideSend`), fetching the contact's keys first when there are none or they expired (holding
 * the message up to 20 s), and refetching in the background when they are stale. One fetch per
 * contact at a time; a fetch that finds nothing records a NAK, a failed one does not.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { sleep as abortableSleep } from '@murmur/wire';
import {
  type BundleFetcher,
  decideSend,
  fetchPeerKeys,
  PEER_KEYS_HOLD_MS,
  type PeerKeyCache,
  type SendDecision,
  type SendSettings,
} from './peer-keys.js';

/** What the service needs. */
export interface PeerKeysServiceInit {
  crypto: MurmurCrypto;
  cache: PeerKeyCache;
  /** The two swarm-member fetchers for a contact (`swarmBundleFetchers(transport, id)`). */
  fetchersFor: (sessionId: string) => BundleFetcher[];
  /** Network time, ms. */
  now: () => number;
  /**
   * Waits `ms`, ending early when `signal` aborts (default: `@murmur/wire`'s abortable `sleep`;
   * tests pass a fake). The service aborts the hold timer once the fetch settles.
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Called when a contact's "supports PFS" flag turns on, to persist it. */
  onSupportsPfs?: (sessionId: string) => void;
}

/** The service. */
export interface PeerKeysService {
  /**
   * How to send to `sessionId` now: a `send` decision (with keys for V2), `retry`, or `blocked`.
   * Fetches first when needed (at most `PEER_KEYS_HOLD_MS`); never returns `fetch`.
   */
  prepare(
    sessionId: string,
    settings: SendSettings,
  ): Promise<Exclude<SendDecision, { action: 'fetch' }>>;
  /**
   * How to send to `sessionId` now without waiting for a fetch: `fetch` means the keys must be
   * fetched first (call `prepare`). A stale entry starts a background refetch.
   */
  decide(sessionId: string, settings: SendSettings): SendDecision;
  /** Fetches `sessionId`'s keys now (one fetch per contact at a time) and records the result. */
  refresh(sessionId: string): Promise<void>;
  /** Waits for background refetches (tests, shutdown). */
  idle(): Promise<void>;
}

/** Builds a {@link PeerKeysService}. */
export function createPeerKeysService(init: PeerKeysServiceInit): PeerKeysService {
  const { crypto, cache, fetchersFor, now } = init;
  const sleep = init.sleep ?? abortableSleep;
  const running = new Map<string, Promise<void>>();

  const refresh = (sessionId: string): Promise<void> => {
    const current = running.get(sessionId);
    if (current !== undefined) return current;
    const task = (async () => {
      try {
        const found = await fetchPeerKeys(crypto, sessionId, fetchersFor(sessionId), now);
        if (found.kind === 'none') cache.recordNone(sessionId);
        else {
          const before = cache.get(sessionId).supportsPfs;
          cache.recordKeys(sessionId, found.keys);
          if (!before) init.onSupportsPfs?.(sessionId);
        }
      } catch {
        cache.recordFailure(sessionId);
      } finally {
        running.delete(sessionId);
      }
    })();
    running.set(sessionId, task);
    return task;
  };

  return {
    decide(sessionId, settings) {
      const decision = decideSend(cache.get(sessionId), settings, now());
      if (decision.action === 'send' && decision.protocol === 'v2' && decision.refetch) {
        void refresh(sessionId);
      }
      return decision;
    },
    async prepare(sessionId, settings) {
      let decision = decideSend(cache.get(sessionId), settings, now());
      if (decision.action === 'fetch') {
        const hold = new AbortController();
        const settled = await Promise.race([
          refresh(sessionId).then(() => true),
          sleep(PEER_KEYS_HOLD_MS, hold.signal).then(
            () => false,
            () => false,
          ),
        ]);
        // No hold timer outlives the fetch.
        hold.abort();
        const entry = cache.get(sessionId);
        const fetched = settled && (entry.state === 'fresh' || entry.state === 'nak');
        decision = decideSend(entry, settings, now(), !fetched);
        if (decision.action === 'fetch') {
          decision = decideSend(entry, settings, now(), true);
        }
      } else if (decision.action === 'send' && decision.protocol === 'v2' && decision.refetch) {
        void refresh(sessionId);
      }
      return decision as Exclude<SendDecision, { action: 'fetch' }>;
    },
    refresh,
    async idle() {
      await Promise.all(running.values());
    },
  };
}
