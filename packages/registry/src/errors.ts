/**
 * The registry's own error: a block that cannot be applied at all. (A transaction that breaks a
 * rule is not an error: it gets a {@link RejectedTransaction} result with its reason.)
 */
import { MurmurError, type MurmurErrorOptions } from '@murmur/wire';

/** Why a whole block was refused. Stable strings. */
export type BlockRejectionReason =
  /** Not the next height after the state's. */
  | 'bad-height'
  /** `previousHash` is not the state's hash (another chain, or a fork). */
  | 'bad-previous-hash'
  /** The timestamp is not an integer later than the previous block's. */
  | 'bad-timestamp'
  /** `hash` does not match the header. */
  | 'bad-hash'
  /** More transactions than `params.maxTransactionsPerBlock`. */
  | 'too-many-transactions'
  /** A transaction that cannot even be encoded (wrong JavaScript types). */
  | 'malformed';

/** A block that cannot be applied to the state it was given. Nothing of it was applied. */
export class InvalidBlockError extends MurmurError {
  /** Why. */
  readonly reason: BlockRejectionReason;
  /** Height of the refused block, when it has one. */
  readonly height: number | undefined;

  constructor(
    reason: BlockRejectionReason,
    message: string,
    init: MurmurErrorOptions & { height?: number | undefined } = {},
  ) {
    super('INVALID_BLOCK', message, {
      retryable: false,
      status: 400,
      ...init,
      details: { reason, height: init.height, ...init.details },
    });
    this.reason = reason;
    this.height = init.height;
  }
}
