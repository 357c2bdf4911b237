/**
 * Overload shedding: rather than let a flood of requests push the process into ever longer
 * event-loop stalls (and finally out of memory), the node answers 503 "Overloaded, try again
 * shortly" while the event loop is late by more than a threshold, too many requests are in
 * flight, or a queue is standing: every request that finished during the last interval
 * (500 ms) took longer than the target (`maxQueueDelayMs`, as CoDel judges a queue by its
 * minimum sojourn time). The last one adapts to the node's real capacity, which a fixed count
 * cannot: admitted requests then wait about the target, not seconds. Clients retry elsewhere;
 * the node keeps serving what it has accepted.
 *
 * The queue is seen from each request's **arrival** (the connection guard's stamp: when the
 * node accepted its connection, or read the headers of a later request on a kept-alive one),
 * not from its admission: with `maxWaitMs`, a request that has already waited longer than that
 * (its wait so far plus the event loop's longest stall in the last sample, about how long new
 * connections and bytes could sit unread in the kernel meanwhile) is shed before any work is done for it. An
 * admitted request therefore starts its handler within `maxWaitMs` of its arrival, and the
 * app's deadline, counted from the arrival too, bounds its whole stay.
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
  /**
   * Shed while the quickest request that finished in the last interval took longer than this,
   * ms (0 = off): a standing queue.
   */
  maxQueueDelayMs?: number | undefined;
  /** The interval over which the quickest request is taken, ms (default 500). */
  queueIntervalMs?: number | undefined;
  /**
   * Shed a request whose wait since its arrival, plus the current event-loop delay, exceeds
   * this, ms (0 = off). Needs the request's arrival (see {@link LoadShedder.check}).
   */
  maxWaitMs?: number | undefined;
  /**
   * How long the oldest job of a queue behind the handlers (the crypto workers' queue) has
   * waited, ms: past half of `maxWaitMs`, new requests are shed ('queue-wait') rather than
   * queued behind work that is already late.
   */
  backlogWaitMs?: (() => number) | undefined;
  /** A monotonic clock, ms (default `performance.now`); arrivals are on this clock. */
  now?: (() => number) | undefined;
}

/** Why a request is shed. */
export type ShedReason = 'event-loop-delay' | 'in-flight' | 'queue-delay' | 'queue-wait';

/** Ends a request's stay (see {@link LoadShedder.enter}). */
export type Leave = (() => void) & { started?: () => void };

/** The shedder. */
export interface LoadShedder {
  /**
   * The reason to refuse a new request now, or undefined to accept it. `arrivedAt` (on the
   * shedder's clock) is when the request reached the node; without it the wait is not judged.
   */
  check(arrivedAt?: number): ShedReason | undefined;
  /**
   * Counts a request in; call the returned function once when it is done, and its `started`
   * when its handler starts (the end of its wait in the queue, as the standing-queue judgement
   * sees it: from admission; without `started`, the wait ends when it is done). The wait before
   * admission is judged by `check(arrivedAt)`.
   */
  enter(): Leave;
  /** What a shed request's `Retry-After` should say, seconds (at least 1). */
  retryAfterSeconds(): number;
  /** The shedder's clock, ms. */
  now(): number;
  /** Requests in flight. */
  inFlight(): number;
  /** The last sampled event-loop delay, ms. */
  eventLoopDelayMs(): number;
  /**
   * How long something that became ready now (a connection in the kernel's accept queue, bytes
   * of a request on a kept-alive connection) may have waited for the event loop, ms: how late
   * the loop's 20 ms tick is now, plus how late it was when it last ran (the stall it ended).
   * The connection guard takes it off its arrival stamps, so that the wait in the kernel while
   * the loop was busy counts against the request (0 before `start()`).
   */
  loopWaitMs(): number;
  start(): void;
  stop(): void;
}

