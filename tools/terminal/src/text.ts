/**
 * Terminal text: ANSI colours (only on a terminal and when `NO_COLOR` is unset), the visible
 * width of a styled string, and cutting a line to the terminal's width so that a redrawn block
 * never wraps.
 */

/** Where a tool writes, and what it knows about that place. */
export interface TerminalOutput {
  /** Writes the text as is. */
  write(text: string): void;
  /** Whether it is a terminal (spinners and redraws) or a file or pipe (plain lines). */
  readonly isTTY: boolean;
  /** Its width in columns, when it is a terminal. */
  readonly columns?: number | undefined;
}

/** Text styles; each returns the text unchanged when colours are off. */
export interface Styles {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

/** Whether to use colours: on a terminal, with `NO_COLOR` unset or empty, and not `TERM=dumb`. */
export function colorsWanted(
  isTTY: boolean,
  env: { NO_COLOR?: string | undefined; TERM?: string | undefined },
): boolean {
  if (!isTTY) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return env.TERM !== 'dumb';
}

function wrap(open: number, close: number, enabled: boolean): (text: string) => string {
  if (!enabled) return (text) => text;
  return (text) => (text === '' ? text : `\u001b[${open}m${text}\u001b[${close}m`);
}

/** The styles, coloured or plain. */
export function createStyles(enabled: boolean): Styles {
  return {
    enabled,
    bold: wrap(1, 22, enabled),
    dim: wrap(2, 22, enabled),
    red: wrap(31, 39, enabled),
    green: wrap(32, 39, enabled),
    yellow: wrap(33, 39, enabled),
    cyan: wrap(36, 39, enabled),
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC.
const ANSI_PATTERN = /\u001b(?:\[[0-9;?]*[A-Za-z]|[78])/g;

/** The text without ANSI escapes. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

/** How many columns `text` takes (ANSI escapes take none; every other code point one). */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}

/** `text` padded with spaces to `width` visible columns. */
export function padVisible(text: string, width: number): string {
  const missing = width - visibleWidth(text);
  return missing > 0 ? `${text}${' '.repeat(missing)}` : text;
}

/**
 * `text` cut to at most `width` visible columns (ending in `…` when cut). Escapes are kept,
 * and a reset is appended after a cut so that no colour leaks into the next line.
 */
export function truncateVisible(text: string, width: number): string {
  if (width <= 0) return '';
  if (visibleWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  let index = 0;
  const escapes = new RegExp(ANSI_PATTERN.source, 'y');
  while (index < text.length && used < width - 1) {
    escapes.lastIndex = index;
    const sequence = escapes.exec(text);
    if (sequence !== null) {
      out += sequence[0];
      index += sequence[0].length;
      continue;
    }
    const codePoint = text.codePointAt(index) as number;
    const char = String.fromCodePoint(codePoint);
    out += char;
    index += char.length;
    used++;
  }
  const styled = out !== stripAnsi(out);
  return `${out}…${styled ? '\u001b[0m' : ''}`;
}

/** Seconds for people: `0.84 s`, `12.4 s`. */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1_000;
  return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
}
