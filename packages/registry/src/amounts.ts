/**
 * Amounts as people write them: coins with up to nine decimals ("25", "25.5", "0.000000001"),
 * converted exactly to atomic units (1 coin = 10^9 units) with bigint arithmetic, never floats.
 */

import { InvalidInputError } from '@murmur/wire';
import { ATOMIC_UNITS_PER_COIN } from './params.js';

/** Decimal places of a coin. */
export const COIN_DECIMALS = 9;

/**
 * Atomic units of a coin amount such as `25.5`. Also accepts `_` or `,` as digit separators in
 * the whole part (`15_000`, `15,000`).
 *
 * @throws {@link InvalidInputError} for a negative, empty or over-precise amount.
 */
export function parseCoins(text: string, field = 'amount'): bigint {
  const cleaned = text.trim().replace(/[_,](?=\d{3}(\D|$))/g, '');
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned) ?? /^()\.(\d+)$/.exec(cleaned);
  if (match === null) {
    throw new InvalidInputError(
      `${field} must be a number of coins such as 25 or 25.5, not ${JSON.stringify(text)}`,
      { details: { field } },
    );
  }
  const whole = match[1] === '' ? '0' : (match[1] as string);
  const fraction = match[2] ?? '';
  if (fraction.length > COIN_DECIMALS) {
    throw new InvalidInputError(
      `${field} has more than ${COIN_DECIMALS} decimals (the smallest unit is 0.000000001)`,
      { details: { field } },
    );
  }
  return BigInt(whole) * ATOMIC_UNITS_PER_COIN + BigInt(fraction.padEnd(COIN_DECIMALS, '0'));
}

/** A coin amount for people: `25`, `25.5`, `0.000000001` (no trailing zeros). */
export function formatCoins(units: bigint | string): string {
  const value = typeof units === 'string' ? BigInt(units) : units;
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  const whole = absolute / ATOMIC_UNITS_PER_COIN;
  const fraction = (absolute % ATOMIC_UNITS_PER_COIN)
    .toString()
    .padStart(COIN_DECIMALS, '0')
    .replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}
