/**
 * Test fixtures: a real SQLite ledger in a temporary directory, named deterministic keys, and
 * transaction builders that take the right nonce. Not part of the build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import {
  ATOMIC_UNITS_PER_COIN,
  createContribution,
  createRegistration,
  createTransfer,
  createUnlockRequest,
  createUptimeProof,
  type Ed25519KeyPair,
  type RegistryParams,
  type Reservation,
  resolveParams,
  type Transaction,
} from '@murmur/registry';
import { bytesToHex, type Clock, utf8Encode } from '@murmur/wire';
import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { createGenesisConfig } from '../ledger/genesis.js';
import { type DevnetLedger, openDevnetLedger } from '../ledger/ledger.js';
import { createLedgerMetrics, type LedgerMetrics } from '../ledger/metrics.js';
import { createLedgerApp } from '../ledger/server.js';
import { type LedgerStore, openLedgerStore } from '../ledger/store.js';

/** One coin in atomic units. */
export const COIN = ATOMIC_UNITS_PER_COIN;

let cryptoPromise: Promise<MurmurCrypto> | undefined;

/** The crypto every test uses (loaded once per worker). */
export function testCrypto(): Promise<MurmurCrypto> {
  cryptoPromise ??= loadCrypto();
  return cryptoPromise;
}

/** A new temporary directory; `cleanup` removes it. */
export function tempDir(prefix = 'murmur-devnet-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(public time = 1_800_000_000_000) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** Deterministic key pairs by name. */
export class Keys {
  readonly #pairs = new Map<string, Ed25519KeyPair>();
  constructor(readonly crypto: MurmurCrypto) {}
  pair(name: string): Ed25519KeyPair {
    let pair = this.#pairs.get(name);
    if (pair === undefined) {
      pair = this.crypto.ed25519KeyPairFromSeed(
        this.crypto.blake2b(utf8Encode(`murmur-devnet-test:${name}`), 32),
      );
      this.#pairs.set(name, pair);
    }
    return pair;
  }
  address(name: string): string {
    return bytesToHex(this.pair(name).publicKey);
  }
}

/** Options of {@link openTestLedger}. */
export interface TestLedgerOptions {
  params?: Partial<RegistryParams>;
  base?: 'devnet' | 'oxen';
  clock?: Clock;
  maxMempoolSize?: number;
  /** Reuse a directory (to test restarts). */
  dir?: string;
  allocations?: Record<string, bigint>;
}

/** A ledger on a temporary SQLite database, with its app, keys and helpers. */
export class TestLedger {
  readonly keys: Keys;
  readonly chainId: string;
  constructor(
    readonly crypto: MurmurCrypto,
    readonly dir: string,
    readonly store: LedgerStore,
    readonly ledger: DevnetLedger,
    readonly authority: Ed25519KeyPair,
    readonly metrics: LedgerMetrics,
    readonly ownsDir: boolean,
  ) {
    this.keys = new Keys(crypto);
    this.chainId = ledger.genesis.chainId;
  }

  #app: FastifyInstance | undefined;

  /** The fastify app over this ledger (built once). */
  async app(): Promise<FastifyInstance> {
    this.#app ??= await createLedgerApp({}, { ledger: this.ledger, metrics: this.metrics });
    return this.#app;
  }

  address(name: string): string {
    return this.keys.address(name);
  }

  nonce(name: string): number {
    return this.ledger.nextNonce(this.address(name));
  }

  transfer(from: string, to: string, amount: bigint, nonce = this.nonce(from)): Transaction {
    return createTransfer(
      { chainId: this.chainId, to: this.address(to), amount, nonce },
      this.keys.pair(from),
      this.crypto,
    );
  }

  register(
    node: string,
    operator: string,
    stake: bigint,
    options: { fee?: number; reserved?: Reservation[]; nonce?: number } = {},
  ): Transaction {
    return createRegistration(
      {
        chainId: this.chainId,
        feeBasisPoints: options.fee ?? 0,
        operatorStake: stake,
        reserved: options.reserved,
        nonce: options.nonce ?? this.nonce(operator),
      },
      { node: this.keys.pair(node), operator: this.keys.pair(operator) },
      this.crypto,
    );
  }

  contribute(node: string, contributor: string, amount: bigint, nonce = this.nonce(contributor)) {
    return createContribution(
      { chainId: this.chainId, node: this.address(node), amount, nonce },
      this.keys.pair(contributor),
      this.crypto,
    );
  }

  unlock(node: string, contributor: string, nonce = this.nonce(contributor)) {
    return createUnlockRequest(
      { chainId: this.chainId, node: this.address(node), nonce },
      this.keys.pair(contributor),
      this.crypto,
    );
  }

  proof(node: string, timestamp: number, ports = { storagePort: 22_021, relayPort: 22_022 }) {
    return createUptimeProof(
      {
        chainId: this.chainId,
        ip: '127.0.0.1',
        ...ports,
        version: [1, 0, 0],
        timestamp,
      },
      this.keys.pair(node),
      this.crypto,
    );
  }

  /** Submits and expects acceptance (returns the ID). */
  accept(tx: Transaction): string {
    const { result } = this.ledger.submit(tx);
    if (!result.accepted) throw new Error(`refused: ${result.reason}: ${result.message}`);
    return result.id;
  }

  /** Mints coins for named wallets through the ledger's faucet. */
  fund(amounts: Record<string, bigint>): void {
    for (const [name, amount] of Object.entries(amounts)) {
      const { result } = this.ledger.faucet(this.address(name), amount);
      if (!result.accepted) throw new Error(`faucet refused: ${result.reason}`);
    }
  }

  async close(): Promise<void> {
    await this.#app?.close();
    this.store.close();
  }

  async dispose(): Promise<void> {
    await this.close();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Opens a ledger on a fresh (or given) directory with a new chain (or the stored one). */
export async function openTestLedger(options: TestLedgerOptions = {}): Promise<TestLedger> {
  const crypto = await testCrypto();
  const dir = options.dir ?? tempDir().dir;
  const store = openLedgerStore({ path: join(dir, 'ledger.sqlite') });
  const authority = crypto.ed25519KeyPairFromSeed(
    crypto.blake2b(utf8Encode('murmur-devnet-test:authority'), 32),
  );
  const keys = new Keys(crypto);
  const params = resolveParams(options.base ?? 'devnet', options.params ?? {});
  const clock = options.clock;
  const genesis = createGenesisConfig(
    {
      params,
      authority: bytesToHex(authority.publicKey),
      chainId: 'murmur-devnet-test',
      timestamp: clock?.now(),
      allocations: Object.entries(options.allocations ?? {}).map(([name, amount]) => ({
        address: keys.address(name),
        amount,
      })),
    },
    { crypto },
  );
  const ledger = openDevnetLedger(
    { store, genesis, authority, maxMempoolSize: options.maxMempoolSize },
    { crypto, clock },
  );
  return new TestLedger(
    crypto,
    dir,
    store,
    ledger,
    authority,
    createLedgerMetrics(),
    options.dir === undefined,
  );
}

/**
 * `openTestLedger` for a test file: every ledger a test opens is disposed of after it. Call at
 * the top of the file.
 */
export function testLedgers(): (options?: TestLedgerOptions) => Promise<TestLedger> {
  const open: TestLedger[] = [];
  afterEach(async () => {
    for (const ledger of open.splice(0)) await ledger.dispose();
  });
  return async (options = {}) => {
    const ledger = await openTestLedger(options);
    open.push(ledger);
    return ledger;
  };
}
