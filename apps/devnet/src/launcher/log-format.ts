/**
 * Log lines for people: the ledger and murmur-node write pino JSON lines; `murmur-devnet logs`
 * shows each as `time LEVEL message key=value …` (the raw line with `--raw`). Lines that are not
 * pino JSON (the testnet's start markers, a stack trace) are shown as they are, a start marker
 * as a separator.
 */
import type { Styles } from '@murmur/terminal';

const LEVELS: Readonly<Record<number, string>> = Object.freeze({
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
});

/** Fields every line has, not repeated as key=value. */
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'app', 'service', 'v']);

function clock(time: unknown): string {
  if (typeof time !== 'number' && typeof time !== 'string') return '';
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(11, 23);
}

function valueText(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  if (typeof value === 'object' && value !== null) {
    const error = value as { type?: unknown; message?: unknown };
    if (typeof error.message === 'string') {
      return JSON.stringify(
        `${typeof error.type === 'string' ? `${error.type}: ` : ''}${error.message}`,
      );
    }
    return JSON.stringify(value);
  }
  return String(value);
}

/** The fields of a log line read by name. */
interface LogLine {
  level?: unknown;
  time?: unknown;
  msg?: unknown;
  testnet?: unknown;
  name?: unknown;
  command?: unknown;
}

/** One log line for people (no trailing newline). */
export function formatLogLine(line: string, styles: Styles): string {
  if (!line.startsWith('{')) return line;
  let json: LogLine;
  try {
    const parsed = JSON.parse(line) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return line;
    json = parsed as LogLine;
  } catch {
    return line;
  }
  if (typeof json.testnet === 'string') {
    const command = Array.isArray(json.command) ? ` ${json.command.slice(1, 3).join(' ')}` : '';
    return styles.dim(`──── ${json.testnet} ${json.name ?? ''}${command} ${clock(json.time)} ────`);
  }
  if (typeof json.level !== 'number') return line;
  const level = LEVELS[json.level] ?? String(json.level);
  const colour =
    json.level >= 50
      ? styles.red
      : json.level >= 40
        ? styles.yellow
        : json.level >= 30
          ? styles.green
          : styles.dim;
  const rest = Object.entries(json)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${valueText(value)}`)
    .join(' ');
  const message = typeof json.msg === 'string' ? json.msg : '';
  return `${styles.dim(clock(json.time))} ${colour(level.padEnd(5))} ${message}${rest === '' ? '' : ` ${styles.dim(rest)}`}`;
}
