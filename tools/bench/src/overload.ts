/**
 * Abuse and overload benchmark of one service node (issue 10): `pnpm --filter @murmur/bench run
 * bench:overload` (build the node first: `pnpm --filter @murmur/service-node build`).
 *
 * Every node is a real `murmur-node start` process (static network, defaults otherwise: the rate
 * limiter and the shedding on). `--cli <path>` runs another build, `--compare <path>` a second
 * one, B, after the first, A: same scenarios, same machine, one run. Scenarios, each on a fresh
 * node:
 *
 * 1. **Large answers** (finding 1): 104 unsigned stores of 76,800 bytes to namespace -10 of one
 *    account, then one `batch` of 20 unsigned `retrieve`s (`max_size: -1`): answer size and
 *    time; then four such batches at once while `/health` is asked every 50 ms: its latency
 *    (median, max); the node's resident memory (RSS) peak and a few seconds after.
 * 2. **Slow bodies** (finding 2): 150 connections from one address send the headers of a
 *    10 MiB body and `--body-kib` (4,096) of it, then stall for `--stall` seconds (8): answers
 *    seen, RSS growth during and after.
 * 3. **Overload** (finding 5): the capacity (stores/s of 300-byte messages with 32 clients in
 *    a closed loop), then an open-loop flood at 2× and 10× that rate, from one address and from
 *    200 (127.0.0.x): shed share (503 and 429), p50/p99 of the admitted (2xx) requests against
 *    the bound the node states for them (`--bound-ms`, 10 s: the storage RPC deadline counted
 *    from the request's arrival, docs/OPERATORS.md) and how many exceeded it, `/health` latency
 *    during the load, RSS peak and after, and the recovery time (from the end of the flood to a
 *    `/health` under 50 ms and a store that succeeds). The admitted times are the client's, from
 *    the request's start: they include the wait for the connection to be accepted, which the
 *    node only sees through its event-loop delay. They are also given from the moment the
 *    request had a connection (established, or a kept-alive one handed to it), beside the
 *    node's own view (`murmur_request_age_seconds`: each admitted request's age from its
 *    connection's acceptance when admitted and when answered, p99 as a histogram bucket's
 *    upper bound) and the bench process's own event-loop delay (a starved client measures late).
 *
 * `--https` makes the nodes serve HTTPS (their default; the TLS handshakes are then part of the
 * load), `--node-args "<flags>"` adds flags to every node's `start` (`--listen-backlog 64`).
 *
 * Every node follows a devnet ledger (a child process) and is registered on it (uptime-proofs.ts):
 * its proof timer runs during the scenarios, and each flood reports the proofs the ledger
 * accepted against those expected, and the proofs missed by the ledger's judgement (target:
 * none).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, request as plainRequest } from 'node:http';
import { Agent as HttpsAgent, request as tlsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadCrypto } from '@murmur/crypto';
import { type LocalNode, NODE_PROGRAM } from '@murmur/service-node/local';
import { scriptArgs } from './args.js';
import { median, percentile } from './stats.js';
import { startProofLedger } from './uptime-proofs.js';

const { values: flags } = parseArgs({
  args: scriptArgs(),
  options: {
    cli: { type: 'string' },
    compare: { type: 'string' },
    seconds: { type: 'string', default: '5' },
    stall: { type: 'string', default: '8' },
    'body-kib': { type: 'string', default: '4096' },
    only: { type: 'string' },
    'bound-ms': { type: 'string', default: '10000' },
    capacity: { type: 'string' },
    factors: { type: 'string', default: '2,10' },
    https: { type: 'boolean', default: false },
    'node-args': { type: 'string' },
    addresses: { type: 'string', default: '1,200' },
  },
});
/** Whether the nodes serve HTTPS (their default) rather than plain HTTP. */
const HTTPS = flags.https === true;
const NODE_ARGS = flags['node-args']?.split(/\s+/).filter((arg) => arg !== '') ?? [];
const ADDRESSES = flags.addresses.split(',').map(Number);
type Agent = HttpAgent;
const Agent = (HTTPS ? HttpsAgent : HttpAgent) as typeof HttpAgent;
const httpRequest = (HTTPS ? tlsRequest : plainRequest) as typeof plainRequest;
/** The nodes' certificates are self-signed (their key is checked by clients, not a CA). */
const TLS_OPTIONS = HTTPS ? { rejectUnauthorized: false } : {};
/** The bound on an admitted storage RPC request (the node's `RPC_DEADLINE_MS`), ms. */
const BOUND_MS = Number(flags['bound-ms']);
const FACTORS = flags.factors.split(',').map(Number);
const SECONDS = Number(flags.seconds);
const STALL_SECONDS = Number(flags.stall);
/** How much of each declared 10 MiB body the slow clients send before they stall, KiB. */
const BODY_KIB = Number(flags['body-kib']);
const ONLY = flags.only === undefined ? undefined : new Set(flags.only.split(','));
const wanted = (name: string) => ONLY === undefined || ONLY.has(name);