/** Creates a shedder (its sampling timer runs between `start()` and `stop()`). */
export function createLoadShedder(init: LoadShedderInit = {}): LoadShedder {
  const maxDelay = init.maxEventLoopDelayMs ?? 0;
  const maxInFlight = init.maxInFlight ?? 0;
  const sampleIntervalMs = init.sampleIntervalMs ?? 100;
  const queued = init.queued;
  const maxQueueDelay = init.maxQueueDelayMs ?? 0;
  const queueInterval = init.queueIntervalMs ?? 500;
  const maxWait = init.maxWaitMs ?? 0;
  const now = init.now ?? (() => performance.now());
  const resolution = 10;
  let windowStart = now();
  let windowMin = Number.POSITIVE_INFINITY;
  let standing = false;

  /** Closes the interval when it is over: a queue stands if even its quickest request was slow. */
  function judge(at: number): void {
    if (at - windowStart < queueInterval) return;
    standing = Number.isFinite(windowMin) && windowMin > maxQueueDelay;
    windowStart = at;
    windowMin = Number.POSITIVE_INFINITY;
  }
  let histogram: IntervalHistogram | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = 0;
  /** The longest stall in the last sample, ms: how long the kernel may have held input. */
  let stall = 0;
  let inFlight = 0;
  /** The loop-wait tick: when it last ran and how late it was then. */
  const tickMs = 20;
  let ticker: NodeJS.Timeout | undefined;
  let lastTick = 0;
  let lastLag = 0;

  return {
    check(arrivedAt) {
      if (maxWait > 0) {
        if (arrivedAt !== undefined && now() - arrivedAt + stall > maxWait) return 'queue-wait';
        if (init.backlogWaitMs !== undefined && init.backlogWaitMs() > maxWait / 2) {
          return 'queue-wait';
        }
      }
      if (maxInFlight > 0 && Math.max(inFlight, queued?.() ?? 0) >= maxInFlight) return 'in-flight';
      if (maxDelay > 0 && delay > maxDelay) return 'event-loop-delay';
      if (maxQueueDelay > 0) {
        judge(now());
        if (standing) return 'queue-delay';
      }
      return undefined;
    },
    enter() {
      inFlight += 1;
      const entered = maxQueueDelay > 0 ? now() : 0;
      let waited = false;
      let done = false;
      /** The request's wait in the queue, from admission to its handler. */
      const started = () => {
        if (waited || maxQueueDelay <= 0) return;
        waited = true;
        const at = now();
        judge(at);
        windowMin = Math.min(windowMin, at - entered);
      };
      const leave: Leave = () => {
        if (done) return;
        done = true;
        inFlight -= 1;
        started();
      };
      leave.started = started;
      return leave;
    },
    inFlight: () => inFlight,
    retryAfterSeconds: () => Math.min(30, Math.max(1, Math.ceil((stall + maxWait) / 1000))),
    now,
    eventLoopDelayMs: () => delay,
    loopWaitMs() {
      if (ticker === undefined) return 0;
      return Math.max(0, now() - lastTick - tickMs) + lastLag;
    },
    start() {
      if (ticker === undefined) {
        lastTick = now();
        lastLag = 0;
        ticker = setInterval(() => {
          const at = now();
          lastLag = Math.max(0, at - lastTick - tickMs);
          lastTick = at;
        }, tickMs);
        ticker.unref();
      }
      // The delay is sampled for either judgement (the wait adds it to what it measured).
      if ((maxDelay <= 0 && maxWait <= 0) || timer !== undefined) return;
      histogram = monitorEventLoopDelay({ resolution });
      histogram.enable();
      timer = setInterval(() => {
        if (histogram === undefined) return;
        const mean = histogram.mean / 1e6;
        delay = Number.isFinite(mean) ? Math.max(0, mean - resolution) : 0;
        const max = histogram.max / 1e6;
        stall = Number.isFinite(max) ? Math.max(0, max - resolution) : 0;
        histogram.reset();
      }, sampleIntervalMs);
      timer.unref();
    },
    stop() {
      if (ticker !== undefined) clearInterval(ticker);
      ticker = undefined;
      lastLag = 0;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      histogram?.disable();
      histogram = undefined;
      delay = 0;
      stall = 0;
    },
  };
}
