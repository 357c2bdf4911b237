/**
 * Devnet benchmark (`pnpm --filter @murmur/bench run bench:devnet`): what a developer waits for
 * and what the devnet costs, measured on the real command.
 *
 * 1. **Up → all-ready**: `node apps/devnet/dist/cli.js up --nodes N --fresh --base-port 0` is
 *    spawned as people run it, timed from the spawn until its `launcher.json` says `ready` (every
 *    node active in a swarm with its address and its `/health` ready). Several runs on a fresh
 *    directory each; the median and its ratio to the 15 s target; the phases from
 *    `@murmur/testnet`'s progress timings (recorded by `up` in launcher.json), and the same as a
 *    timeline from the spawn of `up`: `loaded` (up's own clock starts), when each step ended
 *    (`stepEnds`: the steps overlap, the relays load beside the funding), `ready`; then, from the
 *    process logs, each node's and each relay's start milestones after its spawn.
 * 2. **Memory**: the resident set (`VmRSS` in `/proc/<pid>/status`) of the ledger and of every
 *    node process once ready, summed and per node (the `up` process itself apart).
 * 3. **Send → receive latency** on the devnet of the last run: two `@murmur/client` clients at the
 *    client's default poll interval with push off (`push: false`); each message is sent at a
 *    random point of the recipient's poll cycle, timed until the recipient's `message` event;
 *    send → stored (the sender's outbox reports the store) is the baseline measured in the same
 *    run. Then the same with two clients whose circuit push source is on (WebSockets from `ws`
 *    to the devnet's relays): messages are timed the same way, and each arrival's delivery path
 *    (`via`: `circuit` or `poll`) is counted.
 *
 * Build first (`npm run bench:devnet` does): the devnet and service-node CLIs, the client.
 *
 * Flags (after `--` with pnpm: `pnpm --filter @murmur/bench run bench:devnet -- --runs 2`):
 * `--nodes N` (default 20), `--runs N` (default 3), `--messages N` (default 40),
 * `--block-time-ms N` (default: the devnet parameter set's).
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DEFAULT_POLL_INTERVAL_MS } from '@murmur/client';
import { loadCrypto } from '@murmur/crypto';
import { TESTNET_STEPS } from '@murmur/testnet';
import { sleep } from '@murmur/wire';
import { positiveInteger, scriptArgs } from './args.js';
import {
  cpuSeconds,
  type DevnetRun,
  devnetCli,
  devnetProcesses,
  phaseEnds,
  residentKib,
  startDevnetUp,
  stopDevnetUp,
  twoClients,
} from './devnet-run.js';
import { median, percentile } from './stats.js';

const TARGET_READY_MS = 15_000;
const STEPS = TESTNET_STEPS;

// The programs, through this package's declared dependency on @murmur/devnet: built?
devnetCli();

const { values } = parseArgs({
  args: scriptArgs(),
  options: {
    nodes: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
    messages: { type: 'string', default: '40' },
    'block-time-ms': { type: 'string' },
  },
});
const nodes = positiveInteger('--nodes', values.nodes);
const runs = positiveInteger('--runs', values.runs);
const messages = positiveInteger('--messages', values.messages);
if (values['block-time-ms'] !== undefined)
  positiveInteger('--block-time-ms', values['block-time-ms']);

function seconds(ms: number): string {
  return `${(ms / 1_000).toFixed(2)} s`;
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

function mib(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

interface Run extends DevnetRun {
  starts?: NodeStart[];
  relayStarts?: NodeStart[];
  /** Where the time went: ms after the spawn of `up` ({@link phaseEnds}). */
  ends?: Record<string, number>;
}

/** Run `index` of `up`: `--nodes`, and `--block-time-ms` when given. */
function startDevnet(index: number): Promise<Run> {
  const args =
    values['block-time-ms'] === undefined ? [] : ['--block-time-ms', values['block-time-ms']];
  return startDevnetUp({
    nodes,
    args,
    prefix: `murmur-bench-devnet-${index}`,
    timeoutMs: 180_000,
    pollMs: 25,
  });
}

/** Milestones of one process's start, ms after its spawn (from its log file). */
type NodeStart = Record<string, number>;

