/**
 * The load generator of `service-node.ts`, in a process of its own (so that the server under
 * test and the load do not share an event loop): reads one job as JSON on stdin, prepares the
 * request bodies (signed ones are signed here, before the clock starts), runs autocannon
 * (1 s warm-up, then the measured run) and prints one JSON result line.
 *
 * Job: `{url, connections, seconds, contentType, bodies}` where `bodies` is
 * `{kind: 'fixed', body}` (one body for every request) or
 * `{kind: 'store', count, namespace, bytes}` (signed `store` requests of unique messages, for a
 * fresh account, cycled if the run outlasts them).
 */
import { loadCrypto } from '@murmur/crypto';
import { bytesToHex } from '@murmur/wire';
import autocannon from 'autocannon';
import type { LoadJob } from './node-load.js';

/** What a job asks for. */
type Job = LoadJob;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function bodiesOf(job: Job): Promise<Buffer[]> {
  if (job.bodies.kind === 'fixed') {
    return [Buffer.from(job.bodies.body, job.bodies.base64 ? 'base64' : 'utf8')];
  }
  const crypto = await loadCrypto();
  const identity = crypto.generateIdentity();
  const { count, namespace, bytes } = job.bodies;
  const out: Buffer[] = [];
  const now = Date.now();
  const filler = Buffer.from(crypto.randomBytes(bytes));
  for (let i = 0; i < count; i++) {
    filler.writeUInt32LE(i, 0);
    const params = {
      pubkey: identity.sessionId,
      namespace,
      timestamp: now,
      ttl: 3_600_000,
      data: filler.toString('base64'),
    };
    const signature = crypto.signRequest('store', params, identity.ed25519.secretKey);
    out.push(
      Buffer.from(
        JSON.stringify({
          method: 'store',
          params: { ...params, signature, pubkey_ed25519: bytesToHex(identity.ed25519.publicKey) },
        }),
      ),
    );
  }
  return out;
}

/** Position in the bodies, across the warm-up and the run (no body is sent twice if enough). */
let next = 0;

async function run(job: Job, bodies: Buffer[], seconds: number) {
  return autocannon({
    url: job.url,
    connections: job.connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': job.contentType },
    requests: [
      {
        setupRequest(request: Record<string, unknown>) {
          const body = bodies[next % bodies.length] as Buffer;
          next += 1;
          return { ...request, body };
        },
      },
    ],
  });
}

const job = JSON.parse(await readStdin()) as Job;
const bodies = await bodiesOf(job);
await run(job, bodies, 1);
process.stdout.write('measuring\n');
const cpuBefore = process.cpuUsage();
const result = await run(job, bodies, job.seconds);
const cpuUsed = process.cpuUsage(cpuBefore);
process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMean: result.latency.mean,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    loadCpuMicros: (cpuUsed.user + cpuUsed.system) / Math.max(1, result.requests.total),
  })}\n`,
);
