/**
 * What the devnet benchmarks share (`devnet.ts`, `soak.ts`): `murmur-devnet up` in the
 * background until its `launcher.json` says ready, `down` again, the devnet's processes (from
 * its `pids.json`, read by `@murmur/testnet`), two clients on its seed, and what `/proc` says of
 * a process (resident memory, CPU time). The programs come through this package's declared
 * dependency on `@murmur/devnet`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type ClientInit,
  createClient,
  createMemoryStorage,
  type MurmurClient,
} from '@murmur/client';
import type { MurmurCrypto } from '@murmur/crypto';
import { devnetPrograms } from '@murmur/devnet';
import { type RecordedProcess, readPidsFile } from '@murmur/testnet';
import { sleep } from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { WebSocket } from 'ws';

/** The `murmur-devnet` program, checked to be built (with the `murmur-node` it starts). */
export function devnetCli(): string {
  const programs = devnetPrograms();
  for (const file of [programs.ledgerCli, programs.nodeCli]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm build\` first`);
  }
  return programs.ledgerCli;
}

/** What `launcher.json` says (the fields the benchmarks read). */
export interface LauncherRecord {
  state?: string;
  /** When `up` started on its own clock (after loading its program), ISO. */
  startedAt?: string;
  readyAfterMs?: number;
  timings?: Record<string, number>;
  /** When each start-up step ended, ms after `up` started. */
  stepEnds?: Record<string, number>;
}

/**
 * Where an `up` run's time went, each figure ms after the spawn of `up`: `loaded` (its own clock
 * starts: the program is loaded), the end of each start-up step, `ready` (launcher.json says
 * so, as the benchmark saw it). Steps the record does not give are absent.
 */
export function phaseEnds(
  launcher: LauncherRecord,
  spawnedAtMs: number,
  readyMs: number,
): Record<string, number> {
  const ends: Record<string, number> = {};
  const started = launcher.startedAt === undefined ? Number.NaN : Date.parse(launcher.startedAt);
  if (Number.isFinite(started)) {
    const loaded = started - spawnedAtMs;
    ends['loaded'] = loaded;
    const steps = Object.entries(launcher.stepEnds ?? {}).sort((a, b) => a[1] - b[1]);
    for (const [step, end] of steps) ends[step] = loaded + end;
  }
  ends['ready'] = readyMs;
  return ends;
}

/** A devnet `up` running in the background. */
export interface DevnetRun {
  /** The run's folder: `devnet/` (the devnet) and `up.out` (what `up` printed). */
  dir: string;
  devnetDir: string;
  up: ChildProcess;
  /** From the spawn of `up` to its `launcher.json` saying ready, ms. */
  readyMs: number;
  /** The spawn of `up`, wall clock (`Date.now()`), ms. */
  spawnedAtMs: number;
  /** The ready `launcher.json`. */
  launcher: LauncherRecord;
}

/** Options of {@link startDevnetUp}. */
export interface DevnetUpOptions {
  nodes: number;
  /** More flags of `up` (`--block-time-ms`, …). */
  args?: readonly string[];
  /** Prefix of the temporary folder. */
  prefix: string;
  /** Give up after this long, ms. */
  timeoutMs: number;
  /** Time between two reads of `launcher.json`, ms. */
  pollMs: number;
}