/** A log line of a milestone: its label, and the line it is. */
type Milestone = readonly [label: string, matches: (line: LogLine) => boolean];

interface LogLine {
  testnet?: string;
  time?: string | number;
  msg?: string;
  relays?: number;
}

const MILESTONES: readonly Milestone[] = [
  ['"murmur-node starting"', (line) => line.msg === 'murmur-node starting'],
  ['"murmur-node listening"', (line) => line.msg === 'murmur-node listening'],
  ['"uptime proof accepted"', (line) => line.msg === 'uptime proof accepted'],
  [
    '"node is ready: active in its swarm"',
    (line) => line.msg === 'node is ready: active in its swarm',
  ],
];

/** A relay's milestones; the last one needs the number of nodes (every node's relay known). */
function relayMilestones(nodes: number): Milestone[] {
  return [
    ['"murmur-relay starting"', (line) => line.msg === 'murmur-relay starting'],
    ['"murmur-relay listening"', (line) => line.msg === 'murmur-relay listening'],
    [
      '"directory ready: caught up with the ledger"',
      (line) => line.msg === 'directory ready: caught up with the ledger',
    ],
    [
      `knows all ${nodes} relays ("relays known")`,
      (line) =>
        (line.msg === 'relays known' ||
          line.msg === 'directory ready: caught up with the ledger') &&
        (line.relays ?? 0) >= nodes,
    ],
  ];
}

/**
 * Where a process's start-up time goes, from its log (the testnet's start marker, then pino
 * lines): for a node, spawn → its first log line (loading the program), → listening, → first
 * uptime proof accepted, → ready (active in its swarm); for a relay (`suffix` `-relay`), →
 * loaded, → listening, → caught up with the ledger, → knowing every node's relay.
 */
function processStarts(
  devnetDir: string,
  count: number,
  milestones: readonly Milestone[],
  suffix = '',
): NodeStart[] {
  const starts: NodeStart[] = [];
  for (let index = 1; index <= count; index++) {
    const file = join(devnetDir, 'logs', `node-${String(index).padStart(2, '0')}${suffix}.log`);
    if (!existsSync(file)) continue;
    let spawnedAt: number | undefined;
    const start: NodeStart = {};
    for (const text of readFileSync(file, 'utf8').split('\n')) {
      if (!text.startsWith('{')) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue;
      }
      if (line.testnet === 'start' && typeof line.time === 'string') {
        spawnedAt = Date.parse(line.time);
        continue;
      }
      if (spawnedAt === undefined || typeof line.time !== 'number') continue;
      for (const [label, matches] of milestones) {
        if (start[label] === undefined && matches(line)) start[label] = line.time - spawnedAt;
      }
    }
    starts.push(start);
  }
  return starts;
}

interface Memory {
  ledgerKib: number;
  nodeKib: number[];
  launcherKib: number;
  nodeCpuSeconds: number[];
  relayKib: number[];
}

function measureMemory(run: Run): Memory {
  const processes = devnetProcesses(run.devnetDir);
  const ledger = processes.find((entry) => entry.name === 'ledger');
  const nodePids = processes.filter(
    (entry) => entry.name.startsWith('node-') && !entry.name.endsWith('/relay'),
  );
  const relayPids = processes.filter((entry) => entry.name.endsWith('/relay'));
  return {
    ledgerKib: ledger === undefined ? 0 : (residentKib(ledger.pid) ?? 0),
    nodeKib: nodePids.map((entry) => residentKib(entry.pid) ?? 0),
    launcherKib: residentKib(run.up.pid as number) ?? 0,
    nodeCpuSeconds: nodePids.map((entry) => cpuSeconds(entry.pid) ?? 0),
    relayKib: relayPids.map((entry) => residentKib(entry.pid) ?? 0),
  };
}

interface Latency {
  delivered: number[];
  stored: number[];
  /** Arrivals by delivery path. */
  via: Record<string, number>;
}

