/**
 * Blocks: the canonical header hash, block creation, and the genesis block and state.
 *
 * Block hash: hex BLAKE2b-256 of the UTF-8 of `"murmur-ledger-block-v1\n" +
 * canonicalJson({height, previousHash, timestamp, transactions: [transaction IDs]})`.
 * The genesis block (height 0, no transactions) has as `previousHash` the hash of the genesis
 * configuration (`"murmur-ledger-genesis-v1\n" + canonicalJson(encodeGenesis(config))`), so its
 * hash, and every later one, commits to the chain's rules and allocations.
 */
import { bytesToHex, InvalidInputError, utf8Encode } from '@murmur/wire';
import { BLOCK_DOMAIN, canonicalJson, GENESIS_DOMAIN } from './canonical.js';
import { decodeGenesis, encodeGenesis } from './codec.js';
import { PersistentMap } from './persistent-map.js';
import { transactionId } from './transactions.js';
import type {
  Block,
  GenesisConfig,
  NodeEvent,
  RegistryCrypto,
  RegistryState,
  ServiceNodeState,
  Transaction,
  WalletState,
} from './types.js';

/** The fields a block's hash covers. */
export interface BlockHeader {
  height: number;
  previousHash: string;
  timestamp: number;
  /** Transaction IDs, in block order. */
  transactionIds: readonly string[];
}

/** The hash of a block header (see the module description for the exact bytes). */
export function blockHash(header: BlockHeader, crypto: Pick<RegistryCrypto, 'blake2b'>): string {
  const body = canonicalJson({
    height: header.height,
    previousHash: header.previousHash,
    timestamp: header.timestamp,
    transactions: header.transactionIds,
  });
  return bytesToHex(crypto.blake2b(utf8Encode(`${BLOCK_DOMAIN}${body}`), 32));
}

/** Input of {@link createBlock}. */
export interface CreateBlockInput {
  height: number;
  previousHash: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  transactions: readonly Transaction[];
}

function checkHeader(input: CreateBlockInput): void {
  if (!Number.isSafeInteger(input.height) || input.height < 0) {
    throw new InvalidInputError('height must be an integer ≥ 0', { details: { field: 'height' } });
  }
  if (typeof input.previousHash !== 'string' || !/^[0-9a-f]{64}$/.test(input.previousHash)) {
    throw new InvalidInputError('previousHash must be 64 lower-case hex characters', {
      details: { field: 'previousHash' },
    });
  }
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) {
    throw new InvalidInputError('timestamp must be an integer ≥ 0 (milliseconds)', {
      details: { field: 'timestamp' },
    });
  }
  if (!Array.isArray(input.transactions)) {
    throw new InvalidInputError('transactions must be an array', {
      details: { field: 'transactions' },
    });
  }
}

/** A block with its hash computed. Transactions are not checked against any state here. */
export function createBlock(
  input: CreateBlockInput,
  crypto: Pick<RegistryCrypto, 'blake2b'>,
): Block {
  checkHeader(input);
  const transactions = Object.freeze([...input.transactions]);
  const hash = blockHash(
    {
      height: input.height,
      previousHash: input.previousHash,
      timestamp: input.timestamp,
      transactionIds: transactions.map((tx) => transactionId(tx, crypto)),
    },
    crypto,
  );
  return Object.freeze({
    height: input.height,
    previousHash: input.previousHash,
    timestamp: input.timestamp,
    transactions,
    hash,
  });
}

/** The hash of a genesis configuration: what the genesis block's `previousHash` holds. */
export function genesisConfigHash(
  config: GenesisConfig,
  crypto: Pick<RegistryCrypto, 'blake2b'>,
): string {
  const body = canonicalJson(encodeGenesis(config) as never);
  return bytesToHex(crypto.blake2b(utf8Encode(`${GENESIS_DOMAIN}${body}`), 32));
}

/**
 * The genesis block and the state it defines. The configuration is checked first (schema,
 * parameters, no duplicate allocation): a bad one throws {@link InvalidInputError}.
 */
export function createGenesis(
  config: GenesisConfig,
  crypto: Pick<RegistryCrypto, 'blake2b'>,
): { block: Block; state: RegistryState } {
  // A round trip through the JSON form validates every field with the schemas.
  const checked = decodeGenesis(encodeGenesis(config));
  const walletsDraft = PersistentMap.empty<WalletState>().draft();
  let allocated = 0n;
  for (const [index, allocation] of (checked.allocations ?? []).entries()) {
    if (walletsDraft.has(allocation.address)) {
      throw new InvalidInputError(`allocation ${index} repeats address ${allocation.address}`, {
        details: { field: `allocations/${index}/address` },
      });
    }
    walletsDraft.set(
      allocation.address,
      Object.freeze({ balance: allocation.amount, nonce: 0, locked: 0n, lockedEntries: [] }),
    );
    allocated += allocation.amount;
  }
  const block = createBlock(
    {
      height: 0,
      previousHash: genesisConfigHash(checked, crypto),
      timestamp: checked.timestamp,
      transactions: [],
    },
    crypto,
  );
  const state: RegistryState = Object.freeze({
    chainId: checked.chainId,
    params: checked.params,
    authority: checked.authority,
    genesisHash: block.hash,
    height: 0,
    hash: block.hash,
    timestamp: checked.timestamp,
    wallets: walletsDraft.commit(),
    nodes: PersistentMap.empty<ServiceNodeState>(),
    history: PersistentMap.empty<readonly NodeEvent[]>(),
    swarmAssignment: new Map<string, bigint>(),
    pendingReleases: Object.freeze([]),
    supply: Object.freeze({ allocated, faucet: 0n, rewards: 0n }),
  });
  return { block, state };
}
