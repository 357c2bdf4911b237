/**
 * The {@link Testnet} a launcher hands out: views of the ledger and the nodes, and the
 * operations on a running network (kill, restart, add a node, waits, faucet, state changes),
 * wired from the parts: launch/ (starting programs), staking/ (funding and registering),
 * readiness/ (health and waits) and processes/ (the process table in `pids.json`).
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { StateChange, TransactionResult } from '@murmur/registry';
import { createWalletFile } from '@murmur/registry/key-files';
import type { JsonServiceNode, StateResponse } from '@murmur/registry/ledger-http';
import { type AbortOptions, InvalidInputError } from '@murmur/wire';
import {
  type Context,
  choosePorts,
  LEDGER,
  ledgerUrlOf,
  nodeHostOf,
  nodeUrl,
  REAPER,
  withSignal,
} from './context.js';
import { UnknownProcessError } from './errors.js';
import { startEvmChain } from './launch/evm-chain.js';
import { startLedgerProcess } from './launch/ledger-process.js';
import { ensureNodePortFree, initNodes, spawnNode } from './launch/node-process.js';
import {
  ensureRelayPortFree,
  relayHttpUrl,
  relayLogName,
  relayName,
  relayNodeName,
  relayUrl,
  runsRelays,
  spawnRelay,
  waitForRelays,
} from './launch/relay-process.js';
import { type ManifestNode, nodeName, writeManifest } from './manifest.js';
import type { NodePorts } from './ports.js';
import { anyExit } from './processes/exits.js';
import { type ManagedProcess, processRunning, stopProcess } from './processes/managed-process.js';
import { pidsFilePath } from './processes/pids-file.js';
import { refreshProcesses, savePids, stopAll } from './processes/process-table.js';
import type { TestnetTimings } from './progress.js';
import { nodeHealth } from './readiness/health.js';
import {
  waitForIncluded,
  waitForLedgerHeight,
  waitForNodes,
  waitForRegistrations,
} from './readiness/waits.js';
import { fetchLedgerSeedNodes } from './seed-nodes.js';
import { acceptedId, stakeNodes } from './staking/stakes.js';
import { isPooled } from './staking/staking-plan.js';
import type {
  AddNodeOptions,
  CreatedWallet,
  NodeHealth,
  StartNodeOptions,
  Testnet,
  TestnetDescription,
  TestnetLedger,
  TestnetNode,
  TestnetRelay,
  WaitOptions,
} from './types.js';

export class TestnetInstance implements Testnet {
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
      relay: runsRelays(this.#context) ? this.#relayView(node) : undefined,
    };
    this.#nodes.push(view);
    return view;
  }

  #relayView(node: ManifestNode): TestnetRelay {
    const self = this;
    const name = relayName(node.name);
    return {
      name,
      url: relayUrl(node),
      httpUrl: relayHttpUrl(node),
      logFile: this.#context.layout.logFile(relayLogName(node.name)),
      get pid() {
        return self.#pidOf(name);
      },
      get running() {
        return self.#pidOf(name) !== undefined;
      },
    };
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
    if (name === LEDGER) return;
    const relayOf = relayNodeName(name);
    if (relayOf !== undefined && runsRelays(this.#context)) {
      this.#manifestNode(relayOf);
      return;
    }
    this.#manifestNode(name);
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

  waitForHeight(height: number, options: WaitOptions = {}): Promise<number> {
    return waitForLedgerHeight(this.#context, height, options);
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
    const relayOf = relayNodeName(name);
    if (relayOf !== undefined) {
      const node = this.#manifestNode(relayOf);
      if (current === undefined || !processRunning(current)) {
        await ensureRelayPortFree(node);
        const proc = spawnRelay(context, node);
        savePids(context);
        if (options.wait === false) return;
        await waitForRelays(context, [node], {
          expected: 1,
          timeoutMs: context.readyTimeoutMs,
          signal: options.signal,
          failure: anyExit([proc], 'after it was started', new Map([[name, node.relayPort]])),
        });
      }
      return;
    }
    if (current === undefined || !processRunning(current)) {
      if (name === LEDGER && context.manifest.ledger === 'evm') {
        await startEvmChain(context, withSignal(options.signal));
      } else if (name === LEDGER) await startLedgerProcess(context, withSignal(options.signal));
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
    if (runsRelays(context)) {
      await ensureRelayPortFree(node);
      spawnRelay(context, node);
    }
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
        const relay = node.relay;
        const relayPid = relay?.pid;
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
          ...(relay === undefined
            ? {}
            : {
                relay: {
                  name: relay.name,
                  url: relay.url,
                  logFile: relay.logFile,
                  ...(relayPid === undefined ? {} : { pid: relayPid }),
                  running: relayPid !== undefined,
                },
              }),
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
