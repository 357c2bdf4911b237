/**
 * Soak (issue 10): `pnpm --filter @murmur/bench run soak -- --minutes 60`. Starts a devnet
 * (`murmur-devnet up`, `--nodes`, default 12), drives steady traffic through it for the chosen
 * time (two `@murmur/client` clients sending each other `--rate` messages a second, default 2,
 * through onion paths, plus their polling), samples every process (the ledger and each node)
 * every `--sample-seconds` (default 30): resident memory (VmRSS), open files (`/proc/<pid>/fd`)
 * and the size of its log file; and prints, per process, the least-squares slope of RSS (MiB/h)
 * and of open files (per hour) over the run, and the log growth (KiB/h). A leak shows as a
 * slope that stays positive however long the run; minutes are enough to check the command.
 *
 * Build first: `pnpm build` (the devnet and service-node CLIs, the client).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient, createMemoryStorage } from '@murmur/client';
import { loadCrypto } from '@murmur/crypto';
import { createNodeFetch } from '@murmur/wire/node';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    minutes: { type: 'string', default: '60' },
    nodes: { type: 'string', default: '12' },
    rate: { type: 'string', default: '2' },
    'sample-seconds': { type: 'string', default: '30' },
  },
});
const MINUTES = Number(values.minutes);
const NODES = Number(values.nodes);
const RATE = Number(values.rate);
const SAMPLE_MS = Number(values['sample-seconds']) * 1000;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CLI = join(root, 'apps', 'devnet', 'dist', 'cli.js');
for (const file of [CLI, join(root, 'apps', 'service-node', 'dist', 'cli.js')]) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm build\` first`);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Least-squares slope of `y` over `x`. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((sum, p) => sum + p.x, 0) / n;
  const my = points.reduce((sum, p) => sum + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

function rssMib(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

function openFiles(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function runCli(args: string[]): Promise<void> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], () => done());
  });
}

const dir = mkdtempSync(join(tmpdir(), 'murmur-soak-'));
const devnetDir = join(dir, 'devnet');
const out = openSync(join(dir, 'up.out'), 'a');
const { NODE_OPTIONS: _hooks, ...env } = process.env;
const up: ChildProcess = spawn(
  process.execPath,
  [CLI, 'up', '--nodes', String(NODES), '--fresh', '--base-port', '0', '--dir', devnetDir],
  { detached: true, stdio: ['ignore', out, out], env: { ...env, NO_COLOR: '1' } },
);
closeSync(out);
const started = performance.now();
for (;;) {
  try {
    const record = JSON.parse(readFileSync(join(devnetDir, 'launcher.json'), 'utf8')) as {
      state?: string;
    };
    if (record.state === 'ready') break;
  } catch {
    // Not written yet.
  }
  if (up.exitCode !== null || performance.now() - started > 300_000) {
    throw new Error(`the devnet did not get ready:\n${readFileSync(join(dir, 'up.out'), 'utf8')}`);
  }
  await sleep(100);
}
const pids = (
  JSON.parse(readFileSync(join(devnetDir, 'pids.json'), 'utf8')) as {
    processes: { name: string; pid: number }[];
  }
).processes.filter((entry) => entry.name === 'ledger' || entry.name.startsWith('node-'));
const logOf = (name: string) => join(devnetDir, 'logs', `${name}.log`);

// Steady traffic.
const devnet = JSON.parse(readFileSync(join(devnetDir, 'devnet.json'), 'utf8')) as {
  seed: { url: string };
};
const crypto = await loadCrypto();
const nodeFetch = createNodeFetch();
const make = () =>
  createClient(
    { seeds: [devnet.seed.url], nodeScheme: 'https' },
    // The nodes serve HTTPS with self-signed certificates (pinned by key, not by a CA).
    { crypto, storage: createMemoryStorage(), fetch: nodeFetch },
  );
const alice = make();
const bob = make();
await alice.account.create();
await bob.account.create();
let received = 0;
alice.on('message', () => {
  received += 1;
});
bob.on('message', () => {
  received += 1;
});
await Promise.all([alice.start(), bob.start()]);
await Promise.all([
  alice.whenReady({ signal: AbortSignal.timeout(60_000) }),
  bob.whenReady({ signal: AbortSignal.timeout(60_000) }),
]);

const samples = new Map<string, { t: number; rss: number; fds: number; log: number }[]>();
function sample(): void {
  const t = (performance.now() - soakStart) / 3_600_000;
  for (const { name, pid } of pids) {
    const rss = rssMib(pid);
    const fds = openFiles(pid);
    if (rss === undefined || fds === undefined) continue;
    const list = samples.get(name) ?? [];
    list.push({ t, rss, fds, log: fileBytes(logOf(name)) });
    samples.set(name, list);
  }
}

const soakStart = performance.now();
const end = soakStart + MINUTES * 60_000;
let sent = 0;
let failed = 0;
sample();
let nextSample = performance.now() + SAMPLE_MS;
while (performance.now() < end) {
  const [sender, recipient] = sent % 2 === 0 ? [alice, bob] : [bob, alice];
  sender.sendMessage(recipient.sessionId as string, `soak ${sent}`).catch(() => {
    failed += 1;
  });
  sent += 1;
  await sleep(1000 / RATE);
  if (performance.now() >= nextSample) {
    sample();
    nextSample += SAMPLE_MS;
  }
}
sample();
await Promise.all([alice.stop(), bob.stop()]);
nodeFetch.close();

console.log(
  `soak: ${NODES} nodes, ${MINUTES} min, ${sent} messages sent (${failed} failed to send), ${received} received; samples every ${SAMPLE_MS / 1000} s`,
);
console.log(
  'process    RSS start → end MiB   RSS slope MiB/h   fds start → end   fds slope /h   log KiB/h',
);
let totalLog = 0;
for (const { name } of pids) {
  const list = samples.get(name) ?? [];
  if (list.length < 2) continue;
  const first = list[0] as (typeof list)[0];
  const last = list[list.length - 1] as (typeof list)[0];
  const hours = last.t - first.t;
  const logRate = hours > 0 ? (last.log - first.log) / 1024 / hours : Number.NaN;
  totalLog += last.log - first.log;
  console.log(
    `${name.padEnd(10)} ${`${first.rss.toFixed(1)} → ${last.rss.toFixed(1)}`.padEnd(21)} ${slope(
      list.map((s) => ({ x: s.t, y: s.rss })),
    )
      .toFixed(1)
      .padStart(15)}   ${`${first.fds} → ${last.fds}`.padEnd(16)} ${slope(
      list.map((s) => ({ x: s.t, y: s.fds })),
    )
      .toFixed(1)
      .padStart(12)}   ${logRate.toFixed(1)}`,
  );
}
console.log(`logs grew by ${(totalLog / 1024).toFixed(1)} KiB in all`);

await runCli(['down', '--dir', devnetDir]);
await Promise.race([
  new Promise<void>((done) => (up.exitCode !== null ? done() : up.once('exit', () => done()))),
  sleep(30_000),
]);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
