/**
 * The public shapes of a testnet: its options, its nodes and the JSON description a launcher
 * writes out (`devnet.json`).
 */
import type { KeyPair } from '@murmur/crypto';
import type { StateChange, Transaction, TransactionResult } from '@murmur/registry';
import type { JsonServiceNode, StateResponse } from '@murmur/registry/ledger-http';
import type { AbortOptions, SeedResponse } from '@murmur/wire';
import type { TestnetPrograms } from './cli-paths.js';
import type { TestnetProgress, TestnetTimings } from './progress.js';

/** Options of {@link startTestnet}. */
export interface TestnetOptions {
  /** Root folder: `ledger/`, `nodes/node-01/`, `wallets/`, `logs/` live under it. */
  dir: string;
  /** Number of service nodes (0 or more). On resume, the recorded nodes are all started, and more are added up to this number. */
  nodes: number;
  /** The ledger's address, and every node's unless {@link distinctAddresses} (default 127.0.0.1). */
  host?: string | undefined;
  /**
   * Give each node its own loopback /24 (`127.0.1.1`, `127.0.2.1`, …) so that onion paths, which
   * take at most one node per /24, can be built on one machine. Default: on Linux with the
   * default host.
   */
  distinctAddresses?: boolean | undefined;
  /** 0 (default): free ports; else the ledger on `basePort`, node i's storage on `basePort + 1 + 2(i − 1)`, its relay on the next. */
  basePort?: number | undefined;
  /** Block time of a new chain, ms (default the devnet parameters' 1000). */
  blockTimeMs?: number | undefined;
  /**
   * Scale the block-counted devnet delays (unlock, decommission credit) to the block time, so
   * that they last as long in seconds as with 1 s blocks (default true). The ledger does it
   * (`murmur-devnet ledger --block-time-ms`); `false` starts it with `--no-scale-params`.
   */
  scaleParams?: boolean | undefined;
  /**
   * More parameter overrides for a new chain, in their JSON form (`{"uptimeProofValidityMs": 20000}`),
   * on the devnet set; block counts given here are taken as written.
   */
  ledgerParams?: Readonly<Record<string, unknown>> | undefined;
  /** Every k-th node is pooled: operator 25–50 %, 2–3 contributor wallets (default 3; 0 = none). */
  pooledEvery?: number | undefined;
  /** Delete `dir` first (refused while processes recorded there still run). Else resume what is there. */
  fresh?: boolean | undefined;
  /** Extra flags of every `murmur-node start`. */
  nodeArgs?: readonly string[] | undefined;
  /** Extra flags of `murmur-devnet ledger`. */
  ledgerArgs?: readonly string[] | undefined;
  /**
   * The ledger (a new testnet only; a resumed one keeps its own): `devnet` (default), the
   * devnet ledger process; `evm`, anvil from npm with Murmur's staking contract, the nodes
   * staked through it and following it (`--chain`). With `evm`, `ledgerArgs` are anvil's flags.
   */
  ledger?: 'devnet' | 'evm' | undefined;
  /** Extra environment of every process (added to this process's environment, without NODE_OPTIONS). */
  env?: Readonly<Record<string, string>> | undefined;
  /** Log level of the ledger and the nodes (default info). */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' | undefined;
  /** How long each start-up wait may take, ms (default 60 s). */
  readyTimeoutMs?: number | undefined;
  /** How long a stopped process may take after SIGTERM before SIGKILL, ms (default 10 s). */
  stopTimeoutMs?: number | undefined;
  /** Start-up progress for a UI. */
  onProgress?: ((event: TestnetProgress) => void) | undefined;
  /**
   * Stop the network if this process dies without stopping it (default true): a small guard
   * process watches this one and stops everything recorded in `pids.json` (see reaper.ts).
   * {@link Testnet.detach} turns it off.
   */
  stopWithParent?: boolean | undefined;
  /** Aborts the start (everything already started is stopped). */
  signal?: AbortSignal | undefined;
  /** The programs to run (the built `murmur-devnet` and `murmur-node`): always given. */
  programs: TestnetPrograms;
}

/** Options of {@link openTestnet}. */
export interface OpenTestnetOptions {
  dir: string;
  env?: Readonly<Record<string, string>> | undefined;
  readyTimeoutMs?: number | undefined;
  stopTimeoutMs?: number | undefined;
  /** The programs to run (the built `murmur-devnet` and `murmur-node`): always given. */
  programs: TestnetPrograms;
}

