/**
 * A store's crypto job (verify the request signature, sign the hash as the node) and a relay's
 * (peel an onion layer), on a crypto worker thread or inline on the event loop, paired in one
 * process (the machine is shared: A and B alternate, and the table gives the median of the
 * per-pair ratios): `pnpm --filter @murmur/service-node build && pnpm --filter @murmur/bench exec
 * tsx src/service-node-offload.ts`.
 *
 * - A: `createCryptoOffload` with one worker and `inline: false` (every job crosses threads: a
 *   structured clone each way, a message, a wake-up on both threads), as before issue 16's third
 *   pass.
 * - B: the same offload with its default, jobs inline while the loop has room (here always: the
 *   loop is never late).
 *
 * Jobs are asked for as requests arrive under load: `--in-flight` (32) chains, each asking for its
 * next job in the loop turn after its answer. CPU is the whole process's (both threads), per job;
 * the crypto alone is measured in the same process for reference. After each answer the chain
 * busies the event loop for `--work` µs (100: the rest of a request's work on the loop, so that the
 * crypto is a share of the loop's time as in the node, not all of it); that work is in both
 * columns. Flags: `--rounds` (9), `--jobs` per run (4,000), `--in-flight` (32), `--work` (100).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadCrypto } from '@murmur/crypto';
import { buildOnionRequest, type OnionNode } from '@murmur/onion';
import { type CryptoOffload, createCryptoOffload, nodeKeysFromSeed } from '@murmur/service-node';
import { median } from './stats.js';

const { values: flags } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    rounds: { type: 'string', default: '9' },
    jobs: { type: 'string', default: '4000' },
    'in-flight': { type: 'string', default: '32' },
    work: { type: 'string', default: '100' },
  },
});
const ROUNDS = Number(flags.rounds);
const JOBS = Number(flags.jobs);
const IN_FLIGHT = Number(flags['in-flight']);
/** The rest of a request's event-loop work, simulated after each answer, µs of busy loop. */
const WORK_MICROS = Number(flags.work);

function busy(micros: number): void {
  const until = performance.now() + micros / 1000;
  while (performance.now() < until) {
    // the request's other work
  }
}

// The built worker script (the offload runs inline when it cannot find one).
const packageJson = createRequire(import.meta.url).resolve('@murmur/service-node/package.json');
const workerUrl = pathToFileURL(join(dirname(packageJson), 'dist/offload/crypto-worker.js'));

const crypto = await loadCrypto();
const keys = nodeKeysFromSeed(crypto, new Uint8Array(32).fill(7));
const client = crypto.generateIdentity();
const signed = Array.from({ length: 256 }, (_, i) => ({
  pubkey: client.sessionId,
  namespace: 3,
  sig_timestamp: 1_800_000_000_000 + i,
}));
const signatures = signed.map((s) => crypto.signRequest('store', s, client.ed25519.secretKey));
const node: OnionNode = {
  ed25519: keys.ed25519Hex,
  x25519: keys.x25519Hex,
  ip: '127.0.0.1',
  port: 1,
};
const next: OnionNode = { ...node, ed25519: 'ab'.repeat(32) };
const onions: Uint8Array[] = [];
for (let i = 0; i < 64; i++) {
  const request = await buildOnionRequest(crypto, {
    path: [node],
    destination: { type: 'node', node: next },
    payload: { method: 'store', params: { data: 'x'.repeat(400), i } },
  });
  onions.push(request.body);
}

type Kind = 'store' | 'relay';

async function job(offload: CryptoOffload, kind: Kind, i: number): Promise<void> {
  if (kind === 'store') {
    const k = i % signed.length;
    const answer = await offload.verifyRequestAndSign(
      'store',
      signed[k] as (typeof signed)[number],
      signatures[k] as string,
      client.ed25519.publicKey,
      `hash-${i}`,
    );
    if (answer === undefined) throw new Error('a good signature failed');
    return;
  }
  const outcome = await offload.peel(onions[i % onions.length] as Uint8Array);
  if ('refusal' in outcome) throw new Error('a good onion layer was refused');
}

/** CPU µs (both threads) per job over `JOBS` jobs, `IN_FLIGHT` chains. */
async function run(offload: CryptoOffload, kind: Kind): Promise<number> {
  let started = 0;
  const start = process.cpuUsage();
  const chain = async () => {
    while (started < JOBS) {
      const i = started;
      started += 1;
      await job(offload, kind, i);
      busy(WORK_MICROS);
      // The next request arrives in a later loop turn.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, chain));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / JOBS;
}

/** The crypto of one job alone, on this thread, µs of CPU. */
async function floor(kind: Kind): Promise<number> {
  const inline = createCryptoOffload({ workers: 0 }, { crypto, keys });
  const start = process.cpuUsage();
  const count = 1_000;
  for (let i = 0; i < count; i++) await job(inline, kind, i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}

const a = createCryptoOffload(
  { workers: 1, workerUrl, inline: false, idleMs: 600_000 },
  { crypto, keys },
);
const b = createCryptoOffload({ workers: 1, workerUrl, idleMs: 600_000 }, { crypto, keys });
// Warm up both (A's worker started and ready).
for (const kind of ['store', 'relay'] as const) {
  await run(a, kind);
  await run(b, kind);
}
if (a.ready() !== 1) throw new Error('the worker of A did not start');

let out = `crypto jobs, CPU µs per job of both threads, ${WORK_MICROS} µs of other loop work included (${JOBS} jobs per run, ${IN_FLIGHT} in flight, median of ${ROUNDS} pairs):\n\n| job | crypto alone | A: on a worker | B: inline when the loop has room | B / A | B's jobs inline |\n|---|---:|---:|---:|---:|---:|\n`;
for (const kind of ['store', 'relay'] as const) {
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  const inlinedBefore = b.inlined();
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first.
    const x = round % 2 === 0 ? await run(a, kind) : 0;
    const y = await run(b, kind);
    const z = round % 2 === 0 ? x : await run(a, kind);
    as.push(z);
    bs.push(y);
    ratios.push(y / z);
  }
  const share = (b.inlined() - inlinedBefore) / (ROUNDS * JOBS);
  const alone = await floor(kind);
  out += `| ${kind === 'store' ? 'store: verify + sign' : 'relay: peel a layer'} | ${alone.toFixed(1)} | ${median(as).toFixed(1)} | ${median(bs).toFixed(1)} | ${median(ratios).toFixed(2)} | ${Math.round(share * 100)} % |\n`;
}
await a.stop();
await b.stop();
process.stdout.write(out);
