/**
 * The devnet ledger's core: the registry's in-process ledger (mempool checked with the real
 * rules, block production) made durable by the SQLite store.
 *
 * - A transaction is *accepted* when it passes the rules against the state as the pending
 *   mempool will leave it **and** its mempool row is committed to disk; only then does
 *   {@link DevnetLedger.submit} return. An accepted transaction survives `kill -9` and ends up in
 *   a block (unless it stops passing before then, as a time-bound uptime proof may).
 * - {@link DevnetLedger.produceBlock} makes the next block from the mempool and stores it, with
 *   the removal of the mempool rows it consumed, in one SQLite transaction; listeners hear of
 *   the block only after that commit.
 * - Opening replays the stored blocks (their signatures were checked when they were accepted),
 *   then re-submits the stored mempool in arrival order, dropping (and logging) what no longer
 *   passes.
 *
 * If the disk fails while a block is being stored, the in-memory state is ahead of the disk: the
 * error is thrown as a {@link LedgerStoreError} and the process must stop (a restart recovers
 * from the disk, where the block is either whole or absent).
 */
import type { MurmurCrypto } from '@murmur/crypto';
import {
  type Block,
  createFaucet,
  createMemoryLedger,
  createStateChange,
  type Ed25519KeyPair,
  type GenesisConfig,
  type MemoryLedger,
  type RegistryState,
  type StateChange,
  type Transaction,
  type TransactionResult,
  transactionId,
  walletInfo,
} from '@murmur/registry';
import {
  bytesToHex,
  type Clock,
  ForbiddenError,
  type Logger,
  silentLogger,
  systemClock,
} from '@murmur/wire';
import { LedgerStoreError } from '../errors.js';
import type { LedgerStore } from './store.js';

/** Options of {@link openDevnetLedger}. */
export interface DevnetLedgerInit {
  /** The database (opened; the ledger does not close it). */
  store: LedgerStore;
  /** The genesis configuration to start a new chain with (ignored when the store has one). */
  genesis?: GenesisConfig | undefined;
  /** The authority key pair: needed for {@link DevnetLedger.faucet} and state changes. */
  authority?: Ed25519KeyPair | undefined;
  /** Most transactions waiting in the mempool (default 10,000); more are refused (503). */
  maxMempoolSize?: number | undefined;
}

/** Components of {@link openDevnetLedger}. */
export interface DevnetLedgerComponents {
  crypto: MurmurCrypto;
  logger?: Logger | undefined;
  /** Block timestamps and mempool checks (default the system clock). */
  clock?: Clock | undefined;
}

/** What {@link DevnetLedger.submit} answers. */
export interface SubmitOutcome {
  /** The rules' verdict (with the transaction ID). */
  result: TransactionResult;
  /** True when the same transaction was already waiting in the mempool (nothing was added). */
  duplicate: boolean;
}

/** Where a transaction is. */
export type TransactionStatus =
  | { status: 'pending' }
  | { status: 'included'; height: number }
  | { status: 'unknown' };

/** A block the ledger made, as its listeners receive it. */
export interface CommittedBlock {
  block: Block;
  /** IDs of the block's transactions, in block order. */
  transactionIds: readonly string[];
  /** IDs of mempool transactions dropped because they no longer passed at this block. */
  dropped: readonly string[];
  /** The state after the block. */
  state: RegistryState;
}

