/**
 * The entry points: {@link startTestnet} starts a whole local Murmur network of real processes
 * — the devnet ledger and N murmur-node service nodes — staked for real through ledger
 * transactions, in steps (ledger and node keys, wallets, registrations, processes, swarms,
 * health), each done by a part: launch/, staking/, readiness/, processes/. {@link openTestnet}
 * is the same network seen from another process (to stop, kill or restart its processes).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadCrypto } from '@murmur/crypto';
import { createEvmLedgerSource, evmLedgerView } from '@murmur/registry/evm';
import { loadWalletFile } from '@murmur/registry/key-files';
import { httpLedgerSource } from '@murmur/registry/ledger-http';
import { InvalidInputError } from '@murmur/wire';
import { isLogLevel, LOG_LEVELS } from '@murmur/wire/program';
import { checkPrograms } from './cli-paths.js';
import {
  type Context,
  childEnvironment,
  choosePorts,
  DEFAULT_BLOCK_TIME_MS,
  DEFAULT_HOST,
  DEFAULT_POOLED_EVERY,
  DEFAULT_READY_TIMEOUT_MS,
  DEFAULT_STOP_TIMEOUT_MS,
  errorText,
  LEDGER,
  ledgerUrlOf,
  nodeHostOf,
  REAPER,
  withSignal,
} from './context.js';
import { TestnetBusyError } from './errors.js';
import { evmChainExists, stakeOnChain, startEvmChain } from './launch/evm-chain.js';
import { newChainLedgerArgs, startLedgerProcess } from './launch/ledger-process.js';
import { ensureNodePortFree, initNodes, spawnNode } from './launch/node-process.js';
import { relayName, runsRelays, spawnRelays, waitForRelays } from './launch/relay-process.js';
import {
  type ManifestNode,
  nodeName,
  readManifest,
  type TestnetManifest,
  testnetLayout,
  writeManifest,
} from './manifest.js';
import { checkAborted } from './poll.js';
import {
  checkBasePort,
  distinctAddressesSupported,
  findFreePorts,
  type NodePorts,
} from './ports.js';
import { anyExit, exitWatch } from './processes/exits.js';
import { adoptProcess, type ManagedProcess, spawnProcess } from './processes/managed-process.js';
import { pidsFilePath, readPidsFile, runningRecordedProcesses } from './processes/pids-file.js';
import { readProcessIdentity } from './processes/proc.js';
import { savePids } from './processes/process-table.js';
import { reaperArgs } from './processes/reaper.js';
import { createProgressTracker } from './progress.js';
import { waitForNodes, waitForRegistrations } from './readiness/waits.js';
import { fundStakes, prepareStakes, registerStakes } from './staking/stakes.js';
import { checkPooledEvery, isPooled } from './staking/staking-plan.js';
import { TestnetInstance } from './testnet.js';
import type { OpenTestnetOptions, Testnet, TestnetOptions } from './types.js';

export function checkOptions(options: TestnetOptions): void {
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
  // A resumed testnet keeps its ledger kind; a new one takes the option's.
  const ledgerKind = existing?.ledger ?? (existing === undefined ? options.ledger : undefined);
  const evmLedger = ledgerKind === 'evm';
  const chainExists = evmLedger
    ? existing?.evm !== undefined && evmChainExists(layout)
    : existsSync(`${layout.ledgerDir}/ledger.sqlite`);
  const resuming = existing !== undefined && chainExists;

  let manifest: TestnetManifest;
  if (resuming) {
    manifest = existing;
  } else {
    const ledgerPort = basePort !== 0 ? basePort : ((await findFreePorts(1, host))[0] as number);
    manifest = {
      version: 1,
      ...(evmLedger ? { ledger: 'evm' as const } : {}),
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

  // Keys, wallets and transactions need Ed25519 and BLAKE2b, never ML-KEM: the pure-JS one
  // costs nothing until called, where the default instantiates libsodium's WebAssembly build.
  const crypto = await loadCrypto({ mlkem: 'noble' });
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
    mkdirSync(layout.ledgerDir, { recursive: true, mode: 0o700 });
    let evmChain: Awaited<ReturnType<typeof startEvmChain>> | undefined;
    const ledgerStarted = evmLedger
      ? startEvmChain(context, { signal: options.signal }).then((started) => {
          evmChain = started;
        })
      : startLedgerProcess(context, {
          signal: options.signal,
          newChainArgs: chainExists ? [] : newChainLedgerArgs(layout, manifest, options),
        });
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
    if (!evmLedger && runsRelays(context)) {
      // Every relay starts now, while the wallets are funded and the nodes registered (much of
      // it waiting for blocks): a relay needs only its node's key file (written by `murmur-node
      // init` above) and the ledger, so loading its program is no longer on the critical path
      // after its node listens. It follows the ledger from here, refuses links until it has
      // caught up, and counts as ready only once it knows every node's relay (after every
      // node's uptime proof is in a block): docs/DEVNET.md.
      tracker.start('relays', manifest.nodes.length, 'spawned, following the ledger');
      await spawnRelays(context, manifest.nodes);
    }

    const genesis = await context.client.getGenesis(withSignal(options.signal));
    const state = await context.client.getState(withSignal(options.signal));
    const registered = new Set(state.nodes.map((record) => record.ed25519));
    const unregistered = manifest.nodes.filter((node) => !registered.has(node.ed25519 as string));
    if (evmChain !== undefined) {
      // The EVM ledger: wallets funded by the chain's owner, stakes through the contract.
      const chain = evmChain.chain;
      tracker.done('wallets', `${manifest.nodes.length} node keys`);
      tracker.start('registrations', unregistered.length, `${unregistered.length} to register`);
      let staked = 0;
      await stakeOnChain(context, chain, unregistered, () =>
        tracker.progress('registrations', ++staked, unregistered.length, 'staked on chain'),
      );
      await waitForRegistrations(context, unregistered, options.signal);
      tracker.done(
        'registrations',
        `${unregistered.length} registered through the contract, ${manifest.nodes.length - unregistered.length} already`,
      );
      writeManifest(dir, manifest);
      await startNodeProcesses(context, tracker, options.signal);
      return instance;
    }
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
    // The nodes start while the block that registers them is made: a node needs a second or
    // more to load before its first uptime proof, and one that asks before its registration is
    // in a block is told so and asks again. Ready still waits for every node to be active.
    const registrationsIn = waitForRegistrations(context, unregistered, options.signal).then(() =>
      tracker.done(
        'registrations',
        `${unregistered.length} registered, ${manifest.nodes.length - unregistered.length} already`,
      ),
    );
    await Promise.all([
      registrationsIn,
      startNodeProcesses(context, tracker, options.signal, registrationsIn),
    ]);
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
 * Spawns every node (and the relay of each that has none yet: startTestnet spawns them earlier,
 * while the wallets are funded) and waits until each node is active in a swarm and healthy; ready
 * once every relay also follows the ledger and knows every node's relay. Ends early with the
 * error of `registrationsIn` (the block with the nodes' registrations, still being made when the
 * nodes are spawned).
 */
