/**
 * Launching service nodes: the `murmur-node` flags of a node (init and start take the same),
 * `murmur-node init` for the nodes without keys (all in one process, see init-runner.ts, or one
 * CLI process each when the program has no `main` export), and `murmur-node start`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { loadNodeKeyFile } from '@murmur/registry/key-files';
import { type Context, ledgerUrlOf } from '../context.js';
import type { ManifestNode } from '../manifest.js';
import { checkAborted, mapLimit } from '../poll.js';
import { announcedAddress } from '../ports.js';
import { ensurePortFree, exitedError } from '../processes/exits.js';
import { type ManagedProcess, readLogFrom, spawnProcess } from '../processes/managed-process.js';
import { savePids } from '../processes/process-table.js';
import { evmNodeFlags } from './evm-chain.js';
import { failedInitNode, initRunnerArgs, NO_MAIN_EXIT_CODE } from './init-runner.js';

/** The `murmur-node` settings of a node, as flags (init and start take the same). */
export function nodeSettings(
  context: Pick<Context, 'layout' | 'manifest'>,
  node: ManifestNode,
): string[] {
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
    ...(context.manifest.ledger === 'evm'
      ? evmNodeFlags(context)
      : ['--ledger-url', ledgerUrlOf(context.manifest)]),
    '--devnet',
    '--rate-limit',
    'false',
    '--log-level',
    context.manifest.logLevel,
  ];
}

/** Checks that a node's storage port is free (naming the process that holds it when not). */
export function ensureNodePortFree(node: ManifestNode): Promise<void> {
  return ensurePortFree(node.host, node.storagePort, node.name);
}

/**
 * Spawns `murmur-node start` for `node` and records it (check its port first); `savePids: false`
 * leaves writing `pids.json` to the caller (once after spawning many).
 */
export function spawnNode(
  context: Context,
  node: ManifestNode,
  options: { savePids?: boolean } = {},
): ManagedProcess {
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
  if (options.savePids !== false) savePids(context);
  return proc;
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
 * init-runner.ts), then reads every node's keys into the manifest entries (`ed25519`,
 * `x25519`); `onDone` is called once per node read.
 *
 * @throws {@link ProcessExitedError} naming the node whose init failed.
 */
export async function initNodes(
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
