/**
 * Test harness: a chain in memory with named deterministic keys, a block producer and helpers
 * that sign each transaction type with the right key and nonce. Not part of the published
 * package (excluded from the build).
 */
import { type LoadCryptoOptions, loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, utf8Encode } from '@murmur/wire';
import { applyBlock } from '../apply.js';
import { createBlock, createGenesis } from '../block.js';
import { devnetParams, type RegistryParams } from '../params.js';
import { nextNonce } from '../queries.js';
import {
  createContribution,
  createFaucet,
  createRegistration,
  createStakingRequirementChange,
  createStateChange,
  createTransfer,
  createUnlockRequest,
  createUptimeProof,
} from '../transactions.js';
import type {
  Block,
  Ed25519KeyPair,
  GenesisConfig,
  RegistryState,
  Reservation,
  StateChange,
  Transaction,
  TransactionResult,
} from '../types.js';

/** One coin in the devnet set. */
export const COIN = 1_000_000_000n;

/** The crypto the tests use (native libsodium when available). */
export async function testCrypto(options: LoadCryptoOptions = {}): Promise<MurmurCrypto> {
  return loadCrypto(options);
}

/** Options of {@link TestChain}. */
export interface TestChainOptions {
  params?: Partial<RegistryParams>;
  chainId?: string;
  /** Genesis balances by key name. */
  allocations?: Record<string, bigint>;
  /** Genesis timestamp. */
  timestamp?: number;
}

/** A chain in memory for tests. */
export class TestChain {
  readonly crypto: MurmurCrypto;
  readonly chainId: string;
  readonly genesis: GenesisConfig;
  readonly blocks: Block[] = [];
  state: RegistryState;
  readonly #keys = new Map<string, Ed25519KeyPair>();

  constructor(crypto: MurmurCrypto, options: TestChainOptions = {}) {
    this.crypto = crypto;
    this.chainId = options.chainId ?? 'murmur-test';
    this.genesis = {
      chainId: this.chainId,
      params: { ...devnetParams, ...options.params },
      timestamp: options.timestamp ?? 1_700_000_000_000,
      authority: this.address('authority'),
      allocations: Object.entries(options.allocations ?? {}).map(([name, amount]) => ({
        address: this.address(name),
        amount,
      })),
    };
    const { block, state } = createGenesis(this.genesis, crypto);
    this.blocks.push(block);
    this.state = state;
  }

  /** The deterministic key pair called `name`. */
  key(name: string): Ed25519KeyPair {
    let pair = this.#keys.get(name);
    if (pair === undefined) {
      pair = this.crypto.ed25519KeyPairFromSeed(this.crypto.blake2b(utf8Encode(name), 32));
      this.#keys.set(name, pair);
    }
    return pair;
  }

  /** The hex public key (wallet address, node key) called `name`. */
  address(name: string): string {
    return bytesToHex(this.key(name).publicKey);
  }

  /** The next nonce of `name`'s wallet in the current state. */
  nonce(name: string): number {
    return nextNonce(this.state, this.address(name));
  }

  get height(): number {
    return this.state.height;
  }

  get timestamp(): number {
    return this.state.timestamp;
  }

  /** Timestamp of the next block (one block time later). */
  get nextTimestamp(): number {
    return this.state.timestamp + this.state.params.blockTimeMs;
  }

  /** Makes the next block with `transactions` (default: one block time later). */
  makeBlock(transactions: readonly Transaction[], timestamp = this.nextTimestamp): Block {
    return createBlock(
      { height: this.height + 1, previousHash: this.state.hash, timestamp, transactions },
      this.crypto,
    );
  }

  /** Produces and applies the next block; returns its results. */
  block(transactions: readonly Transaction[] = [], timestamp?: number): TransactionResult[] {
    const block = this.makeBlock(transactions, timestamp);
    const { state, results } = applyBlock(this.state, block, this.crypto);
    this.blocks.push(block);
    this.state = state;
    return results;
  }

  /** Produces `count` empty blocks. */
  advance(count: number): void {
    for (let i = 0; i < count; i++) this.block();
  }

  /** The one result of a block carrying only `tx`. */
  submit(tx: Transaction): TransactionResult {
    const [result] = this.block([tx]);
    if (result === undefined) throw new Error('no result');
    return result;
  }

  transfer(from: string, to: string, amount: bigint, nonce = this.nonce(from)): Transaction {
    return createTransfer(
      { chainId: this.chainId, to: this.address(to), amount, nonce },
      this.key(from),
      this.crypto,
    );
  }

  faucet(to: string, amount: bigint, nonce = this.nonce('authority')): Transaction {
    return createFaucet(
      { chainId: this.chainId, to: this.address(to), amount, nonce },
      this.key('authority'),
      this.crypto,
    );
  }

  register(
    node: string,
    operator: string,
    operatorStake: bigint,
    options: { fee?: number; reserved?: Record<string, bigint>; nonce?: number } = {},
  ): Transaction {
    const reserved: Reservation[] = Object.entries(options.reserved ?? {}).map(
      ([name, amount]) => ({ address: this.address(name), amount }),
    );
    return createRegistration(
      {
        chainId: this.chainId,
        feeBasisPoints: options.fee ?? 0,
        operatorStake,
        reserved,
        nonce: options.nonce ?? this.nonce(operator),
      },
      { node: this.key(node), operator: this.key(operator) },
      this.crypto,
    );
  }

  contribute(node: string, contributor: string, amount: bigint, nonce?: number): Transaction {
    return createContribution(
      {
        chainId: this.chainId,
        node: this.address(node),
        amount,
        nonce: nonce ?? this.nonce(contributor),
      },
      this.key(contributor),
      this.crypto,
    );
  }

  unlock(node: string, contributor: string, nonce?: number): Transaction {
    return createUnlockRequest(
      { chainId: this.chainId, node: this.address(node), nonce: nonce ?? this.nonce(contributor) },
      this.key(contributor),
      this.crypto,
    );
  }

  proof(
    node: string,
    options: { timestamp?: number; ip?: string; storagePort?: number; relayPort?: number } = {},
  ): Transaction {
    return createUptimeProof(
      {
        chainId: this.chainId,
        ip: options.ip ?? '127.0.0.1',
        storagePort: options.storagePort ?? 22_021,
        relayPort: options.relayPort ?? 22_022,
        version: [1, 2, 3],
        timestamp: options.timestamp ?? this.nextTimestamp,
      },
      this.key(node),
      this.crypto,
    );
  }

  /** The authority changes the staking requirement (operator minimum: a quarter, rounded up). */
  requirement(stakingRequirement: bigint, nonce?: number, minOperatorStake?: bigint): Transaction {
    return createStakingRequirementChange(
      {
        chainId: this.chainId,
        stakingRequirement,
        minOperatorStake,
        nonce: nonce ?? this.nonce('authority'),
      },
      this.key('authority'),
      this.crypto,
    );
  }

  stateChange(node: string, change: StateChange, reason = '', nonce?: number): Transaction {
    return createStateChange(
      {
        chainId: this.chainId,
        node: this.address(node),
        change,
        reason,
        nonce: nonce ?? this.nonce('authority'),
      },
      this.key('authority'),
      this.crypto,
    );
  }
}