async function measureLatency(run: Run, mode: 'poll' | 'circuit'): Promise<Latency> {
  const pair = await twoClients(run.devnetDir, await loadCrypto(), {
    // The devnet's relays speak plain ws (docs/DEVNET.md).
    push: mode === 'poll' ? false : { relayScheme: 'ws' },
  });
  const [alice, bob] = pair.clients;
  const arrivals = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  const via: Record<string, number> = {};
  for (const client of [alice, bob]) {
    client.on('message', (message) => {
      const at = performance.now();
      via[message.via] = (via[message.via] ?? 0) + 1;
      const resolveArrival = waiting.get(message.id);
      if (resolveArrival === undefined) arrivals.set(message.id, at);
      else resolveArrival(at);
    });
  }
  await Promise.all([alice.start(), bob.start()]);
  await Promise.all([
    alice.whenReady({ signal: AbortSignal.timeout(60_000) }),
    bob.whenReady({ signal: AbortSignal.timeout(60_000) }),
  ]);
  if (mode === 'circuit') {
    const deadline = performance.now() + 60_000;
    while (!alice.health().pushConnected || !bob.health().pushConnected) {
      if (performance.now() > deadline) throw new Error('no circuit came up within 60 s');
      await sleep(50);
    }
  }
  const delivered: number[] = [];
  const stored: number[] = [];
  try {
    for (let i = 0; i < messages; i++) {
      const [sender, recipient] = i % 2 === 0 ? [alice, bob] : [bob, alice];
      // Anywhere in the recipient's poll cycle.
      await sleep(Math.random() * DEFAULT_POLL_INTERVAL_MS);
      const sentAt = performance.now();
      const { id } = await sender.sendMessage(recipient.sessionId as string, `message ${i}`);
      // The recipient sees the storage hash, which differs from `id` for a first message to a
      // contact (held while their forward-secrecy keys are fetched).
      const { hash } = await sender.waitForDelivery(id, { signal: AbortSignal.timeout(60_000) });
      stored.push(performance.now() - sentAt);
      const arrived = new Promise<number>((resolveArrival) => {
        const early = arrivals.get(hash);
        if (early === undefined) waiting.set(hash, resolveArrival);
        else resolveArrival(early);
      });
      const at = await Promise.race([arrived, sleep(60_000).then(() => Number.NaN)]);
      if (Number.isNaN(at)) throw new Error(`message ${i} did not arrive within 60 s`);
      delivered.push(at - sentAt);
      waiting.delete(hash);
    }
  } finally {
    await pair.close();
  }
  return { delivered, stored, via };
}

console.log(
  `devnet benchmark: ${nodes} nodes (+ a relay each), ${runs} runs, ${messages} messages; node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${mib(totalmem() / 1024)} RAM, load ${loadAverage()}`,
);
const results: Run[] = [];
let memory: Memory | undefined;
let latency: Latency | undefined;
let circuitLatency: Latency | undefined;
for (let index = 1; index <= runs; index++) {
  const run = await startDevnet(index);
  results.push(run);
  const phases = STEPS.map((step) => `${step} ${seconds(run.launcher.timings?.[step] ?? 0)}`).join(
    ', ',
  );
  console.log(
    `run ${index}: up → all-ready ${seconds(run.readyMs)} (inside up: ${seconds(run.launcher.readyAfterMs ?? Number.NaN)}); step durations: ${phases}; load ${loadAverage()}`,
  );
  run.ends = phaseEnds(run.launcher, run.spawnedAtMs, run.readyMs);
  console.log(
    `  where the time went, from the spawn of up (steps overlap; each is when it ended): ${Object.entries(
      run.ends,
    )
      .map(([step, end]) => `${step} ${seconds(end)}`)
      .join(' → ')}`,
  );
  run.starts = processStarts(run.devnetDir, nodes, MILESTONES);
  run.relayStarts = processStarts(run.devnetDir, nodes, relayMilestones(nodes), '-relay');
  try {
    if (index === runs) {
      await sleep(2_000);
      memory = measureMemory(run);
      latency = await measureLatency(run, 'poll');
      circuitLatency = await measureLatency(run, 'circuit');
    }
  } finally {
    await stopDevnetUp(run);
  }
}

