/**
 * What a wallet does, as functions (the `wallet` command prints their results; the devnet
 * launcher calls them directly): fund from the faucet, transfer, register a node (co-signed by
 * the node key), contribute to a pooled node, request an unlock.
 *
 * The ledger is `@murmur/registry`'s `httpLedgerSource` (every answer checked with the ledger
 * API's schemas). Each action builds the transaction with the registry's builders, takes its
 * nonce from the ledger (`getWallet(address).nextNonce`, which counts the wallet's transactions
 * still in the mempool) unless one is given, and submits it. A refusal is a result with its reason, not
 * an error; use {@link assertAccepted} to turn it into one. Two transactions signed at the same
 * moment by the same wallet would read the same nonce: send them one after the other.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import {
  createContribution,
  createRegistration,
  createTransfer,
  createUnlockRequest,
  type Ed25519KeyPair,
  type Reservation,
  type TransactionResult,
} from '@murmur/registry';
import type { Wallet } from '@murmur/registry/key-files';
import {
  fetchNextNonce,
  type HttpLedgerSource,
  type WaitForTransactionOptions,
  waitForTransaction,
} from '@murmur/registry/ledger-http';
import { type AbortOptions, bytesToHex, InvalidInputError } from '@murmur/wire';

/** The wallet, the ledger and the crypto that signs. */
export interface WalletContext {
  crypto: MurmurCrypto;
  client: HttpLedgerSource;
  wallet: Wallet;
}

/** Options every sending action takes. */
export interface SendOptions extends AbortOptions {
  /** The nonce to use (default: the ledger's `nextNonce` for the wallet). */
  nonce?: number | undefined;
}

/** A refused transaction as an error (`details.reason` is the ledger's stable reason). */
export class TransactionRefusedError extends InvalidInputError {
  /** The ledger's reason. */
  readonly reason: string;
  constructor(result: Extract<TransactionResult, { accepted: false }>) {
    super(`${result.reason}: ${result.message}`, {
      details: { reason: result.reason, id: result.id },
    });
    this.name = 'TransactionRefusedError';
    this.reason = result.reason;
  }
}

/** Returns the ID of an accepted transaction, or throws {@link TransactionRefusedError}. */
export function assertAccepted(result: TransactionResult): string {
  if (!result.accepted) throw new TransactionRefusedError(result);
  return result.id;
}

async function nonceFor(context: WalletContext, options: SendOptions): Promise<number> {
  if (options.nonce !== undefined) return options.nonce;
  return fetchNextNonce(context.client, context.wallet.address, options);
}

/**
 * Waits until transaction `id` is in a block and resolves its height (`@murmur/registry`'s
 * `waitForTransaction`).
 *
 * @throws `RequestTimeoutError` after `timeoutMs` (default 30 s); `NotFoundError` when the
 * ledger no longer knows it (dropped from the mempool because it stopped passing).
 */
export function waitForInclusion(
  client: Pick<HttpLedgerSource, 'getTransactionStatus'>,
  id: string,
  options: WaitForTransactionOptions = {},
): Promise<number> {
  return waitForTransaction(client, id, options);
}

/** Sends `amount` atomic units to `to`. */
export async function sendTransfer(
  context: WalletContext,
  to: string,
  amount: bigint,
  options: SendOptions = {},
): Promise<TransactionResult> {
  const { chainId } = await context.client.getGenesis(options);
  const nonce = await nonceFor(context, options);
  const tx = createTransfer({ chainId, to, amount, nonce }, context.wallet.keyPair, context.crypto);
  return context.client.submitTransaction(tx, options);
}

/** What {@link registerNode} registers. */
export interface RegisterInit {
  /** The operator's stake, atomic units (at least the chain's `minOperatorStake`). */
  stake: bigint;
  /** Operator fee, basis points (0 to 10,000). */
  feeBasisPoints: number;
  /** Spots held for named contributors. */
  reserved?: readonly Reservation[] | undefined;
}

/**
 * Registers the node of `nodeKey` with this wallet as its operator. Both keys sign. The node is
 * active once its stake reaches the requirement (at once when `stake` is the whole of it).
 */
export async function registerNode(
  context: WalletContext,
  nodeKey: Ed25519KeyPair,
  init: RegisterInit,
  options: SendOptions = {},
): Promise<TransactionResult & { node: string }> {
  const { chainId } = await context.client.getGenesis(options);
  const nonce = await nonceFor(context, options);
  const tx = createRegistration(
    {
      chainId,
      feeBasisPoints: init.feeBasisPoints,
      operatorStake: init.stake,
      reserved: init.reserved,
      nonce,
    },
    { node: nodeKey, operator: context.wallet.keyPair },
    context.crypto,
  );
  const result = await context.client.submitTransaction(tx, options);
  return { ...result, node: bytesToHex(nodeKey.publicKey) };
}

/** Contributes `amount` atomic units to the node `node` (awaiting contributions). */
export async function contribute(
  context: WalletContext,
  node: string,
  amount: bigint,
  options: SendOptions = {},
): Promise<TransactionResult> {
  const { chainId } = await context.client.getGenesis(options);
  const nonce = await nonceFor(context, options);
  const tx = createContribution(
    { chainId, node, amount, nonce },
    context.wallet.keyPair,
    context.crypto,
  );
  return context.client.submitTransaction(tx, options);
}

/**
 * Asks for this wallet's stake in `node` back: on an active or decommissioned node the node
 * exits `unlockBlocks` later and every stake returns; on a node still awaiting contributions
 * the operator cancels the registration and any other contributor withdraws at once.
 */
export async function requestUnlock(
  context: WalletContext,
  node: string,
  options: SendOptions = {},
): Promise<TransactionResult> {
  const { chainId } = await context.client.getGenesis(options);
  const nonce = await nonceFor(context, options);
  const tx = createUnlockRequest({ chainId, node, nonce }, context.wallet.keyPair, context.crypto);
  return context.client.submitTransaction(tx, options);
}
