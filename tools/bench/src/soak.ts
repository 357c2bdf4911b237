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
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadCrypto } from '@murmur/crypto';
import { sleep } from '@murmur/wire';
import { positiveInteger, positiveNumber, scriptArgs } from './args.js';
import {
  devnetProcesses,
  residentKib,
  startDevnetUp,
  stopDevnetUp,
  twoClients,
} from './devnet-run.js';

const { values } = parseArgs({
  args: scriptArgs(),
  options: {
    minutes: { type: 'string', default: '60' },
    nodes: { type: 'string', default: '12' },
    rate: { type: 'string', default: '2' },
    'sample-seconds': { type: 'string', default: '30' },
  },
});
const MINUTES = positiveNumber('--minutes', values.minutes);
const NODES = positiveInteger('--nodes', values.nodes);
const RATE = positiveNumber('--rate', values.rate);
const SAMPLE_MS = positiveNumber('--sample-seconds', values['sample-seconds']) * 1000;

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
  const kib = residentKib(pid);
  return kib === undefined ? undefined : kib / 1024;
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

const run = await startDevnetUp({
  nodes: NODES,
  prefix: 'murmur-soak',
  timeoutMs: 300_000,
  pollMs: 100,
});
try {
  const pids = devnetProcesses(run.devnetDir);
  const logOf = (name: string) => join(run.devnetDir, 'logs', `${name}.log`);

  // Steady traffic.
  const pair = await twoClients(run.devnetDir, await loadCrypto());
  const [alice, bob] = pair.clients;
  // Every text is unique, so a message is lost when it was acknowledged (stored in its swarm)
  // and never arrived, even after the drain at the end; arrivals are counted once per text.
  const arrived = new Set<string>();
  const acknowledged = new Set<string>();
  alice.on('message', (message) => {
    arrived.add(message.text);
  });
  bob.on('message', (message) => {
    arrived.add(message.text);
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
  let settled = 0;
  sample();
  let nextSample = performance.now() + SAMPLE_MS;
  while (performance.now() < end) {
    const [sender, recipient] = sent % 2 === 0 ? [alice, bob] : [bob, alice];
    const text = `soak ${sent}`;
    sender.sendMessage(recipient.sessionId as string, text).then(
      () => {
        acknowledged.add(text);
        settled += 1;
      },
      () => {
        failed += 1;
        settled += 1;
      },
    );
    sent += 1;
    await sleep(1000 / RATE);
    if (performance.now() >= nextSample) {
      sample();
      nextSample += SAMPLE_MS;
    }
  }
  sample();
  // Drain: let queued sends settle and acknowledged messages arrive (hang guard: 5 minutes).
  const drainStart = performance.now();
  while (
    (settled < sent || [...acknowledged].some((text) => !arrived.has(text))) &&
    performance.now() - drainStart < 300_000
  ) {
    await sleep(1_000);
  }
  const drainSeconds = (performance.now() - drainStart) / 1000;
  const lost = [...acknowledged].filter((text) => !arrived.has(text)).length;
  await pair.close();

  console.log(
    `soak: ${NODES} nodes, ${MINUTES} min, ${sent} messages sent: ${acknowledged.size} acknowledged, ${failed} failed to send, ${sent - settled} still unsettled; ${arrived.size} arrived, ${lost} acknowledged but lost (drain ${drainSeconds.toFixed(0)} s); samples every ${SAMPLE_MS / 1000} s`,
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
} finally {
  // Also when the run fails: nothing of the devnet is left running.
  await stopDevnetUp(run);
}
process.exit(0);
