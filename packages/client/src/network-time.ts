/**
 * Network time: the offset between the local clock and the service nodes' clocks, estimated
 * from the `t` (ms) that node answers carry. This is how Murmur answers Session's most common
 * complaint ("clock out of sync" with a correct clock): requests are signed and stamped with
 * the network's time, whatever the local clock says.
 *
 * Each answer gives one sample: `offset = t − (sentAt + receivedAt) / 2` (local clock). The
 * estimate keeps the newest sample of each node (at most `maxSamples` nodes, none older than
 * `maxSampleAgeMs`) and takes their median, so one wrong node cannot move it. After
 * {@link NetworkTime.invalidate} (a 406 from a node, a detected clock jump), the samples
 * taken before count only until a fresh one arrives.
 */
import { type Clock, InvalidInputError, systemClock } from '@murmur/wire';

/** Options of {@link createNetworkTime}. */
export interface NetworkTimeInit {
  /** Samples needed before the client may sign or send (default 1). */
  minSamples?: number;
  /** Nodes whose newest sample is kept (default 9). */
  maxSamples?: number;
  /** Samples older than this (local clock) are dropped, ms (default 15 min). */
  maxSampleAgeMs?: number;
  /** Samples whose round trip took longer than this are ignored, ms (default 30 s). */
  maxRoundTripMs?: number;
}

/** What {@link createNetworkTime} uses. */
export interface NetworkTimeComponents {
  clock?: Clock;
}

/** One measurement. */
export interface TimeSample {
  /** The node that answered (its Ed25519 key). */
  node: string;
  /** The node's `t`, ms. */
  serverTime: number;
  /** Local clock when the request left, ms. */
  sentAt: number;
  /** Local clock when the answer arrived, ms. */
  receivedAt: number;
}

/** The estimate. */
export interface NetworkTime {
  /** Network time now: the local clock plus the offset (the local clock alone until synced). */
  now(): number;
  /** Network time − local clock, ms (0 until the first sample). */
  readonly offsetMs: number;
  /** True once `minSamples` samples are in: the client may sign and send. */
  readonly synced: boolean;
  /** Samples the estimate rests on now. */
  readonly sampleCount: number;
  /** Adds a sample; returns false when it was ignored (malformed or too slow a round trip). */
  addSample(sample: TimeSample): boolean;
  /** Marks every sample stale: they count only until a fresh one arrives. */
  invalidate(): void;
  /** Forgets everything (unsynced again). */
  reset(): void;
}

/** Backward steps of `now()` up to this size are absorbed, ms. */
export const MONOTONIC_TOLERANCE_MS = 1_000;

interface StoredSample {
  offset: number;
  at: number;
  generation: number;
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const out = value ?? fallback;
  if (!Number.isSafeInteger(out) || out < 1) {
    throw new InvalidInputError(`network time: \`${name}\` must be a positive integer`);
  }
  return out;
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] as number;
  return Math.round(((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2);
}

/** Creates an estimator with no samples. */
export function createNetworkTime(
  init: NetworkTimeInit = {},
  components: NetworkTimeComponents = {},
): NetworkTime {
  const clock = components.clock ?? systemClock;
  const minSamples = positiveInteger(init.minSamples, 1, 'minSamples');
  const maxSamples = positiveInteger(init.maxSamples, 9, 'maxSamples');
  if (minSamples > maxSamples) {
    throw new InvalidInputError('network time: `minSamples` must not exceed `maxSamples`');
  }
  const maxSampleAgeMs = positiveInteger(init.maxSampleAgeMs, 15 * 60_000, 'maxSampleAgeMs');
  const maxRoundTripMs = positiveInteger(init.maxRoundTripMs, 30_000, 'maxRoundTripMs');

  const samples = new Map<string, StoredSample>();
  let generation = 0;
  /** The last time `now()` returned: small backward steps (sample noise) are not shown. */
  let lastNow = Number.NEGATIVE_INFINITY;

  const current = (): StoredSample[] => {
    const now = clock.now();
    for (const [node, sample] of samples) {
      if (Math.abs(now - sample.at) > maxSampleAgeMs) samples.delete(node);
    }
    const all = [...samples.values()];
    const fresh = all.filter((sample) => sample.generation === generation);
    return fresh.length > 0 ? fresh : all;
  };

  return {
    now() {
      const raw = Math.round(clock.now() + this.offsetMs);
      // New samples move the median by a few ms either way; time must not run backwards for
      // that (messages sent one after the other keep their order). A real correction (a
      // resync, a clock jump) is larger than the tolerance and goes through at once.
      if (raw < lastNow && lastNow - raw <= MONOTONIC_TOLERANCE_MS) return lastNow;
      lastNow = raw;
      return raw;
    },
    get offsetMs() {
      const used = current();
      return used.length === 0 ? 0 : median(used.map((sample) => sample.offset));
    },
    get synced() {
      return current().length >= minSamples;
    },
    get sampleCount() {
      return current().length;
    },
    addSample(sample) {
      const { node, serverTime, sentAt, receivedAt } = sample;
      if (
        typeof node !== 'string' ||
        ![serverTime, sentAt, receivedAt].every(Number.isFinite) ||
        serverTime <= 0 ||
        receivedAt < sentAt ||
        receivedAt - sentAt > maxRoundTripMs
      ) {
        return false;
      }
      const offset = Math.round(serverTime - (sentAt + receivedAt) / 2);
      samples.delete(node);
      samples.set(node, { offset, at: receivedAt, generation });
      while (samples.size > maxSamples) {
        const oldest = samples.keys().next().value as string;
        samples.delete(oldest);
      }
      return true;
    },
    invalidate() {
      generation++;
    },
    reset() {
      samples.clear();
      generation++;
    },
  };
}