async function startNodeProcesses(
  context: Context,
  tracker: ReturnType<typeof createProgressTracker>,
  signal: AbortSignal | undefined,
  registrationsIn: Promise<void> = Promise.resolve(),
): Promise<void> {
  const { manifest } = context;
  // A registration that never makes it into a block ends the waits below with its error.
  const registrationFailure = registrationsIn.then(() => new Promise<never>(() => undefined));
  // Handled where it is raced; this start may end before it gets there.
  registrationFailure.catch(() => undefined);
  // Relays follow the devnet ledger's HTTP API (`--ledger-url`); an EVM devnet has none, so its
  // nodes run without relays (clients poll).
  const relays = runsRelays(context) && manifest.ledger !== 'evm';
  if (relays) {
    if (!tracker.running('relays')) tracker.start('relays', manifest.nodes.length);
    await spawnRelays(context, manifest.nodes);
  }
  tracker.start('processes', manifest.nodes.length);
  await Promise.all(manifest.nodes.map(ensureNodePortFree));
  let spawned = 0;
  for (const node of manifest.nodes) {
    checkAborted(signal);
    spawnNode(context, node, { savePids: false });
    tracker.progress('processes', ++spawned, manifest.nodes.length, node.name);
  }
  savePids(context);
  tracker.done('processes');

  const ledger = context.processes.get(LEDGER) as ManagedProcess;
  const nodeProcs = manifest.nodes.map(
    (node) => context.processes.get(node.name) as ManagedProcess,
  );
  const relayProcs = relays
    ? manifest.nodes.map((node) => context.processes.get(relayName(node.name)) as ManagedProcess)
    : [];
  const exitPorts = new Map(manifest.nodes.map((node) => [node.name, node.storagePort]));
  if (relays) {
    for (const node of manifest.nodes) exitPorts.set(relayName(node.name), node.relayPort);
  }
  const watch = exitWatch(
    [ledger, ...nodeProcs, ...relayProcs],
    'while the testnet was starting',
    exitPorts,
  );
  await waitForNodes(context, manifest.nodes, {
    active: true,
    healthy: true,
    timeoutMs: context.readyTimeoutMs,
    signal,
    failure: Promise.race([watch.failure, registrationFailure]),
    tracker,
  });
  if (relays) {
    // Ready once every relay follows the ledger and knows every node's relay.
    await waitForRelays(context, manifest.nodes, {
      expected: manifest.nodes.length,
      timeoutMs: context.readyTimeoutMs,
      signal,
      tracker,
      failure: anyExit(
        [ledger, ...nodeProcs, ...relayProcs],
        'while the relays were starting',
        exitPorts,
      ),
    });
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
  const crypto = await loadCrypto({ mlkem: 'noble' });
  const processes = new Map<string, ManagedProcess>();
  for (const entry of runningRecordedProcesses(readPidsFile(dir))) {
    processes.set(entry.name, adoptProcess(entry));
  }
  const context: Context = {
    dir,
    layout: testnetLayout(dir),
    manifest,
    programs,
    crypto,
    client:
      manifest.ledger === 'evm' && manifest.evm !== undefined
        ? evmLedgerView(
            createEvmLedgerSource(
              {
                rpcUrl: ledgerUrlOf(manifest),
                contract: manifest.evm.staking as `0x${string}`,
                deploymentBlock: BigInt(manifest.evm.deploymentBlock),
                confirmations: 0,
                requirePublicIp: false,
              },
              { crypto },
            ),
          )
        : httpLedgerSource({ url: ledgerUrlOf(manifest) }),
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
