import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  coefficientOfVariation,
  distribution,
  mean,
  quantile,
  spread,
  standardDeviation,
  summarizeSeries,
} from './metrics.js';

describe('quantile', () => {
  it('uses the nearest rank', () => {
    const sorted = [1, 2, 3, 4];
    expect(quantile(sorted, 0)).toBe(1);
    expect(quantile(sorted, 0.25)).toBe(1);
    expect(quantile(sorted, 0.26)).toBe(2);
    expect(quantile(sorted, 0.5)).toBe(2);
    expect(quantile(sorted, 0.75)).toBe(3);
    expect(quantile(sorted, 0.99)).toBe(4);
    expect(quantile(sorted, 1)).toBe(4);
  });

  it('p99 of 100 values is the 99th', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.99)).toBe(99);
  });

  it('is NaN for no values and refuses q outside [0, 1]', () => {
    expect(quantile([], 0.5)).toBeNaN();
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
    expect(() => quantile([1], Number.NaN)).toThrow(RangeError);
  });

  it('returns one of the values, monotone in q', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, a, b) => {
          const sorted = [...values].sort((x, y) => x - y);
          const low = Math.min(a, b);
          const high = Math.max(a, b);
          expect(sorted).toContain(quantile(sorted, low));
          expect(quantile(sorted, low)).toBeLessThanOrEqual(quantile(sorted, high));
        },
      ),
    );
  });
});

describe('distribution', () => {
  it('summarises unsorted values', () => {
    expect(distribution([7, 5, 9, 6, 8])).toEqual({
      count: 5,
      min: 5,
      p25: 6,
      median: 7,
      p75: 8,
      max: 9,
      mean: 7,
    });
  });

  it('does not modify its input', () => {
    const values = [3, 1, 2];
    distribution(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('is all NaN for no values', () => {
    const empty = distribution([]);
    expect(empty.count).toBe(0);
    expect(empty.min).toBeNaN();
    expect(empty.mean).toBeNaN();
  });
});

describe('mean, standard deviation, coefficient of variation', () => {
  it('computes the population figures', () => {
    expect(mean([2, 4, 4, 4, 5, 5, 7, 9])).toBe(5);
    expect(standardDeviation([2, 4, 4, 4, 5, 5, 7, 9])).toBe(2);
    expect(coefficientOfVariation([2, 4, 4, 4, 5, 5, 7, 9])).toBe(0.4);
  });

  it('is 0 for equal values and NaN for a zero mean or no values', () => {
    expect(coefficientOfVariation([3, 3, 3])).toBe(0);
    expect(coefficientOfVariation([0, 0])).toBeNaN();
    expect(coefficientOfVariation([])).toBeNaN();
    expect(mean([])).toBeNaN();
  });
});

describe('spread', () => {
  it('gives min, max, mean, CV and max/mean', () => {
    const result = spread([50, 100, 150]);
    expect(result.count).toBe(3);
    expect(result.min).toBe(50);
    expect(result.max).toBe(150);
    expect(result.mean).toBe(100);
    expect(result.maxOverMean).toBe(1.5);
    expect(result.coefficientOfVariation).toBeCloseTo(Math.sqrt(5000 / 3) / 100, 12);
  });

  it('max/mean is at least 1', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1e6 }), { minLength: 1 }), (values) => {
        expect(spread(values).maxOverMean).toBeGreaterThanOrEqual(1 - 1e-12);
      }),
    );
  });
});

describe('summarizeSeries', () => {
  it('gives min, mean, median, p99 and max', () => {
    // 1000 once, then 99 zeros and 100 ones.
    const values = Array.from({ length: 200 }, (_, i) => (i === 0 ? 1000 : i % 2));
    expect(summarizeSeries(values)).toEqual({
      min: 0,
      mean: (1000 + 100) / 200,
      median: 1,
      p99: 1,
      max: 1000,
    });
  });
});
