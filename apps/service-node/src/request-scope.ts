/**
 * What an admitted request carries besides its body: whether it is still wanted, and its
 * deadline, at a cost close to nothing for the requests nothing can cancel.
 *
 * - {@link RequestScope}: the request's cancellation. `aborted` is a plain field, checked at
 *   stage boundaries; the `AbortSignal` (an `AbortController`, its listener bound and the
 *   listeners of whoever uses it) is made only when some work asks for it (a forward to other
 *   swarm members, an onion relay's hop), already aborted if the request was. A store on a
 *   lone node or a retrieve never makes one (docs/BENCHMARKS.md, issue 16).
 * - {@link DeadlineList}: every admitted request's deadline in one list with one timer, instead
 *   of a timer per request. Deadlines are the arrival plus a fixed bound, so they come nearly in
 *   order: an insert is an append in the usual case, a finished request is only marked, and the
 *   timer runs at most every `resolutionMs` while requests are in flight.
 */
import { setMaxListeners } from 'node:events';

/** Something that can give an `AbortSignal` when asked (an `AbortController` is one). */
export interface Cancellable {
  readonly signal: AbortSignal;
}

/** A request's cancellation, its `AbortSignal` made only on demand. */
export class RequestScope implements Cancellable {
  /** True once the request was cancelled (its client went away, or its deadline passed). */
  aborted = false;
  /** Why, once aborted. */
  reason: unknown = undefined;
  /** The request's deadline in its {@link DeadlineList}, if it has one. */
  deadline: DeadlineEntry | undefined = undefined;
  private controller: AbortController | undefined;

  /** @param maxListeners listeners the signal may carry without Node's warning. */
  constructor(private readonly maxListeners = 10) {}

  /** The signal (made at the first call; aborted already if the request was). */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.maxListeners > 10) setMaxListeners(this.maxListeners, this.controller.signal);
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** True when the signal was asked for (and so made). */
  get signalled(): boolean {
    return this.controller !== undefined;
  }

  /** Cancels the request (once; later calls do nothing). */
  abort(reason: unknown = new Error('request cancelled')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/** One deadline in a {@link DeadlineList}. */
export interface DeadlineEntry {
  /** When it expires, on the list's clock, ms. */
  readonly at: number;
  /** Set when the request ended first (or the entry fired): the entry is skipped. */
  done: boolean;
  /** Set when the entry fired. */
  expired?: boolean;
  readonly onExpire: () => void;
}

/** Options of {@link DeadlineList}. */
export interface DeadlineListInit {
  /** The clock of the deadlines, ms (default `performance.now`). */
  now?: (() => number) | undefined;
  /** The timer runs at most this often, ms (default 10): how late a deadline may fire. */
  resolutionMs?: number | undefined;
}

/** Every in-flight request's deadline, with one timer. */
export class DeadlineList {
  private entries: DeadlineEntry[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires, on the list's clock. */
  private timerAt = Number.POSITIVE_INFINITY;
  private closed = false;
  private readonly now: () => number;
  private readonly resolutionMs: number;

  constructor(init: DeadlineListInit = {}) {
    this.now = init.now ?? (() => performance.now());
    this.resolutionMs = Math.max(1, init.resolutionMs ?? 10);
  }

  /** Entries held (finished ones not yet dropped included). */
  get size(): number {
    return this.entries.length - this.head;
  }

  /**
   * Calls `onExpire` at `at` (on the list's clock) unless the entry is marked `done` before.
   * After {@link close} nothing is added and nothing fires.
   */
  add(at: number, onExpire: () => void): DeadlineEntry {
    const entry: DeadlineEntry = { at, done: this.closed, onExpire };
    if (this.closed) return entry;
    // Nearly in order: walk back from the tail to the entry's place (usually none to pass).
    let index = this.entries.length;
    while (index > this.head && (this.entries[index - 1] as DeadlineEntry).at > at) index -= 1;
    if (index === this.entries.length) this.entries.push(entry);
    else this.entries.splice(index, 0, entry);
    if (at < this.timerAt) this.arm(at);
    return entry;
  }

  /**
   * A stage boundary's check: expires `entry` now (its `onExpire` runs here) if its deadline
   * has passed and it has not fired or finished; true when it has expired (now or before).
   */
  expireIfDue(entry: DeadlineEntry | undefined): boolean {
    if (entry === undefined) return false;
    if (entry.done) return entry.expired === true;
    if (this.closed || entry.at > this.now()) return false;
    entry.done = true;
    entry.expired = true;
    entry.onExpire();
    return true;
  }

  /** Stops the timer; pending deadlines never fire. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.entries = [];
    this.head = 0;
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    const now = this.now();
    this.timerAt = Math.max(at, now);
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - now));
    // Requests in flight keep their server open, not this timer.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head] as DeadlineEntry;
      if (!entry.done && entry.at > now) break;
      this.entries[this.head] = undefined as unknown as DeadlineEntry;
      this.head += 1;
      if (!entry.done) {
        entry.done = true;
        entry.expired = true;
        entry.onExpire();
      }
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (this.head >= this.entries.length) {
      this.entries = [];
      this.head = 0;
      return;
    }
    // The next live deadline, but not sooner than the resolution: finished requests are
    // dropped in passing, a few at a time.
    const next = this.entries[this.head] as DeadlineEntry;
    this.arm(Math.max(next.at, now + this.resolutionMs));
  }
}
