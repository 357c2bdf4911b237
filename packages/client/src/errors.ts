/**
 * The few conditions that belong to the client itself. Everything a node, a path or the
 * crypto layer can say is already a `@murmur/wire` error class; these cover the account, the
 * network-time gate and the outbox's final verdict.
 *
 * Each has a code of its own in `@murmur/wire`'s closed set (listed below); callers tell them
 * apart by `code` or `instanceof`, never by text.
 */
import { type ErrorCode, MurmurError, type MurmurErrorOptions } from '@murmur/wire';

/**
 * The client has no account yet: create one (`client.account.create`) or restore one
 * (`client.account.restore`) first. Code `ACCOUNT_MISSING`.
 */
export class AccountMissingError extends MurmurError {
  constructor(
    message = 'no account: call client.account.create() or client.account.restore() first',
    options: MurmurErrorOptions = {},
  ) {
    super('ACCOUNT_MISSING', message, { ...options, retryable: false });
  }
}

/**
 * The storage already holds an account (or the client was given an identity): a second one
 * cannot be created or restored into it. Use another storage for another account. Code
 * `ACCOUNT_EXISTS`.
 */
export class AccountExistsError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('ACCOUNT_EXISTS', message, { ...options, retryable: false });
  }
}

/**
 * The client has no network-time estimate yet, so it will not sign or send anything (a request
 * signed with a wrong clock would be refused with 406). It resolves itself once a node has
 * answered; the outbox waits for it. Code `NOT_SYNCED`, retryable.
 */
export class NotSyncedError extends MurmurError {
  constructor(
    message = 'network time is not known yet: waiting for a service node to answer',
    options: MurmurErrorOptions = {},
  ) {
    super('NOT_SYNCED', message, { ...options, retryable: true });
  }
}

/** Why the outbox gave up on a message. */
export type DeliveryFailureReason =
  /** Every allowed attempt failed (`outbox.maxAttempts`). */
  | 'attempts-exhausted'
  /** The message waited longer than `outbox.giveUpAfterMs` without being stored. */
  | 'timed-out'
  /** A node refused the message itself (too large, TTL out of range, ...): retrying cannot help. */
  | 'rejected';

/**
 * The outbox gave up on a message. `code` is the code of the last failure (what went wrong on
 * the last attempt, such as `REQUEST_TIMEOUT` or `TTL_OUT_OF_RANGE`; `UPSTREAM_FAILED` when
 * there was none), `reason` says why the outbox stopped, and `cause` is the last failure.
 * The message stays in the outbox in state `failed`: `client.retryMessage(id)` queues it again.
 */
export class DeliveryFailedError extends MurmurError {
  /** Why the outbox stopped trying. */
  readonly reason: DeliveryFailureReason;
  /** Network attempts made. */
  readonly attempts: number;
  /** The message (its storage hash). */
  readonly messageId: string;

  constructor(
    message: string,
    init: {
      reason: DeliveryFailureReason;
      attempts: number;
      messageId: string;
      code?: ErrorCode | undefined;
    },
    options: MurmurErrorOptions = {},
  ) {
    super(init.code ?? 'UPSTREAM_FAILED', message, {
      ...options,
      retryable: init.reason !== 'rejected',
      details: {
        ...(options.details ?? {}),
        reason: init.reason,
        attempts: init.attempts,
        messageId: init.messageId,
      },
    });
    this.reason = init.reason;
    this.attempts = init.attempts;
    this.messageId = init.messageId;
  }
}
