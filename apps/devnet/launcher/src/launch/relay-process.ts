/**
 * Launching relays: every node gets a `murmur-relay` process beside it (issue 12), with the
 * node's identity (its key file in the node's data directory), listening on the node's address
 * and its registered relay port, following the ledger for who may link and be extended to, and
 * using its own node as the exit's upstream (storage RPC and the monitor endpoint). Devnet
 * relays speak plain `ws` (no TLS: docs/DEVNET.md). A relay's process name is
 * `<node>/relay` (`node-07/relay`), its log `logs/<node>-relay.log`.
 */
import { type Context, ledgerUrlOf, nodeUrl } from '../context.js';
import type { ManifestNode } from '../manifest.js';
import { pollUntil } from '../poll.js';
import { announcedAddress, httpUrl } from '../ports.js';
import { ensurePortFree } from '../processes/exits.js';
import { type ManagedProcess, spawnProcess } from '../processes/managed-process.js';
import { savePids } from '../processes/process-table.js';
import type { ProgressTracker } from '../progress.js';

/** The suffix of a relay's process name. */
export const RELAY_SUFFIX = '/relay';

/** The process name of `node`'s relay (`node-07/relay`). */
export function relayName(nodeName: string): string {
  return `${nodeName}${RELAY_SUFFIX}`;
}

/** The node of a relay's process name (`node-07/relay` → `node-07`), or `undefined`. */
export function relayNodeName(name: string): string | undefined {
  return name.endsWith(RELAY_SUFFIX) ? name.slice(0, -RELAY_SUFFIX.length) : undefined;
}

/** The log file name of a relay (no `/` in file names). */
export function relayLogName(nodeName: string): string {
  return `${nodeName}-relay`;
}

/** The URL clients dial: `ws://<address>:<relayPort>/`. */
export function relayUrl(node: Pick<ManifestNode, 'host' | 'relayPort'>): string {
  return `ws://${announcedAddress(node.host)}:${node.relayPort}/`;
}

/** The relay's `/health` and `/metrics` base URL. */
export function relayHttpUrl(node: Pick<ManifestNode, 'host' | 'relayPort'>): string {
  return httpUrl(announcedAddress(node.host), node.relayPort);
}

/** The `murmur-relay start` flags of `node`'s relay. */
export function relaySettings(
  context: Pick<Context, 'layout' | 'manifest'>,
  node: ManifestNode,
): string[] {
  return [
    '--data-dir',
    context.layout.nodeDir(node.name),
    '--host',
    node.host,
    '--port',
    String(node.relayPort),
    '--ledger-url',
    ledgerUrlOf(context.manifest),
    '--node-url',
    nodeUrl(node),
    '--log-level',
    context.manifest.logLevel,
  ];
}

/** Whether this testnet runs relays (the relay program was given). */
export function runsRelays(context: Pick<Context, 'programs'>): boolean {
  return context.programs.relayCli !== undefined;
}

/** Checks that a relay's port is free. */
export function ensureRelayPortFree(node: ManifestNode): Promise<void> {
  return ensurePortFree(node.host, node.relayPort, relayName(node.name));
}

/**
 * Spawns `murmur-relay start` beside `node` and records it (`savePids: false` leaves writing
 * `pids.json` to the caller).
 */
export function spawnRelay(
  context: Context,
  node: ManifestNode,
  options: { savePids?: boolean } = {},
): ManagedProcess {
  const program = context.programs.relayCli;
  if (program === undefined) throw new Error('this testnet runs no relays (no relay program)');
  const proc = spawnProcess({
    name: relayName(node.name),
    args: [program, 'start', ...relaySettings(context, node)],
    logFile: context.layout.logFile(relayLogName(node.name)),
    env: context.env,
  });
  context.processes.set(proc.name, proc);
  if (options.savePids !== false) savePids(context);
  return proc;
}

