/**
 * The swarm cache: which service nodes hold an account's messages, per pubkey, bounded (least
 * recently used entries go first) and expiring. Members that failed recently are avoided for a
 * while; when too few usable members remain the caller refetches the swarm ("ran out of swarm
 * nodes" never ends a send). A 421 answer replaces an entry with the swarm the node named.
 */
import type { OnionNode } from '@murmur/onion';
import {
  type Clock,
  InvalidInputError,
  SWARM_REFETCH_THRESHOLD,
  type SwarmMember,
  systemClock,
} from '@murmur/wire';

/** Options of {@link createSwarmCache}. */
export interface SwarmCacheInit {
  /** How long a fetched swarm is trusted, ms (default 1 h). */
  ttlMs?: number;
  /** Accounts whose swarm is kept (default 1,000; the least recently used go first). */
  maxEntries?: number;
  /** How long a member that failed is avoided, ms (default 60 s). */
  failureCooldownMs?: number;
  /** Refetch when fewer usable members remain (default 3, Session's threshold; capped by the size). */
  refetchBelow?: number;
}

/** What {@link createSwarmCache} uses. */
export interface SwarmCacheComponents {
  clock?: Clock;
  /** Uniform numbers in [0, 1) (default `Math.random`: member choice is not a secret). */
  random?: () => number;
}

/** A cached swarm. */
export interface CachedSwarm {
  /** The members usable as destinations. */
  members: OnionNode[];
  /** The swarm ID (hex), when known. */
  swarmId?: string;
  /** When it was stored (local clock, ms). */
  fetchedAt: number;
}

/** The cache. */
export interface SwarmCache {
  /** The swarm of `pubkey`, or `undefined` when unknown or expired. */
  get(pubkey: string): CachedSwarm | undefined;
  /** Stores (replaces) the swarm of `pubkey`; failure marks of its members are kept. */
  set(pubkey: string, members: readonly OnionNode[], swarmId?: string): void;
  /** Forgets the swarm of `pubkey`. */
  invalidate(pubkey: string): void;
  /** A member failed: avoid it for `failureCooldownMs`. */
  markFailed(pubkey: string, nodeKey: string): void;
  /** A member answered: clear its failure mark. */
  markSucceeded(pubkey: string, nodeKey: string): void;
  /**
   * The next member to use, rotating through the members that did not fail recently and are not
   * in `exclude`; falls back to recently failed ones (least recently failed first) when no
   * other is left. `undefined` when the swarm is unknown or every member is excluded.
   */
  pick(pubkey: string, exclude?: ReadonlySet<string>): OnionNode | undefined;
  /** True when the swarm should be fetched: unknown, expired, or too few usable members. */
  needsRefresh(pubkey: string): boolean;
  /** Accounts cached. */
  readonly size: number;
}

/** A swarm member as the onion layer addresses it, or `undefined` for an unusable address. */
export function memberToNode(member: SwarmMember): OnionNode | undefined {
  if (member.ip === '0.0.0.0' || member.port < 1 || member.port > 65_535) return undefined;
  return {
    ed25519: member.pubkeyEd25519.toLowerCase(),
    x25519: member.pubkeyX25519.toLowerCase(),
    ip: member.ip,
    port: member.port,
  };
}

interface Entry extends CachedSwarm {
  cursor: number;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const out = value ?? fallback;
  if (!Number.isFinite(out) || out <= 0) {
    throw new InvalidInputError(`swarm cache: \`${name}\` must be a positive number`);
  }
  return out;
}

/** Creates an empty cache. */
export function createSwarmCache(
  init: SwarmCacheInit = {},
  components: SwarmCacheComponents = {},
): SwarmCache {
  const clock = components.clock ?? systemClock;
  const random = components.random ?? Math.random;
  const ttlMs = positive(init.ttlMs, 60 * 60_000, 'ttlMs');
  const maxEntries = Math.floor(positive(init.maxEntries, 1_000, 'maxEntries'));
  const cooldownMs = positive(init.failureCooldownMs, 60_000, 'failureCooldownMs');
  const refetchBelow = Math.floor(
    positive(init.refetchBelow, SWARM_REFETCH_THRESHOLD, 'refetchBelow'),
  );

  const entries = new Map<string, Entry>();
  /** pubkey → node → when it failed (local clock). */
  const failures = new Map<string, Map<string, number>>();

  const live = (pubkey: string): Entry | undefined => {
    const entry = entries.get(pubkey);
    if (entry === undefined) return undefined;
    if (clock.now() - entry.fetchedAt > ttlMs) {
      entries.delete(pubkey);
      return undefined;
    }
    // Most recently used last.
    entries.delete(pubkey);
    entries.set(pubkey, entry);
    return entry;
  };

  const failedAt = (pubkey: string, node: string): number | undefined => {
    const at = failures.get(pubkey)?.get(node);
    if (at === undefined) return undefined;
    if (clock.now() - at > cooldownMs) {
      failures.get(pubkey)?.delete(node);
      return undefined;
    }
    return at;
  };

  return {
    get(pubkey) {
      const entry = live(pubkey);
      if (entry === undefined) return undefined;
      const out: CachedSwarm = { members: [...entry.members], fetchedAt: entry.fetchedAt };
      if (entry.swarmId !== undefined) out.swarmId = entry.swarmId;
      return out;
    },
    set(pubkey, members, swarmId) {
      const unique = new Map<string, OnionNode>();
      for (const member of members) unique.set(member.ed25519, { ...member });
      const list = [...unique.values()];
      const entry: Entry = {
        members: list,
        fetchedAt: clock.now(),
        cursor: list.length === 0 ? 0 : Math.floor(random() * list.length),
      };
      if (swarmId !== undefined) entry.swarmId = swarmId;
      entries.delete(pubkey);
      entries.set(pubkey, entry);
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
        failures.delete(oldest);
      }
    },
    invalidate(pubkey) {
      entries.delete(pubkey);
    },
    markFailed(pubkey, nodeKey) {
      let map = failures.get(pubkey);
      if (map === undefined) {
        map = new Map();
        failures.set(pubkey, map);
        // Failure marks are bounded by the cache's own bound.
        while (failures.size > maxEntries) {
          const oldest = failures.keys().next().value as string;
          failures.delete(oldest);
        }
      }
      map.set(nodeKey, clock.now());
    },
    markSucceeded(pubkey, nodeKey) {
      failures.get(pubkey)?.delete(nodeKey);
    },
    pick(pubkey, exclude) {
      const entry = live(pubkey);
      if (entry === undefined || entry.members.length === 0) return undefined;
      const count = entry.members.length;
      let fallback: { node: OnionNode; at: number } | undefined;
      for (let step = 0; step < count; step++) {
        const index = (entry.cursor + step) % count;
        const node = entry.members[index] as OnionNode;
        if (exclude?.has(node.ed25519)) continue;
        const at = failedAt(pubkey, node.ed25519);
        if (at === undefined) {
          entry.cursor = (index + 1) % count;
          return { ...node };
        }
        if (fallback === undefined || at < fallback.at) fallback = { node, at };
      }
      return fallback === undefined ? undefined : { ...fallback.node };
    },
    needsRefresh(pubkey) {
      const entry = live(pubkey);
      if (entry === undefined) return true;
      const usable = entry.members.filter(
        (node) => failedAt(pubkey, node.ed25519) === undefined,
      ).length;
      return usable < Math.min(refetchBelow, Math.max(1, entry.members.length));
    },
    get size() {
      return entries.size;
    },
  };
}
