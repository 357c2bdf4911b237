/**
 * Errors that belong to murmur-devnet itself (its database, its files, its command line).
 * Protocol conditions use the classes of `@murmur/wire`.
 */
import { MurmurError, type MurmurErrorOptions } from '@murmur/wire';

/** The ledger database cannot be opened or used (locked by another process, damaged, newer). */
export class LedgerStoreError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('LEDGER_STORE_FAILED', message, { retryable: false, status: 500, ...options });
    this.name = 'LedgerStoreError';
  }
}

/** A devnet already runs in the directory (its launcher or its processes are alive). */
export class DevnetBusyError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('BUSY', message, { retryable: false, status: 409, ...options });
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
