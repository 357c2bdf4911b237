/**
 * Service node benchmarks: `pnpm --filter @murmur/bench run bench:node` (build first:
 * `pnpm --filter @murmur/service-node build`, which needs its dependencies built).
 *
 * Every server is a real process (`node apps/service-node/dist/cli.js start`, real SQLite in a
 * temporary directory, rate limit off, a static network file, so no ledger and no replication),
 * and the load comes from autocannon 8 in a process of its own (`service-node-load.ts`, 32
 * connections, 1 s warm-up, then a measured run). Measured in the same run, in rounds
 * (default 3), each round in this order:
 *
 * - **echo**: a bare fastify (the node's version) JSON echo: `POST /echo` answers its JSON body
 *   (the body of a store request). The baseline.
 * - **store**: signed `store` requests (namespace 3, which needs the owner's signature: JSON,
 *   schema check, Ed25519 verify, BLAKE2b hash, SQLite commit, the node's signature of the
 *   hash), each a new 300-byte message. Target ≥ 0.4 × echo.
 * - **onion hop (relay role)**: the node peels its layer of a pre-built onion request (X25519 +
 *   AES-GCM) and forwards it over its peer link to the next node, a stub peer in this process
 *   that answers every relayed layer at once with a fixed body; the node passes the answer back.
 *   Only the hop is measured. Target ≥ 0.5 × echo.
 * - **retrieve**: a signed `retrieve` of 100 stored 300-byte messages (requests/s, latency).
 *
 * Every node's storage port speaks HTTPS (its self-signed certificate, as Session clients reach
 * it), and each node also serves the same routes over plain HTTP on a `--http-port`: store,
 * relay and retrieve are measured over both on the same node in the same round (HTTPS first in
 * odd rounds, second in even ones; keep-alive connections, as clients keep them), and a table
 * gives HTTPS against HTTP (target ≥ 0.8).
 *
 * The floors (issue 16), in every round: the same fastify echo over HTTPS (a node's kind of
 * self-signed certificate), and over HTTPS a fastify answer of exactly the bytes a node's
 * retrieve of the 100 messages answers; and, measured in this process, one Ed25519 verify, one
 * sign, and the node's side of an onion layer (X25519 + HKDF + AES-GCM open and seal). A table
 * gives floor / server CPU per request: store against HTTPS echo + verify + sign, the onion hop
 * against HTTPS echo + the layer's crypto, retrieve against the fastify answer (and its CPU per
 * KiB answered).
 *
 * Then, once: a 3-hop onion request latency (sequential `info` requests through three node
 * processes to a fourth, the final node, over their peer links; p50 < 5 ms, p99 < 20 ms), and the
 * idle resident memory of a node process a few seconds after start (< 80 MB).
 *
 * Flags: `--rounds <n>` (3), `--seconds <s>` per measured run (5), `--connections <n>` (32),
 * `--onion-requests <n>` (2000), `--cpu-prof <dir>` (the node processes write V8 CPU profiles
 * there when they stop), `--only echo,store,relay,retrieve,onion` (a subset, for profiling),
 * `--crypto-workers <n>` (passed to every node; default: the node's own default), `--cli <path>`
 * (another build of `murmur-node`'s bundled `cli.js` instead of the package's), `--compare <path>`
 * (a second build, B: every round then runs each benchmark on A, the first, and on B back to
 * back, A first in odd rounds and B first in even ones, and a table gives B against A: on a shared machine a comparison within one run is far
 * steadier than two runs).
 *
 * Besides requests/s and latency, each run gives the server's CPU time per request (user +
 * system, every thread, from `/proc` around the measured run) and, in brackets, that of its main
 * thread alone (the event loop, which every request passes through; worker threads do the
 * Ed25519 and X25519 work).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import {
  createServer as createHttpsServer,
  Agent as HttpsAgent,
  request as httpsRequest,
} from 'node:https';
import type { AddressInfo } from 'node:net';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { buildOnionRequest, decodeOnionResponse, type OnionNode } from '@murmur/onion';
import {
  createPeerNetwork,
  createStaticNetworkView,
  createTlsCredentials,
  nodeKeysFromSeed,
  type PeerNetwork,
} from '@murmur/service-node';
import {
  initLocalNode,
  type LocalNode,
  NODE_PROGRAM,
  startLocalNode,
  writeLoneNetwork,
} from '@murmur/service-node/local';
import { bytesToHex, silentLogger, utf8Encode } from '@murmur/wire';
import { scriptArgs } from './args.js';
import { type LoadJob, type LoadResult, runLoad } from './node-load.js';
import { median } from './stats.js';

const { values: flags } = parseArgs({
  args: scriptArgs(),
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    'onion-requests': { type: 'string', default: '2000' },
    'cpu-prof': { type: 'string' },
    only: { type: 'string' },
    'crypto-workers': { type: 'string' },
    cli: { type: 'string' },
    compare: { type: 'string' },
  },
});
/** Measure only these (comma-separated: echo, store, relay, retrieve, onion); default all. */
const ONLY = flags.only === undefined ? undefined : new Set(flags.only.split(','));
const wanted = (name: string) => ONLY === undefined || ONLY.has(name);
const CPU_PROFILE_DIR = flags['cpu-prof'];
const ROUNDS = Number(flags.rounds);
const SECONDS = Number(flags.seconds);
const CONNECTIONS = Number(flags.connections);
const ONION_REQUESTS = Number(flags['onion-requests']);
const MESSAGE_BYTES = 300;

