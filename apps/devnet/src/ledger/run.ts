/**
 * One ledger process: the directory (database and authority key), the chain (created on the
 * first start of an empty directory, else resumed at its last height), the HTTP API, the feed
 * and the block producer, and an orderly shutdown.
 *
 * Directory layout (`--dir`):
 *
 * | file | what |
 * |---|---|
 * | `ledger.sqlite` (+ `-wal`) | genesis, blocks, transaction index, mempool (see `store.ts`) |
 * | `authority.json` | the authority's Ed25519 seed, mode 0600 (signs faucet and state changes) |
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MurmurCrypto } from '@murmur/crypto';
import {
  type Allocation,
  type Ed25519KeyPair,
  encodeParams,
  type GenesisConfig,
} from '@murmur/registry';
import { bytesToHex, type Logger, silentLogger } from '@murmur/wire';
import { ConfigError } from '@murmur/wire/program';
import type { FastifyInstance } from 'fastify';

import { attachFeed, type Feed } from './feed.js';
import {
  authorityFilePath,
  createAuthorityFile,
  createGenesisConfig,
  loadAuthorityFile,
  type ParamsOptions,
  resolveLedgerParams,
} from './genesis.js';
import { type DevnetLedger, openDevnetLedger } from './ledger.js';
import { createLedgerMetrics, type LedgerMetrics } from './metrics.js';
import { type BlockProducer, createBlockProducer } from './producer.js';
import { createResumeHold, DEFAULT_RESUME_GRACE_MS } from './resume-hold.js';
import { createLedgerApp } from './server.js';
import { type LedgerStore, openLedgerStore } from './store.js';

/** The ledger's default TCP port. */
export const DEFAULT_LEDGER_PORT = 7070;
/** The ledger's default address: loopback only. */
export const DEFAULT_LEDGER_HOST = '127.0.0.1';
/** The ledger's default URL (its default address and port), where the wallet looks first. */
export const DEFAULT_LEDGER_URL = `http://${DEFAULT_LEDGER_HOST}:${DEFAULT_LEDGER_PORT}`;
/** The database file inside the ledger directory. */
export const LEDGER_DATABASE_FILE = 'ledger.sqlite';

/** Options of {@link startLedger}. */
export interface StartLedgerInit {
  /** The ledger directory (created if missing). */
  dir: string;
  /** Listening address (default 127.0.0.1). */
  host?: string | undefined;
  /** Listening port (default 7070; 0 picks a free one). */
  port?: number | undefined;
  /** Parameter set for a new chain: `devnet` (default), `oxen` or a JSON file of overrides. */
  params?: string | undefined;
  /**
   * Block time for a new chain, ms (overrides the parameter set's; the devnet set's
   * block-counted durations are scaled to it, see `resolveLedgerParams`).
   */
  blockTimeMs?: number | undefined;
  /** Scale the devnet set's block-counted durations to the block time (default true). */
  scaleParams?: boolean | undefined;
  /** Chain ID for a new chain (default `murmur-devnet-<random>`). */
  chainId?: string | undefined;
  /** Genesis balances for a new chain. */
  allocations?: readonly Allocation[] | undefined;
  /** Most transactions waiting in the mempool (default 10,000). */
  maxMempoolSize?: number | undefined;
  /** Feed heartbeat, ms (default 30 s). */
  feedHeartbeatMs?: number | undefined;
  /**
   * Longest hold of block production when a chain with active nodes resumes after a long stop,
   * ms (default {@link DEFAULT_RESUME_GRACE_MS}; 0: none). See resume-hold.ts.
   */
  resumeGraceMs?: number | undefined;
}

/** Components of {@link startLedger}. */
export interface StartLedgerComponents {
  crypto: MurmurCrypto;
  logger?: Logger | undefined;
  /** Called once if block production fails (the process must stop). */
  onFatal?: ((error: unknown) => void) | undefined;
}

