/**
 * The conditions of circuits on the client side: no path can be picked, and a circuit that
 * failed to build or died (DESTROY, a refused cell, a PING without PONG, a closed link).
 */
import { MurmurError, type MurmurErrorOptions } from '@murmur/wire';
import { destroyReasonName } from './constants.js';

/**
 * The relays known cannot make a circuit: no exit in the swarm, or too few relays apart from
 * each other (distinct keys, /24 subnets and operators). Retryable once the pools change.
 */
export class NoCircuitPathError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('PATH_UNAVAILABLE', message, { retryable: true, status: 503, ...options });
  }
}

/**
 * A circuit failed to build or closed. `reason` is the DESTROY reason (Tor's codes) when one
 * was received or sent; `hop` the hop that was being built or spoke last, where known.
 * Retryable: build a new circuit (with a new middle and exit).
 */
export class CircuitClosedError extends MurmurError {
  readonly reason: number;
  readonly hop: number | undefined;

  constructor(
    message: string,
    init: { reason: number; hop?: number | undefined } & MurmurErrorOptions,
  ) {
    super('UPSTREAM_FAILED', message, {
      retryable: true,
      status: 502,
      ...init,
      details: { reason: destroyReasonName(init.reason), hop: init.hop, ...init.details },
    });
    this.reason = init.reason;
    this.hop = init.hop;
  }
}