/** The durable ledger. */
export interface DevnetLedger {
  /** The chain's genesis configuration. */
  readonly genesis: GenesisConfig;
  /** Hash of the genesis block. */
  readonly genesisHash: string;
  /** The state after the last block. */
  readonly state: RegistryState;
  /** Height of the last block. */
  readonly height: number;
  /** Transactions waiting for the next block. */
  readonly mempoolSize: number;
  /** The transactions waiting for the next block, in arrival order. */
  readonly mempool: readonly Transaction[];
  /** The authority's address, when its key is loaded. */
  readonly authorityAddress: string;
  /** Whether this ledger holds the authority key (faucet and state changes). */
  readonly hasAuthority: boolean;
  /**
   * Checks `tx` and, when it passes, stores it in the mempool before returning. A transaction
   * already waiting is answered as accepted again (`duplicate: true`).
   *
   * @throws `OverloadedError` when the mempool is full.
   */
  submit(tx: Transaction): SubmitOutcome;
  /** Makes, stores and announces the next block (empty when nothing waits). */
  produceBlock(): CommittedBlock;
  /** Blocks from `from` on (genesis is height 0), at most `limit`. */
  getBlocks(from: number, limit: number): Block[];
  /** Whether transaction `id` waits in the mempool, sits in a block, or is unknown. */
  transactionStatus(id: string): TransactionStatus;
  /** The nonce the next transaction signed by `address` must carry (mempool included). */
  nextNonce(address: string): number;
  /**
   * The authority mints `amount` into `to` (a faucet transaction through the mempool).
   *
   * @throws `ForbiddenError` when this ledger has no authority key;
   * `InvalidInputError` when `to` is not an address.
   */
  faucet(to: string, amount: bigint): SubmitOutcome;
  /** The authority orders a state change (fault drills). Same errors as {@link faucet}. */
  stateChange(node: string, change: StateChange, reason: string): SubmitOutcome;
  /** Calls `listener` after each committed block; returns the unsubscribe function. */
  subscribe(listener: (committed: CommittedBlock) => void): () => void;
}

/** The wallet whose nonce `tx` consumes (uptime proofs consume none). */
function nonceOwner(tx: Transaction, authority: string): string | undefined {
  switch (tx.type) {
    case 'transfer':
      return tx.from;
    case 'faucet':
    case 'state-change':
    case 'staking-requirement':
      return authority;
    case 'register':
      return tx.operator;
    case 'contribute':
    case 'request-unlock':
      return tx.contributor;
    case 'uptime-proof':
      return undefined;
  }
}

/**
 * Opens the ledger stored in `init.store`: a new chain from `init.genesis` when the store is
 * empty, else the stored chain at its last height with its stored mempool.
 *
 * @throws {@link LedgerStoreError} when the store is empty and no genesis is given, or when the
 * stored blocks do not replay.
 */
