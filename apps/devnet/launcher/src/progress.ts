/**
 * Structured start-up progress for a UI (the devnet launcher draws it), and per-phase timings.
 *
 * Steps, in order: `ledger` (the ledger process is up), `wallets` (node keys, wallet files,
 * faucet funding), `registrations` (register and contribute transactions, until the nodes are
 * active in a block), `processes` (node processes spawned), `swarms` (every node active with an
 * address and a swarm), `health` (every node's `/health` is ready), `relays` (a relay beside every
 * node: from their spawn, before the nodes', until every relay follows the ledger and knows every
 * node's relay). `swarms` and `health` are waited for together; `relays` runs beside the steps
 * from `wallets` on.
 */

/** A start-up step. */
export type TestnetStep =
  | 'ledger'
  | 'wallets'
  | 'registrations'
  | 'processes'
  | 'swarms'
  | 'health'
  | 'relays';

/** The steps in the order they start. */
export const TESTNET_STEPS: readonly TestnetStep[] = Object.freeze([
  'ledger',
  'wallets',
  'registrations',
  'processes',
  'swarms',
  'health',
  'relays',
]);

/** One progress event. */
export interface TestnetProgress {
  step: TestnetStep;
  status: 'start' | 'progress' | 'done' | 'failed';
  /** Items done so far (nodes, transactions). */
  done?: number;
  /** Items in this step. */
  total?: number;
  /** A short text for people ("node-03 ready", "height 4", an error message). */
  detail?: string;
  /** On `done` and `failed`: how long the step took, ms. */
  elapsedMs?: number;
}

/** How long each step took, ms (steps that did not run are absent). */
export type TestnetTimings = Partial<Record<TestnetStep, number>>;

/** Emits progress events and measures steps. */
export interface ProgressTracker {
  start(step: TestnetStep, total?: number, detail?: string): void;
  /** Reports progress; repeated identical counts are not re-sent. */
  progress(step: TestnetStep, done: number, total?: number, detail?: string): void;
  done(step: TestnetStep, detail?: string): void;
  /** Marks every started, unfinished step as failed. */
  fail(detail: string): void;
  /** Whether `step` has started and not finished. */
  running(step: TestnetStep): boolean;
  readonly timings: TestnetTimings;
}

/**
 * A tracker that calls `listener` (errors thrown by the listener are swallowed: a broken UI
 * must not break the start) and reads time from `now`.
 */
export function createProgressTracker(
  listener: ((event: TestnetProgress) => void) | undefined,
  now: () => number = () => performance.now(),
): ProgressTracker {
  const started = new Map<TestnetStep, number>();
  const finished = new Set<TestnetStep>();
  const lastCount = new Map<TestnetStep, string>();
  const timings: TestnetTimings = {};

  function emit(event: TestnetProgress): void {
    if (listener === undefined) return;
    try {
      listener(event);
    } catch {
      // The UI's problem; the start goes on.
    }
  }

  function withOptional(
    event: TestnetProgress,
    fields: { done?: number | undefined; total?: number | undefined; detail?: string | undefined },
  ): TestnetProgress {
    if (fields.done !== undefined) event.done = fields.done;
    if (fields.total !== undefined) event.total = fields.total;
    if (fields.detail !== undefined) event.detail = fields.detail;
    return event;
  }

  return {
    timings,
    start(step, total, detail) {
      started.set(step, now());
      finished.delete(step);
      lastCount.delete(step);
      emit(
        withOptional(
          { step, status: 'start' },
          { total, detail, done: total === undefined ? undefined : 0 },
        ),
      );
    },
    progress(step, done, total, detail) {
      const key = `${done}/${total ?? ''}/${detail ?? ''}`;
      if (lastCount.get(step) === key) return;
      lastCount.set(step, key);
      emit(withOptional({ step, status: 'progress' }, { done, total, detail }));
    },
    done(step, detail) {
      const begin = started.get(step) ?? now();
      const elapsedMs = Math.round(now() - begin);
      timings[step] = elapsedMs;
      finished.add(step);
      emit(withOptional({ step, status: 'done', elapsedMs }, { detail }));
    },
    running(step) {
      return started.has(step) && !finished.has(step);
    },
    fail(detail) {
      for (const [step, begin] of started) {
        if (finished.has(step)) continue;
        finished.add(step);
        emit({ step, status: 'failed', detail, elapsedMs: Math.round(now() - begin) });
      }
    },
  };
}
