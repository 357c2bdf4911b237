import { InvalidInputError } from '@murmur/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCoins, parseCoins } from './amounts.js';

describe('coin amounts', () => {
  it('parses coins with up to nine decimals exactly', () => {
    expect(parseCoins('25')).toBe(25_000_000_000n);
    expect(parseCoins('25.5')).toBe(25_500_000_000n);
    expect(parseCoins('0.000000001')).toBe(1n);
    expect(parseCoins('.5')).toBe(500_000_000n);
    expect(parseCoins('15_000')).toBe(15_000_000_000_000n);
    expect(parseCoins('15,000.25')).toBe(15_000_250_000_000n);
    expect(parseCoins('7.')).toBe(7_000_000_000n);
    // Far beyond what a float holds exactly.
    expect(parseCoins('123456789012345678.123456789')).toBe(123456789012345678123456789n);
  });

  it('refuses what is not an amount, naming the field', () => {
    for (const text of ['', '-1', '1e3', 'abc', '1.0000000001', '1,5', '0x10', ' . ']) {
      expect(() => parseCoins(text, '--amount'), text).toThrow(InvalidInputError);
      expect(() => parseCoins(text, '--amount'), text).toThrow(
        expect.objectContaining({ details: { field: '--amount' } }),
      );
    }
  });

  it('formats atomic units without trailing zeros', () => {
    expect(formatCoins(25_500_000_000n)).toBe('25.5');
    expect(formatCoins('1')).toBe('0.000000001');
    expect(formatCoins(0n)).toBe('0');
    expect(formatCoins(-1_500_000_000n)).toBe('-1.5');
  });

  it('round-trips every amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), (units) => {
        expect(parseCoins(formatCoins(units))).toBe(units);
      }),
    );
  });
});
