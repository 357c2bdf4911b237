import { describe, expect, it } from 'vitest';
import { createRandom, sample } from './random.js';

describe('createRandom', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: string) => {
      const random = createRandom(seed);
      return Array.from({ length: 20 }, () => random.nextUint32());
    };
    expect(draw('murmur')).toEqual(draw('murmur'));
    expect(draw('murmur')).not.toEqual(draw('murmur2'));
    expect(draw('')).toEqual(draw(''));
  });

  it('draws integers in range, every value reachable', () => {
    const random = createRandom('range');
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const value = random.integer(7);
      expect(Number.isInteger(value) && value >= 0 && value < 7).toBe(true);
      seen.add(value);
    }
    expect(seen.size).toBe(7);
    expect(random.integer(1)).toBe(0);
    expect(() => random.integer(0)).toThrow(RangeError);
    expect(() => random.integer(2.5)).toThrow(RangeError);
  });

  it('draws floats in [0, 1) with a plausible mean', () => {
    const random = createRandom('floats');
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const value = random.nextFloat();
      expect(value >= 0 && value < 1).toBe(true);
      sum += value;
    }
    expect(Math.abs(sum / 10_000 - 0.5)).toBeLessThan(0.02);
  });

  it('fills byte arrays of any length', () => {
    const random = createRandom('bytes');
    const bytes = random.fill(new Uint8Array(37));
    expect(bytes.length).toBe(37);
    expect(new Set(bytes).size).toBeGreaterThan(10);
  });
});

describe('sample', () => {
  it('takes distinct items, deterministically', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const first = sample(createRandom('s'), items, 10);
    expect(first).toHaveLength(10);
    expect(new Set(first).size).toBe(10);
    expect(sample(createRandom('s'), items, 10)).toEqual(first);
    expect(items).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('takes everything when asked for more than there is', () => {
    expect(sample(createRandom('s'), [1, 2, 3], 10).sort()).toEqual([1, 2, 3]);
    expect(sample(createRandom('s'), [1, 2, 3], 0)).toEqual([]);
  });
});
