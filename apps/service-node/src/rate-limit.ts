/**
 * A token bucket per client address, as Session's storage server has (`rate_limiter.h`): each
 * address holds up to 600 tokens and earns 300 per second (600 for service nodes); a request
 * costs one. At most 10,000 addresses are tracked: beyond that, idle (full) buckets are dropped
 * first, then the oldest.
 */
import {
  RATE_LIMIT_BUCKET_SIZE,
  RATE_LIMIT_CLIENT_PER_SECOND,
  RATE_LIMIT_MAX_CLIENTS,
  RATE_LIMIT_NODE_PER_SECOND,
} from '@murmur/wire';

/** Options of {@link createRateLimiter}. */
export interface RateLimiterInit {
  /** Tokens per second a client address earns (default 300). */
  perSecond?: number | undefined;
  /** Tokens per second a service node's address earns (default 600). */
  nodePerSecond?: number | undefined;
  /** Bucket size (default 600). */
  burst?: number | undefined;
  /** Most addresses tracked (default 10,000). */
  maxClients?: number | undefined;
}

/** The limiter. */
export interface RateLimiter {
  /** Takes one token for `address`; false when its bucket is empty (answer 429). */
  take(address: string, isNode?: boolean): boolean;
  /** Addresses tracked. */
  size(): number;
}

interface Bucket {
  tokens: number;
  at: number;
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

  function refill(bucket: Bucket, rate: number, at: number): void {
    bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * rate);
    bucket.at = at;
  }

  function makeRoom(at: number): void {
    // Drop buckets that have refilled completely: their owners are idle.
    for (const [address, bucket] of buckets) {
      if (bucket.tokens + ((at - bucket.at) / 1000) * perSecond >= burst) buckets.delete(address);
    }
    // Still full: drop the oldest.
    while (buckets.size >= maxClients) {
      const oldest = buckets.keys().next().value;
      if (oldest === undefined) break;
      buckets.delete(oldest);
    }
  }

  return {
    take(address, isNode = false) {
      const at = now();
      const rate = isNode ? nodePerSecond : perSecond;
      let bucket = buckets.get(address);
      if (bucket === undefined) {
        if (buckets.size >= maxClients) makeRoom(at);
        bucket = { tokens: burst, at };
        buckets.set(address, bucket);
      } else {
        refill(bucket, rate, at);
      }
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
    size: () => buckets.size,
  };
}