/** A process of the testnet (the ledger or a node), as it is now. */
export interface TestnetProcessInfo {
  /** `ledger` or `node-01`, … */
  readonly name: string;
  /** Its log file (appended across restarts). */
  readonly logFile: string;
  /** Its pid (also its process group ID) while it runs; `undefined` when stopped. */
  readonly pid: number | undefined;
  /** Whether it runs. */
  readonly running: boolean;
}

/** The ledger. */
export interface TestnetLedger extends TestnetProcessInfo {
  readonly host: string;
  readonly port: number;
  /** Base URL (`http://127.0.0.1:7070`). */
  readonly url: string;
  /** Its data directory. */
  readonly dir: string;
}

/** A service node. Live: `pid` and `running` follow kills and restarts. */
export interface TestnetNode extends TestnetProcessInfo {
  /** 1-based position. */
  readonly index: number;
  /** Ed25519 public key (hex): the node's identity on the network. */
  readonly ed25519: string;
  /** X25519 public key (hex): its onion key. */
  readonly x25519: string;
  /** The address it listens on and announces. */
  readonly host: string;
  readonly storagePort: number;
  readonly relayPort: number;
  /** `https://host:storagePort` (the node speaks HTTPS with a self-signed certificate). */
  readonly url: string;
  /** Its murmur-node data directory. */
  readonly dataDir: string;
  /** Whether its stake is pooled. */
  readonly pooled: boolean;
  /** Its operator's wallet address. */
  readonly operator: string | undefined;
  /** Its relay (`<name>/relay`), when the testnet runs relays. */
  readonly relay: TestnetRelay | undefined;
}

/** A node's relay process (`murmur-relay`). */
export interface TestnetRelay extends TestnetProcessInfo {
  /** `ws://host:relayPort/`: what clients dial. */
  readonly url: string;
  /** `http://host:relayPort` (`/health`, `/metrics`). */
  readonly httpUrl: string;
}

/** The JSON-safe description of a testnet (what the devnet writes as `devnet.json`). */
export interface TestnetDescription {
  version: 1;
  dir: string;
  chainId: string;
  blockTimeMs: number;
  ledgerUrl: string;
  /** The seed endpoint: `<ledgerUrl>/json_rpc`. */
  seedUrl: string;
  /** WebSocket feed of blocks: `ws://…/feed`. */
  feedUrl: string;
  logsDir: string;
  pidsFile: string;
  manifestFile: string;
  ledger: {
    host: string;
    port: number;
    url: string;
    dir: string;
    logFile: string;
    pid?: number;
    running: boolean;
  };
  nodes: {
    name: string;
    index: number;
    ed25519: string;
    x25519: string;
    host: string;
    storagePort: number;
    relayPort: number;
    url: string;
    dataDir: string;
    logFile: string;
    pid?: number;
    running: boolean;
    pooled: boolean;
    operator?: string;
    operatorWallet: string;
    /** Its relay, when the testnet runs relays. */
    relay?: {
      name: string;
      url: string;
      logFile: string;
      pid?: number;
      running: boolean;
    };
  }[];
}

/** Options of the waits. */
export interface WaitOptions extends AbortOptions {
  /** Default: the testnet's `readyTimeoutMs`. */
  timeoutMs?: number | undefined;
}

/** Options of {@link Testnet.addNode}. */
export interface AddNodeOptions extends AbortOptions {
  /** Pool its stake (default: as `pooledEvery` decides for its index). */
  pooled?: boolean | undefined;
  /** Wait until it is active with a swarm and healthy (default true). */
  wait?: boolean | undefined;
}

/** Options of {@link Testnet.startNode}. */
export interface StartNodeOptions extends AbortOptions {
  /** Wait until it is ready (`/health` for a node, the ready line for the ledger; default true). */
  wait?: boolean | undefined;
}

/** A node's `/health` answer. */
export interface NodeHealth {
  /** 200 and `status: "ready"`. */
  ready: boolean;
  /** The HTTP status; `undefined` when the node could not be reached. */
  httpStatus: number | undefined;
  /** The JSON body (`{status, reason?, height?, swarm?, swarmMembers?, node, version, storedMessages}`). */
  body: unknown;
}

/** A wallet made by {@link Testnet.createWallet}. */
export interface CreatedWallet {
  address: string;
  keyPair: KeyPair;
  /** Its wallet file (mode 0600, murmur-devnet's format). */
  file: string;
}

