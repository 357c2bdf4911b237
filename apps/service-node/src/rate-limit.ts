/**
 * A token bucket per client address group, as Session's storage server has (`rate_limiter.h`):
 * each group holds up to 600 tokens and earns 300 per second (600 for service nodes); a request
 * costs one. A group is an IPv4 address or an IPv6 /64 (`address-group.ts`): one subscriber
 * holds a whole /64, so single IPv6 addresses would give a client endless fresh buckets.
 *
 * At most 10,000 groups are tracked, in least-recently-used order (a `Map` re-inserted on every
 * use), so each `take` costs O(1): when the table is full, the least recently used bucket is
 * dropped if it has refilled completely (its owner is idle, and a new bucket for it would be
 * the same). A throttled bucket is never dropped (its owner would come back with a full burst):
 * when the least recently used bucket is still refilling, every tracked group has been active
 * within a burst's refill time, and a new group is refused until one goes idle.
 */
import {
  RATE_LIMIT_BUCKET_SIZE,
  RATE_LIMIT_CLIENT_PER_SECOND,
  RATE_LIMIT_MAX_CLIENTS,
  RATE_LIMIT_NODE_PER_SECOND,
} from '@murmur/wire/server';
import { addressGroup } from './address-group.js';

/** Options of {@link createRateLimiter}. */
export interface RateLimiterInit {
  /** Tokens per second a client address earns (default 300). */
  perSecond?: number | undefined;
  /** Tokens per second a service node's address earns (default 600). */
  nodePerSecond?: number | undefined;
  /** Bucket size (default 600). */
  burst?: number | undefined;
  /** Most address groups tracked (default 10,000). */
  maxClients?: number | undefined;
}

/** The limiter. */
export interface RateLimiter {
  /** Takes one token for `address`'s group; false when its bucket is empty (answer 429). */
  take(address: string, isNode?: boolean): boolean;
  /** Address groups tracked. */
  size(): number;
}

interface Bucket {
  tokens: number;
  at: number;
  rate: number;
}

/** Creates a limiter. `now` is a monotonic clock in ms (default `performance.now`). */
export function createRateLimiter(
  init: RateLimiterInit = {},
  now: () => number = () => performance.now(),
): RateLimiter {
  const perSecond = init.perSecond ?? RATE_LIMIT_CLIENT_PER_SECOND;
  const nodePerSecond = init.nodePerSecond ?? RATE_LIMIT_NODE_PER_SECOND;
  const burst = init.burst ?? RATE_LIMIT_BUCKET_SIZE;
  const maxClients = init.maxClients ?? RATE_LIMIT_MAX_CLIENTS;
  const buckets = new Map<string, Bucket>();

  function refill(bucket: Bucket, at: number): void {
    bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * bucket.rate);
    bucket.at = at;
  }

  /** Drops the least recently used bucket if it is idle; false when it is not. */
  function makeRoom(at: number): boolean {
    const oldest = buckets.entries().next().value;
    if (oldest === undefined) return true;
    const [group, bucket] = oldest;
    if (bucket.tokens + ((at - bucket.at) / 1000) * bucket.rate < burst) return false;
    buckets.delete(group);
    return true;
  }

  return {
    take(address, isNode = false) {
      const at = now();
      const rate = isNode ? nodePerSecond : perSecond;
      const group = addressGroup(address);
      let bucket = buckets.get(group);
      if (bucket === undefined) {
        if (buckets.size >= maxClients && !makeRoom(at)) return false;
        bucket = { tokens: burst, at, rate };
      } else {
        bucket.rate = rate;
        refill(bucket, at);
        // Most recently used last.
        buckets.delete(group);
      }
      buckets.set(group, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
    size: () => buckets.size,
  };
}
