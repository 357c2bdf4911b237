/**
 * An in-process ledger: a mempool checked with the registry's own rules and a block producer
 * you drive by hand (`produceBlock()`), behind the {@link LedgerSource} interface. For tests,
 * the simulator, and as the core of a ledger server (which adds storage and HTTP around it).
 */
import {
  type AbortOptions,
  type Clock,
  InvalidInputError,
  OverloadedError,
  systemClock,
  throwIfAborted,
} from '@murmur/wire';
import { type ApplyOptions, applyBlock, applyTransaction } from './apply.js';
import { createBlock, createGenesis } from './block.js';
import { BLOCKS_DEFAULT_LIMIT, BLOCKS_MAX_LIMIT } from './ledger-api.js';
import type { GetBlocksOptions, LedgerSource } from './ledger-source.js';
import type {
  Block,
  GenesisConfig,
  RegistryCrypto,
  RegistryState,
  Transaction,
  TransactionResult,
} from './types.js';

/** Options of {@link createMemoryLedger}. */
export interface MemoryLedgerInit {
  /** The chain to run. */
  genesis: GenesisConfig;
  /** Blocks already produced (e.g. loaded from storage), applied in order at creation. */
  blocks?: readonly Block[] | undefined;
  /** Most transactions waiting in the mempool (default 10,000); more are refused. */
  maxMempoolSize?: number | undefined;
  /**
   * Check signatures again when replaying `blocks` at creation (default false: they are the
   * ledger's own blocks, checked when they were first made).
   */
  verifyReplayedSignatures?: boolean | undefined;
}

/** Components of {@link createMemoryLedger}. */
export interface MemoryLedgerComponents {
  crypto: RegistryCrypto;
  /** Time of produced blocks (default the system clock). */
  clock?: Clock | undefined;
}

/** What {@link MemoryLedger.produceBlock} made. */
export interface ProducedBlock {
  block: Block;
  results: TransactionResult[];
  state: RegistryState;
}

/** An in-process ledger. */
export interface MemoryLedger extends LedgerSource {
  /** The state after the last block. */
  readonly state: RegistryState;
  /** The last block's height. */
  readonly height: number;
  /** Every block, genesis first. */
  readonly blocks: readonly Block[];
  /** Transactions waiting for the next block, in arrival order. */
  readonly mempool: readonly Transaction[];
  /**
   * The state as the mempool will leave it (same height as {@link MemoryLedger.state}): where a
   * wallet's next nonce is read while it has transactions waiting.
   */
  readonly pendingState: RegistryState;
  /**
   * Checks `tx` against the state as the mempool will leave it (the same rules as a block) and,
   * if accepted, queues it. Synchronous form of {@link LedgerSource.submitTransaction}. Throws
   * `OverloadedError` when the mempool is full.
   */
  submit(tx: Transaction): TransactionResult;
  /**
   * Makes the next block from the mempool (transactions that no longer pass at the block's
   * timestamp are dropped), applies it and tells subscribers. The timestamp is `timestamp`
   * or the clock's time, and at least the previous block's + 1 ms.
   */
  produceBlock(options?: { timestamp?: number | undefined }): ProducedBlock;
}

/** A new in-process ledger at genesis (or at the end of `init.blocks`). */
export function createMemoryLedger(
  init: MemoryLedgerInit,
  components: MemoryLedgerComponents,
): MemoryLedger {
  const { crypto } = components;
  const clock = components.clock ?? systemClock;
  const maxMempool = init.maxMempoolSize ?? 10_000;
  const genesis = createGenesis(init.genesis, crypto);
  const blocks: Block[] = [genesis.block];
  let state = genesis.state;
  const replay: ApplyOptions = { verifySignatures: init.verifyReplayedSignatures === true };
  for (const block of init.blocks ?? []) {
    if (block.height === 0) {
      if (block.hash !== genesis.block.hash) {
        throw new InvalidInputError('the stored genesis block does not match the configuration');
      }
      continue;
    }
    state = applyBlock(state, block, crypto, replay).state;
    blocks.push(block);
  }
  let mempool: Transaction[] = [];
  let pending = state;
  const listeners = new Set<(block: Block) => void>();

  function nextTime(): { height: number; timestamp: number } {
    return { height: state.height + 1, timestamp: Math.max(clock.now(), state.timestamp + 1) };
  }

  function submit(tx: Transaction): TransactionResult {
    const outcome = applyTransaction(pending, tx, crypto, nextTime());
    if (!outcome.result.accepted) return outcome.result;
    if (mempool.length >= maxMempool) {
      throw new OverloadedError(`the mempool is full (${maxMempool} transactions)`);
    }
    pending = outcome.state;
    mempool.push(tx);
    return outcome.result;
  }

  function produceBlock(options: { timestamp?: number | undefined } = {}): ProducedBlock {
    const timestamp = Math.max(options.timestamp ?? clock.now(), state.timestamp + 1);
    const at = { height: state.height + 1, timestamp };
    // Signatures were checked at submission; the rules are checked again at the block's time.
    let candidate = state;
    const included: Transaction[] = [];
    for (const tx of mempool) {
      if (included.length >= state.params.maxTransactionsPerBlock) break;
      const outcome = applyTransaction(candidate, tx, crypto, at, { verifySignatures: false });
      if (!outcome.result.accepted) continue;
      candidate = outcome.state;
      included.push(tx);
    }
    const block = createBlock(
      { height: at.height, previousHash: state.hash, timestamp, transactions: included },
      crypto,
    );
    const applied = applyBlock(state, block, crypto, { verifySignatures: false });
    state = applied.state;
    blocks.push(block);
    // Whatever did not fit stays queued, re-checked against the new state.
    const taken = new Set(included);
    const rest = mempool.filter((tx) => !taken.has(tx));
    mempool = [];
    pending = state;
    for (const tx of rest) {
      const outcome = applyTransaction(pending, tx, crypto, nextTime(), {
        verifySignatures: false,
      });
      if (outcome.result.accepted) {
        pending = outcome.state;
        mempool.push(tx);
      }
    }
    for (const listener of [...listeners]) listener(block);
    return { block, results: applied.results, state };
  }

  return {
    get state() {
      return state;
    },
    get height() {
      return state.height;
    },
    get blocks() {
      return blocks;
    },
    get mempool() {
      return mempool;
    },
    get pendingState() {
      return pending;
    },
    submit,
    produceBlock,
    async getGenesis(options: AbortOptions = {}) {
      throwIfAborted(options.signal);
      return init.genesis;
    },
    async getBlocks(fromHeight: number, options: GetBlocksOptions = {}) {
      throwIfAborted(options.signal);
      const limit = Math.min(Math.max(options.limit ?? BLOCKS_DEFAULT_LIMIT, 1), BLOCKS_MAX_LIMIT);
      return blocks.slice(fromHeight, fromHeight + limit);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async submitTransaction(tx: Transaction, options: AbortOptions = {}) {
      throwIfAborted(options.signal);
      return submit(tx);
    },
  };
}
