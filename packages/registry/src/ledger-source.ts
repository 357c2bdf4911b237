/**
 * Where blocks come from. The registry's rules do not depend on the ledger: the devnet's block
 * producer ({@link httpLedgerSource}), an in-process ledger ({@link createMemoryLedger}) or,
 * later, an EVM chain adapter all implement this interface.
 */
import type { AbortOptions } from '@murmur/wire';
import type { Block, GenesisConfig, Transaction, TransactionResult } from './types.js';

/** Options of {@link LedgerSource.getBlocks}. */
export interface GetBlocksOptions extends AbortOptions {
  /** Most blocks to return (a source may return fewer; never more than 1,000). */
  limit?: number | undefined;
}

/** A ledger the registry can follow. */
export interface LedgerSource {
  /**
   * The source derives its blocks itself from a chain that already authenticated every action
   * (the EVM ledger source): their transactions carry no signatures, and a follower applies
   * them without signature checks (every other rule still runs). Absent or false: blocks come
   * from a ledger and every signature is checked.
   */
  readonly derivesBlocks?: boolean | undefined;
  /** The chain's genesis configuration. */
  getGenesis(options?: AbortOptions): Promise<GenesisConfig>;
  /**
   * Blocks from `fromHeight` on, in order (height 0 is the genesis block). An empty array means
   * the source has no block at that height yet.
   */
  getBlocks(fromHeight: number, options?: GetBlocksOptions): Promise<Block[]>;
  /**
   * Calls `listener` with each new block as the ledger produces it, in order as far as the
   * source knows (a follower still checks heights: a feed may drop or repeat blocks across
   * reconnects). `onError` hears about feed trouble. Returns the unsubscribe function.
   */
  subscribe(listener: (block: Block) => void, onError?: (error: unknown) => void): () => void;
  /** Submits a transaction; resolves with the ledger's verdict (refusals are not errors). */
  submitTransaction(tx: Transaction, options?: AbortOptions): Promise<TransactionResult>;
}