/** The ready state of a `launcher.json` text, or undefined (not ready, being written). */
export function readyLauncher(text: string): LauncherRecord | undefined {
  try {
    const record = JSON.parse(text) as LauncherRecord;
    return record.state === 'ready' ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `murmur-devnet up --nodes N --fresh --base-port 0` detached (its output in `up.out`, no
 * colours, without this process's loader hooks) and resolves once its `launcher.json` says
 * ready.
 *
 * @throws when `up` exits first or is not ready within `timeoutMs`, with what it printed.
 */
export async function startDevnetUp(options: DevnetUpOptions): Promise<DevnetRun> {
  const cli = devnetCli();
  const dir = mkdtempSync(join(tmpdir(), `${options.prefix}-`));
  const devnetDir = join(dir, 'devnet');
  const out = openSync(join(dir, 'up.out'), 'a');
  const { NODE_OPTIONS: _hooks, ...env } = process.env;
  const args = ['up', '--nodes', String(options.nodes), '--fresh', '--base-port', '0'];
  const started = performance.now();
  const spawnedAtMs = Date.now();
  const up = spawn(process.execPath, [cli, ...args, '--dir', devnetDir, ...(options.args ?? [])], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...env, NO_COLOR: '1' },
  });
  closeSync(out);
  let exited = false;
  up.once('exit', () => {
    exited = true;
  });
  const launcherFile = join(devnetDir, 'launcher.json');
  for (;;) {
    const launcher = existsSync(launcherFile)
      ? readyLauncher(readFileSync(launcherFile, 'utf8'))
      : undefined;
    if (launcher !== undefined) {
      return { dir, devnetDir, up, readyMs: performance.now() - started, spawnedAtMs, launcher };
    }
    if (exited || performance.now() - started > options.timeoutMs) {
      throw new Error(
        `murmur-devnet up did not get ready (logs kept in ${devnetDir}/logs); its output:\n${readFileSync(join(dir, 'up.out'), 'utf8')}`,
      );
    }
    await sleep(options.pollMs);
  }
}

/** Runs `murmur-devnet <args>` and resolves its exit code. */
export function runDevnetCli(args: readonly string[], timeoutMs = 120_000): Promise<number> {
  const cli = devnetCli();
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { timeout: timeoutMs }, (error) => {
      done(error === null ? 0 : typeof error.code === 'number' ? error.code : 1);
    });
  });
}

/** `murmur-devnet down`, waits (at most 30 s) for `up` to exit, deletes the run's folder. */
export async function stopDevnetUp(run: DevnetRun): Promise<void> {
  const exit = new Promise<void>((done) => {
    if (run.up.exitCode !== null) done();
    else run.up.once('exit', () => done());
  });
  await runDevnetCli(['down', '--dir', run.devnetDir]);
  await Promise.race([exit, sleep(30_000)]);
  rmSync(run.dir, { recursive: true, force: true });
}

/** The devnet's ledger and node processes, as its `pids.json` records them. */
export function devnetProcesses(devnetDir: string): RecordedProcess[] {
  return readPidsFile(devnetDir).processes.filter(
    (entry) => entry.name === 'ledger' || entry.name.startsWith('node-'),
  );
}

/** Two clients on a devnet, and how to end them. */
export interface ClientPair {
  clients: [MurmurClient, MurmurClient];
  /** Stops both clients and closes their connections to the nodes. */
  close(): Promise<void>;
}

/** Options of {@link twoClients}. */
export interface TwoClientsOptions {
  /**
   * The clients' `push` setting: `false` polls only; `true` or an object (the devnet's relays
   * speak plain ws: `{ relayScheme: 'ws' }`) turns the circuit push source on, its WebSockets
   * from `ws`. Not given: the client's default, with no WebSocket given (Node 20 has no global
   * one), so the clients poll.
   */
  push?: ClientInit['push'];
}

/**
 * Two clients (in-memory storage, new accounts) on the devnet's seed, not started. They talk
 * HTTPS to the nodes, whose certificates are self-signed (as Session's): the injected fetch does
 * not check them, nor do the WebSockets to the relays; nothing global is changed.
 */
export async function twoClients(
  devnetDir: string,
  crypto: MurmurCrypto,
  options: TwoClientsOptions = {},
): Promise<ClientPair> {
  const devnet = JSON.parse(readFileSync(join(devnetDir, 'devnet.json'), 'utf8')) as {
    seed: { url: string };
  };
  const nodeFetch = createNodeFetch();
  const make = () =>
    createClient(
      {
        seeds: [devnet.seed.url],
        nodeScheme: 'https',
        ...(options.push === undefined ? {} : { push: options.push }),
      },
      {
        crypto,
        storage: createMemoryStorage(),
        fetch: nodeFetch,
        ...(options.push === undefined
          ? {}
          : {
              webSocket: (url: string) =>
                new WebSocket(url, { rejectUnauthorized: false, maxPayload: 2048 }),
            }),
      },
    );
  const alice = make();
  const bob = make();
  await alice.account.create();
  await bob.account.create();
  return {
    clients: [alice, bob],
    async close() {
      await Promise.all([alice.stop(), bob.stop()]);
      nodeFetch.close();
    },
  };
}

/** VmRSS of `pid` in KiB, or undefined (gone, or not Linux). */
export function residentKib(pid: number, procRoot = '/proc'): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`${procRoot}/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) `pid` has used, or undefined. */
export function cpuSeconds(pid: number, procRoot = '/proc'): number | undefined {
  try {
    const stat = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
