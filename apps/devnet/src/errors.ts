/**
 * Errors that belong to murmur-devnet itself (its database, its files, its command line).
 * Protocol conditions use the classes of `@murmur/wire`.
 */
import { InvalidInputError, MurmurError, type MurmurErrorOptions } from '@murmur/wire';

/** The ledger database cannot be opened or used (locked by another process, damaged, newer). */
export class LedgerStoreError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('INTERNAL', message, { retryable: false, status: 500, ...options });
    this.name = 'LedgerStoreError';
  }
}

/** A configuration value (flag, environment variable or file) is not valid. */
export class ConfigError extends InvalidInputError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** The command line is wrong (unknown command or flag, missing value): exit code 2. */
export class UsageError extends InvalidInputError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** A devnet already runs in the directory (its launcher or its processes are alive). */
export class DevnetBusyError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('FORBIDDEN', message, { retryable: false, status: 409, ...options });
    this.name = 'DevnetBusyError';
  }
}

/** The directory holds no devnet (no `testnet.json`): nothing to show, stop or change. */
export class NoDevnetError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('NOT_FOUND', message, { retryable: false, status: 404, ...options });
    this.name = 'NoDevnetError';
  }
}
