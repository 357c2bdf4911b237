/**
 * What `murmur-devnet status` shows: for the ledger, every node of a devnet directory and the
 * relay beside each node (`node-07/relay`, with its open circuits), whether its process runs (pids.json, identity checked), whether it answers `/health`, its swarm
 * and the height it has seen; and the foreground launcher, if one runs.
 */

import { existsSync } from 'node:fs';
import type { Styles } from '@murmur/terminal';
import {
  type RecordedProcess,
  readManifest,
  readPidsFile,
  relayName,
  runningRecordedProcesses,
} from '@murmur/testnet';
import { createNodeFetch } from '@murmur/wire/node';
import { NoDevnetError } from '../errors.js';
import { ledgerUrlOf, reachableAddress } from './devnet-file.js';
import { type LauncherRecord, launcherRunning, readLauncherRecord } from './launcher-file.js';
import { shortSwarm } from './summary.js';
import { formatTable } from './terminal.js';

/** One process of the devnet, as `status` sees it. */
export interface ProcessStatus {
  /** `ledger` or `node-01`, … */
  name: string;
  /** `ip:port`. */
  address: string;
  running: boolean;
  pid: number | null;
  /** `/health` answered 200 ready (the ledger: `status: ok`). */
  ready: boolean;
  /** What `/health` said, for people (`ready`, `503 starting (catching up …)`, `unreachable`). */
  health: string;
  /** Its swarm (16 hex digits), when its `/health` names one. */
  swarm: string | null;
  /** The ledger height it has seen. */
  height: number | null;
  /** Its log file. */
  logFile: string;
  /** A relay: the circuits open through it (`null` for the ledger and nodes). */
  circuits?: number | null;
}

/** The whole devnet. */
export interface DevnetStatus {
  dir: string;
  chainId: string | null;
  ledgerUrl: string;
  seedUrl: string;
  /** The `murmur-devnet up` in the foreground, if it runs. */
  launcher: (LauncherRecord & { running: true }) | null;
  processes: ProcessStatus[];
}

/** Options of {@link collectStatus}. */
export interface CollectStatusInit {
  /** Time limit of each `/health` request, ms (default 2 s). */
  timeoutMs?: number | undefined;
  fetch?: typeof fetch | undefined;
}

/** The fields of a node's or the ledger's `/health` answer that status reads. */
interface HealthBody {
  status?: unknown;
  circuits?: unknown;
  relays?: unknown;
  reason?: unknown;
  swarm?: unknown;
  height?: unknown;
  chainId?: unknown;
}

