/**
 * The testnet's own failure conditions, one class per condition (branch on `instanceof` or
 * `name`, never on the message), each with a code of its own (docs/OPERATORS.md lists them).
 */
import { MurmurError, type MurmurErrorOptions } from '@murmur/wire';

/** A built CLI the testnet runs (`apps/devnet/dist/cli.js`, `apps/service-node/dist/cli.js`) is missing. */
export class MissingBuildError extends MurmurError {
  /** The missing file. */
  readonly file: string;
  constructor(file: string, message: string, options: MurmurErrorOptions = {}) {
    super('MISSING_BUILD', message, {
      ...options,
      retryable: false,
      details: { file, ...options.details },
    });
    this.file = file;
  }
}

/** A process of the testnet (the ledger or a node) exited while it was starting. */
export class ProcessExitedError extends MurmurError {
  /** `ledger`, `node-03`, … */
  readonly process: string;
  /** Its log file. */
  readonly logFile: string;
  constructor(process: string, logFile: string, message: string, options: MurmurErrorOptions = {}) {
    super('UPSTREAM_FAILED', message, {
      ...options,
      retryable: false,
      details: { process, logFile, ...options.details },
    });
    this.process = process;
    this.logFile = logFile;
  }
}

/** Something the testnet waited for (ready line, health, activation, height) did not happen in time. */
export class TestnetTimeoutError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('REQUEST_TIMEOUT', message, { ...options, retryable: true });
  }
}

/** A port the testnet needs is taken by another process. */
export class PortInUseError extends MurmurError {
  readonly port: number;
  readonly host: string;
  constructor(host: string, port: number, message: string, options: MurmurErrorOptions = {}) {
    super('PORT_IN_USE', message, {
      ...options,
      retryable: true,
      details: { host, port, ...options.details },
    });
    this.host = host;
    this.port = port;
  }
}

/** The testnet directory is in use by processes that are still running. */
export class TestnetBusyError extends MurmurError {
  /** The live processes, as recorded in `pids.json`. */
  readonly pids: readonly number[];
  constructor(pids: readonly number[], message: string, options: MurmurErrorOptions = {}) {
    super('BUSY', message, {
      ...options,
      retryable: false,
      details: { pids: [...pids], ...options.details },
    });
    this.pids = pids;
  }
}

/** The ledger refused a transaction the testnet submitted (funding, registration, contribution). */
export class TransactionRefusedError extends MurmurError {
  /** The ledger's stable rejection reason (`insufficient-funds`, `bad-nonce`, …). */
  readonly reason: string;
  constructor(reason: string, message: string, options: MurmurErrorOptions = {}) {
    super('INVALID_INPUT', message, {
      ...options,
      retryable: false,
      status: 400,
      details: { reason, ...options.details },
    });
    this.reason = reason;
  }
}

/** A name given to a testnet method is not one of its processes. */
export class UnknownProcessError extends MurmurError {
  constructor(name: string, known: readonly string[], options: MurmurErrorOptions = {}) {
    super(
      'NOT_FOUND',
      `no process named ${JSON.stringify(name)} in this testnet (known: ${known.join(', ')})`,
      { ...options, retryable: false, status: 404, details: { name, ...options.details } },
    );
  }
}
