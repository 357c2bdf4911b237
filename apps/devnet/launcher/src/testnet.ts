/**
 * {@link startTestnet}: a whole local Murmur network of real processes — the devnet ledger and N
 * murmur-node service nodes — staked for real through ledger transactions; and
 * {@link openTestnet}: the same network seen from another process (to stop, kill or restart
 * its processes).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import {
  ATOMIC_UNITS_PER_COIN,
  createContribution,
  createRegistration,
  type GenesisConfig,
  type StateChange,
  type TransactionResult,
} from '@murmur/registry';
import {
  createWalletFile,
  loadNodeKeyFile,
  loadOrCreateWalletFile,
  loadWalletFile,
  type Wallet,
} from '@murmur/registry/key-files';
import {
  fetchNextNonce,
  type HttpLedgerSource,
  httpLedgerSource,
  type JsonServiceNode,
  type StateResponse,
  waitForTransaction,
} from '@murmur/registry/ledger-http';
import { type AbortOptions, InvalidInputError, isLogLevel, LOG_LEVELS } from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { checkPrograms, type TestnetPrograms } from './cli-paths.js';
import {
  PortInUseError,
  ProcessExitedError,
  TestnetBusyError,
  TestnetTimeoutError,
  TransactionRefusedError,
  UnknownProcessError,
} from './errors.js';
import { failedInitNode, initRunnerArgs, NO_MAIN_EXIT_CODE } from './init-runner.js';
import {
  adoptProcess,
  logTail,
  type ManagedProcess,
  processRunning,
  readLogFrom,
  spawnProcess,
  stopProcess,
} from './managed-process.js';
import {
  type ManifestNode,
  nodeName,
  readManifest,
  type TestnetLayout,
  type TestnetManifest,
  testnetLayout,
  writeManifest,
} from './manifest.js';
import {
  pidsFilePath,
  type RecordedProcess,
  readPidsFile,
  runningRecordedProcesses,
  writePidsFile,
} from './pids-file.js';
import { checkAborted, mapLimit, pollUntil } from './poll.js';
import {
  announcedAddress,
  basePortLayout,
  checkBasePort,
  distinctAddressesSupported,
  findFreePorts,
  httpsUrl,
  httpUrl,
  isPortFree,
  type NodePorts,
  nodeAddress,
} from './ports.js';
import { describePortHolder, readProcessIdentity } from './proc.js';
import { createProgressTracker, type ProgressTracker, type TestnetTimings } from './progress.js';
import { reaperArgs } from './reaper.js';
import { fetchLedgerSeedNodes } from './seed-nodes.js';
import {
  checkPooledEvery,
  fundingFor,
  isPooled,
  type StakingPlan,
  type StakingRules,
  stakingPlan,
} from './staking-plan.js';
import type {
  AddNodeOptions,
  CreatedWallet,
  NodeHealth,
  OpenTestnetOptions,
  StartNodeOptions,
  Testnet,
  TestnetDescription,
  TestnetLedger,
  TestnetNode,
  TestnetOptions,
  WaitOptions,
} from './types.js';

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_READY_TIMEOUT_MS = 60_000;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;
const DEFAULT_POOLED_EVERY = 3;
const DEFAULT_BLOCK_TIME_MS = 1_000;
const UNASSIGNED_SWARM = 'ffffffffffffffff';
const LEDGER = 'ledger';
const REAPER = 'reaper';

/** Everything a testnet instance works with. */
interface Context {
  dir: string;
  layout: TestnetLayout;
  manifest: TestnetManifest;
  programs: TestnetPrograms;
  crypto: MurmurCrypto;
  /** The ledger's HTTP API (every answer checked with the registry's schemas). */
  client: HttpLedgerSource;
  env: Record<string, string | undefined>;
  readyTimeoutMs: number;
  stopTimeoutMs: number;
  pooledEvery: number;
  processes: Map<string, ManagedProcess>;
}

/** `{signal}` without an undefined property (exactOptionalPropertyTypes). */
function withSignal(signal: AbortSignal | undefined): AbortOptions {
  return signal === undefined ? {} : { signal };
}

/** What a node's health endpoint said. */
interface HealthAnswer extends NodeHealth {
  /** One line for messages: `/health 503 starting (catching up …)`. */
  text: string;
}