const builds = [
  flags.cli === undefined ? NODE_PROGRAM : resolvePath(flags.cli),
  ...(flags.compare === undefined ? [] : [resolvePath(flags.compare)]),
];
const work = mkdtempSync(join(tmpdir(), 'murmur-overload-'));
const children = new Set<ChildProcess>();
let stopLedger: () => void = () => undefined;
process.on('exit', () => {
  stopLedger();
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

const crypto = await loadCrypto();
const proofLedger = await startProofLedger(work);
stopLedger = proofLedger.close;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rssMegabytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every 100 ms until stopped; returns the peak. */
function rssSampler(pid: number): () => number {
  let peak = rssMegabytes(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMegabytes(pid));
  }, 100);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssMegabytes(pid));
  };
}

type Node = LocalNode & { ed25519: string };

let counter = 0;
async function startNode(build: string): Promise<Node> {
  counter += 1;
  const node = await proofLedger.startNode(build, join(work, `node-${counter}`), {
    // Plain HTTP unless --https (nodes serve HTTPS by default since issue 9).
    plainHttp: !HTTPS,
    args: NODE_ARGS,
  });
  children.add(node.child);
  return node;
}

async function stopNode(node: Node): Promise<void> {
  await node.stop('SIGKILL');
  children.delete(node.child);
}

const agent = new Agent({ keepAlive: true, maxSockets: 64, ...TLS_OPTIONS });

function get(port: number, path: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent, ...TLS_OPTIONS }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The kernel's `ListenOverflows` and `ListenDrops` (this network namespace, all listeners: other
 * processes' count too): connections the accept queue had no room for, whose handshake the
 * kernel dropped, leaving the client to retransmit (or, with `net.ipv4.tcp_abort_on_overflow`,
 * reset). Zeros where `/proc/net/netstat` is not readable.
 */
function listenCounters(): { overflows: number; drops: number } {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('TcpExt:'));
    const names = (lines[0] ?? '').split(/\s+/);
    const values = (lines[1] ?? '').split(/\s+/).map(Number);
    const read = (name: string) => values[names.indexOf(name)] ?? 0;
    return { overflows: read('ListenOverflows'), drops: read('ListenDrops') };
  } catch {
    return { overflows: 0, drops: 0 };
  }
}

/** What the bench reads from the node's `/metrics`. */
interface NodeFigures {
  /** `murmur_shed_requests_total` by reason (its own view of what it shed). */
  shed: Record<string, number>;
  /** `murmur_request_age_seconds` cumulative bucket counts by stage, then upper bound (s). */
  ages: Record<string, Map<number, number>>;
}

