/**
 * The two things every ledger user does around a transaction, done once: read the nonce the
 * next transaction must carry, and wait until a transaction is in a block. Used by
 * `murmur-devnet wallet`, `murmur-node register` and the network launcher.
 */
import {
  AbortError,
  type AbortOptions,
  NotFoundError,
  RequestTimeoutError,
  sleep,
  throwIfAborted,
} from '@murmur/wire';
import type { HttpLedgerSource } from './http-ledger-source.js';

/**
 * The nonce the next transaction of `address` must carry. The ledger's `GET /wallet/:address`
 * answers `nextNonce`, which counts the wallet's transactions still waiting in the mempool;
 * `GET /state` only knows those in blocks, so it is the fallback for a ledger without the route
 * (or with an answer that is not a wallet). An abort or a timeout is never a reason to fall
 * back: it is thrown.
 */
export async function fetchNextNonce(
  ledger: Pick<HttpLedgerSource, 'getWallet' | 'getState'>,
  address: string,
  options: AbortOptions = {},
): Promise<number> {
  try {
    return (await ledger.getWallet(address, options)).nextNonce;
  } catch (error) {
    if (error instanceof AbortError || error instanceof RequestTimeoutError) throw error;
    throwIfAborted(options.signal);
    // No such route, or an answer that is not a wallet: the state below.
  }
  const state = await ledger.getState(options);
  const entry = state.wallets.find((item) => item.address === address);
  return (entry?.nonce ?? 0) + 1;
}

/** Options of {@link waitForTransaction}. */
export interface WaitForTransactionOptions extends AbortOptions {
  /** Give up after this long, ms (default 30 s). */
  timeoutMs?: number | undefined;
  /** Time between two `GET /tx/:id`, ms (default 200). */
  pollMs?: number | undefined;
}

/**
 * Waits until transaction `id` is in a block (polling `GET /tx/:id`) and resolves its height.
 *
 * @throws `NotFoundError` as soon as the ledger says `unknown` (it never got the transaction,
 * or dropped it from the mempool because it stopped passing the rules): waiting longer cannot
 * help. `RequestTimeoutError` after `timeoutMs` while it is still pending; `AbortError`.
 */
export async function waitForTransaction(
  ledger: Pick<HttpLedgerSource, 'getTransactionStatus'>,
  id: string,
  options: WaitForTransactionOptions = {},
): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const pollMs = options.pollMs ?? 200;
  for (;;) {
    const status = await ledger.getTransactionStatus(id, options);
    if (status.status === 'included') return status.height ?? 0;
    if (status.status === 'unknown') {
      throw new NotFoundError(
        `transaction ${id} is unknown to the ledger: never received, or left the mempool without being included (it stopped passing the rules)`,
        { details: { transaction: id } },
      );
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new RequestTimeoutError(`transaction ${id} is still waiting for a block`, {
        details: { transaction: id },
      });
    }
    await sleep(Math.min(pollMs, left), options.signal);
  }
}
