import { InternalError, MurmurError } from '@murmur/wire';
import { UsageError } from '@murmur/wire/program';
import { describe, expect, it } from 'vitest';
import { reportOf } from './dispatch.js';

/** A usage error as another copy of @murmur/wire makes it (a bundled command has its own). */
class ForeignUsageError extends MurmurError {
  constructor(message: string) {
    super('USAGE', message, { retryable: false, status: 400 });
  }
}

describe('the dispatcher', () => {
  it('exits 2 with a pointer to --help for a usage error, whichever copy made it', () => {
    const foreign = new ForeignUsageError('--nodes must be an integer');
    expect(foreign).not.toBeInstanceOf(UsageError);
    for (const error of [foreign, new UsageError('--nodes must be an integer')]) {
      const report = reportOf('up', error);
      expect(report.code).toBe(2);
      expect(report.message).toBe(
        'murmur-devnet up: --nodes must be an integer\nRun `murmur-devnet up --help`.\n',
      );
    }
  });

  it('exits 1 for other errors, with the stack only for an unexpected one', () => {
    expect(reportOf('status', new InternalError('no testnet'))).toEqual({
      code: 1,
      message: 'murmur-devnet status: no testnet\n',
    });
    const unexpected = reportOf('status', new TypeError('x is undefined'));
    expect(unexpected.code).toBe(1);
    expect(unexpected.message).toMatch(
      /^murmur-devnet status: unexpected error\nTypeError: x is undefined\n/,
    );
  });
});