async function getHealth(
  url: string,
  fetcher: typeof fetch,
  timeoutMs: number,
): Promise<{ httpStatus: number | null; body: HealthBody | undefined; error?: string }> {
  try {
    const response = await fetcher(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const json = (await response.json().catch(() => undefined)) as unknown;
    const body =
      typeof json === 'object' && json !== null && !Array.isArray(json)
        ? (json as HealthBody)
        : undefined;
    return { httpStatus: response.status, body };
  } catch (error) {
    return {
      httpStatus: null,
      body: undefined,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * A process row's health: `unreachable` (no answer), `ready`, or the HTTP status with the
 * `/health` status (`unknown` when it gave none) and `detail`.
 */
function healthText(
  httpStatus: number | null,
  ready: boolean,
  status: string | undefined,
  detail: string,
): string {
  if (httpStatus === null) return 'unreachable';
  return ready ? 'ready' : `${httpStatus} ${status ?? 'unknown'}${detail}`;
}

/**
 * Collects the status of the devnet in `dir`.
 *
 * @throws {@link NoDevnetError} when `dir` holds no devnet.
 */
export async function collectStatus(
  dir: string,
  init: CollectStatusInit = {},
): Promise<DevnetStatus> {
  const manifest = readManifest(dir);
  if (manifest === undefined) {
    throw new NoDevnetError(
      `${dir} holds no devnet (no testnet.json): start one with \`murmur-devnet up\``,
    );
  }
  // Nodes speak HTTPS with self-signed certificates: no checks (and nothing global changed).
  const ownFetch = init.fetch === undefined ? createNodeFetch({ keepAlive: false }) : undefined;
  const fetcher = init.fetch ?? (ownFetch as typeof fetch);
  const timeoutMs = init.timeoutMs ?? 2_000;
  let running: RecordedProcess[] = [];
  try {
    running = runningRecordedProcesses(readPidsFile(dir));
  } catch {
    running = [];
  }
  const pidOf = (name: string) => running.find((entry) => entry.name === name)?.pid ?? null;
  const ledgerUrl = ledgerUrlOf(manifest);
  const launcherRecord = readLauncherRecord(dir);
  const launcher =
    launcherRecord !== undefined && launcherRunning(launcherRecord)
      ? { ...launcherRecord, running: true as const }
      : null;

  const ledgerProbe = getHealth(ledgerUrl, fetcher, timeoutMs);
  const nodeProbes = manifest.nodes.map(async (node): Promise<ProcessStatus> => {
    const ip = reachableAddress(node.host);
    const pid = pidOf(node.name);
    const answer = await getHealth(`https://${ip}:${node.storagePort}`, fetcher, timeoutMs);
    const body = answer.body;
    const status = typeof body?.status === 'string' ? body.status : undefined;
    const ready = answer.httpStatus === 200 && status === 'ready';
    const reason = typeof body?.reason === 'string' ? ` (${body.reason})` : '';
    const swarm = typeof body?.swarm === 'string' ? body.swarm.padStart(16, '0') : null;
    const height = typeof body?.height === 'number' ? body.height : null;
    return {
      name: node.name,
      address: `${ip}:${node.storagePort}`,
      running: pid !== null,
      pid,
      ready,
      health: healthText(answer.httpStatus, ready, status, reason),
      swarm,
      height,
      logFile: `${dir}/logs/${node.name}.log`,
    };
  });
  // Every node's relay (`node-07/relay`, plain HTTP `/health` on its relay port); a devnet
  // started before relays existed has neither a recorded relay nor a relay log: no row.
  const relayProbes = manifest.nodes.map(async (node): Promise<ProcessStatus | undefined> => {
    const ip = reachableAddress(node.host);
    const name = relayName(node.name);
    const pid = pidOf(name);
    const logFile = `${dir}/logs/${node.name}-relay.log`;
    if (pid === null && !existsSync(logFile)) return undefined;
    const answer = await getHealth(`http://${ip}:${node.relayPort}`, fetcher, timeoutMs);
    const body = answer.body;
    const ready = answer.httpStatus === 200 && body?.status === 'ok';
    const relays = typeof body?.relays === 'number' ? ` (knows ${body.relays} relays)` : '';
    return {
      name,
      address: `ws://${ip}:${node.relayPort}/`,
      running: pid !== null,
      pid,
      ready,
      health: healthText(
        answer.httpStatus,
        ready,
        typeof body?.status === 'string' ? body.status : undefined,
        relays,
      ),
      swarm: null,
      height: null,
      logFile,
      circuits: typeof body?.circuits === 'number' ? body.circuits : null,
    };
  });
  const [ledgerAnswer, nodes, relays] = await Promise.all([
    ledgerProbe,
    Promise.all(nodeProbes),
    Promise.all(relayProbes),
  ]).finally(() => ownFetch?.close());
  const ledgerPid = pidOf('ledger');
  const ledgerOk = ledgerAnswer.httpStatus === 200 && ledgerAnswer.body?.status === 'ok';
  const ledger: ProcessStatus = {
    name: 'ledger',
    address: `${manifest.host}:${manifest.ledgerPort}`,
    running: ledgerPid !== null,
    pid: ledgerPid,
    ready: ledgerOk,
    health:
      ledgerAnswer.httpStatus === null
        ? 'unreachable'
        : ledgerOk
          ? 'ready'
          : `${ledgerAnswer.httpStatus}`,
    swarm: null,
    height: typeof ledgerAnswer.body?.height === 'number' ? ledgerAnswer.body.height : null,
    logFile: `${dir}/logs/ledger.log`,
  };
  const chainId =
    typeof ledgerAnswer.body?.chainId === 'string'
      ? ledgerAnswer.body.chainId
      : (manifest.chainId ?? null);
  return {
    dir,
    chainId,
    ledgerUrl,
    seedUrl: `${ledgerUrl}/json_rpc`,
    launcher,
    processes: [
      ledger,
      ...nodes.flatMap((node, index) => {
        const relay = relays[index];
        return relay === undefined ? [node] : [node, relay];
      }),
    ],
  };
}

/** The status as text for people. */
export function formatStatus(status: DevnetStatus, styles: Styles): string {
  const launcher =
    status.launcher === null
      ? styles.dim('no `murmur-devnet up` in the foreground')
      : `murmur-devnet up pid ${status.launcher.pid} (${status.launcher.state}${status.launcher.readyAt === undefined ? '' : ` since ${status.launcher.readyAt}`})`;
  const rows = status.processes.map((entry) => [
    entry.name,
    entry.running ? styles.green(`running ${entry.pid}`) : styles.yellow('stopped'),
    entry.ready ? styles.green('yes') : styles.yellow(entry.health),
    shortSwarm(entry.swarm),
    entry.height === null ? '-' : String(entry.height),
    entry.circuits === undefined || entry.circuits === null ? '-' : String(entry.circuits),
    entry.address,
  ]);
  const ready = status.processes.filter((entry) => entry.ready).length;
  return [
    `Devnet in ${status.dir}: chain ${status.chainId ?? '?'}, ${launcher}`,
    `Seed endpoint ${styles.cyan(status.seedUrl)}`,
    '',
    ...formatTable(
      ['name', 'process', 'ready', 'swarm', 'height', 'circuits', 'address'],
      rows,
      styles,
    ),
    '',
    `${ready} of ${status.processes.length} ready.`,
    '',
  ].join('\n');
}