function nodeFigures(port: number): Promise<NodeFigures> {
  return new Promise((resolve) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/metrics', agent, ...TLS_OPTIONS },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          const shed: Record<string, number> = {};
          for (const match of text.matchAll(
            /murmur_shed_requests_total\{reason="([^"]+)"\} (\d+)/g,
          )) {
            shed[match[1] as string] = Number(match[2]);
          }
          const ages: Record<string, Map<number, number>> = {};
          for (const match of text.matchAll(
            /murmur_request_age_seconds_bucket\{le="([^"]+)",stage="([^"]+)"\} (\d+)/g,
          )) {
            const stage = match[2] as string;
            ages[stage] ??= new Map();
            const le = match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
            ages[stage].set(le, Number(match[3]));
          }
          resolve({ shed, ages });
        });
      },
    );
    req.on('error', () => resolve({ shed: {}, ages: {} }));
    req.end();
  });
}

/**
 * A percentile of the requests counted between two readings of a histogram, as the upper bound
 * of the bucket it falls in (s), and how many were counted.
 */
function bucketPercentile(
  before: Map<number, number> | undefined,
  after: Map<number, number> | undefined,
  p: number,
): { value: number; count: number } {
  if (after === undefined) return { value: Number.NaN, count: 0 };
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => (after.get(le) ?? 0) - (before?.get(le) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  if (total === 0) return { value: Number.NaN, count: 0 };
  const index = bounds.findIndex((_le, i) => (counts[i] ?? 0) >= (p / 100) * total);
  return { value: bounds[index] ?? Number.NaN, count: total };
}

interface Answer {
  status: number;
  ms: number;
  /**
   * From the moment the TCP connection was established (the request's start on a reused one) to
   * the answer: without the client's connect time, which includes the SYN retransmissions of a
   * connection the kernel dropped while the node's accept queue was full.
   */
  fromConnectMs: number;
  bytes: number;
  text?: string | undefined;
}

function post(
  port: number,
  body: string,
  options: { localAddress?: string; agent?: Agent | false; keepText?: boolean } = {},
): Promise<Answer> {
  const started = performance.now();
  let connected = started;
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/storage_rpc/v1',
        method: 'POST',
        agent: options.agent ?? agent,
        ...TLS_OPTIONS,
        localAddress: options.localAddress,
        headers: { 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (options.keepText) chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - started,
            fromConnectMs: performance.now() - connected,
            bytes,
            text: options.keepText ? Buffer.concat(chunks).toString() : undefined,
          }),
        );
        res.on('error', () =>
          resolve({ status: -1, ms: performance.now() - started, fromConnectMs: 0, bytes }),
        );
      },
    );
    req.on('socket', (socket) => {
      // A new socket connects later; a reused one is connected already (the time the request
      // waited in the client's agent for a free socket is not the node's).
      connected = performance.now();
      if (socket.connecting) socket.once('connect', () => (connected = performance.now()));
    });
    req.on('error', () =>
      resolve({ status: -1, ms: performance.now() - started, fromConnectMs: 0, bytes: 0 }),
    );
    req.end(body);
  });
}

/** Asks `/health` every 50 ms until stopped; returns the latencies. */
function healthProbe(port: number): () => Promise<number[]> {
  const latencies: number[] = [];
  let running = true;
  const probeAgent = new Agent({ keepAlive: false, ...TLS_OPTIONS });
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await new Promise<void>((resolve) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, path: '/health', agent: probeAgent, ...TLS_OPTIONS },
          (res) => {
            res.resume();
            res.on('end', () => resolve());
          },
        );
        req.on('error', () => resolve());
        req.end();
      });
      latencies.push(performance.now() - started);
      await sleep(50);
    }
  })();
  return async () => {
    running = false;
    await loop;
    return latencies;
  };
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

// ---------------------------------------------------------------------------------------------
// 1. Large answers

