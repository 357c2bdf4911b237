/**
 * The start-up step list of `murmur-devnet up`, drawn from `@murmur/testnet`'s progress events.
 *
 * On a terminal: one line per step (ledger, wallets, registrations, node processes, swarms,
 * health) with a spinner and, for counted steps, a bar; the block is redrawn in place about ten
 * times a second until {@link ProgressView.finish}. Elsewhere (CI logs, a pipe, a file): one
 * plain line when a step starts and one when it ends, nothing redrawn.
 */
import { TESTNET_STEPS, type TestnetProgress, type TestnetStep } from '@murmur/testnet';
import {
  CURSOR,
  formatSeconds,
  padVisible,
  type Styles,
  type TerminalOutput,
  truncateVisible,
} from './terminal.js';

/** What people read for each step. */
export const STEP_LABELS: Readonly<Record<TestnetStep, string>> = Object.freeze({
  ledger: 'Ledger',
  wallets: 'Wallets',
  registrations: 'Registrations',
  processes: 'Node processes',
  swarms: 'Swarms formed',
  health: 'Health',
});

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const LABEL_WIDTH = Math.max(...Object.values(STEP_LABELS).map((label) => label.length));
const BAR_WIDTH = 20;

/** The state of one step, as drawn. */
export interface StepState {
  readonly step: TestnetStep;
  status: 'pending' | 'running' | 'done' | 'failed';
  done?: number | undefined;
  total?: number | undefined;
  detail?: string | undefined;
  startedAt?: number | undefined;
  elapsedMs?: number | undefined;
}

/** Timer functions (injectable for tests). */
export interface ViewTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Options of {@link createProgressView}. */
export interface ProgressViewInit {
  output: TerminalOutput;
  styles: Styles;
  /** Redraw in place (default: `output.isTTY`). */
  interactive?: boolean | undefined;
  /** Milliseconds clock (default `performance.now`). */
  now?: (() => number) | undefined;
  /** Time between frames on a terminal, ms (default 100). */
  frameIntervalMs?: number | undefined;
  timers?: ViewTimers | undefined;
}

/** A step list that follows progress events. */
export interface ProgressView {
  /** Feeds one event (pass it as `startTestnet`'s `onProgress`). */
  onProgress(event: TestnetProgress): void;
  /** Stops the redraw timer and draws the last frame (idempotent). */
  finish(): void;
  /** The steps as they are now. */
  readonly steps: readonly StepState[];
}

/** A bar of `width` cells for `done` of `total`. */
export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const ratio = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const full = Math.round(ratio * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

/** A step list drawing to `init.output`. */
export function createProgressView(init: ProgressViewInit): ProgressView {
  const { output, styles } = init;
  const interactive = init.interactive ?? output.isTTY;
  const now = init.now ?? (() => performance.now());
  const timers: ViewTimers = init.timers ?? {
    setInterval: (callback, ms) => setInterval(callback, ms),
    clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
  };
  const steps: StepState[] = TESTNET_STEPS.map((step) => ({ step, status: 'pending' }));
  let frame = 0;
  let drawnLines = 0;
  let timer: unknown;
  let finished = false;

  const stateOf = (step: TestnetStep) => steps.find((entry) => entry.step === step) as StepState;

  function icon(state: StepState): string {
    switch (state.status) {
      case 'pending':
        return styles.dim('·');
      case 'running':
        return styles.cyan(SPINNER[frame % SPINNER.length] as string);
      case 'done':
        return styles.green('✔');
      case 'failed':
        return styles.red('✖');
    }
  }

  function elapsed(state: StepState): number | undefined {
    if (state.elapsedMs !== undefined) return state.elapsedMs;
    if (state.status === 'running' && state.startedAt !== undefined) return now() - state.startedAt;
    return undefined;
  }

  function line(state: StepState): string {
    const parts: string[] = [];
    if (state.status === 'running' && state.total !== undefined && state.total > 0) {
      const done = state.done ?? 0;
      parts.push(`${styles.cyan(progressBar(done, state.total))} ${done}/${state.total}`);
    }
    const detail = state.detail?.split('\n')[0];
    if (detail !== undefined && detail !== '') {
      parts.push(state.status === 'failed' ? styles.red(detail) : styles.dim(detail));
    }
    const took = elapsed(state);
    const time = took === undefined ? '' : styles.dim(formatSeconds(took));
    const label =
      state.status === 'pending' ? styles.dim(STEP_LABELS[state.step]) : STEP_LABELS[state.step];
    const head = `  ${icon(state)} ${padVisible(label, LABEL_WIDTH)}  `;
    // A pseudo-terminal may report 0 columns: take 100 then.
    const known = output.columns !== undefined && output.columns > 0 ? output.columns : 100;
    const columns = Math.max(40, known - 1);
    const timeWidth = time === '' ? 0 : formatSeconds(took ?? 0).length + 2;
    const body = truncateVisible(parts.join('  '), columns - (LABEL_WIDTH + 6) - timeWidth);
    return `${head}${body}${time === '' ? '' : `  ${time}`}`.trimEnd();
  }

  function draw(): void {
    let text = CURSOR.up(drawnLines);
    for (const state of steps) text += `${CURSOR.clearLine}${line(state)}\n`;
    drawnLines = steps.length;
    output.write(text);
  }

  function plain(state: StepState, event: TestnetProgress): void {
    const label = STEP_LABELS[state.step];
    if (event.status === 'start') {
      const what = state.detail ?? (state.total === undefined ? undefined : `${state.total} to do`);
      output.write(`  … ${label}${what === undefined ? '' : `: ${what}`}\n`);
    } else if (event.status === 'done') {
      const took = state.elapsedMs === undefined ? '' : ` (${formatSeconds(state.elapsedMs)})`;
      output.write(
        `  ${styles.green('✔')} ${label}${state.detail === undefined ? '' : `: ${state.detail}`}${took}\n`,
      );
    } else if (event.status === 'failed') {
      output.write(
        `  ${styles.red('✖')} ${label}${state.detail === undefined ? '' : `: ${state.detail.split('\n')[0]}`}\n`,
      );
    }
  }

  function start(): void {
    if (!interactive || timer !== undefined || finished) return;
    output.write(CURSOR.hide);
    draw();
    timer = timers.setInterval(() => {
      frame++;
      draw();
    }, init.frameIntervalMs ?? 100);
  }

  return {
    steps,
    onProgress(event) {
      if (finished) return;
      const state = stateOf(event.step);
      if (event.status === 'start') {
        state.status = 'running';
        state.startedAt = now();
        state.elapsedMs = undefined;
        state.done = event.done;
        state.total = event.total;
        state.detail = event.detail;
      } else if (event.status === 'progress') {
        state.status = 'running';
        state.startedAt ??= now();
        if (event.done !== undefined) state.done = event.done;
        if (event.total !== undefined) state.total = event.total;
        if (event.detail !== undefined) state.detail = event.detail;
      } else {
        state.status = event.status;
        state.elapsedMs =
          event.elapsedMs ?? (state.startedAt === undefined ? undefined : now() - state.startedAt);
        // A step that ends without a word says how many it did.
        state.detail =
          event.detail ?? (state.total === undefined ? undefined : `${state.total}/${state.total}`);
      }
      if (interactive) {
        start();
        draw();
      } else {
        plain(state, event);
      }
    },
    finish() {
      if (finished) return;
      finished = true;
      if (timer !== undefined) {
        timers.clearInterval(timer);
        timer = undefined;
      }
      if (interactive && drawnLines > 0) {
        draw();
        output.write(CURSOR.show);
      }
    },
  };
}
