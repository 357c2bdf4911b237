/**
 * How an app with a JSON API (the desktop daemon, the devnet ledger) answers an error a route
 * threw: one mapping, so the same condition gets the same status and code everywhere.
 */
import { MurmurError } from './errors.js';

/** The answer to send, and how loud to log the error. */
export interface JsonErrorAnswer {
  status: number;
  /** The error's stable code (`INVALID_INPUT`, `TOO_LARGE`, a `MurmurError`'s code, `INTERNAL`). */
  code: string;
  message: string;
  /**
   * `'error'` for an unexpected failure, `'warn'` for a `MurmurError` answered 5xx, `undefined`
   * for a refusal of the caller's request.
   */
  log: 'warn' | 'error' | undefined;
}

/** Options of {@link jsonErrorAnswer}. */
export interface JsonErrorOptions {
  /** Statuses of `MurmurError` codes that carry none of their own. */
  statusByCode?: Readonly<Record<string, number>> | undefined;
  /** The message of an unexpected failure (default `internal error`): never the error's own. */
  internalMessage?: string | undefined;
}

/**
 * The answer to `error`: a schema validation failure (fastify's `validation`) is `400
 * INVALID_INPUT`; a {@link MurmurError} keeps its code, with its status (or `statusByCode`'s, or
 * 500); another 4xx error of the framework is `INVALID_INPUT` (`TOO_LARGE` for a body over the
 * limit); anything else is `500 INTERNAL` with `internalMessage`.
 */
export function jsonErrorAnswer(error: unknown, options: JsonErrorOptions = {}): JsonErrorAnswer {
  const framework = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    statusCode?: unknown;
    validation?: unknown;
    message?: unknown;
  };
  const message = typeof framework.message === 'string' ? framework.message : String(error);
  if (framework.validation !== undefined) {
    return { status: 400, code: 'INVALID_INPUT', message, log: undefined };
  }
  if (MurmurError.isInstance(error)) {
    const status = error.status ?? options.statusByCode?.[error.code] ?? 500;
    return { status, code: error.code, message, log: status >= 500 ? 'warn' : undefined };
  }
  const status = framework.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = framework.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'TOO_LARGE' : 'INVALID_INPUT';
    return { status, code, message, log: undefined };
  }
  return {
    status: 500,
    code: 'INTERNAL',
    message: options.internalMessage ?? 'internal error',
    log: 'error',
  };
}