/** A running ledger. */
export interface RunningLedger {
  /** Base URL, e.g. `http://127.0.0.1:7070`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  readonly ledger: DevnetLedger;
  readonly app: FastifyInstance;
  readonly metrics: LedgerMetrics;
  /** Whether this start created the chain. */
  readonly created: boolean;
  /** Stops producing, closes the feed (1001), the HTTP server and the database. Idempotent. */
  close(): Promise<void>;
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function paramsOptions(init: StartLedgerInit): ParamsOptions {
  return { params: init.params, blockTimeMs: init.blockTimeMs, scaleParams: init.scaleParams };
}

function prepareChain(
  init: StartLedgerInit,
  store: LedgerStore,
  crypto: MurmurCrypto,
  logger: Logger,
): { genesis: GenesisConfig | undefined; authority: Ed25519KeyPair | undefined } {
  const stored = store.loadGenesis();
  if (stored === undefined) {
    const params = resolveLedgerParams(paramsOptions(init));
    // A key left by an earlier start that died before its genesis was stored is reused.
    const authority = existsSync(authorityFilePath(init.dir))
      ? loadAuthorityFile(crypto, init.dir)
      : createAuthorityFile(crypto, init.dir);
    const genesis = createGenesisConfig(
      {
        params,
        authority: bytesToHex(authority.publicKey),
        chainId: init.chainId,
        allocations: init.allocations,
      },
      { crypto },
    );
    return { genesis, authority };
  }
  if (init.params !== undefined || init.blockTimeMs !== undefined || init.chainId !== undefined) {
    const wanted =
      init.params !== undefined || init.blockTimeMs !== undefined
        ? encodeParams(resolveLedgerParams(paramsOptions(init)))
        : undefined;
    const current = encodeParams(stored.config.params);
    if (
      (wanted !== undefined && JSON.stringify(wanted) !== JSON.stringify(current)) ||
      (init.chainId !== undefined && init.chainId !== stored.config.chainId)
    ) {
      logger.warn(
        { dir: init.dir },
        'the chain already exists: its parameters and chain ID are fixed at genesis, so --params, --block-time-ms, --no-scale-params and --chain-id are ignored',
      );
    }
  }
  let authority: Ed25519KeyPair | undefined;
  if (existsSync(authorityFilePath(init.dir))) {
    authority = loadAuthorityFile(crypto, init.dir);
  } else {
    logger.warn(
      { file: authorityFilePath(init.dir) },
      'no authority key: the faucet and state-change routes will refuse every request',
    );
  }
  return { genesis: undefined, authority };
}

/**
 * Starts a ledger on `init.dir`: creates the chain on an empty directory or resumes the stored
 * one at its last height (mempool included), listens, attaches the feed and starts producing.
 *
 * @throws {@link ConfigError} when the port is in use or an option is invalid;
 * `LedgerStoreError` when the directory is used by another ledger or damaged;
 * `KeyFileError` for a bad authority file.
 */
export async function startLedger(
  init: StartLedgerInit,
  components: StartLedgerComponents,
): Promise<RunningLedger> {
  const { crypto } = components;
  const logger = components.logger ?? silentLogger();
  const host = init.host ?? DEFAULT_LEDGER_HOST;
  const port = init.port ?? DEFAULT_LEDGER_PORT;
  mkdirSync(init.dir, { recursive: true, mode: 0o700 });
  const store = openLedgerStore({ path: join(init.dir, LEDGER_DATABASE_FILE) });
  let app: FastifyInstance | undefined;
  let feed: Feed | undefined;
  let producer: BlockProducer | undefined;
  let closed: Promise<void> | undefined;

  async function close(): Promise<void> {
    closed ??= (async () => {
      producer?.stop();
      try {
        await feed?.close();
      } catch (error) {
        logger.warn({ err: error }, 'closing the feed failed');
      }
      try {
        await app?.close();
      } catch (error) {
        logger.warn({ err: error }, 'closing the HTTP server failed');
      }
      store.close();
    })();
    return closed;
  }

  try {
    const { genesis, authority } = prepareChain(init, store, crypto, logger);
    const created = genesis !== undefined;
    const ledger = openDevnetLedger(
      { store, genesis, authority, maxMempoolSize: init.maxMempoolSize },
      { crypto, logger: logger.child({ component: 'ledger' }) },
    );
    const metrics = createLedgerMetrics();
    metrics.update({ height: ledger.height, mempoolSize: ledger.mempoolSize });
    app = await createLedgerApp({}, { ledger, metrics, logger });
    try {
      await app.listen({ host, port });
    } catch (cause) {
      const code = (cause as { code?: unknown }).code;
      if (code === 'EADDRINUSE') {
        throw new ConfigError(
          `port ${port} on ${host} is already in use (another ledger? pick another with --port, or --port 0 for a free one)`,
          { cause },
        );
      }
      if (code === 'EADDRNOTAVAIL' || code === 'EACCES') {
        throw new ConfigError(`cannot listen on ${host}:${port} (${String(code)})`, { cause });
      }
      throw cause;
    }
    const address = app.server.address();
    const boundPort = typeof address === 'object' && address !== null ? address.port : port;
    if (host !== DEFAULT_LEDGER_HOST && host !== 'localhost' && host !== '::1') {
      logger.warn(
        { host },
        'the ledger API has no authentication; the faucet and state-change routes still answer loopback only',
      );
    }
    feed = attachFeed(
      { heartbeatMs: init.feedHeartbeatMs },
      {
        server: app.server,
        ledger,
        logger,
        onClients: (count) => metrics.feedClients(count),
      },
    );
    const hold = created
      ? undefined
      : createResumeHold(
          { graceMs: init.resumeGraceMs ?? DEFAULT_RESUME_GRACE_MS },
          { ledger, logger: logger.child({ component: 'producer' }) },
        );
    producer = createBlockProducer(
      { blockTimeMs: ledger.genesis.params.blockTimeMs },
      {
        ledger,
        holdWhile: hold,
        logger: logger.child({ component: 'producer' }),
        onBlock: (committed, duration) => {
          metrics.blockProduced(
            committed.block.height,
            committed.block.transactions.length,
            duration,
          );
          metrics.update({ height: ledger.height, mempoolSize: ledger.mempoolSize });
        },
        onFatal: (error) => components.onFatal?.(error),
      },
    );
    producer.start();
    const url = urlOf(host, boundPort);
    logger.info(
      {
        url,
        chainId: ledger.genesis.chainId,
        height: ledger.height,
        params: ledger.genesis.params.name,
        blockTimeMs: ledger.genesis.params.blockTimeMs,
        unlockBlocks: ledger.genesis.params.unlockBlocks,
        decommissionCreditInitialBlocks: ledger.genesis.params.decommissionCreditInitialBlocks,
        mempool: ledger.mempoolSize,
      },
      created ? 'ledger started on a new chain' : 'ledger resumed',
    );
    const running: RunningLedger = {
      url,
      port: boundPort,
      ledger,
      app,
      metrics,
      created,
      close,
    };
    return running;
  } catch (error) {
    await close();
    throw error;
  }
}