async function largeAnswers(build: string): Promise<Record<string, string>> {
  const node = await startNode(build);
  const account = crypto.generateIdentity();
  const data = Buffer.alloc(76_800, 7);
  for (let i = 0; i < 104; i++) {
    data.writeUInt32BE(i, 0);
    const answer = await post(
      node.port,
      JSON.stringify({
        method: 'store',
        params: {
          pubkey: account.sessionId,
          namespace: -10,
          timestamp: Date.now(),
          ttl: 3_600_000,
          data: data.toString('base64'),
        },
      }),
    );
    if (answer.status !== 200) throw new Error(`store answered ${answer.status}`);
  }
  const retrieve = {
    method: 'retrieve',
    params: { pubkey: account.sessionId, namespace: -10, max_size: -1 },
  };
  const batch = JSON.stringify({
    method: 'batch',
    params: { requests: Array.from({ length: 20 }, () => retrieve) },
  });
  const one = await post(node.port, batch, { agent: false });
  const stopRss = rssSampler(node.pid);
  const stopHealth = healthProbe(node.port);
  await sleep(100);
  const fourAt = Date.now();
  const four = await Promise.all([1, 2, 3, 4].map(() => post(node.port, batch, { agent: false })));
  const fourEndedAt = Date.now();
  await sleep(100);
  const health = await stopHealth();
  const peak = stopRss();
  await sleep(3_000);
  const after = rssMegabytes(node.pid);
  await stopNode(node);
  return {
    'batch answer, MiB': fmt(one.bytes / 1024 / 1024, 2),
    'batch time, ms': fmt(one.ms, 0),
    'four batches, ms (slowest)': fmt(Math.max(...four.map((a) => a.ms)), 0),
    '/health during them, ms (median / max)': `${fmt(median(health), 0)} / ${fmt(Math.max(...health), 0)}`,
    'RSS peak / 3 s after, MiB': `${fmt(peak, 0)} / ${fmt(after, 0)}`,
    ...(await proofLedger.figures(node.ed25519, fourAt, fourEndedAt)),
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Slow bodies

async function slowBodies(build: string): Promise<Record<string, string>> {
  const node = await startNode(build);
  const before = rssMegabytes(node.pid);
  const stopRss = rssSampler(node.pid);
  const statuses = new Map<string, number>();
  const sockets = Array.from({ length: 150 }, () => {
    const socket = connect({ host: '127.0.0.1', port: node.port });
    let seen = false;
    socket.on('data', (chunk) => {
      if (seen) return;
      seen = true;
      const status = /^HTTP\/1.1 (\d+)/.exec(chunk.toString('latin1'))?.[1] ?? '?';
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!seen) statuses.set('closed', (statuses.get('closed') ?? 0) + 1);
      seen = true;
    });
    socket.write(
      `POST /storage_rpc/v1 HTTP/1.1\r\nHost: node\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(BODY_KIB * 1024, 0x20));
    return socket;
  });
  const stopHealth = healthProbe(node.port);
  await sleep(STALL_SECONDS * 1000);
  const during = rssMegabytes(node.pid);
  for (const socket of sockets) socket.destroy();
  const health = await stopHealth();
  const peak = stopRss();
  await sleep(3_000);
  const after = rssMegabytes(node.pid);
  await stopNode(node);
  return {
    'answers (status: count)': [...statuses].map(([s, n]) => `${s}: ${n}`).join(', ') || 'none',
    'RSS before / peak / 3 s after close, MiB': `${fmt(before, 0)} / ${fmt(peak, 0)} / ${fmt(after, 0)}`,
    'RSS growth while stalled, MiB': fmt(during - before, 0),
    '/health meanwhile, ms (max)': fmt(Math.max(...health), 0),
  };
}

// ---------------------------------------------------------------------------------------------
// 3. Overload

function storeBody(account: ReturnType<typeof crypto.generateIdentity>, i: number): string {
  const data = Buffer.alloc(300, i % 251);
  data.writeUInt32BE(i, 0);
  return JSON.stringify({
    method: 'store',
    params: {
      pubkey: account.sessionId,
      timestamp: Date.now(),
      ttl: 3_600_000,
      data: data.toString('base64'),
    },
  });
}

async function capacity(port: number): Promise<number> {
  const account = crypto.generateIdentity();
  let done = 0;
  let i = 0;
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (performance.now() < until) {
        const answer = await post(port, storeBody(account, i++));
        if (answer.status === 200) done += 1;
      }
    }),
  );
  return done / SECONDS;
}

async function flood(node: Node, rate: number, addresses: number): Promise<Record<string, string>> {
  const account = crypto.generateIdentity();
  const results: Answer[] = [];
  const pending: Promise<void>[] = [];
  const floodAgent = new Agent({ keepAlive: true, maxSockets: 4_000, ...TLS_OPTIONS });
  const before = await nodeFigures(node.port);
  const listenBefore = listenCounters();
  const shedBefore = before.shed;
  // The bench's own event-loop delay: a starved client times answers late.
  const clientDelay = monitorEventLoopDelay({ resolution: 10 });
  clientDelay.enable();
  const stopRss = rssSampler(node.pid);
  const stopHealth = healthProbe(node.port);
  const started = performance.now();
  const startedAt = Date.now();
  let sent = 0;
  while (performance.now() - started < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < due; sent++) {
      const localAddress =
        addresses === 1
          ? '127.0.0.1'
          : `127.0.${1 + ((sent % addresses) >> 8)}.${1 + ((sent % addresses) & 0xff)}`;
      pending.push(
        post(node.port, storeBody(account, sent), {
          localAddress,
          agent: addresses === 1 ? floodAgent : false,
        }).then((answer) => {
          results.push(answer);
        }),
      );
    }
    await sleep(5);
  }
  const floodEnded = performance.now();
  const floodEndedAt = Date.now();
  await Promise.all(pending);
  clientDelay.disable();
  const listenAfter = listenCounters();
  const health = await stopHealth();
  const peak = stopRss();
  // Recovery: /health under 50 ms and a store that succeeds.
  const probe = crypto.generateIdentity();
  let recovered = Number.NaN;
  for (let attempt = 0; attempt < 600; attempt++) {
    const h = await get(node.port, '/health').catch(() => ({ status: 0, ms: 1e9 }));
    const s = await post(node.port, storeBody(probe, attempt));
    if (h.status === 200 && h.ms < 50 && s.status === 200) {
      recovered = performance.now() - floodEnded;
      break;
    }
    await sleep(50);
  }
  floodAgent.destroy();
  const after = await nodeFigures(node.port);
  const shedAfter = after.shed;
  const nodeAge = (stage: string, p: number) =>
    bucketPercentile(before.ages[stage], after.ages[stage], p);
  const shedReasons = Object.entries(shedAfter)
    .map(([reason, count]) => [reason, count - (shedBefore[reason] ?? 0)] as const)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  const admitted = results.filter((r) => r.status === 200).map((r) => r.ms);
  const admittedFromConnect = results.filter((r) => r.status === 200).map((r) => r.fromConnectMs);
  const shed = results.filter((r) => r.status === 503).length;
  const limited = results.filter((r) => r.status === 429).length;
  const failed = results.filter((r) => r.status <= 0).length;
  await sleep(2_000);
  return {
    requests: String(results.length),
    'shed 503 / 429 / reset, %': `${fmt((100 * shed) / results.length)} / ${fmt((100 * limited) / results.length)} / ${fmt((100 * failed) / results.length)}`,
    'admitted p50 / p99, ms': `${fmt(admitted.length ? percentile(admitted, 50) : Number.NaN, 0)} / ${fmt(admitted.length ? percentile(admitted, 99) : Number.NaN, 0)}`,
    'shed (503) answered p99, ms': fmt(
      shed > 0
        ? percentile(
            results.filter((r) => r.status === 503).map((r) => r.ms),
            99,
          )
        : Number.NaN,
      0,
    ),
    [`admitted over the ${BOUND_MS} ms bound`]: `${admitted.filter((ms) => ms > BOUND_MS).length} of ${admitted.length}`,
    'admitted from connect p50 / p99, ms': `${fmt(admittedFromConnect.length ? percentile(admittedFromConnect, 50) : Number.NaN, 0)} / ${fmt(admittedFromConnect.length ? percentile(admittedFromConnect, 99) : Number.NaN, 0)}`,
    'from connect over the bound': `${admittedFromConnect.filter((ms) => ms > BOUND_MS).length}`,
    'node-side age admitted / answered p99, s (bucket bound; count)': `${fmt(nodeAge('admitted', 99).value, 3)} / ${fmt(nodeAge('answered', 99).value, 3)} (${nodeAge('answered', 99).count})`,
    'node-side answered p50, s': fmt(nodeAge('answered', 50).value, 3),
    'kernel listen overflows / drops': `${listenAfter.overflows - listenBefore.overflows} / ${listenAfter.drops - listenBefore.drops}`,
    'bench event-loop delay p99 / max, ms': `${fmt(clientDelay.percentile(99) / 1e6, 0)} / ${fmt(clientDelay.max / 1e6, 0)}`,
    'node-side shed reasons': shedReasons === '' ? 'none' : shedReasons,
    '/health p50 / max, ms': `${fmt(median(health), 0)} / ${fmt(Math.max(...health), 0)}`,
    'RSS peak / after, MiB': `${fmt(peak, 0)} / ${fmt(rssMegabytes(node.pid), 0)}`,
    'recovery, ms': fmt(recovered, 0),
    ...(await proofLedger.figures(node.ed25519, startedAt, floodEndedAt)),
  };
}

/**
 * The flood rates' base: `--capacity`, or the first build's measured capacity, used for every
 * build of the run (capacity measured on a busy machine varies several-fold from one minute to
 * the next; builds compared at different rates would not be comparable).
 */
let floodBase: number | undefined =
  flags.capacity === undefined ? undefined : Number(flags.capacity);

async function overload(build: string): Promise<Record<string, Record<string, string>>> {
  const node = await startNode(build);
  const measured = await capacity(node.port);
  floodBase ??= measured;
  const out: Record<string, Record<string, string>> = {
    capacity: {
      'stores/s (32 clients, closed loop)': fmt(measured, 0),
      'flood base, stores/s': fmt(floodBase, 0),
    },
  };
  for (const factor of FACTORS) {
    for (const addresses of ADDRESSES) {
      out[`${factor}x, ${addresses === 1 ? 'one address' : `${addresses} addresses`}`] =
        await flood(node, floodBase * factor, addresses);
    }
  }
  await stopNode(node);
  return out;
}

// ---------------------------------------------------------------------------------------------

const names = builds.length === 1 ? [''] : ['A', 'B'];
for (const [index, build] of builds.entries()) {
  const label = names[index] === '' ? build : `${names[index]} = ${build}`;
  console.log(`\n## build ${label}`);
  if (wanted('large')) {
    console.log('\n### large answers (20-retrieve batch)');
    for (const [k, v] of Object.entries(await largeAnswers(build))) console.log(`${k}: ${v}`);
  }
  if (wanted('slow')) {
    console.log(
      `\n### slow bodies (150 connections, 10 MiB declared, ${BODY_KIB} KiB sent, stalled)`,
    );
    for (const [k, v] of Object.entries(await slowBodies(build))) console.log(`${k}: ${v}`);
  }
  if (wanted('overload')) {
    console.log('\n### overload');
    for (const [scenario, figures] of Object.entries(await overload(build))) {
      console.log(
        `${scenario}: ${Object.entries(figures)
          .map(([k, v]) => `${k} ${v}`)
          .join('; ')}`,
      );
    }
  }
}
process.exit(0);
