/**
 * A progress bar for long runs. On a terminal it redraws one line in place (at most ten times a
 * second): bar, blocks done / total, percentage, ETA and what the caller reports (active nodes,
 * swarms, phase). Elsewhere (a pipe, a CI log) it writes one line each time another 10% is done.
 */
import { type Clock, systemClock } from '@murmur/wire';

/** Where the bar is written: a stream such as `process.stderr`. */
export interface ProgressStream {
  write(text: string): unknown;
  /** A terminal: redraw in place. Otherwise one line per 10%. */
  isTTY?: boolean | undefined;
  /** Terminal width (default 100). */
  columns?: number | undefined;
}

/** Options of {@link createProgressBar}. */
export interface ProgressBarInit {
  /** Units of work in all (blocks). */
  total: number;
  /** Name of the unit (default `blocks`). */
  unit?: string | undefined;
  /** Smallest time between two redraws on a terminal, in ms (default 100). */
  redrawIntervalMs?: number | undefined;
}

/** Components of {@link createProgressBar}. */
export interface ProgressBarComponents {
  stream: ProgressStream;
  /** For the ETA and the redraw throttle (default the system clock). */
  clock?: Clock | undefined;
}

/** A running progress bar. */
export interface ProgressBar {
  /** `done` units are done; `details` (e.g. `active 10,000`) follow the figures. */
  update(done: number, details?: readonly string[]): void;
  /** Draws the final state and ends the line (terminal). Idempotent. */
  finish(details?: readonly string[]): void;
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

/**
 * A progress bar writing to `components.stream`.
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
  const interval = init.redrawIntervalMs ?? 100;
  const { stream } = components;
  const clock = components.clock ?? systemClock;
  const started = clock.now();
  const tty = stream.isTTY === true;
  let lastDraw = Number.NEGATIVE_INFINITY;
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
    const columns = stream.columns ?? 100;
    const barWidth = Math.max(10, Math.min(40, columns - figures.length - 4));
    const filled = Math.round(share * barWidth);
    const text = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${figures}`;
    return text.length > columns - 1 ? text.slice(0, columns - 1) : text;
  }

  return {
    update(done: number, details: readonly string[] = []): void {
      if (finished) return;
      if (tty) {
        const now = clock.now();
        if (now - lastDraw < interval && done < total) return;
        lastDraw = now;
        stream.write(`\r${line(done, details)}\x1b[K`);
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
      if (tty) stream.write(`\r${line(total, details)}\x1b[K\n`);
      else if (lastDecile < 10) stream.write(`${line(total, details)}\n`);
    },
  };
}
