/** The V8 flags `murmur-relay` sets before it loads (see `cli.ts`). */

/** Young generation kept small: 1 MiB semi-spaces that do not grow. */
export const RELAY_V8_FLAGS = '--max-semi-space-size=1 --semi-space-growth-factor=1';

/**
 * The flags to set: `MURMUR_RELAY_V8_FLAGS` when given (empty or blank: none, V8's defaults),
 * else {@link RELAY_V8_FLAGS}; split on whitespace.
 */
export function relayV8Flags(env: Record<string, string | undefined>): string[] {
  const flags = env['MURMUR_RELAY_V8_FLAGS'] ?? RELAY_V8_FLAGS;
  return flags.split(/\s+/).filter((flag) => flag !== '');
}