const benchRoot = join(import.meta.dirname, '..');
const cli = flags.cli === undefined ? NODE_PROGRAM : resolvePath(flags.cli);
const work = mkdtempSync(join(tmpdir(), 'murmur-node-bench-'));
const children = new Set<ChildProcess>();

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function cleanup(): void {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

/** Reads lines of a child's stdout until `match` returns a value. */
function waitForLine<T>(child: ChildProcess, match: (line: string) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const value = match(line);
        if (value !== undefined) {
          child.stdout?.off('data', onData);
          // Keep draining so that the child never blocks on a full pipe.
          child.stdout?.resume();
          child.stdout?.on('data', () => undefined);
          resolve(value);
          return;
        }
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`a server exited early (code ${code})`)));
  });
}

/**
 * A bare fastify (the node's version) in a process of its own: `POST /echo` answers its JSON
 * body; with `answerFile`, `POST /answer` answers that file's bytes as JSON (the same bytes a
 * node's retrieve answers, so the difference is the node's own work); with `tls`, over HTTPS
 * (the node's kind of self-signed certificate), as the node's storage port.
 */
async function startEcho(
  options: { tls?: { key: string; cert: string }; answerFile?: string } = {},
): Promise<{ port: number; child: ChildProcess }> {
  const source = `
import Fastify from 'fastify';
import { readFileSync } from 'node:fs';
const options = JSON.parse(process.argv[1]);
const app = Fastify({ logger: false, ...(options.tls ? { https: options.tls } : {}) });
app.post('/echo', async (request) => request.body);
if (options.answerFile) {
  const answer = readFileSync(options.answerFile);
  app.post('/answer', (request, reply) => {
    reply.header('content-type', 'application/json; charset=utf-8').send(answer);
  });
}
await app.listen({ host: '127.0.0.1', port: 0 });
console.log(JSON.stringify({ port: app.server.address().port }));
`;
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', source, JSON.stringify(options)],
    { cwd: benchRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.add(child);
  const port = await waitForLine(child, (line) =>
    line.startsWith('{"port"') ? (JSON.parse(line) as { port: number }).port : undefined,
  );
  return { port, child };
}

/**
 * The cryptography floor, measured in this process in every round (CPU time per operation,
 * µs, over a loop long enough for the clock): one Ed25519 verify and one sign of a store's
 * size (what a store's owner check and the node's signature of the hash cost), and the node's
 * side of an onion layer (X25519 + key derivation + AES-GCM open of the relay body, and the
 * AES-GCM seal of its 2-byte answer).
 */
interface CryptoFloor {
  verify: number;
  sign: number;
  x25519: number;
  /** X25519 + key derivation + AES-GCM open of a relay layer + AES-GCM seal of the answer. */
  hop: number;
}

async function cryptoFloor(crypto: MurmurCrypto, layerBytes: number): Promise<CryptoFloor> {
  const node = crypto.x25519KeyPair();
  const sealed = await crypto.encryptLayer(
    crypto.randomBytes(layerBytes),
    node.publicKey,
    'aes-gcm',
  );
  const layer = { ciphertext: sealed.ciphertext, ephemeral: sealed.ephemeralPublicKey, node };
  const identity = crypto.generateIdentity();
  const message = crypto.randomBytes(120);
  const signature = crypto.sign(message, identity.ed25519.secretKey);
  const time = async (count: number, body: () => unknown): Promise<number> => {
    for (let i = 0; i < Math.min(200, count); i++) await body();
    const before = process.cpuUsage();
    for (let i = 0; i < count; i++) await body();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / count;
  };
  const verify = await time(4000, () => {
    if (!crypto.verify(signature, message, identity.ed25519.publicKey)) throw new Error('verify');
  });
  const sign = await time(4000, () => crypto.sign(message, identity.ed25519.secretKey));
  const peer = crypto.x25519KeyPair();
  const x25519 = await time(4000, () => crypto.x25519(peer.secretKey, layer.ephemeral));
  const answer = utf8Encode('ok');
  const hop = await time(4000, async () => {
    const opened = await crypto.decryptLayer(
      layer.ciphertext,
      layer.node,
      layer.ephemeral,
      'aes-gcm',
    );
    await crypto.encryptLayerResponse(answer, opened.key, 'aes-gcm');
  });
  return { verify, sign, x25519, hop };
}

interface NodeProcess {
  key: string;
  /** The storage port (HTTPS). */
  port: number;
  /** The same routes over plain HTTP (`--http-port`). */
  httpPort: number;
  child: ChildProcess;
  dataDir: string;
  stop: LocalNode['stop'];
}

/** `murmur-node init` in a new data directory; returns it and the node's Ed25519 key. */
function initNode(name: string): { dataDir: string; key: string } {
  const { dataDir, ed25519 } = initLocalNode({ dataDir: join(work, name), program: cli });
  return { dataDir, key: ed25519 };
}

async function startNodeProcess(
  node: { dataDir: string; key: string },
  networkFile: string,
  port = 0,
  build = cli,
): Promise<NodeProcess> {
  // The storage port speaks HTTPS (as clients use it); `--http-port` adds plain HTTP with the
  // same routes, so that both are measured on the same node in the same run.
  const [httpPort] = await freePorts(1);
  const local = await startLocalNode({
    dataDir: node.dataDir,
    networkFile,
    program: build,
    port,
    execArgv:
      CPU_PROFILE_DIR === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', CPU_PROFILE_DIR],
    args: [
      '--http-port',
      String(httpPort),
      '--rate-limit',
      'false',
      ...(flags['crypto-workers'] === undefined
        ? []
        : ['--crypto-workers', flags['crypto-workers']]),
    ],
    stderr: 'inherit',
    until: 'listening',
  });
  children.add(local.child);
  return {
    ...node,
    port: local.port,
    httpPort: local.httpPort as number,
    child: local.child,
    stop: local.stop,
  };
}

async function stopNodeProcess(node: NodeProcess): Promise<void> {
  await node.stop();
  children.delete(node.child);
}

function rssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kilobytes / 1024;
}

