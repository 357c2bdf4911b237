import { UsageError } from '@murmur/wire/program';
import { describe, expect, it } from 'vitest';
import { optionalInteger, parseInteger } from './args.js';

describe('integer flags', () => {
  it('reads an integer within its range, refusing others with a usage error naming the flag', () => {
    expect(parseInteger('250', '--block-time-ms', { min: 50, max: 60_000 })).toBe(250);
    expect(() => parseInteger('25', '--block-time-ms', { min: 50, max: 60_000 })).toThrow(
      new UsageError('--block-time-ms must be an integer from 50 to 60000, not 25'),
    );
    expect(() => parseInteger('1.5', '--timeout-ms')).toThrow(
      new UsageError('--timeout-ms must be an integer, not "1.5"'),
    );
  });

  it('answers the fallback for a flag not given, and checks one that is', () => {
    expect(optionalInteger(undefined, '--timeout-ms', { min: 0, max: 600_000 }, 30_000)).toBe(
      30_000,
    );
    expect(optionalInteger(undefined, '--timeout-ms', { min: 100 }, undefined)).toBeUndefined();
    expect(optionalInteger('0', '--timeout-ms', { min: 0, max: 600_000 }, 30_000)).toBe(0);
    expect(() => optionalInteger('x', '--timeout-ms', { min: 0 }, 30_000)).toThrow(
      expect.objectContaining({ code: new UsageError('x').code }),
    );
  });
});