/**
 * Spawns the relay of each of `nodes` that has none running yet, after checking that its port
 * is free, and records them in `pids.json`. Resolves the processes spawned.
 *
 * @throws {@link PortInUseError} when a relay's port is taken (nothing is spawned then).
 */
export async function spawnRelays(
  context: Context,
  nodes: readonly ManifestNode[],
): Promise<ManagedProcess[]> {
  const pending = nodes.filter((node) => !context.processes.has(relayName(node.name)));
  await Promise.all(pending.map(ensureRelayPortFree));
  const spawned = pending.map((node) => spawnRelay(context, node, { savePids: false }));
  if (spawned.length > 0) savePids(context);
  return spawned;
}

/** A relay's `/health` answer. */
export interface RelayHealth {
  /** 200 and `status: "ok"` (its ledger follower caught up). */
  ready: boolean;
  /** Relays its directory knows (active nodes with a relay port). */
  relays: number;
  /** Circuits open through it. */
  circuits: number;
  /** The body, or why there is none. */
  text: string;
}

/** A relay's `/health` (never throws: an unreachable relay is not ready). */
export async function relayHealth(
  node: Pick<ManifestNode, 'host' | 'relayPort'>,
  signal?: AbortSignal,
): Promise<RelayHealth> {
  try {
    const response = await fetch(`${relayHttpUrl(node)}/health`, {
      signal:
        signal === undefined
          ? AbortSignal.timeout(2_000)
          : AbortSignal.any([signal, AbortSignal.timeout(2_000)]),
    });
    const text = await response.text();
    const body = JSON.parse(text) as { status?: unknown; relays?: unknown; circuits?: unknown };
    return {
      ready: response.status === 200 && body.status === 'ok',
      relays: typeof body.relays === 'number' ? body.relays : 0,
      circuits: typeof body.circuits === 'number' ? body.circuits : 0,
      text,
    };
  } catch (error) {
    return {
      ready: false,
      relays: 0,
      circuits: 0,
      text: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Waits until the relays of `nodes` are ready and each knows at least `expected` relays (the
 * registered ones: otherwise a client's EXTEND could be refused for a relay not yet followed).
 */
export async function waitForRelays(
  context: Pick<Context, 'layout'>,
  nodes: readonly ManifestNode[],
  wait: {
    expected: number;
    timeoutMs: number;
    signal?: AbortSignal | undefined;
    failure?: Promise<never> | undefined;
    /** Start-up progress: the `relays` step (started here unless it runs already). */
    tracker?: ProgressTracker | undefined;
  },
): Promise<void> {
  const last = new Map<string, string>();
  const ready = new Set<string>();
  const { tracker } = wait;
  if (tracker !== undefined && !tracker.running('relays')) tracker.start('relays', nodes.length);
  await pollUntil(
    async () => {
      await Promise.all(
        nodes
          .filter((node) => !ready.has(node.name))
          .map(async (node) => {
            const health = await relayHealth(node, wait.signal);
            last.set(node.name, health.text);
            if (health.ready && health.relays >= wait.expected) ready.add(node.name);
          }),
      );
      tracker?.progress('relays', ready.size, nodes.length, 'ready');
      if (ready.size < nodes.length) return undefined;
      tracker?.done('relays', `${nodes.length} ready, each knowing ${wait.expected} relays`);
      return true;
    },
    {
      intervalMs: 100,
      timeoutMs: wait.timeoutMs,
      signal: wait.signal,
      failure: wait.failure,
      describeTimeout: () =>
        `relays not ready (knowing ${wait.expected} relays) within ${wait.timeoutMs} ms:\n${nodes
          .filter((node) => !ready.has(node.name))
          .map(
            (node) =>
              `  ${relayName(node.name)}: ${last.get(node.name) ?? '/health not asked yet'}; log: ${context.layout.logFile(relayLogName(node.name))}`,
          )
          .join('\n')}`,
    },
  );
}
