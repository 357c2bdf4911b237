/**
 * Overload shedding: rather than let a flood of requests push the process into ever longer
 * event-loop stalls (and finally out of memory), the node answers 503 "Overloaded, try again
 * shortly" while the event loop is late by more than a threshold or too many requests are in
 * flight. Clients retry elsewhere; the node keeps serving what it has accepted.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** Options of {@link createLoadShedder}. */
export interface LoadShedderInit {
  /** Shed while the mean event-loop delay over the last sample exceeds this, ms (0 = off). */
  maxEventLoopDelayMs?: number | undefined;
  /** Shed while more requests than this are being handled (0 = off). */
  maxInFlight?: number | undefined;
  /** How often the delay is sampled, ms (default 100). */
  sampleIntervalMs?: number | undefined;
  /**
   * Requests the server holds beyond those counted in (headers read, body being read or
   * waiting), counted against `maxInFlight` too: the connection guard's count.
   */
  queued?: (() => number) | undefined;
}

/** Why a request is shed. */
export type ShedReason = 'event-loop-delay' | 'in-flight';

/** The shedder. */
export interface LoadShedder {
  /** The reason to refuse a new request now, or undefined to accept it. */
  check(): ShedReason | undefined;
  /** Counts a request in; call the returned function once when it is done. */
  enter(): () => void;
  /** Requests in flight. */
  inFlight(): number;
  /** The last sampled event-loop delay, ms. */
  eventLoopDelayMs(): number;
  start(): void;
  stop(): void;
}

/** Creates a shedder (its sampling timer runs between `start()` and `stop()`). */
export function createLoadShedder(init: LoadShedderInit = {}): LoadShedder {
  const maxDelay = init.maxEventLoopDelayMs ?? 0;
  const maxInFlight = init.maxInFlight ?? 0;
  const sampleIntervalMs = init.sampleIntervalMs ?? 100;
  const queued = init.queued;
  const resolution = 10;
  let histogram: IntervalHistogram | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = 0;
  let inFlight = 0;

  return {
    check() {
      if (maxInFlight > 0 && Math.max(inFlight, queued?.() ?? 0) >= maxInFlight) return 'in-flight';
      if (maxDelay > 0 && delay > maxDelay) return 'event-loop-delay';
      return undefined;
    },
    enter() {
      inFlight += 1;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        inFlight -= 1;
      };
    },
    inFlight: () => inFlight,
    eventLoopDelayMs: () => delay,
    start() {
      if (maxDelay <= 0 || timer !== undefined) return;
      histogram = monitorEventLoopDelay({ resolution });
      histogram.enable();
      timer = setInterval(() => {
        if (histogram === undefined) return;
        const mean = histogram.mean / 1e6;
        delay = Number.isFinite(mean) ? Math.max(0, mean - resolution) : 0;
        histogram.reset();
      }, sampleIntervalMs);
      timer.unref();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      histogram?.disable();
      histogram = undefined;
      delay = 0;
    },
  };
}
