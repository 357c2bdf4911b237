import { describe, expect, it } from 'vitest';
import { formatNumber, formatPercent } from './table.js';

describe('formatNumber and formatPercent', () => {
  it('groups thousands and keeps decimals', () => {
    expect(formatNumber(1_000_000)).toBe('1,000,000');
    expect(formatNumber(-12_345)).toBe('-12,345');
    expect(formatNumber(7)).toBe('7');
    expect(formatNumber(1234.5)).toBe('1,234.50');
    expect(formatNumber(0.12345, 3)).toBe('0.123');
    expect(formatNumber(Number.NaN)).toBe('–');
  });

  it('writes shares as percentages', () => {
    expect(formatPercent(0.00533)).toBe('0.533%');
    expect(formatPercent(1)).toBe('100.000%');
    expect(formatPercent(0.5, 1)).toBe('50.0%');
    expect(formatPercent(Number.POSITIVE_INFINITY)).toBe('–');
  });
});
