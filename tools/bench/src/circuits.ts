/**
 * Circuit benchmarks (`pnpm --filter @murmur/bench exec tsx src/circuits.ts`; build
 * @murmur/circuits and @murmur/relay first). Three real `murmur-relay` processes on loopback
 * (static network file, no ledger) and a client in this process:
 * - circuit build (CREATE + 2 EXTENDs, 3 hops): p50 / p99 over sequential builds;
 * - cell forwarding: PING/PONG round trips through a 3-hop circuit with 32 in flight, against a
 *   bare `ws` echo process of 2048-byte binary messages with 32 in flight, in the same run
 *   (one PING round trip is 6 relay forwards and 8 link messages; one echo is 2 messages);
 * - memory: the relays' RSS and heap (from /health) before and after 1,000 open circuits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Circuit, type CircuitRelay, createCircuitBuilder } from '@murmur/circuits';
import { loadCrypto } from '@murmur/crypto';
import { relayConnector, startLocalRelays } from '@murmur/relay/local';
import { WebSocket } from 'ws';
import { median, percentile } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const BUILDS = Number(process.env['BUILDS'] ?? 200);
const CIRCUITS = Number(process.env['CIRCUITS'] ?? 1000);
const ROUND_TRIPS = Number(process.env['ROUND_TRIPS'] ?? 20_000);
const IN_FLIGHT = 32;

const ECHO_SOURCE = `
const { WebSocketServer } = require(${JSON.stringify(require_ws())});
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 2048 });
wss.on('listening', () => console.log('ready ' + wss.address().port));
wss.on('connection', (s) => s.on('message', (d) => s.send(d, { binary: true })));
`;
function require_ws(): string {
  return resolve(here, '..', 'node_modules', 'ws');
}

async function main(): Promise<void> {
  const crypto = await loadCrypto();
  const children: ChildProcess[] = [];
  // The relays of @murmur/relay/local, without their per-address limits (one client here).
  const local = await startLocalRelays(
    {
      count: 3,
      args: [
        '--create-rate',
        '100000',
        '--create-burst',
        '100000',
        '--max-circuits-per-address',
        '100000',
      ],
    },
    { crypto },
  );
  const { infos } = local;
  try {
    const echo = spawn(process.execPath, ['-e', ECHO_SOURCE], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(echo);
    const echoPort = await new Promise<number>((done) =>
      echo.stdout?.on('data', (chunk: Buffer) => {
        const match = /ready (\d+)/.exec(chunk.toString());
        if (match) done(Number(match[1]));
      }),
    );

    const builder = createCircuitBuilder({}, { crypto, connect: relayConnector() });
    const path = infos as [CircuitRelay, CircuitRelay, CircuitRelay];

    // Build latency.
    await (await builder.build(path)).destroy();
    const builds: number[] = [];
    for (let i = 0; i < BUILDS; i++) {
      const start = performance.now();
      const circuit = await builder.build(path);
      builds.push(performance.now() - start);
      circuit.destroy();
    }

    // Forwarding: PING round trips, 32 in flight.
    const circuit = await builder.build(path);
    const pingRate = async (count: number) => {
      const start = performance.now();
      let sent = 0;
      const worker = async () => {
        while (sent < count) {
          sent++;
          await circuit.ping();
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      return count / ((performance.now() - start) / 1000);
    };
    const echoRate = async (count: number) => {
      const socket = new WebSocket(`ws://127.0.0.1:${echoPort}/`);
      await new Promise((done) => socket.once('open', done));
      const payload = crypto.randomBytes(2048);
      const start = performance.now();
      let received = 0;
      let sent = 0;
      await new Promise<void>((done) => {
        socket.on('message', () => {
          received++;
          if (received === count) done();
          else if (sent < count) {
            sent++;
            socket.send(payload);
          }
        });
        for (; sent < IN_FLIGHT; sent++) socket.send(payload);
      });
      const rate = count / ((performance.now() - start) / 1000);
      socket.close();
      return rate;
    };
    await pingRate(2000);
    await echoRate(2000);
    const pings: number[] = [];
    const echoes: number[] = [];
    for (let run = 0; run < 3; run++) {
      pings.push(await pingRate(ROUND_TRIPS));
      echoes.push(await echoRate(ROUND_TRIPS));
    }
    circuit.destroy();

    // Memory with open circuits.
    const health = async () =>
      Promise.all(
        infos.map(
          async (r) =>
            (await (await fetch(`http://127.0.0.1:${r.port}/health`)).json()) as {
              rssBytes: number;
              heapUsedBytes: number;
              circuits: number;
            },
        ),
      );
    await new Promise((r) => setTimeout(r, 500));
    const before = await health();
    const open: Circuit[] = [];
    for (let i = 0; i < CIRCUITS; i++) open.push(await builder.build(path));
    await new Promise((r) => setTimeout(r, 500));
    const after = await health();

    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.log(
      `circuit build, 3 hops, loopback (${BUILDS} sequential): p50 ${median(builds).toFixed(2)} ms, p99 ${percentile(builds, 99).toFixed(2)} ms`,
    );
    console.log(
      `PING round trips through 3 relays, ${IN_FLIGHT} in flight: ${pings.map((v) => v.toFixed(0)).join(' / ')} /s (median ${median(pings).toFixed(0)})`,
    );
    console.log(
      `bare ws echo of 2048-byte messages, ${IN_FLIGHT} in flight: ${echoes.map((v) => v.toFixed(0)).join(' / ')} /s (median ${median(echoes).toFixed(0)})`,
    );
    console.log(
      `ratio (circuit round trips / echoes): ${(median(pings) / median(echoes)).toFixed(2)}`,
    );
    console.log(
      `link messages handled per second: circuit ${(median(pings) * 8).toFixed(0)} (8 per round trip: client, 3 relays each way) vs echo ${(median(echoes) * 2).toFixed(0)} (2 per echo); ratio ${((median(pings) * 8) / (median(echoes) * 2)).toFixed(2)}`,
    );
    for (const [i, a] of after.entries()) {
      const b = before[i] as { rssBytes: number; heapUsedBytes: number };
      console.log(
        `relay ${i + 1} (hop ${i + 1}) with ${a.circuits} circuits: RSS ${mib(a.rssBytes)} MiB (+${mib(a.rssBytes - b.rssBytes)}), heap ${mib(a.heapUsedBytes)} MiB (+${mib(a.heapUsedBytes - b.heapUsedBytes)})`,
      );
    }
    builder.close();
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await local.stop();
  }
}

await main();
