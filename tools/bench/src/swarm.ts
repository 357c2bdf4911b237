/**
 * Swarm benchmarks (`pnpm --filter @murmur/bench run bench:swarm`; build @murmur/wire and
 * @murmur/swarm first). Prints the median of several runs for:
 * - assignSwarms on a 10,000-node network with 1% churn (100 nodes leave, 100 join), target 50 ms;
 * - assignSwarms from scratch on 10,000 unassigned nodes (no target; reported against 50 ms);
 * - swarmFor over 1,000,000 random pubkeys with a prepared index, target 1 s (33-byte keys; the
 *   66-character hex Session ID form is reported too).
 * Every input comes from a fixed-seed mt19937_64, so runs are comparable.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { assignSwarms, createSwarmIndex, Mt19937_64, swarmMembers } from '@murmur/swarm';
import { median } from './stats.js';

const NODE_COUNT = 10_000;
const CHURN = 100;
const PUBKEY_COUNT = 1_000_000;

/** Fills `bytes` with mt19937_64 output. */
function fill(rng: Mt19937_64, bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset + 8 <= bytes.length) {
    view.setUint32(offset, rng.nextHigh());
    view.setUint32(offset + 4, rng.lastLow());
    offset += 8;
  }
  for (; offset < bytes.length; offset++) bytes[offset] = rng.nextHigh() & 0xff;
}

function nodeKeys(rng: Mt19937_64, count: number): string[] {
  const key = new Uint8Array(32);
  return Array.from({ length: count }, () => {
    fill(rng, key);
    return Buffer.from(key).toString('hex');
  });
}

function blockHash(rng: Mt19937_64): Uint8Array {
  const hash = new Uint8Array(32);
  fill(rng, hash);
  return hash;
}

/** Runs `body` `warmups` times unmeasured, then `runs` times; returns the times in ms. */
function measure(runs: number, warmups: number, body: (run: number) => void): number[] {
  for (let i = 0; i < warmups; i++) body(-1 - i);
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    body(run);
    times.push(performance.now() - start);
  }
  return times;
}

interface Row {
  name: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
  targetMs: number;
  note: string;
}

function row(name: string, times: number[], targetMs: number, note = ''): Row {
  return {
    name,
    medianMs: median(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    runs: times.length,
    targetMs,
    note,
  };
}

const rows: Row[] = [];
const rng = new Mt19937_64(20_260_101n);

// 1. A 10,000-node network built by the algorithm, then 1% churn per block.
const keys = nodeKeys(rng, NODE_COUNT);
const network = assignSwarms(new Map(), keys, blockHash(rng));
const swarmCount = swarmMembers(network).size;
const churnInputs = Array.from({ length: 25 }, () => {
  const leaving = new Set<number>();
  while (leaving.size < CHURN) leaving.add(Number(rng.next() % BigInt(NODE_COUNT)));
  const active = keys.filter((_, i) => !leaving.has(i)).concat(nodeKeys(rng, CHURN));
  return { active, hash: blockHash(rng) };
});
const churnTimes = measure(20, 5, (run) => {
  const input = churnInputs[run < 0 ? -1 - run : run + 5] as (typeof churnInputs)[number];
  assignSwarms(network, input.active, input.hash);
});
rows.push(
  row(
    `assignSwarms, ${NODE_COUNT} nodes, 1% churn (${CHURN} leave + ${CHURN} join)`,
    churnTimes,
    50,
  ),
);

// 2. From scratch: 10,000 unassigned nodes (the new-swarm step runs after every node).
const scratchHashes = Array.from({ length: 10 }, () => blockHash(rng));
const scratchTimes = measure(7, 3, (run) => {
  assignSwarms(new Map(), keys, scratchHashes[run < 0 ? -1 - run : run + 3] as Uint8Array);
});
rows.push(
  row(
    `assignSwarms, ${NODE_COUNT} unassigned nodes (from scratch)`,
    scratchTimes,
    50,
    'no target; ratio to the incremental target',
  ),
);

// 3. 1,000,000 pubkeys against the swarms of that network.
const index = createSwarmIndex([...swarmMembers(network).keys()]);
const pubkeyBytes = new Uint8Array(PUBKEY_COUNT * 33);
fill(rng, pubkeyBytes);
const pubkeys = Array.from({ length: PUBKEY_COUNT }, (_, i) => {
  const key = pubkeyBytes.subarray(i * 33, i * 33 + 33);
  key[0] = 0x05;
  return key;
});
// Counting the pubkeys of the first swarm keeps the lookups observable (and checks the data).
const firstSwarm = index.ids[0];
let firstSwarmHits = 0;
const bytesTimes = measure(5, 1, () => {
  for (const pubkey of pubkeys) if (index.swarmFor(pubkey) === firstSwarm) firstSwarmHits++;
});
rows.push(row(`swarmFor, ${PUBKEY_COUNT} pubkeys (33 bytes)`, bytesTimes, 1000));

const sessionIds = pubkeys.map((key) => Buffer.from(key).toString('hex'));
const hexTimes = measure(5, 1, () => {
  for (const sessionId of sessionIds)
    if (index.swarmFor(sessionId) === firstSwarm) firstSwarmHits++;
});
rows.push(row(`swarmFor, ${PUBKEY_COUNT} Session IDs (66 hex)`, hexTimes, 1000));

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`Swarm benchmarks: Node ${process.version}, ${cpus().length} cores (${cpu})`);
console.log(
  `Network: ${NODE_COUNT} nodes in ${swarmCount} swarms; ${(firstSwarmHits / 12).toFixed(0)} of ${PUBKEY_COUNT} pubkeys map to the first swarm (mean per swarm: ${(PUBKEY_COUNT / swarmCount).toFixed(0)})`,
);
console.log('');
console.log('| benchmark | median | min | max | runs | target | ratio to target |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const ratio = (r.medianMs / r.targetMs).toFixed(2);
  console.log(
    `| ${r.name} | ${r.medianMs.toFixed(1)} ms | ${r.minMs.toFixed(1)} ms | ${r.maxMs.toFixed(1)} ms | ${r.runs} | ${r.targetMs} ms | ${ratio}${r.note ? ` (${r.note})` : ''} |`,
  );
}