type Bodies = LoadJob['bodies'];

const SKIPPED: LoadResult = {
  requestsPerSecond: Number.NaN,
  total: 0,
  latencyP50: Number.NaN,
  latencyP99: Number.NaN,
  latencyMean: Number.NaN,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
};

async function load(
  name: string,
  url: string,
  contentType: string,
  bodies: Bodies,
  serverPid: number,
): Promise<LoadResult> {
  if (!wanted(name)) return SKIPPED;
  return runLoad(
    { url, connections: CONNECTIONS, seconds: SECONDS, contentType, bodies },
    serverPid,
    children,
  );
}

async function post(
  url: string,
  body: string | Uint8Array,
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', body });
  return { status: response.status, text: await response.text() };
}

// ---------------------------------------------------------------------------------------------

/** A stub next hop: a peer link endpoint that answers every relayed layer at once. */
async function startStubPeer(crypto: MurmurCrypto): Promise<{
  key: string;
  x25519: string;
  port: number;
  peers: PeerNetwork;
  server: Server;
  /** Lets this node (as well as those allowed before) link to the stub. */
  allow(key: string): void;
}> {
  const keys = nodeKeysFromSeed(crypto, crypto.randomBytes(32));
  const answer = utf8Encode('ok');
  // Without a link yet, the relay falls back to HTTPS once: answer that the same way. (Nodes
  // dial peer links over TLS: the stub serves its own node certificate.)
  const tls = createTlsCredentials(crypto, keys);
  const server = createHttpsServer({ key: tls.key, cert: tls.cert }, (request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const self = { ed25519: keys.ed25519Hex, x25519: keys.x25519Hex };
  const selfInfo = {
    ...self,
    ip: '127.0.0.1',
    storagePort: port,
    relayPort: undefined,
    swarmId: 0n,
  };
  const network = createStaticNetworkView({ self, nodes: [selfInfo] });
  const allowed: (typeof selfInfo)[] = [];
  const peers = createPeerNetwork({}, { keys, crypto, network, logger: silentLogger() });
  peers.attach(server as unknown as Server);
  peers.handle('onion', async () => ({ status: 200, body: answer, contentType: 'text/plain' }));
  peers.start();
  return {
    key: keys.ed25519Hex,
    x25519: keys.x25519Hex,
    port,
    peers,
    server: server as unknown as Server,
    allow(key: string) {
      allowed.push({
        ed25519: key,
        x25519: bytesToHex(crypto.ed25519PublicKeyToX25519(Buffer.from(key, 'hex'))),
        ip: '127.0.0.1',
        storagePort: 1,
        relayPort: undefined,
        swarmId: 0n,
      });
      network.setNodes([selfInfo, ...allowed]);
    },
  };
}

function onionNodeOf(crypto: MurmurCrypto, key: string, port: number): OnionNode {
  return {
    ed25519: key,
    x25519: bytesToHex(crypto.ed25519PublicKeyToX25519(Buffer.from(key, 'hex'))),
    ip: '127.0.0.1',
    port,
  };
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A metric of a node, read on its plain-HTTP port. */
async function metricSample(port: number, sample: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

/** A node's crypto jobs so far, by where they ran (`murmur_crypto_jobs_total`). */
async function cryptoJobs(port: number): Promise<{ inline: number; worker: number }> {
  return {
    inline: await metricSample(port, 'murmur_crypto_jobs_total{thread="event-loop"}'),
    worker: await metricSample(port, 'murmur_crypto_jobs_total{thread="worker"}'),
  };
}

/** The share of the jobs between two readings that ran on the event loop, as a percentage. */
function inlineShare(
  before: { inline: number; worker: number },
  after: { inline: number; worker: number },
): string {
  const inline = after.inline - before.inline;
  const all = inline + after.worker - before.worker;
  return all === 0 ? 'no crypto jobs' : `${Math.round((100 * inline) / all)} % of crypto inline`;
}

/** Sequential 3-hop onion requests through four node processes; latencies in ms. */
async function onionLatency(crypto: MurmurCrypto): Promise<{ latencies: number[]; rss: number }> {
  const names = ['onion-guard', 'onion-relay-1', 'onion-relay-2', 'onion-final'];
  const inits = names.map((name) => initNode(name));
  const ports = await freePorts(names.length);
  const networkFile = join(work, 'onion-network.json');
  writeFileSync(
    networkFile,
    JSON.stringify({
      nodes: inits.map((node, i) => ({
        ed25519: node.key,
        ip: '127.0.0.1',
        storagePort: ports[i],
        swarmId: '0',
      })),
    }),
  );
  const nodes = await Promise.all(
    inits.map((node, i) => startNodeProcess(node, networkFile, ports[i])),
  );
  // Swarm members keep peer links to each other; wait until every node has its three.
  for (const node of nodes) {
    const deadline = Date.now() + 15_000;
    while ((await metricSample(node.httpPort, 'murmur_peer_links{state="open"}')) < 3) {
      if (Date.now() > deadline) throw new Error('the peer links did not come up');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const [guard, relay1, relay2, final] = nodes as [
    NodeProcess,
    NodeProcess,
    NodeProcess,
    NodeProcess,
  ];
  const path = [guard, relay1, relay2].map((node) => onionNodeOf(crypto, node.key, node.port));
  const destination = onionNodeOf(crypto, final.key, final.port);
  // Over HTTPS, as a client reaches its guard (one kept-alive connection).
  const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  const send = (body: Uint8Array) =>
    new Promise<{ status: number; body: Uint8Array }>((resolve, reject) => {
      const request = httpsRequest(
        {
          host: '127.0.0.1',
          port: guard.port,
          path: '/onion_req/v2',
          method: 'POST',
          agent,
          headers: { 'content-length': body.length },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }),
          );
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  const latencies: number[] = [];
  const warmUp = 200;
  for (let i = 0; i < warmUp + ONION_REQUESTS; i++) {
    const built = await buildOnionRequest(crypto, {
      path,
      destination: { type: 'node', node: destination },
      payload: { method: 'info', params: {} },
    });
    const started = performance.now();
    const answer = await send(built.body);
    const elapsed = performance.now() - started;
    if (i % 500 === 0) {
      const decoded = await decodeOnionResponse(crypto, built, answer);
      if (decoded.status !== 200) throw new Error(`onion request answered ${decoded.status}`);
    }
    if (i >= warmUp) latencies.push(elapsed);
  }
  agent.destroy();
  const relayed = await metricSample(relay1.httpPort, 'murmur_peer_frames_total{direction="out"}');
  if (relayed < ONION_REQUESTS) throw new Error('the relays did not use their peer links');
  const rss = rssMegabytes(final.child.pid as number);
  await Promise.all(nodes.map(stopNodeProcess));
  return { latencies, rss };
}

// ---------------------------------------------------------------------------------------------

const crypto = await loadCrypto();
const cpu = cpus();
process.stdout.write(
  `machine: ${cpu.length} × ${cpu[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}, crypto ${crypto.backend}\n`,
);
process.stdout.write(
  `setup: every server its own process; load: autocannon 8 in another process, ${CONNECTIONS} connections, 1 s warm-up + ${SECONDS} s; ${ROUNDS} rounds\n\n`,
);

/** The builds under test: `--cli` (or the package's own) and, with `--compare`, another. */
const builds = [cli, ...(flags.compare === undefined ? [] : [resolvePath(flags.compare)])];
const buildNames = flags.compare === undefined ? [''] : [' A', ' B'];

/** A node with a static network of its own and nobody else (no peers, no replication). */
async function startLoneNode(name: string, build: string): Promise<NodeProcess> {
  const init = initNode(name);
  const network = writeLoneNetwork(join(work, `${name}-network.json`), init.key);
  return startNodeProcess(init, network, 0, build);
}

// The store and retrieve nodes (one per build).
const storeNodes: NodeProcess[] = [];
for (const [index, build] of builds.entries()) {
  storeNodes.push(await startLoneNode(`store-${index}`, build));
}
// A node that only starts and then idles for the whole run.
const idleNode = await startLoneNode('idle', cli);
await new Promise((resolve) => setTimeout(resolve, 3_000));
const idleRssEarly = rssMegabytes(idleNode.child.pid as number);
const idleStarted = Date.now();

// 100 messages of one account for the retrieve benchmark, on every store node.
const reader = crypto.generateIdentity();
for (const storeNode of storeNodes) {
  for (let i = 0; i < 100; i++) {
    const data = Buffer.from(crypto.randomBytes(MESSAGE_BYTES)).toString('base64');
    const answer = await post(
      `http://127.0.0.1:${storeNode.httpPort}/storage_rpc/v1`,
      JSON.stringify({
        method: 'store',
        params: { pubkey: reader.sessionId, timestamp: Date.now(), ttl: 86_400_000, data },
      }),
    );
    if (answer.status !== 200) throw new Error(`seeding the retrieve account: ${answer.text}`);
  }
}
function retrieveBody(): string {
  const params = { pubkey: reader.sessionId, namespace: 0, timestamp: Date.now() };
  return JSON.stringify({
    method: 'retrieve',
    params: {
      ...params,
      signature: crypto.signRequest('retrieve', params, reader.ed25519.secretKey),
      pubkey_ed25519: bytesToHex(reader.ed25519.publicKey),
    },
  });
}
for (const storeNode of storeNodes) {
  const check = await post(`http://127.0.0.1:${storeNode.httpPort}/storage_rpc/v1`, retrieveBody());
  const count = (JSON.parse(check.text) as { messages: unknown[] }).messages.length;
  if (count !== 100) throw new Error(`retrieve returned ${count} messages, not 100`);
}

// The relays: nodes whose next hop is the stub peer in this process (one per build).
const stub = await startStubPeer(crypto);
const relays: { node: NodeProcess; body: Buffer }[] = [];
for (const [index, build] of builds.entries()) {
  const relayInit = initNode(`relay-${index}`);
  stub.allow(relayInit.key);
  const relayNetwork = join(work, `relay-${index}-network.json`);
  writeFileSync(
    relayNetwork,
    JSON.stringify({
      nodes: [
        { ed25519: relayInit.key, ip: '127.0.0.1', storagePort: 1, swarmId: '0' },
        { ed25519: stub.key, ip: '127.0.0.1', storagePort: stub.port, swarmId: '0' },
      ],
    }),
  );
  const relayNode = await startNodeProcess(relayInit, relayNetwork, 0, build);
  const relayRequest = await buildOnionRequest(crypto, {
    path: [onionNodeOf(crypto, relayInit.key, relayNode.port)],
    destination: {
      type: 'node',
      node: { ed25519: stub.key, x25519: stub.x25519, ip: '127.0.0.1', port: stub.port },
    },
    payload: { method: 'info', params: {} },
  });
  const relayBody = Buffer.from(relayRequest.body);
  for (let i = 0; i < 20; i++) {
    const answer = await post(`http://127.0.0.1:${relayNode.httpPort}/onion_req/v2`, relayBody);
    if (answer.status !== 200 || answer.text !== 'ok') {
      throw new Error(`the relay answered ${answer.status} ${answer.text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (stub.peers.link(relayInit.key) === undefined) throw new Error('no peer link to the stub');
  relays.push({ node: relayNode, body: relayBody });
}

const echo = await startEcho();
// The floors: an HTTPS echo (a node's kind of certificate) and an HTTPS answer of the exact
// bytes a node's retrieve of the 100 messages answers.
const floorTls = createTlsCredentials(crypto, nodeKeysFromSeed(crypto, crypto.randomBytes(32)));
const retrieveAnswerFile = join(work, 'retrieve-answer.json');
{
  const storeNode = storeNodes[0] as NodeProcess;
  const answer = await post(
    `http://127.0.0.1:${storeNode.httpPort}/storage_rpc/v1`,
    retrieveBody(),
  );
  writeFileSync(retrieveAnswerFile, answer.text);
}
const retrieveAnswerBytes = Buffer.byteLength(readFileSync(retrieveAnswerFile));
const secureEcho = await startEcho({
  tls: { key: floorTls.key, cert: floorTls.cert },
  answerFile: retrieveAnswerFile,
});
const relayLayerBytes = Math.max(64, (relays[0]?.body.length ?? 300) - 125);
const echoBody = JSON.stringify({
  method: 'store',
  params: {
    pubkey: reader.sessionId,
    namespace: 3,
    timestamp: Date.now(),
    ttl: 3_600_000,
    data: Buffer.from(crypto.randomBytes(MESSAGE_BYTES)).toString('base64'),
    signature: Buffer.from(crypto.randomBytes(64)).toString('base64'),
    pubkey_ed25519: bytesToHex(reader.ed25519.publicKey),
  },
});

/**
 * One round: the echo, then each benchmark on each build back to back (A first in odd rounds,
 * B first in even ones).
 */
interface Round {
  echo: LoadResult;
  /** The floors: the fastify echo over HTTPS, a fastify answer of a retrieve's bytes (HTTPS). */
  secureEcho: LoadResult;
  answer: LoadResult;
  crypto: CryptoFloor;
  /** Over HTTPS (the storage port, as clients use it), one per build. */
  store: LoadResult[];
  relay: LoadResult[];
  retrieve: LoadResult[];
  /** The same over plain HTTP (`--http-port`) on the same nodes, first build only. */
  plain: { store: LoadResult; relay: LoadResult; retrieve: LoadResult };
}
const rounds: Round[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const result: Round = {
    echo: await load(
      'echo',
      `http://127.0.0.1:${echo.port}/echo`,
      'application/json',
      { kind: 'fixed', body: echoBody },
      echo.child.pid as number,
    ),
    secureEcho: await load(
      'echo',
      `https://127.0.0.1:${secureEcho.port}/echo`,
      'application/json',
      { kind: 'fixed', body: echoBody },
      secureEcho.child.pid as number,
    ),
    answer: await load(
      'retrieve',
      `https://127.0.0.1:${secureEcho.port}/answer`,
      'application/json',
      { kind: 'fixed', body: retrieveBody() },
      secureEcho.child.pid as number,
    ),
    crypto: await cryptoFloor(crypto, relayLayerBytes),
    store: [],
    relay: [],
    retrieve: [],
    plain: { store: SKIPPED, relay: SKIPPED, retrieve: SKIPPED },
  };
  // HTTPS and plain HTTP back to back on the same node (keep-alive connections either way),
  // HTTPS first in odd rounds and second in even ones.
  const both = async (
    run: (scheme: 'https' | 'http', port: number) => Promise<LoadResult>,
    node: NodeProcess,
    index: number,
  ): Promise<LoadResult> => {
    if (index !== 0) return run('https', node.port);
    if (round % 2 === 1) {
      const secure = await run('https', node.port);
      plainOf = await run('http', node.httpPort);
      return secure;
    }
    plainOf = await run('http', node.httpPort);
    return run('https', node.port);
  };
  let plainOf: LoadResult = SKIPPED;
  // With --compare, A runs first in odd rounds and B first in even ones: the build measured
  // second in a round did worse whichever it was (a stub peer shared by both relays, the
  // machine's minute), so a fixed order biased B / A (docs/BENCHMARKS.md, issue 16).
  const order = [...builds.keys()];
  if (round % 2 === 0) order.reverse();
  // Where the crypto of each build's store and relay ran (HTTPS and plain HTTP together).
  const shares: Record<'store' | 'relay', string[]> = { store: [], relay: [] };
  for (const index of order) {
    const storeNode = storeNodes[index] as NodeProcess;
    const store = (scheme: string, port: number) =>
      load(
        'store',
        `${scheme}://127.0.0.1:${port}/storage_rpc/v1`,
        'application/json',
        { kind: 'store', count: 120_000, namespace: 3, bytes: MESSAGE_BYTES },
        storeNode.child.pid as number,
      );
    const jobsBefore = await cryptoJobs(storeNode.httpPort);
    result.store[index] = await both(store, storeNode, index);
    shares.store[index] = inlineShare(jobsBefore, await cryptoJobs(storeNode.httpPort));
    if (index === 0) result.plain.store = plainOf;
  }
  for (const index of order) {
    const relay = relays[index] as { node: NodeProcess; body: Buffer };
    const hop = (scheme: string, port: number) =>
      load(
        'relay',
        `${scheme}://127.0.0.1:${port}/onion_req/v2`,
        'application/octet-stream',
        { kind: 'fixed', body: relay.body.toString('base64'), base64: true },
        relay.node.child.pid as number,
      );
    const jobsBefore = await cryptoJobs(relay.node.httpPort);
    result.relay[index] = await both(hop, relay.node, index);
    shares.relay[index] = inlineShare(jobsBefore, await cryptoJobs(relay.node.httpPort));
    if (index === 0) result.plain.relay = plainOf;
  }
  for (const index of order) {
    const storeNode = storeNodes[index] as NodeProcess;
    const read = (scheme: string, port: number) =>
      load(
        'retrieve',
        `${scheme}://127.0.0.1:${port}/storage_rpc/v1`,
        'application/json',
        { kind: 'fixed', body: retrieveBody() },
        storeNode.child.pid as number,
      );
    result.retrieve[index] = await both(read, storeNode, index);
    if (index === 0) result.plain.retrieve = plainOf;
  }
  rounds.push(result);
  const fmt = (r: LoadResult) =>
    `${Math.round(r.requestsPerSecond).toLocaleString('en-US')}/s [server ${Math.round(r.serverCpuMicros ?? 0)} µs (main thread ${Math.round(r.mainCpuMicros ?? 0)}), load ${Math.round(r.loadCpuMicros ?? 0)} µs CPU]`;
  const parts = [
    `echo ${fmt(result.echo)}`,
    `HTTPS echo ${fmt(result.secureEcho)}`,
    `HTTPS answer of a retrieve's bytes ${fmt(result.answer)}`,
    `crypto µs: verify ${result.crypto.verify.toFixed(1)}, sign ${result.crypto.sign.toFixed(1)}, X25519 ${result.crypto.x25519.toFixed(1)}, hop layer ${result.crypto.hop.toFixed(1)}`,
  ];
  for (const key of ['store', 'relay', 'retrieve'] as const) {
    if (!wanted(key)) continue;
    result[key].forEach((r, index) => {
      const versus =
        key === 'retrieve'
          ? ''
          : ` (${(r.requestsPerSecond / result.echo.requestsPerSecond).toFixed(2)})`;
      const share = key === 'retrieve' ? undefined : shares[key][index];
      parts.push(
        `${key}${buildNames[index]} ${fmt(r)}${versus}${share === undefined ? '' : ` {${share}}`}`,
      );
    });
    parts.push(`${key} over plain HTTP ${fmt(result.plain[key])}`);
  }
  process.stdout.write(`round ${round}: ${parts.join(', ')}\n`);
}
const afterLoadRss = rssMegabytes((storeNodes[0] as NodeProcess).child.pid as number);
const idleRss = rssMegabytes(idleNode.child.pid as number);
const idleSeconds = Math.round((Date.now() - idleStarted) / 1000) + 3;
await stopNodeProcess(idleNode);
for (const relay of relays) await stopNodeProcess(relay.node);
for (const storeNode of storeNodes) await stopNodeProcess(storeNode);
echo.child.kill('SIGTERM');
secureEcho.child.kill('SIGTERM');
await stub.peers.stop();
stub.server.close();

const onion = wanted('onion')
  ? await onionLatency(crypto)
  : { latencies: [Number.NaN], rss: Number.NaN };
const sortedLatencies = [...onion.latencies].sort((a, b) => a - b);

/** The result of build `index` of a benchmark (the echo has one). */
type Key = 'echo' | 'store' | 'relay' | 'retrieve';
const resultOf = (round: Round, key: Key, index = 0): LoadResult =>
  key === 'echo' ? round.echo : (round[key][index] as LoadResult);
const pick = (key: Key, field: keyof LoadResult, index = 0) =>
  median(rounds.map((round) => resultOf(round, key, index)[field] as number));
const ratio = (key: Key) =>
  median(
    rounds.map((round) => resultOf(round, key).requestsPerSecond / round.echo.requestsPerSecond),
  );
const cpuOf = (key: Key, index = 0) =>
  `${Math.round(pick(key, 'serverCpuMicros', index))} (${Math.round(pick(key, 'mainCpuMicros', index))})`;
const cpuRatio = (key: Key) =>
  median(
    rounds.map(
      (round) =>
        (round.echo.serverCpuMicros ?? 0) / (resultOf(round, key).serverCpuMicros ?? Number.NaN),
    ),
  );
const line = (name: string, key: Key, ratioText: string, target: string) => [
  name,
  Math.round(pick(key, 'requestsPerSecond')).toLocaleString('en-US'),
  `${pick(key, 'latencyP50')} / ${pick(key, 'latencyP99')}`,
  ratioText,
  cpuOf(key),
  cpuRatio(key).toFixed(2),
  target,
];
const rows = [
  line('fastify JSON echo (baseline)', 'echo', '1.00', ''),
  line(
    'store (signed namespace, SQLite, no replication)',
    'store',
    ratio('store').toFixed(2),
    '≥ 0.40',
  ),
  line('onion hop, relay role (over a peer link)', 'relay', ratio('relay').toFixed(2), '≥ 0.50'),
  line('retrieve of 100 messages (300 B each)', 'retrieve', ratio('retrieve').toFixed(2), 'report'),
];
process.stdout.write(
  `\n| benchmark | requests/s (median of ${ROUNDS}) | latency p50 / p99, ms | × echo (req/s) | server CPU µs per request (main thread) | × echo (CPU) | target |\n|---|---:|---:|---:|---:|---:|---|\n`,
);
for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
/** Server CPU per request of build `index`, against its floor measured in the same round. */
const floorRows: {
  name: string;
  key: 'store' | 'relay' | 'retrieve';
  floor: (r: Round) => number;
  target: string;
}[] = [
  {
    name: 'store: floor = HTTPS echo + verify + sign',
    key: 'store',
    floor: (r) => (r.secureEcho.serverCpuMicros ?? Number.NaN) + r.crypto.verify + r.crypto.sign,
    target: '≥ 0.80',
  },
  {
    name: 'onion hop (relay): floor = HTTPS echo + X25519 + AEAD',
    key: 'relay',
    floor: (r) => (r.secureEcho.serverCpuMicros ?? Number.NaN) + r.crypto.hop,
    target: '≥ 0.80',
  },
  {
    name: `retrieve of 100: floor = fastify HTTPS answer of the same ${retrieveAnswerBytes.toLocaleString('en-US')} bytes`,
    key: 'retrieve',
    floor: (r) => r.answer.serverCpuMicros ?? Number.NaN,
    target: '≥ 0.70',
  },
];
if (wanted('echo')) {
  process.stdout.write(
    `\nAgainst the floor (HTTPS; per round, floor CPU / server CPU per request; medians of ${ROUNDS} rounds; crypto measured in this process each round: verify ${median(rounds.map((r) => r.crypto.verify)).toFixed(1)} µs, sign ${median(rounds.map((r) => r.crypto.sign)).toFixed(1)} µs, X25519 ${median(rounds.map((r) => r.crypto.x25519)).toFixed(1)} µs, hop layer (X25519 + HKDF + AES-GCM open and seal) ${median(rounds.map((r) => r.crypto.hop)).toFixed(1)} µs; HTTPS echo ${Math.round(median(rounds.map((r) => r.secureEcho.serverCpuMicros ?? Number.NaN)))} µs):\n\n| benchmark${builds.length > 1 ? ' (build)' : ''} | floor µs | server CPU µs (main thread) | floor / server | target |\n|---|---:|---:|---:|---|\n`,
  );
  for (const row of floorRows) {
    if (!wanted(row.key)) continue;
    builds.forEach((_, index) => {
      const floorMicros = median(rounds.map(row.floor));
      const versus = median(
        rounds.map(
          (r) => row.floor(r) / (resultOf(r, row.key, index).serverCpuMicros ?? Number.NaN),
        ),
      );
      process.stdout.write(
        `| ${row.name}${buildNames[index]} | ${Math.round(floorMicros)} | ${cpuOf(row.key, index)} | **${versus.toFixed(2)}** | ${row.target} |\n`,
      );
    });
  }
  if (wanted('retrieve')) {
    builds.forEach((_, index) => {
      const perKb = median(
        rounds.map(
          (r) =>
            ((resultOf(r, 'retrieve', index).serverCpuMicros ?? Number.NaN) * 1024) /
            retrieveAnswerBytes,
        ),
      );
      const floorPerKb = median(
        rounds.map((r) => ((r.answer.serverCpuMicros ?? Number.NaN) * 1024) / retrieveAnswerBytes),
      );
      process.stdout.write(
        `\nretrieve${buildNames[index]}: ${perKb.toFixed(2)} µs of server CPU per KiB answered (fastify answer of the same bytes: ${floorPerKb.toFixed(2)} µs per KiB)\n`,
      );
    });
  }
}
process.stdout.write(
  `\nHTTPS (the storage port, as clients use it) against plain HTTP (\`--http-port\`), same nodes, same run, keep-alive; medians of the per-round ratios:\n\n| benchmark | requests/s HTTPS | requests/s HTTP | HTTPS / HTTP | p50 / p99 ms HTTPS | p50 / p99 ms HTTP | server CPU µs HTTPS / HTTP | target |\n|---|---:|---:|---:|---:|---:|---:|---|\n`,
);
for (const key of ['store', 'relay', 'retrieve'] as const) {
  if (!wanted(key)) continue;
  const secure = (field: keyof LoadResult) => pick(key, field);
  const plain = (field: keyof LoadResult) =>
    median(rounds.map((round) => round.plain[key][field] as number));
  const versus = median(
    rounds.map(
      (round) => resultOf(round, key).requestsPerSecond / round.plain[key].requestsPerSecond,
    ),
  );
  process.stdout.write(
    `| ${key} | ${Math.round(secure('requestsPerSecond')).toLocaleString('en-US')} | ${Math.round(plain('requestsPerSecond')).toLocaleString('en-US')} | ${versus.toFixed(2)} | ${secure('latencyP50')} / ${secure('latencyP99')} | ${plain('latencyP50')} / ${plain('latencyP99')} | ${Math.round(secure('serverCpuMicros'))} / ${Math.round(plain('serverCpuMicros'))} | ≥ 0.80 |\n`,
  );
}
if (builds.length > 1) {
  process.stdout.write(
    `\nB (${builds[1]}) against A (${builds[0]}), medians of the per-round ratios B / A:\n\n| benchmark | requests/s A | requests/s B | B / A | server CPU µs A (main) | server CPU µs B (main) | B / A CPU (main) |\n|---|---:|---:|---:|---:|---:|---:|\n`,
  );
  for (const key of ['store', 'relay', 'retrieve'] as const) {
    if (!wanted(key)) continue;
    const of = (field: keyof LoadResult) =>
      median(
        rounds.map(
          (round) =>
            (resultOf(round, key, 1)[field] as number) / (resultOf(round, key, 0)[field] as number),
        ),
      ).toFixed(2);
    process.stdout.write(
      `| ${key} | ${Math.round(pick(key, 'requestsPerSecond', 0)).toLocaleString('en-US')} | ${Math.round(pick(key, 'requestsPerSecond', 1)).toLocaleString('en-US')} | ${of('requestsPerSecond')} | ${cpuOf(key, 0)} | ${cpuOf(key, 1)} | ${of('serverCpuMicros')} (${of('mainCpuMicros')}) |\n`,
    );
  }
}
process.stdout.write(
  `\n3-hop onion request (guard, 2 relays, final node; ${ONION_REQUESTS} sequential \`info\` requests): p50 ${percentile(sortedLatencies, 50).toFixed(2)} ms, p99 ${percentile(sortedLatencies, 99).toFixed(2)} ms, mean ${(sortedLatencies.reduce((a, b) => a + b, 0) / sortedLatencies.length).toFixed(2)} ms (targets < 5 ms, < 20 ms)\n`,
);
process.stdout.write(
  `node RSS: idle ${idleRss.toFixed(1)} MB ${idleSeconds} s after start (${idleRssEarly.toFixed(1)} MB at 3 s; target < 80 MB); store node after the load ${afterLoadRss.toFixed(1)} MB; final node of the onion path after its run ${onion.rss.toFixed(1)} MB\n`,
);
process.exit(0);