function childEnvironment(extra: Readonly<Record<string, string>> | undefined) {
  // A test runner's loader hooks (NODE_OPTIONS) are not for the programs under test.
  const { NODE_OPTIONS: _loaderHooks, ...inherited } = process.env;
  const env: Record<string, string | undefined> = { ...inherited, ...extra };
  return env;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The ledger URL of a manifest. */
function ledgerUrlOf(manifest: TestnetManifest): string {
  return httpUrl(manifest.host, manifest.ledgerPort);
}

/** The `murmur-node` settings of a node, as flags (init and start take the same). */
function nodeSettings(context: Context, node: ManifestNode): string[] {
  return [
    '--data-dir',
    context.layout.nodeDir(node.name),
    '--listen',
    node.host,
    '--port',
    String(node.storagePort),
    '--relay-port',
    String(node.relayPort),
    '--public-ip',
    announcedAddress(node.host),
    '--ledger-url',
    ledgerUrlOf(context.manifest),
    '--devnet',
    '--rate-limit',
    'false',
    '--log-level',
    context.manifest.logLevel,
  ];
}

/** A node's storage port speaks HTTPS (self-signed certificate), as Session's. */
function nodeUrl(node: ManifestNode): string {
  return httpsUrl(announcedAddress(node.host), node.storagePort);
}

/** Talks to the nodes: HTTPS without certificate checks (self-signed), nothing global changed. */
const nodeFetch = createNodeFetch({ keepAlive: false });

/** The error for a process that exited while it was expected to run. */
function exitedError(proc: ManagedProcess, what: string, port?: number): ProcessExitedError {
  const info = proc.exitInfo;
  const how =
    info === undefined
      ? 'exited'
      : info.signal !== null
        ? `was killed by ${info.signal}`
        : info.code === null
          ? 'exited'
          : `exited with code ${info.code}`;
  const tail = logTail(proc.logFile, proc.logOffset, 20);
  let holder = '';
  if (port !== undefined && tail.some((line) => /EADDRINUSE|already in use/i.test(line))) {
    const who = describePortHolder(port);
    holder = `\nport ${port} is in use${who === undefined ? '' : ` by ${who}`}`;
  }
  return new ProcessExitedError(
    proc.name,
    proc.logFile,
    `${proc.name} ${how} ${what}${holder}\nlast lines of ${proc.logFile}:\n${tail.map((line) => `  ${line}`).join('\n') || '  (empty)'}\nlogs in ${dirname(proc.logFile)}`,
    { details: { code: info?.code ?? null, signal: info?.signal ?? null } },
  );
}

/** Rejects when any of `procs` exits (for racing against a wait). */
function anyExit(
  procs: readonly ManagedProcess[],
  what: string,
  ports: Map<string, number>,
): Promise<never> {
  const failure = new Promise<never>((_resolve, reject) => {
    for (const proc of procs) {
      void proc.exited.then(() => reject(exitedError(proc, what, ports.get(proc.name))));
    }
  });
  failure.catch(() => undefined);
  return failure;
}

async function ensurePortFree(host: string, port: number, who: string): Promise<void> {
  if (await isPortFree(host, port)) return;
  const holder = describePortHolder(port);
  throw new PortInUseError(
    host,
    port,
    `${who} cannot start: port ${port} on ${host} is in use${holder === undefined ? '' : ` by ${holder}`}`,
  );
}

async function nodeHealth(url: string, signal?: AbortSignal): Promise<HealthAnswer> {
  const timeout = AbortSignal.timeout(3_000);
  try {
    const response = await nodeFetch(`${url}/health`, {
      signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
    });
    const body = (await response.json().catch(() => undefined)) as
      | { status?: unknown; reason?: unknown }
      | undefined;
    const status = typeof body?.status === 'string' ? body.status : 'unknown';
    const reason = typeof body?.reason === 'string' ? ` (${body.reason})` : '';
    return {
      ready: response.status === 200 && status === 'ready',
      httpStatus: response.status,
      body,
      text: `/health ${response.status} ${status}${reason}`,
    };
  } catch (error) {
    return {
      ready: false,
      httpStatus: undefined,
      body: undefined,
      text: `/health unreachable (${errorText(error)})`,
    };
  }
}

/** Why a registry record is not yet "active with an address and a swarm", or undefined. */
function notActiveReason(
  record: JsonServiceNode | undefined,
  node: ManifestNode,
): string | undefined {
  if (record === undefined) return 'not in the registry';
  if (record.status !== 'active') return `registry status ${record.status}`;
  if (record.ip === undefined || record.storagePort === undefined) {
    return 'active, no address yet (no uptime proof accepted)';
  }
  if (record.ip !== announcedAddress(node.host) || record.storagePort !== node.storagePort) {
    return `active at ${record.ip}:${record.storagePort}, not yet at ${announcedAddress(node.host)}:${node.storagePort}`;
  }
  if (record.swarmId === UNASSIGNED_SWARM) return 'active, no swarm yet';
  return undefined;
}

// -------------------------------------------------------------------------------------------
// The instance

class TestnetInstance implements Testnet {
  readonly timings: TestnetTimings;
  readonly ledger: TestnetLedger;
  #context: Context;
  #nodes: TestnetNode[] = [];
  #operators = new Map<string, string>();
  #stopping: Promise<void> | undefined;
  #walletCounter = 0;

  constructor(context: Context, timings: TestnetTimings) {
    this.#context = context;
    this.timings = timings;
    const self = this;
    const { manifest, layout } = context;
    this.ledger = {
      name: LEDGER,
      host: manifest.host,
      port: manifest.ledgerPort,
      url: ledgerUrlOf(manifest),
      dir: layout.ledgerDir,
      logFile: layout.logFile(LEDGER),
      get pid() {
        return self.#pidOf(LEDGER);
      },
      get running() {
        return self.#pidOf(LEDGER) !== undefined;
      },
    };
    for (const node of manifest.nodes) this.#addNodeView(node);
  }

  get dir(): string {
    return this.#context.dir;
  }
  get ledgerUrl(): string {
    return ledgerUrlOf(this.#context.manifest);
  }
  get seedUrl(): string {
    return `${this.ledgerUrl}/json_rpc`;
  }
  get chainId(): string {
    return this.#context.manifest.chainId ?? '';
  }
  get blockTimeMs(): number {
    return this.#context.manifest.blockTimeMs;
  }
  get nodes(): readonly TestnetNode[] {
    return [...this.#nodes];
  }

  #pidOf(name: string): number | undefined {
    refreshProcesses(this.#context);
    const proc = this.#context.processes.get(name);
    return proc !== undefined && processRunning(proc) ? proc.pid : undefined;
  }

  #addNodeView(node: ManifestNode): TestnetNode {
    const self = this;
    const { layout } = this.#context;
    const view: TestnetNode = {
      name: node.name,
      index: node.index,
      get ed25519() {
        return node.ed25519 ?? '';
      },
      get x25519() {
        return node.x25519 ?? '';
      },
      host: node.host,
      storagePort: node.storagePort,
      relayPort: node.relayPort,
      url: nodeUrl(node),
      dataDir: layout.nodeDir(node.name),
      logFile: layout.logFile(node.name),
      pooled: node.pooled,
      get operator() {
        return self.#operators.get(node.name);
      },
      get pid() {
        return self.#pidOf(node.name);
      },
      get running() {
        return self.#pidOf(node.name) !== undefined;
      },
    };
    this.#nodes.push(view);
    return view;
  }

  setOperator(name: string, address: string): void {
    this.#operators.set(name, address);
  }

  #manifestNode(name: string): ManifestNode {
    const node = this.#context.manifest.nodes.find((entry) => entry.name === name);
    if (node === undefined) {
      throw new UnknownProcessError(name, [
        LEDGER,
        ...this.#context.manifest.nodes.map((n) => n.name),
      ]);
    }
    return node;
  }

  #checkName(name: string): void {
    if (name !== LEDGER) this.#manifestNode(name);
  }

  node(name: string): TestnetNode {
    const view = this.#nodes.find((node) => node.name === name);
    if (view === undefined) {
      throw new UnknownProcessError(name, [LEDGER, ...this.#nodes.map((n) => n.name)]);
    }
    return view;
  }

  state(options: AbortOptions & { activeOnly?: boolean } = {}): Promise<StateResponse> {
    return this.#context.client.getState(options);
  }

  async registryNode(
    name: string,
    options: AbortOptions = {},
  ): Promise<JsonServiceNode | undefined> {
    const key = this.#manifestNode(name).ed25519;
    const state = await this.state(options);
    return state.nodes.find((record) => record.ed25519 === key);
  }

  async swarms(options: AbortOptions = {}): Promise<Map<string, string[]>> {
    const state = await this.state(options);
    return new Map(state.swarms.map((swarm) => [swarm.id, [...swarm.members]]));
  }

  seedNodes(options: AbortOptions & { activeOnly?: boolean } = {}) {
    return fetchLedgerSeedNodes(ledgerUrlOf(this.#context.manifest), options);
  }

  #names(names: readonly string[] | undefined, runningOnly: boolean): ManifestNode[] {
    if (names !== undefined) return names.map((name) => this.#manifestNode(name));
    return this.#context.manifest.nodes.filter(
      (node) => !runningOnly || this.#pidOf(node.name) !== undefined,
    );
  }

  #failureOf(nodes: readonly ManifestNode[], what: string): Promise<never> {
    const procs: ManagedProcess[] = [];
    const ports = new Map<string, number>();
    for (const node of nodes) {
      const proc = this.#context.processes.get(node.name);
      if (proc !== undefined && !proc.adopted) procs.push(proc);
      ports.set(node.name, node.storagePort);
    }
    return anyExit(procs, what, ports);
  }

  async waitForHealthy(names?: readonly string[], options: WaitOptions = {}): Promise<void> {
    const nodes = this.#names(names, true);
    await waitForNodes(this.#context, nodes, {
      active: false,
      healthy: true,
      timeoutMs: options.timeoutMs ?? this.#context.readyTimeoutMs,
      signal: options.signal,
      failure: this.#failureOf(nodes, 'while the testnet waited for it to be healthy'),
    });
  }

  async waitForActive(names?: readonly string[], options: WaitOptions = {}): Promise<void> {
    const nodes = this.#names(names, false);
    await waitForNodes(this.#context, nodes, {
      active: true,
      healthy: false,
      timeoutMs: options.timeoutMs ?? this.#context.readyTimeoutMs,
      signal: options.signal,
    });
  }

  async waitForHeight(height: number, options: WaitOptions = {}): Promise<number> {
    const { client } = this.#context;
    let last = -1;
    return pollUntil(
      async () => {
        last = (await client.getHealth(options)).height;
        return last >= height ? last : undefined;
      },
      {
        intervalMs: Math.max(20, Math.min(250, this.blockTimeMs / 2)),
        timeoutMs: options.timeoutMs ?? this.#context.readyTimeoutMs,
        signal: options.signal,
        describeTimeout: () =>
          `the ledger did not reach height ${height} (at ${last}); log: ${this.ledger.logFile}`,
      },
    );
  }

  waitForTransaction(id: string, options: WaitOptions = {}): Promise<number> {
    return waitForIncluded(this.#context, id, options);
  }

  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.#checkName(name);
    refreshProcesses(this.#context);
    const proc = this.#context.processes.get(name);
    if (proc === undefined || !processRunning(proc)) return;
    await stopProcess(proc, { signal, graceMs: this.#context.stopTimeoutMs });
    this.#context.processes.delete(name);
    savePids(this.#context);
  }

  async stopNode(name: string): Promise<void> {
    await this.kill(name, 'SIGTERM');
  }

  async startNode(name: string, options: StartNodeOptions = {}): Promise<void> {
    this.#checkName(name);
    const context = this.#context;
    refreshProcesses(context);
    const current = context.processes.get(name);
    if (current === undefined || !processRunning(current)) {
      if (name === LEDGER) await startLedgerProcess(context, withSignal(options.signal));
      else {
        const node = this.#manifestNode(name);
        await ensureNodePortFree(node);
        spawnNode(context, node);
      }
      savePids(context);
    }
    if (options.wait === false || name === LEDGER) return;
    const node = this.#manifestNode(name);
    await waitForNodes(context, [node], {
      active: false,
      healthy: true,
      timeoutMs: context.readyTimeoutMs,
      signal: options.signal,
      failure: this.#failureOf([node], 'after it was started'),
    });
  }

  async restartNode(name: string, options: StartNodeOptions = {}): Promise<void> {
    await this.stopNode(name);
    await this.startNode(name, options);
  }

  async addNode(options: AddNodeOptions = {}): Promise<TestnetNode> {
    const context = this.#context;
    const { manifest } = context;
    const index = Math.max(0, ...manifest.nodes.map((node) => node.index)) + 1;
    const [ports] = await choosePorts(context, [index]);
    const node: ManifestNode = {
      name: nodeName(index),
      index,
      host: nodeHostOf(context, index),
      storagePort: (ports as NodePorts).storagePort,
      relayPort: (ports as NodePorts).relayPort,
      pooled: options.pooled ?? isPooled(index, context.pooledEvery),
    };
    await initNodes(context, [node], options.signal);
    manifest.nodes.push(node);
    writeManifest(context.dir, manifest);
    const view = this.#addNodeView(node);
    const genesis = await context.client.getGenesis(options);
    const operators = await stakeNodes(context, [node], genesis, options.signal);
    for (const [name, address] of operators) this.setOperator(name, address);
    await waitForRegistrations(context, [node], options.signal);
    await ensureNodePortFree(node);
    spawnNode(context, node);
    savePids(context);
    if (options.wait !== false) {
      await waitForNodes(context, [node], {
        active: true,
        healthy: true,
        timeoutMs: context.readyTimeoutMs,
        signal: options.signal,
        failure: this.#failureOf([node], 'while it was starting'),
      });
    }
    return view;
  }

  async health(name: string, options: AbortOptions = {}): Promise<NodeHealth> {
    const { text: _text, ...health } = await nodeHealth(
      nodeUrl(this.#manifestNode(name)),
      options.signal,
    );
    return health;
  }

  async stateChange(
    name: string,
    change: StateChange,
    options: WaitOptions & { reason?: string; wait?: boolean } = {},
  ): Promise<string> {
    const key = this.#manifestNode(name).ed25519 as string;
    const result = await this.#context.client.requestStateChange(
      key,
      change,
      options.reason ?? '',
      options,
    );
    const id = acceptedId(result, `${change} of ${name}`);
    if (options.wait === true) await this.waitForTransaction(id, options);
    return id;
  }

  async faucet(
    address: string,
    amount: bigint,
    options: WaitOptions & { wait?: boolean } = {},
  ): Promise<string> {
    const result = await this.#context.client.requestFaucet(address, amount, options);
    const id = acceptedId(result, `faucet ${amount} to ${address}`);
    if (options.wait === true) await this.waitForTransaction(id, options);
    return id;
  }

  submit(
    tx: Parameters<Testnet['submit']>[0],
    options: AbortOptions = {},
  ): Promise<TransactionResult> {
    return this.#context.client.submitTransaction(tx, options);
  }

  async createWallet(options: { name?: string } = {}): Promise<CreatedWallet> {
    const { layout, crypto } = this.#context;
    mkdirSync(layout.walletsDir, { recursive: true, mode: 0o700 });
    let name = options.name;
    if (name !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw new InvalidInputError(
        'a wallet name is 1 to 64 letters, digits, dots, dashes or underscores',
      );
    }
    while (name === undefined || existsSync(`${layout.walletsDir}/${name}.json`)) {
      if (options.name !== undefined) break;
      name = `wallet-${++this.#walletCounter}`;
    }
    const file = `${layout.walletsDir}/${name}.json`;
    const wallet = createWalletFile(crypto, file);
    return { address: wallet.address, keyPair: wallet.keyPair, file };
  }

  describe(): TestnetDescription {
    const { layout, manifest } = this.#context;
    const ledgerPid = this.ledger.pid;
    const feed = new URL(this.ledgerUrl);
    feed.protocol = 'ws:';
    feed.pathname = '/feed';
    return {
      version: 1,
      dir: this.dir,
      chainId: this.chainId,
      blockTimeMs: manifest.blockTimeMs,
      ledgerUrl: this.ledgerUrl,
      seedUrl: this.seedUrl,
      feedUrl: feed.toString(),
      logsDir: layout.logsDir,
      pidsFile: pidsFilePath(this.dir),
      manifestFile: layout.manifest,
      ledger: {
        host: this.ledger.host,
        port: this.ledger.port,
        url: this.ledger.url,
        dir: this.ledger.dir,
        logFile: this.ledger.logFile,
        ...(ledgerPid === undefined ? {} : { pid: ledgerPid }),
        running: ledgerPid !== undefined,
      },
      nodes: this.#nodes.map((node) => {
        const pid = node.pid;
        const operator = node.operator;
        return {
          name: node.name,
          index: node.index,
          ed25519: node.ed25519,
          x25519: node.x25519,
          host: node.host,
          storagePort: node.storagePort,
          relayPort: node.relayPort,
          url: node.url,
          dataDir: node.dataDir,
          logFile: node.logFile,
          ...(pid === undefined ? {} : { pid }),
          running: pid !== undefined,
          pooled: node.pooled,
          ...(operator === undefined ? {} : { operator }),
          operatorWallet: layout.operatorWallet(node.name),
        };
      }),
    };
  }

  async detach(): Promise<void> {
    const { processes } = this.#context;
    const guard = processes.get(REAPER);
    if (guard !== undefined && !guard.adopted) {
      await stopProcess(guard, { graceMs: 2_000 });
      processes.delete(REAPER);
      savePids(this.#context);
    }
    for (const proc of processes.values()) proc.detach();
  }

  stop(): Promise<void> {
    // Serialised: a stop after a restart stops the restarted processes too.
    const previous = this.#stopping ?? Promise.resolve();
    this.#stopping = previous.catch(() => undefined).then(() => stopAll(this.#context));
    return this.#stopping;
  }
}

// -------------------------------------------------------------------------------------------
// Steps

function acceptedId(result: TransactionResult, what: string): string {
  if (result.accepted) return result.id;
  throw new TransactionRefusedError(
    result.reason,
    `the ledger refused the ${what}: ${result.reason}: ${result.message}`,
    { details: { id: result.id } },
  );
}

/**
 * Writes `pids.json`: this instance's running processes, plus the running ones another
 * instance on the same directory recorded (an {@link openTestnet} that restarted a node).
 */
function savePids(context: Context): void {
  const records: RecordedProcess[] = [];
  const mine = new Set<string>();
  for (const proc of context.processes.values()) {
    if (!processRunning(proc)) continue;
    records.push(proc.record());
    mine.add(proc.name);
  }
  let others: RecordedProcess[] = [];
  try {
    others = runningRecordedProcesses(readPidsFile(context.dir)).filter(
      (entry) => !mine.has(entry.name) && !context.processes.has(entry.name),
    );
  } catch {
    // A damaged file is replaced by what this instance knows.
  }
  writePidsFile(context.dir, [...others, ...records]);
}

/**
 * Adopts the processes another instance on the same directory started (recorded in
 * `pids.json`, still running) for names this instance has no running process for.
 */
function refreshProcesses(context: Context): void {
  let recorded: RecordedProcess[];
  try {
    recorded = readPidsFile(context.dir).processes;
  } catch {
    return;
  }
  for (const entry of recorded) {
    const own = context.processes.get(entry.name);
    if (own !== undefined && (own.pid === entry.pid || processRunning(own))) continue;
    const adopted = adoptProcess(entry);
    if (processRunning(adopted)) context.processes.set(entry.name, adopted);
  }
}

async function stopAll(context: Context): Promise<void> {
  refreshProcesses(context);
  const { processes } = context;
  const nodes = [...processes.values()].filter(
    (proc) => proc.name !== LEDGER && proc.name !== REAPER,
  );
  const errors: unknown[] = [];
  const stopOne = async (proc: ManagedProcess) => {
    try {
      await stopProcess(proc, { graceMs: context.stopTimeoutMs });
      processes.delete(proc.name);
    } catch (error) {
      errors.push(error);
    }
  };
  await Promise.all(nodes.map(stopOne));
  const ledger = processes.get(LEDGER);
  if (ledger !== undefined) await stopOne(ledger);
  const guard = processes.get(REAPER);
  if (guard !== undefined) await stopOne(guard);
  savePids(context);
  if (errors.length > 0) throw errors[0];
}

function nodeHostOf(context: Context, index: number): string {
  return nodeAddress(index, context.manifest.host, context.manifest.distinctAddresses);
}

/** Ports for new nodes at `indexes`. */
async function choosePorts(context: Context, indexes: readonly number[]): Promise<NodePorts[]> {
  const { basePort } = context.manifest;
  if (basePort !== 0) return indexes.map((index) => basePortLayout(basePort, index));
  const used = [context.manifest.ledgerPort];
  for (const node of context.manifest.nodes) used.push(node.storagePort, node.relayPort);
  const free = await findFreePorts(indexes.length * 2, context.manifest.host, { exclude: used });
  return indexes.map((_index, i) => ({
    storagePort: free[2 * i] as number,
    relayPort: free[2 * i + 1] as number,
  }));
}

/** Checks that a node's storage port is free (naming the process that holds it when not). */
function ensureNodePortFree(node: ManifestNode): Promise<void> {
  return ensurePortFree(node.host, node.storagePort, node.name);
}

/** Spawns `murmur-node start` for `node` (check its port first). */
function spawnNode(context: Context, node: ManifestNode): ManagedProcess {
  const proc = spawnProcess({
    name: node.name,
    args: [
      context.programs.nodeCli,
      'start',
      ...nodeSettings(context, node),
      ...context.manifest.nodeArgs,
    ],
    logFile: context.layout.logFile(node.name),
    env: context.env,
  });
  context.processes.set(node.name, proc);
  savePids(context);
  return proc;
}

/** Starts the ledger process and waits for its ready line; records the chain ID. */
async function startLedgerProcess(
  context: Context,
  options: { signal?: AbortSignal | undefined; newChainArgs?: readonly string[] },
): Promise<void> {
  const { manifest, layout } = context;
  await ensurePortFree(manifest.host, manifest.ledgerPort, 'the ledger');
  const proc = spawnProcess({
    name: LEDGER,
    args: [
      context.programs.ledgerCli,
      'ledger',
      '--dir',
      layout.ledgerDir,
      '--host',
      manifest.host,
      '--port',
      String(manifest.ledgerPort),
      '--log-level',
      manifest.logLevel,
      ...(options.newChainArgs ?? []),
      ...manifest.ledgerArgs,
    ],
    logFile: layout.logFile(LEDGER),
    env: context.env,
  });
  context.processes.set(LEDGER, proc);
  savePids(context);
  const ready = await pollUntil(
    () => {
      const text = readLogFrom(proc.logFile, proc.logOffset);
      for (const line of text.split('\n')) {
        if (!line.includes('"ledger-ready"')) continue;
        try {
          const event = JSON.parse(line) as { event?: unknown; chainId?: unknown; url?: unknown };
          if (event.event === 'ledger-ready' && typeof event.chainId === 'string') {
            return { chainId: event.chainId };
          }
        } catch {
          // A partial line: read again.
        }
      }
      return undefined;
    },
    {
      intervalMs: 25,
      timeoutMs: context.readyTimeoutMs,
      signal: options.signal,
      failure: anyExit([proc], 'while it was starting', new Map([[LEDGER, manifest.ledgerPort]])),
      describeTimeout: () =>
        `the ledger printed no ready line within ${context.readyTimeoutMs} ms; log: ${proc.logFile}`,
    },
  );
  if (manifest.chainId !== undefined && manifest.chainId !== ready.chainId) {
    throw new InvalidInputError(
      `the ledger in ${layout.ledgerDir} runs chain ${ready.chainId}, but ${layout.manifest} records ${manifest.chainId}`,
    );
  }
  manifest.chainId = ready.chainId;
}

/** Runs `murmur-node init` for each of `nodes`, one CLI process per node (the slow way). */
async function initNodesOneByOne(
  context: Context,
  nodes: readonly ManifestNode[],
  signal: AbortSignal | undefined,
): Promise<void> {
  await mapLimit(nodes, Math.max(2, availableParallelism()), async (node) => {
    checkAborted(signal);
    const proc = spawnProcess({
      name: `${node.name}-init`,
      args: [context.programs.nodeCli, 'init', ...nodeSettings(context, node)],
      logFile: context.layout.logFile('init'),
      env: context.env,
    });
    context.processes.set(proc.name, proc);
    const exit = await proc.exited;
    context.processes.delete(proc.name);
    if (exit.code !== 0) throw exitedError(proc, `during \`murmur-node init\` of ${node.name}`);
  });
}

/**
 * `murmur-node init` for each node without a key file (all in one process, see
 * init-runner.ts), then reads every node's keys into the manifest.
 */
async function initNodes(
  context: Context,
  nodes: readonly ManifestNode[],
  signal: AbortSignal | undefined,
  onDone?: () => void,
): Promise<void> {
  const { layout } = context;
  mkdirSync(layout.nodesDir, { recursive: true, mode: 0o700 });
  const missing = nodes.filter((node) => !existsSync(`${layout.nodeDir(node.name)}/key.json`));
  if (missing.length > 0) {
    checkAborted(signal);
    const jobs = missing.map((node) => ({ name: node.name, args: nodeSettings(context, node) }));
    const proc = spawnProcess({
      name: 'init',
      args: initRunnerArgs(context.programs.nodeCli, jobs),
      logFile: layout.logFile('init'),
      env: context.env,
    });
    context.processes.set(proc.name, proc);
    const exit = await proc.exited;
    context.processes.delete(proc.name);
    if (exit.code === NO_MAIN_EXIT_CODE) {
      await initNodesOneByOne(context, missing, signal);
    } else if (exit.code !== 0) {
      const failed = failedInitNode(readLogFrom(proc.logFile, proc.logOffset)) ?? 'a node';
      throw exitedError(proc, `during \`murmur-node init\` of ${failed}`);
    }
  }
  for (const node of nodes) {
    const keys = loadNodeKeyFile(context.crypto, layout.nodeDir(node.name));
    node.ed25519 = keys.ed25519Hex;
    node.x25519 = keys.x25519Hex;
    context.crypto.wipe(keys.ed25519.secretKey);
    context.crypto.wipe(keys.x25519.secretKey);
    onDone?.();
  }
}

/** The chain's staking numbers. */
function rulesOf(genesis: GenesisConfig): StakingRules {
  return {
    stakingRequirement: genesis.params.stakingRequirement,
    minOperatorStake: genesis.params.minOperatorStake,
    maxContributors: genesis.params.maxContributors,
  };
}

/** The stakes of one node and the wallets that put them up. */
interface NodeStakes {
  node: ManifestNode;
  plan: StakingPlan;
  operator: Wallet;
  contributors: Wallet[];
}

/** Plans each node's stakes and loads (or creates) its wallet files. */
function prepareStakes(
  context: Context,
  nodes: readonly ManifestNode[],
  genesis: GenesisConfig,
): NodeStakes[] {
  const { crypto, layout } = context;
  const rules = rulesOf(genesis);
  mkdirSync(layout.walletsDir, { recursive: true, mode: 0o700 });
  return nodes.map((node) => {
    const plan = stakingPlan(node.index, node.pooled, rules);
    const operator = loadOrCreateWalletFile(crypto, layout.operatorWallet(node.name));
    const contributors = plan.contributions.map((_amount, j) =>
      loadOrCreateWalletFile(crypto, layout.contributorWallet(node.name, j + 1)),
    );
    return { node, plan, operator, contributors };
  });
}

/** Funds every wallet of `stakes` from the faucet (its stake plus a coin); checks each answer. */
async function fundStakes(
  context: Context,
  stakes: readonly NodeStakes[],
  onFunded: (done: number, total: number) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const funding: { wallet: Wallet; amount: bigint; what: string }[] = [];
  for (const { node, plan, operator, contributors } of stakes) {
    funding.push({
      wallet: operator,
      amount: fundingFor(plan.operatorStake, ATOMIC_UNITS_PER_COIN),
      what: `funding of ${node.name}'s operator`,
    });
    contributors.forEach((wallet, j) => {
      funding.push({
        wallet,
        amount: fundingFor(plan.contributions[j] as bigint, ATOMIC_UNITS_PER_COIN),
        what: `funding of ${node.name}'s contributor ${j + 1}`,
      });
    });
  }
  let done = 0;
  await mapLimit(funding, 8, async ({ wallet, amount, what }) => {
    checkAborted(signal);
    acceptedId(
      await context.client.requestFaucet(wallet.address, amount, withSignal(signal)),
      what,
    );
    onFunded(++done, funding.length);
  });
}

/**
 * Submits each node's registration (signed by its operator wallet and its node key) and, for a
 * pooled node, the contributions that fill it; checks every answer.
 */
async function registerStakes(
  context: Context,
  stakes: readonly NodeStakes[],
  chainId: string,
  onSubmitted: (done: number, total: number) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { crypto, client, layout } = context;
  const total = stakes.reduce((sum, entry) => sum + 1 + entry.contributors.length, 0);
  let done = 0;
  await mapLimit(stakes, 8, async ({ node, plan, operator, contributors }) => {
    checkAborted(signal);
    const keys = loadNodeKeyFile(crypto, layout.nodeDir(node.name));
    const registration = createRegistration(
      {
        chainId,
        feeBasisPoints: plan.feeBasisPoints,
        operatorStake: plan.operatorStake,
        nonce: await fetchNextNonce(client, operator.address, withSignal(signal)),
      },
      { node: keys.ed25519, operator: operator.keyPair },
      crypto,
    );
    crypto.wipe(keys.ed25519.secretKey);
    crypto.wipe(keys.x25519.secretKey);
    acceptedId(
      await client.submitTransaction(registration, withSignal(signal)),
      `registration of ${node.name}`,
    );
    onSubmitted(++done, total);
    for (const [j, wallet] of contributors.entries()) {
      const contribution = createContribution(
        {
          chainId,
          node: node.ed25519 as string,
          amount: plan.contributions[j] as bigint,
          nonce: await fetchNextNonce(client, wallet.address, withSignal(signal)),
        },
        wallet.keyPair,
        crypto,
      );
      acceptedId(
        await client.submitTransaction(contribution, withSignal(signal)),
        `contribution ${j + 1} to ${node.name}`,
      );
      onSubmitted(++done, total);
    }
  });
}

/** Funds, registers and fills `nodes` (no progress events); resolves their operators. */
async function stakeNodes(
  context: Context,
  nodes: readonly ManifestNode[],
  genesis: GenesisConfig,
  signal: AbortSignal | undefined,
): Promise<Map<string, string>> {
  const stakes = prepareStakes(context, nodes, genesis);
  await fundStakes(context, stakes, () => undefined, signal);
  await registerStakes(context, stakes, genesis.chainId, () => undefined, signal);
  return new Map(stakes.map(({ node, operator }) => [node.name, operator.address]));
}

/** Waits until every node of `nodes` is registered and fully staked (active) in a block. */
async function waitForRegistrations(
  context: Context,
  nodes: readonly ManifestNode[],
  signal: AbortSignal | undefined,
): Promise<void> {
  if (nodes.length === 0) return;
  let missing: string[] = [];
  const ledger = context.processes.get(LEDGER);
  await pollUntil(
    async () => {
      const state = await context.client.getState(withSignal(signal));
      const byKey = new Map(state.nodes.map((record) => [record.ed25519, record]));
      missing = nodes
        .filter((node) => {
          const status = byKey.get(node.ed25519 as string)?.status;
          return status !== 'active' && status !== 'decommissioned';
        })
        .map((node) => node.name);
      return missing.length === 0 ? true : undefined;
    },
    {
      intervalMs: Math.max(20, Math.min(200, context.manifest.blockTimeMs / 3)),
      timeoutMs: context.readyTimeoutMs,
      signal,
      failure:
        ledger === undefined || ledger.adopted
          ? undefined
          : anyExit([ledger], 'while registrations were waiting for a block', new Map()),
      describeTimeout: () =>
        `no block made ${missing.join(', ')} active within ${context.readyTimeoutMs} ms; ledger log: ${context.layout.logFile(LEDGER)}`,
    },
  );
}

/** Waits until transaction `id` is in a block (`@murmur/registry`'s waitForTransaction). */
function waitForIncluded(context: Context, id: string, options: WaitOptions): Promise<number> {
  return waitForTransaction(context.client, id, {
    pollMs: Math.max(20, Math.min(200, context.manifest.blockTimeMs / 3)),
    timeoutMs: options.timeoutMs ?? context.readyTimeoutMs,
    ...withSignal(options.signal),
  });
}

interface NodeWait {
  active: boolean;
  healthy: boolean;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  failure?: Promise<never> | undefined;
  tracker?: ProgressTracker | undefined;
}

/** Waits until `nodes` are active with an address and a swarm and/or healthy. */
async function waitForNodes(
  context: Context,
  nodes: readonly ManifestNode[],
  wait: NodeWait,
): Promise<void> {
  const active = new Map<string, string | undefined>();
  const healthy = new Map<string, string>();
  const readyHealth = new Set<string>();
  const { tracker } = wait;
  if (wait.active) tracker?.start('swarms', nodes.length);
  if (wait.healthy) tracker?.start('health', nodes.length);
  let activeDone = !wait.active;
  let healthDone = !wait.healthy;
  const interval = Math.max(50, Math.min(200, context.manifest.blockTimeMs / 2));
  await pollUntil(
    async () => {
      const work: Promise<void>[] = [];
      if (!activeDone) {
        work.push(
          (async () => {
            const state = await context.client.getState(withSignal(wait.signal));
            const byKey = new Map(state.nodes.map((record) => [record.ed25519, record]));
            let count = 0;
            for (const node of nodes) {
              const reason = notActiveReason(byKey.get(node.ed25519 as string), node);
              active.set(node.name, reason);
              if (reason === undefined) count++;
            }
            tracker?.progress('swarms', count, nodes.length, `height ${state.height}`);
            if (count === nodes.length) {
              activeDone = true;
              tracker?.done('swarms', `${state.swarms.length} swarm(s) at height ${state.height}`);
            }
          })(),
        );
      }
      if (!healthDone) {
        const pending = nodes.filter((node) => !readyHealth.has(node.name));
        work.push(
          (async () => {
            await Promise.all(
              pending.map(async (node) => {
                const answer = await nodeHealth(nodeUrl(node), wait.signal);
                healthy.set(node.name, answer.text);
                if (answer.ready) readyHealth.add(node.name);
              }),
            );
            tracker?.progress('health', readyHealth.size, nodes.length);
            if (readyHealth.size === nodes.length) {
              healthDone = true;
              tracker?.done('health');
            }
          })(),
        );
      }
      await Promise.all(work);
      return activeDone && healthDone ? true : undefined;
    },
    {
      intervalMs: interval,
      timeoutMs: wait.timeoutMs,
      signal: wait.signal,
      failure: wait.failure,
      describeTimeout: () => {
        const lines: string[] = [];
        for (const node of nodes) {
          const problems: string[] = [];
          const reason = active.get(node.name);
          if (wait.active && !activeDone && reason !== undefined)
            problems.push(`registry: ${reason}`);
          if (wait.healthy && !readyHealth.has(node.name)) {
            problems.push(healthy.get(node.name) ?? '/health not asked yet');
          }
          if (problems.length > 0) {
            lines.push(
              `  ${node.name}: ${problems.join('; ')}; log: ${context.layout.logFile(node.name)}`,
            );
          }
        }
        const what = [wait.active ? 'active with a swarm' : '', wait.healthy ? 'healthy' : '']
          .filter(Boolean)
          .join(' and ');
        return `nodes not ${what} within ${wait.timeoutMs} ms:\n${lines.join('\n')}\nlogs in ${context.layout.logsDir}`;
      },
    },
  );
}

// -------------------------------------------------------------------------------------------
// Entry points

function checkOptions(options: TestnetOptions): void {
  if (typeof options.dir !== 'string' || options.dir === '') {
    throw new InvalidInputError('dir must be a directory path');
  }
  if (!Number.isSafeInteger(options.nodes) || options.nodes < 0 || options.nodes > 1_000) {
    throw new InvalidInputError(`nodes must be an integer from 0 to 1000, not ${options.nodes}`);
  }
  if (options.basePort !== undefined && options.basePort !== 0) checkBasePort(options.basePort);
  const { blockTimeMs } = options;
  if (
    blockTimeMs !== undefined &&
    (!Number.isSafeInteger(blockTimeMs) || blockTimeMs < 10 || blockTimeMs > 86_400_000)
  ) {
    // The ledger's own range for --block-time-ms.
    throw new InvalidInputError(
      `blockTimeMs must be an integer from 10 to 86400000, not ${blockTimeMs}`,
    );
  }
  checkPooledEvery(options.pooledEvery ?? DEFAULT_POOLED_EVERY);
  if (options.logLevel !== undefined && !isLogLevel(options.logLevel)) {
    throw new InvalidInputError(`logLevel must be one of ${LOG_LEVELS.join(', ')}`);
  }
  for (const [name, value] of [
    ['readyTimeoutMs', options.readyTimeoutMs],
    ['stopTimeoutMs', options.stopTimeoutMs],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
      throw new InvalidInputError(`${name} must be a positive integer of milliseconds`);
    }
  }
}

/**
 * The ledger flags of a new chain: the block time (the ledger scales the devnet set's
 * block-counted durations to it, unless `scaleParams` is false) and the parameter overrides,
 * written to `ledger-params.json` on the devnet set.
 */
function newChainLedgerArgs(
  layout: TestnetLayout,
  manifest: TestnetManifest,
  options: TestnetOptions,
): string[] {
  const args = ['--block-time-ms', String(manifest.blockTimeMs)];
  if (options.scaleParams === false) args.push('--no-scale-params');
  const overrides = options.ledgerParams ?? {};
  if (Object.keys(overrides).length > 0) {
    const file = { base: 'devnet', ...overrides };
    writeFileSync(layout.ledgerParams, `${JSON.stringify(file, null, 2)}\n`);
    args.push('--params', layout.ledgerParams);
  }
  return args;
}

/** Refuses a directory whose recorded processes still run. */
function refuseBusy(dir: string): void {
  if (!existsSync(dir)) return;
  const running = runningRecordedProcesses(readPidsFile(dir));
  if (running.length === 0) return;
  throw new TestnetBusyError(
    running.map((entry) => entry.pid),
    `a testnet already runs in ${dir} (${running.map((entry) => `${entry.name} pid ${entry.pid}`).join(', ')}); stop it first (Testnet.stop(), stopTestnetProcesses(dir) or murmur-devnet down)`,
  );
}

/**
 * Starts a local Murmur network of real processes in `options.dir`: the devnet ledger
 * (`node <programs.ledgerCli> ledger`) and `options.nodes` service nodes
 * (`node <programs.nodeCli> start`), each in its own process group with its log
 * under `<dir>/logs/`. Nodes are staked for real: wallets funded by the faucet, registrations
 * co-signed by the node keys, pooled nodes filled by contributions, all through the ledger's
 * HTTP API. Resolves when every node is active in the registry with an address and a swarm and
 * its `/health` is ready.
 *
 * A start on a directory that holds a testnet (and `fresh` not set) resumes it: same chain,
 * keys, wallets, addresses and ports; nodes already registered are not registered again.
 *
 * On failure everything this call started is stopped and the error names the process, how it
 * exited and the last lines of its log ({@link ProcessExitedError}), or what was still missing
 * at the timeout ({@link TestnetTimeoutError}).
 *
 * @throws {@link MissingBuildError} when the CLIs are not built; {@link TestnetBusyError} when
 * processes recorded in `dir` still run; {@link PortInUseError}; {@link ProcessExitedError};
 * {@link TestnetTimeoutError}; {@link TransactionRefusedError}; `AbortError`.
 */
export async function startTestnet(options: TestnetOptions): Promise<Testnet> {
  checkOptions(options);
  const programs = checkPrograms(options.programs);
  const dir = resolve(options.dir);
  checkAborted(options.signal);
  refuseBusy(dir);
  if (options.fresh === true) rmSync(dir, { recursive: true, force: true });
  const layout = testnetLayout(dir);
  for (const folder of [dir, layout.logsDir, layout.walletsDir, layout.nodesDir]) {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  }
  const tracker = createProgressTracker(options.onProgress);
  const host = options.host ?? DEFAULT_HOST;
  const basePort = options.basePort ?? 0;
  const pooledEvery = options.pooledEvery ?? DEFAULT_POOLED_EVERY;
  const existing = readManifest(dir);
  const chainExists = existsSync(`${layout.ledgerDir}/ledger.sqlite`);
  const resuming = existing !== undefined && chainExists;

  let manifest: TestnetManifest;
  if (resuming) {
    manifest = existing;
  } else {
    const ledgerPort = basePort !== 0 ? basePort : ((await findFreePorts(1, host))[0] as number);
    manifest = {
      version: 1,
      host,
      ledgerPort,
      basePort,
      distinctAddresses: options.distinctAddresses ?? distinctAddressesSupported(host),
      pooledEvery,
      blockTimeMs: options.blockTimeMs ?? DEFAULT_BLOCK_TIME_MS,
      logLevel: options.logLevel ?? 'info',
      nodeArgs: [...(options.nodeArgs ?? [])],
      ledgerArgs: [...(options.ledgerArgs ?? [])],
      nodes: [],
    };
  }
  if (options.pooledEvery !== undefined) manifest.pooledEvery = options.pooledEvery;
  if (options.nodeArgs !== undefined) manifest.nodeArgs = [...options.nodeArgs];
  if (options.ledgerArgs !== undefined) manifest.ledgerArgs = [...options.ledgerArgs];
  if (options.logLevel !== undefined) manifest.logLevel = options.logLevel;

  const crypto = await loadCrypto();
  const context: Context = {
    dir,
    layout,
    manifest,
    programs,
    crypto,
    client: httpLedgerSource({ url: ledgerUrlOf(manifest) }),
    env: childEnvironment(options.env),
    readyTimeoutMs: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    stopTimeoutMs: options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
    pooledEvery: manifest.pooledEvery,
    processes: new Map(),
  };

  // New nodes (all of them on a fresh start; those beyond the recorded ones on a resume).
  const firstIndex = Math.max(0, ...manifest.nodes.map((node) => node.index)) + 1;
  const newIndexes: number[] = [];
  for (let index = firstIndex; manifest.nodes.length + newIndexes.length < options.nodes; index++) {
    newIndexes.push(index);
  }
  const ports = await choosePorts(context, newIndexes);
  newIndexes.forEach((index, i) => {
    const chosen = ports[i] as NodePorts;
    manifest.nodes.push({
      name: nodeName(index),
      index,
      host: nodeHostOf(context, index),
      storagePort: chosen.storagePort,
      relayPort: chosen.relayPort,
      pooled: isPooled(index, manifest.pooledEvery),
    });
  });
  writeManifest(dir, manifest);

  const instance = new TestnetInstance(context, tracker.timings);
  if (options.stopWithParent !== false) {
    const guard = spawnProcess({
      name: REAPER,
      args: reaperArgs(
        process.pid,
        readProcessIdentity(process.pid).startTime,
        pidsFilePath(dir),
        Math.min(context.stopTimeoutMs, 5_000),
      ),
      logFile: layout.logFile(REAPER),
      env: context.env,
    });
    context.processes.set(REAPER, guard);
    savePids(context);
  }
  try {
    // Ledger, and meanwhile the node data directories.
    tracker.start('ledger', undefined, resuming ? 'resuming the chain' : 'new chain');
    const newChainArgs = chainExists ? [] : newChainLedgerArgs(layout, manifest, options);
    const ledgerStarted = startLedgerProcess(context, { signal: options.signal, newChainArgs });
    tracker.start('wallets', manifest.nodes.length);
    let initialised = 0;
    const nodesInitialised = initNodes(context, manifest.nodes, options.signal, () =>
      tracker.progress('wallets', ++initialised, manifest.nodes.length, 'node keys'),
    );
    // Both run; the first failure wins, and the other is awaited before cleaning up.
    const [ledgerResult, initResult] = await Promise.allSettled([ledgerStarted, nodesInitialised]);
    if (ledgerResult.status === 'rejected') throw ledgerResult.reason;
    tracker.done('ledger', `${ledgerUrlOf(manifest)} chain ${manifest.chainId}`);
    if (initResult.status === 'rejected') throw initResult.reason;
    writeManifest(dir, manifest);
    savePids(context);

    const genesis = await context.client.getGenesis(withSignal(options.signal));
    const state = await context.client.getState(withSignal(options.signal));
    const registered = new Set(state.nodes.map((record) => record.ed25519));
    const unregistered = manifest.nodes.filter((node) => !registered.has(node.ed25519 as string));
    for (const node of manifest.nodes) {
      const record = state.nodes.find((entry) => entry.ed25519 === node.ed25519);
      if (record !== undefined) instance.setOperator(node.name, record.operator);
    }
    const stakes = prepareStakes(context, unregistered, genesis);
    for (const { node, operator } of stakes) instance.setOperator(node.name, operator.address);
    await fundStakes(
      context,
      stakes,
      (done, total) => tracker.progress('wallets', done, total, 'wallets funded'),
      options.signal,
    );
    tracker.done(
      'wallets',
      `${manifest.nodes.length} node keys, ${stakes.reduce((n, entry) => n + 1 + entry.contributors.length, 0)} wallets funded`,
    );

    tracker.start('registrations', unregistered.length, `${unregistered.length} to register`);
    await registerStakes(
      context,
      stakes,
      genesis.chainId,
      (done, total) => tracker.progress('registrations', done, total, 'transactions accepted'),
      options.signal,
    );
    await waitForRegistrations(context, unregistered, options.signal);
    tracker.done(
      'registrations',
      `${unregistered.length} registered, ${manifest.nodes.length - unregistered.length} already`,
    );

    tracker.start('processes', manifest.nodes.length);
    await Promise.all(manifest.nodes.map(ensureNodePortFree));
    let spawned = 0;
    for (const node of manifest.nodes) {
      checkAborted(options.signal);
      spawnNode(context, node);
      tracker.progress('processes', ++spawned, manifest.nodes.length, node.name);
    }
    savePids(context);
    tracker.done('processes');

    const ledger = context.processes.get(LEDGER) as ManagedProcess;
    const procs = [
      ledger,
      ...manifest.nodes.map((node) => context.processes.get(node.name) as ManagedProcess),
    ];
    const exitPorts = new Map(manifest.nodes.map((node) => [node.name, node.storagePort]));
    await waitForNodes(context, manifest.nodes, {
      active: true,
      healthy: true,
      timeoutMs: context.readyTimeoutMs,
      signal: options.signal,
      failure: anyExit(procs, 'while the testnet was starting', exitPorts),
      tracker,
    });
    return instance;
  } catch (error) {
    tracker.fail(errorText(error));
    try {
      await instance.stop();
    } catch {
      // The start error matters more; stop() already tried SIGKILL.
    }
    throw error;
  }
}

/**
 * The testnet recorded in `options.dir`, as another process sees it (the devnet's `down`,
 * `status`, `kill` and `restart` commands): its recorded processes that still run are adopted
 * (stop/kill signal their process groups), stopped nodes can be started again. The ledger need
 * not be running.
 *
 * @throws `InvalidInputError` when `dir` holds no testnet.
 */
export async function openTestnet(options: OpenTestnetOptions): Promise<Testnet> {
  const dir = resolve(options.dir);
  const manifest = readManifest(dir);
  if (manifest === undefined) {
    throw new InvalidInputError(`${dir} holds no testnet (no testnet.json)`);
  }
  const programs = checkPrograms(options.programs);
  const processes = new Map<string, ManagedProcess>();
  for (const entry of runningRecordedProcesses(readPidsFile(dir))) {
    processes.set(entry.name, adoptProcess(entry));
  }
  const context: Context = {
    dir,
    layout: testnetLayout(dir),
    manifest,
    programs,
    crypto: await loadCrypto(),
    client: httpLedgerSource({ url: ledgerUrlOf(manifest) }),
    env: childEnvironment(options.env),
    readyTimeoutMs: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    stopTimeoutMs: options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
    pooledEvery: manifest.pooledEvery,
    processes,
  };
  const instance = new TestnetInstance(context, {});
  for (const node of manifest.nodes) {
    try {
      const operator = operatorAddress(context, node);
      if (operator !== undefined) instance.setOperator(node.name, operator);
    } catch {
      // A missing or damaged wallet file only hides the operator's address.
    }
  }
  return instance;
}

/** The operator address of `node` from its wallet file, if there is one. */
function operatorAddress(context: Context, node: ManifestNode): string | undefined {
  const path = context.layout.operatorWallet(node.name);
  if (!existsSync(path)) return undefined;
  return loadWalletFile(context.crypto, path).address;
}

/**
 * Stops the processes recorded in `<dir>/pids.json` that still run (pids checked against their
 * recorded start time and command line, so a recycled pid is left alone): SIGTERM to each
 * process group, SIGKILL after `graceMs` (default 10 s). Resolves the names stopped. Needs
 * neither the ledger nor the built programs.
 */
export async function stopTestnetProcesses(
  dir: string,
  options: { graceMs?: number | undefined } = {},
): Promise<string[]> {
  const root = resolve(dir);
  const running = runningRecordedProcesses(readPidsFile(root));
  const nodes = running.filter((entry) => entry.name !== LEDGER);
  const stopped: string[] = [];
  const stopOne = async (entry: RecordedProcess) => {
    await stopProcess(adoptProcess(entry, 50), {
      graceMs: options.graceMs ?? DEFAULT_STOP_TIMEOUT_MS,
    });
    stopped.push(entry.name);
  };
  await Promise.all(nodes.map(stopOne));
  for (const entry of running) if (entry.name === LEDGER) await stopOne(entry);
  if (existsSync(root)) writePidsFile(root, runningRecordedProcesses(readPidsFile(root)));
  return stopped;
}
