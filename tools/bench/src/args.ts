/**
 * The command-line arguments of a benchmark script, as `parseArgs` should see them. `pnpm run
 * <script> -- --flag value` passes the `--` through (pnpm 12), and `parseArgs` would take it as
 * the end of the options and refuse what follows as a positional: the separators are dropped.
 */
export function scriptArgs(argv: readonly string[] = process.argv): string[] {
  return argv.slice(2).filter((arg) => arg !== '--');
}

/**
 * A flag's value as a positive integer.
 *
 * @throws a usage error naming the flag and the value when it is not one.
 */
export function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 1) {
    throw new Error(`${flag} must be a positive integer, not ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * A flag's value as a positive finite number (fractions allowed: `--rate 0.5`).
 *
 * @throws a usage error naming the flag and the value when it is not one.
 */
export function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${flag} must be a positive number, not ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * The positive number given as `--<name> <value>` in `argv` (anywhere, a `--` separator
 * included), or `fallback` when the flag is absent.
 *
 * @throws a usage error naming the flag when its value is missing or not a positive number.
 */
export function numberOption(
  name: string,
  fallback: number,
  argv: readonly string[] = process.argv,
): number {
  const index = argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  return positiveNumber(`--${name}`, argv[index + 1] ?? '');
}
