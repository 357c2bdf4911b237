/**
 * Progress for long commands, in one place: a bar (the simulator's blocks) and a step list (the
 * devnet's start-up). On a terminal, cli-progress draws them in place: it schedules the frames
 * (ten a second by default), moves the cursor back over the block, hides the cursor and turns
 * line wrapping off while it draws, and restores both when it stops. What a frame shows is
 * written here. Elsewhere (a pipe, a file, a CI log) nothing is redrawn: plain lines only, the
 * bar one per 10% done, the step list one when a step starts and one when it ends.
 */
import { MultiBar, SingleBar } from 'cli-progress';
import { formatSeconds, padVisible, type Styles, truncateVisible } from './text.js';

/** Where progress is written: a stream such as `process.stderr`. */
export interface ProgressStream {
  write(text: string): unknown;
  /** A terminal: redraw in place. Otherwise plain lines. */
  isTTY?: boolean | undefined;
  /** Terminal width (default 100). */
  columns?: number | undefined;
}

/**
 * The options cli-progress gets for `stream`: ours, never its defaults that touch the process.
 * Lines come here already cut to the terminal's width by their visible text; cli-progress would
 * cut its last frame again by string length, escapes included (it turns line wrapping back on
 * before drawing it), and lose the end of styled lines. So it is told of no width limit.
 */
function drawOptions(stream: ProgressStream, intervalMs: number) {
  const unbounded = {
    isTTY: stream.isTTY,
    columns: Number.MAX_SAFE_INTEGER,
    write: (text: string) => stream.write(text),
  };
  return {
    stream: unbounded as unknown as NodeJS.WritableStream,
    fps: 1000 / Math.max(1, intervalMs),
    hideCursor: true,
    linewrap: false,
    gracefulExit: false,
    clearOnComplete: false,
    // Every frame writes every line, so the last one drawn is complete.
    forceRedraw: true,
    emptyOnZero: true,
  };
}

function columnsOf(stream: ProgressStream): number {
  // A pseudo-terminal may report 0 columns: take 100 then.
  return stream.columns !== undefined && stream.columns > 0 ? stream.columns : 100;
}

/** `m:ss` or `h:mm:ss`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** Options of {@link createProgressBar}. */
export interface ProgressBarInit {
  /** Units of work in all (blocks). */
  total: number;
  /** Name of the unit (default `blocks`). */
  unit?: string | undefined;
  /** Smallest time between two frames on a terminal, in ms (default 100). */
  redrawIntervalMs?: number | undefined;
}

/** Components of {@link createProgressBar}. */
export interface ProgressBarComponents {
  stream: ProgressStream;
  /** For the ETA and the elapsed time, ms (default `Date.now`). */
  clock?: { now(): number } | undefined;
}

/** A running progress bar. */
export interface ProgressBar {
  /** `done` units are done; `details` (e.g. `active 10,000`) follow the figures. */
  update(done: number, details?: readonly string[]): void;
  /** Draws the final state and ends the line (terminal). Idempotent. */
  finish(details?: readonly string[]): void;
}

/**
 * A progress bar: blocks done / total, percentage, ETA (then the time taken) and what the caller
 * reports. On a terminal a `[####....]` bar comes first and the line is redrawn in place.
 *
 * @example
 * ```ts
 * const bar = createProgressBar({ total: 500 }, { stream: process.stderr });
 * bar.update(250, ['active 10,000']);
 * bar.finish();
 * ```
 */