const ready = results.map((run) => run.readyMs);
const readyMedian = median(ready);
console.log('');
console.log(`| figure | median of ${runs} | runs | target | ratio |`);
console.log('|---|---:|---|---:|---:|');
console.log(
  `| up → all-ready, ${nodes} nodes | ${seconds(readyMedian)} | ${ready.map(seconds).join(', ')} | ${seconds(TARGET_READY_MS)} | ${(readyMedian / TARGET_READY_MS).toFixed(2)} |`,
);
for (const step of STEPS) {
  const list = results.map((run) => run.launcher.timings?.[step] ?? 0);
  console.log(
    `| … ${step} (duration) | ${seconds(median(list))} | ${list.map(seconds).join(', ')} | | |`,
  );
}
{
  // The same runs as a timeline: when each phase ended, from the spawn of up.
  const keys = [...new Set(results.flatMap((run) => Object.keys(run.ends ?? {})))];
  console.log('');
  console.log(`| timeline: ends after the spawn of up | median of ${runs} | runs |`);
  console.log('|---|---:|---|');
  for (const key of keys) {
    const list = results
      .map((run) => run.ends?.[key])
      .filter((value): value is number => value !== undefined);
    console.log(`| ${key} | ${seconds(median(list))} | ${list.map(seconds).join(', ')} |`);
  }
}
for (const [what, key, milestones] of [
  ['node', 'starts', MILESTONES],
  ['relay', 'relayStarts', relayMilestones(nodes)],
] as const) {
  const all = results.flatMap((run) => run[key] ?? []);
  if (all.length === 0) continue;
  console.log('');
  console.log(
    `| a ${what}'s start: time after its spawn (${all.length} ${what}s of ${runs} runs) | median | max |`,
  );
  console.log('|---|---:|---:|');
  for (const [label] of milestones) {
    const list = all
      .map((start) => start[label])
      .filter((value): value is number => value !== undefined);
    if (list.length === 0) continue;
    console.log(`| ${label} | ${seconds(median(list))} | ${seconds(Math.max(...list))} |`);
  }
}
if (memory !== undefined) {
  const nodesTotal = memory.nodeKib.reduce((sum, value) => sum + value, 0);
  const total = nodesTotal + memory.ledgerKib;
  console.log('');
  console.log('| memory (VmRSS, once ready) | value |');
  console.log('|---|---:|');
  console.log(`| whole devnet (ledger + ${memory.nodeKib.length} nodes) | ${mib(total)} |`);
  console.log(`| ledger | ${mib(memory.ledgerKib)} |`);
  console.log(
    `| one node: median / min / max | ${mib(median(memory.nodeKib))} / ${mib(Math.min(...memory.nodeKib))} / ${mib(Math.max(...memory.nodeKib))} |`,
  );
  if (memory.relayKib.length > 0) {
    console.log(
      `| ${memory.relayKib.length} relays: total; one relay median / max | ${mib(memory.relayKib.reduce((sum, value) => sum + value, 0))}; ${mib(median(memory.relayKib))} / ${mib(Math.max(...memory.relayKib))} |`,
    );
  }
  console.log(`| murmur-devnet up (the launcher) | ${mib(memory.launcherKib)} |`);
  console.log(
    `| CPU one node used until then: median / max | ${median(memory.nodeCpuSeconds).toFixed(2)} s / ${Math.max(...memory.nodeCpuSeconds).toFixed(2)} s |`,
  );
}
if (latency !== undefined) {
  console.log('');
  console.log(
    `| send → receive, ${latency.delivered.length} messages each, poll every ${DEFAULT_POLL_INTERVAL_MS} ms | p50 | p90 | p99 | max |`,
  );
  console.log('|---|---:|---:|---:|---:|');
  const rows: [string, number[]][] = [
    [`polling only (push: false; via ${JSON.stringify(latency.via)})`, latency.delivered],
    ['… send → stored (baseline)', latency.stored],
  ];
  if (circuitLatency !== undefined) {
    rows.push(
      [`circuits on (via ${JSON.stringify(circuitLatency.via)})`, circuitLatency.delivered],
      ['… send → stored (baseline)', circuitLatency.stored],
    );
  }
  for (const [name, list] of rows) {
    console.log(
      `| ${name} | ${ms(percentile(list, 50))} | ${ms(percentile(list, 90))} | ${ms(percentile(list, 99))} | ${ms(Math.max(...list))} |`,
    );
  }
}
process.exit(0);