/** A running local network. */
export interface Testnet {
  readonly dir: string;
  readonly ledgerUrl: string;
  /** The ledger's seed endpoint (`POST /json_rpc`). */
  readonly seedUrl: string;
  readonly chainId: string;
  readonly blockTimeMs: number;
  readonly ledger: TestnetLedger;
  readonly nodes: readonly TestnetNode[];
  /** Per-step start-up timings, ms. */
  readonly timings: TestnetTimings;
  /** The node called `name`. @throws UnknownProcessError */
  node(name: string): TestnetNode;
  /** `GET /state`, checked against the registry's schema. */
  state(options?: AbortOptions & { activeOnly?: boolean }): Promise<StateResponse>;
  /** The registry's node record of `name`, or `undefined` when it is not registered. */
  registryNode(name: string, options?: AbortOptions): Promise<JsonServiceNode | undefined>;
  /** Swarm ID (16 hex digits) → member Ed25519 keys. */
  swarms(options?: AbortOptions): Promise<Map<string, string[]>>;
  /** The seed endpoint's node list (`get_n_service_nodes`, active only by default). */
  seedNodes(options?: AbortOptions & { activeOnly?: boolean }): Promise<SeedResponse>;
  /** Waits until `/health` answers 200 ready on each named node (default all running nodes). */
  waitForHealthy(names?: readonly string[], options?: WaitOptions): Promise<void>;
  /** Waits until each named node (default all) is active in the registry with an address and a swarm. */
  waitForActive(names?: readonly string[], options?: WaitOptions): Promise<void>;
  /** Waits until the ledger's height is at least `height`; resolves the height. */
  waitForHeight(height: number, options?: WaitOptions): Promise<number>;
  /**
   * Waits until transaction `id` is in a block; resolves its height. Rejects at once with
   * `NotFoundError` when the ledger does not know it, with `RequestTimeoutError` at the timeout.
   */
  waitForTransaction(id: string, options?: WaitOptions): Promise<number>;
  /** Sends `signal` (default SIGKILL) to the process group of `name` (a node, a relay `node-07/relay`, or `ledger`); resolves when the group is gone. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL after `stopTimeoutMs`; resolves when the group is gone. */
  stopNode(name: string): Promise<void>;
  /** Starts a stopped node (a relay `node-07/relay`, or `ledger`) again from its data directory, same address and ports. */
  startNode(name: string, options?: StartNodeOptions): Promise<void>;
  /** `stopNode` then `startNode`. */
  restartNode(name: string, options?: StartNodeOptions): Promise<void>;
  /** Initialises, funds, registers (for real, through the ledger) and starts a new node. */
  addNode(options?: AddNodeOptions): Promise<TestnetNode>;
  /** The node's `/health` answer (never throws for an unreachable node: `httpStatus` is undefined). */
  health(name: string, options?: AbortOptions): Promise<NodeHealth>;
  /**
   * The ledger authority decommissions, recommissions or deregisters node `name` (a quick swarm
   * change for tests); resolves the transaction ID, with `wait` once it is in a block.
   */
  stateChange(
    name: string,
    change: StateChange,
    options?: WaitOptions & { reason?: string; wait?: boolean },
  ): Promise<string>;
  /** Mints `amount` atomic units into `address` through the faucet; with `wait`, until it is in a block. */
  faucet(
    address: string,
    amount: bigint,
    options?: WaitOptions & { wait?: boolean },
  ): Promise<string>;
  /** Submits a signed transaction; a refusal is a result, not an error. */
  submit(tx: Transaction, options?: AbortOptions): Promise<TransactionResult>;
  /** A new wallet file under `<dir>/wallets/` (named `name`, default `wallet-<n>`). */
  createWallet(options?: { name?: string }): Promise<CreatedWallet>;
  /** JSON-safe description (keys, ports, URLs, pids, log files). */
  describe(): TestnetDescription;
  /**
   * Lets this process exit while the network runs on: stops the orphan guard and unreferences
   * the child processes (they are detached process groups; `pids.json` lets a later
   * {@link openTestnet} or `stopTestnetProcesses` stop them). Until then, the running
   * processes keep this process's event loop alive.
   */
  detach(): Promise<void>;
  /** Stops every process this testnet started or adopted (process groups), nothing else. Idempotent. */
  stop(): Promise<void>;
}