export function openDevnetLedger(
  init: DevnetLedgerInit,
  components: DevnetLedgerComponents,
): DevnetLedger {
  const { store, authority } = init;
  const { crypto } = components;
  const logger = components.logger ?? silentLogger();
  const clock = components.clock ?? systemClock;

  const stored = store.loadGenesis();
  const chosen = stored?.config ?? init.genesis;
  if (chosen === undefined) {
    throw new LedgerStoreError(`${store.path} holds no chain and no genesis was given`);
  }
  const genesis: GenesisConfig = chosen;
  if (authority !== undefined && bytesToHex(authority.publicKey) !== genesis.authority) {
    throw new LedgerStoreError(
      `the authority key does not match the chain's authority ${genesis.authority}`,
    );
  }
  const blocks = store.loadBlocks();
  let memory: MemoryLedger;
  try {
    memory = createMemoryLedger(
      { genesis, blocks, maxMempoolSize: init.maxMempoolSize },
      { crypto, clock },
    );
  } catch (cause) {
    throw new LedgerStoreError(`${store.path}: the stored blocks do not replay`, { cause });
  }
  const genesisHash = memory.blocks[0]?.hash as string;
  if (stored === undefined) {
    store.saveGenesis(genesis, genesisHash);
  } else if (stored.hash !== genesisHash) {
    throw new LedgerStoreError(`${store.path}: the stored genesis hash does not match its config`);
  }

  /** IDs of the transactions in the memory mempool (by object identity, as it keeps them). */
  const ids = new Map<Transaction, string>();
  const pending = new Set<string>();
  const listeners = new Set<(committed: CommittedBlock) => void>();

  // Reload the stored mempool in arrival order; drop what no longer passes.
  const stale: string[] = [];
  for (const entry of store.loadMempool()) {
    if (store.transactionHeight(entry.id) !== undefined || pending.has(entry.id)) {
      stale.push(entry.id);
      continue;
    }
    let result: TransactionResult;
    try {
      result = memory.submit(entry.tx);
    } catch (error) {
      logger.warn({ err: error, id: entry.id }, 'stored mempool transaction dropped at reload');
      stale.push(entry.id);
      continue;
    }
    if (result.accepted) {
      ids.set(entry.tx, entry.id);
      pending.add(entry.id);
    } else {
      logger.warn(
        { id: entry.id, type: entry.tx.type, reason: result.reason, detail: result.message },
        'stored mempool transaction no longer passes: dropped',
      );
      stale.push(entry.id);
    }
  }
  store.removeFromMempool(stale);
  logger.info(
    { chainId: genesis.chainId, height: memory.height, mempool: pending.size },
    blocks.length === 0 && stored === undefined ? 'new chain created' : 'chain loaded',
  );

  function idOf(tx: Transaction): string {
    return ids.get(tx) ?? transactionId(tx, crypto);
  }

  function submit(tx: Transaction): SubmitOutcome {
    const id = transactionId(tx, crypto);
    if (pending.has(id)) return { result: { id, accepted: true }, duplicate: true };
    const result = memory.submit(tx);
    if (!result.accepted) return { result, duplicate: false };
    // The memory mempool holds the very object it was given.
    store.addToMempool({ id, tx, receivedAt: clock.now() });
    ids.set(tx, id);
    pending.add(id);
    return { result: { id, accepted: true }, duplicate: false };
  }

  function produceBlock(): CommittedBlock {
    const before = [...memory.mempool];
    const produced = memory.produceBlock();
    const remaining = new Set(memory.mempool);
    const transactionIds = produced.block.transactions.map(idOf);
    const included = new Set(transactionIds);
    const consumed: string[] = [];
    const dropped: string[] = [];
    for (const tx of before) {
      if (remaining.has(tx)) continue;
      const id = idOf(tx);
      consumed.push(id);
      if (!included.has(id)) dropped.push(id);
    }
    try {
      store.commitBlock(produced.block, transactionIds, consumed);
    } catch (cause) {
      throw new LedgerStoreError(
        `block ${produced.block.height} could not be stored; the ledger must restart`,
        { cause },
      );
    }
    for (const tx of before) {
      if (remaining.has(tx)) continue;
      pending.delete(idOf(tx));
      ids.delete(tx);
    }
    for (const id of dropped) {
      logger.warn(
        { id, height: produced.block.height },
        'mempool transaction no longer passes: dropped',
      );
    }
    const committed: CommittedBlock = {
      block: produced.block,
      transactionIds,
      dropped,
      state: produced.state,
    };
    for (const listener of [...listeners]) {
      try {
        listener(committed);
      } catch (error) {
        logger.warn({ err: error }, 'a block listener threw');
      }
    }
    return committed;
  }

  function nextNonce(address: string): number {
    let nonce = walletInfo(memory.state, address).nonce;
    for (const tx of memory.mempool) {
      if (nonceOwner(tx, genesis.authority) === address && 'nonce' in tx) {
        nonce = Math.max(nonce, tx.nonce);
      }
    }
    return nonce + 1;
  }

  function requireAuthority(): Ed25519KeyPair {
    if (authority === undefined) {
      throw new ForbiddenError('this ledger does not hold the authority key');
    }
    return authority;
  }

  return {
    genesis,
    genesisHash,
    get state() {
      return memory.state;
    },
    get height() {
      return memory.height;
    },
    get mempoolSize() {
      return memory.mempool.length;
    },
    get mempool() {
      return memory.mempool;
    },
    authorityAddress: genesis.authority,
    hasAuthority: authority !== undefined,
    submit,
    produceBlock,
    getBlocks(from, limit) {
      return memory.blocks.slice(from, from + limit);
    },
    transactionStatus(id) {
      if (pending.has(id)) return { status: 'pending' };
      const height = store.transactionHeight(id);
      return height === undefined ? { status: 'unknown' } : { status: 'included', height };
    },
    nextNonce,
    faucet(to, amount) {
      const key = requireAuthority();
      const tx = createFaucet(
        { chainId: genesis.chainId, to, amount, nonce: nextNonce(genesis.authority) },
        key,
        crypto,
      );
      return submit(tx);
    },
    stateChange(node, change, reason) {
      const key = requireAuthority();
      const tx = createStateChange(
        { chainId: genesis.chainId, node, change, reason, nonce: nextNonce(genesis.authority) },
        key,
        crypto,
      );
      return submit(tx);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