export function createProgressBar(
  init: ProgressBarInit,
  components: ProgressBarComponents,
): ProgressBar {
  const total = Math.max(1, Math.floor(init.total));
  const unit = init.unit ?? 'blocks';
  const { stream } = components;
  const clock = components.clock ?? { now: () => Date.now() };
  const started = clock.now();
  const tty = stream.isTTY === true;
  let lastDecile = 0;
  let finished = false;

  function line(done: number, details: readonly string[]): string {
    const share = Math.min(1, Math.max(0, done / total));
    const elapsed = clock.now() - started;
    const eta = done > 0 ? (elapsed / done) * (total - done) : Number.NaN;
    const figures = [
      `${done}/${total} ${unit}`,
      `${Math.floor(share * 100)}%`,
      done >= total ? `took ${formatDuration(elapsed)}` : `ETA ${formatDuration(eta)}`,
      ...details,
    ].join('  ');
    if (!tty) return figures;
    const columns = columnsOf(stream);
    const barWidth = Math.max(10, Math.min(40, columns - figures.length - 4));
    const filled = Math.round(share * barWidth);
    const text = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${figures}`;
    return text.length > columns - 1 ? text.slice(0, columns - 1) : text;
  }

  const bar = tty
    ? new SingleBar({
        ...drawOptions(stream, init.redrawIntervalMs ?? 100),
        format: (_options, _params, payload: { text?: string }) => payload.text ?? '',
      })
    : undefined;
  bar?.start(total, 0, { text: line(0, []) });

  return {
    update(done: number, details: readonly string[] = []): void {
      if (finished) return;
      if (bar !== undefined) {
        bar.update(Math.min(done, total), { text: line(done, details) });
        return;
      }
      const decile = Math.floor((Math.min(done, total) / total) * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        stream.write(`${line(done, details)}\n`);
      }
    },
    finish(details: readonly string[] = []): void {
      if (finished) return;
      finished = true;
      if (bar !== undefined) {
        bar.update(total, { text: line(total, details) });
        bar.stop();
      } else if (lastDecile < 10) {
        stream.write(`${line(total, details)}\n`);
      }
    },
  };
}

/** One progress event of a step list. */
export interface StepEvent<Step extends string = string> {
  step: Step;
  status: 'start' | 'progress' | 'done' | 'failed';
  /** Items done so far. */
  done?: number | undefined;
  /** Items in this step. */
  total?: number | undefined;
  /** A short text for people; only its first line is shown. */
  detail?: string | undefined;
  /** On `done` and `failed`: how long the step took, ms. */
  elapsedMs?: number | undefined;
}

/** The state of one step, as drawn. */
export interface StepState<Step extends string = string> {
  readonly step: Step;
  status: 'pending' | 'running' | 'done' | 'failed';
  done?: number | undefined;
  total?: number | undefined;
  detail?: string | undefined;
  startedAt?: number | undefined;
  elapsedMs?: number | undefined;
}

/** Options of {@link createStepList}. */
export interface StepListInit<Step extends string> {
  /** The steps in the order they are shown, with what people read for each. */
  steps: readonly Step[];
  labels: Readonly<Record<Step, string>>;
  output: ProgressStream;
  styles: Pick<Styles, 'dim' | 'cyan' | 'green' | 'red'>;
  /** Redraw in place (default: `output.isTTY`). */
  interactive?: boolean | undefined;
  /** Milliseconds clock for the times shown (default `performance.now`). */
  now?: (() => number) | undefined;
  /** Time between frames on a terminal, ms (default 100). */
  frameIntervalMs?: number | undefined;
}

/** A step list that follows progress events. */
export interface StepList<Step extends string = string> {
  /** Feeds one event. */
  onProgress(event: StepEvent<Step>): void;
  /** Stops drawing and draws the last frame (idempotent). */
  finish(): void;
  /** The steps as they are now. */
  readonly steps: readonly StepState<Step>[];
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_WIDTH = 20;

/** A bar of `width` cells for `done` of `total`. */
export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const ratio = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const full = Math.round(ratio * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

/**
 * A step list drawing to `init.output`. On a terminal: one line per step with a spinner (or ✔,
 * ✖, · for pending) and, for counted steps, a bar, redrawn in place until {@link StepList.finish}.
 * Elsewhere: `  … Label: detail` when a step starts, `  ✔ Label: detail (1.10 s)` or
 * `  ✖ Label: first line of the error` when it ends.
 */
export function createStepList<Step extends string>(init: StepListInit<Step>): StepList<Step> {
  const { output, styles, labels } = init;
  const interactive = init.interactive ?? output.isTTY === true;
  const now = init.now ?? (() => performance.now());
  const frameMs = init.frameIntervalMs ?? 100;
  const labelWidth = Math.max(...init.steps.map((step) => labels[step].length));
  const steps: StepState<Step>[] = init.steps.map((step) => ({ step, status: 'pending' }));
  let frames: MultiBar | undefined;
  let finished = false;

  const stateOf = (step: Step) => steps.find((entry) => entry.step === step);

  function icon(state: StepState<Step>): string {
    switch (state.status) {
      case 'pending':
        return styles.dim('·');
      case 'running':
        return styles.cyan(SPINNER[Math.floor(now() / frameMs) % SPINNER.length] as string);
      case 'done':
        return styles.green('✔');
      case 'failed':
        return styles.red('✖');
    }
  }

  function elapsed(state: StepState<Step>): number | undefined {
    if (state.elapsedMs !== undefined) return state.elapsedMs;
    if (state.status === 'running' && state.startedAt !== undefined) return now() - state.startedAt;
    return undefined;
  }

  function line(state: StepState<Step>): string {
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
    const label = state.status === 'pending' ? styles.dim(labels[state.step]) : labels[state.step];
    const head = `  ${icon(state)} ${padVisible(label, labelWidth)}  `;
    const columns = Math.max(40, columnsOf(output) - 1);
    const timeWidth = time === '' ? 0 : formatSeconds(took ?? 0).length + 2;
    const body = truncateVisible(parts.join('  '), columns - (labelWidth + 6) - timeWidth);
    return `${head}${body}${time === '' ? '' : `  ${time}`}`.trimEnd();
  }

  function plain(state: StepState<Step>, event: StepEvent<Step>): void {
    const label = labels[state.step];
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

  /** The first event on a terminal: one cli-progress line per step, redrawn until finish(). */
  function startDrawing(): MultiBar {
    const multi = new MultiBar({
      ...drawOptions(output, frameMs),
      format: (_options, _params, payload: { index: number }) =>
        line(steps[payload.index] as StepState<Step>),
    });
    steps.forEach((_, index) => {
      multi.create(1, 0, { index });
    });
    return multi;
  }

  return {
    steps,
    onProgress(event) {
      if (finished) return;
      const state = stateOf(event.step);
      if (state === undefined) return;
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
        frames ??= startDrawing();
        frames.update();
      } else {
        plain(state, event);
      }
    },
    finish() {
      if (finished) return;
      finished = true;
      frames?.stop();
      frames = undefined;
    },
  };
}
