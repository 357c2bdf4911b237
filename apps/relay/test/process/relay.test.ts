/**
 * Three real `murmur-relay` processes (node dist/cli.js start) on loopback, a static network file
 * and a stand-in for the exit's node (an HTTP server answering /storage_rpc/v1). A client builds a
 * circuit over WebSockets with the library's CircuitBuilder, pings, sends a DATA request through
 * the exit, and watches the relays' /health and /metrics; then the links a relay must refuse,
 * and a graceful shutdown that DESTROYs its circuits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CellSink,
  type Circuit,
  type CircuitBuilder,
  type CircuitRelay,
  createCircuitBuilder,
  DestroyReason,
  decodeCell,
  encodeCell,
  PLAIN_LINK_EXPORTER,
  signLinkAuth,
} from '@murmur/circuits';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { writeSecretJson } from '@murmur/registry/key-files';
import { bytesToHex, hexToBytes } from '@murmur/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

interface Proc {
  child: ChildProcess;
  info: CircuitRelay;
  exited: Promise<number | null>;
}

let crypto: MurmurCrypto;
const procs: Proc[] = [];
let upstream: Server;
const upstreamRequests: unknown[] = [];
let builder: CircuitBuilder;

function connect(relay: CircuitRelay, sink: CellSink) {
  return new Promise<{ send(cell: Uint8Array): void; close(): void }>((done, fail) => {
    const socket = new WebSocket(`ws://${relay.ip}:${relay.port}/`);
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer) => sink.receive(new Uint8Array(data)));
    socket.on('close', () => sink.closed());
    socket.once('error', fail);
    socket.once('open', () =>
      done({ send: (cell) => socket.send(cell), close: () => socket.close() }),
    );
  });
}

async function metrics(index: number): Promise<string> {
  const relay = procs[index]?.info as CircuitRelay;
  return (await fetch(`http://127.0.0.1:${relay.port}/metrics`)).text();
}

beforeAll(async () => {
  crypto = await loadCrypto();
  upstream = createServer((request, response) => {
    if (request.method !== 'POST') {
      // The stand-in has no monitor endpoint (the exit's upgrade to /monitor/v1 gets 404).
      response.writeHead(404);
      response.end();
      return;
    }
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      upstreamRequests.push({ url: request.url, body: JSON.parse(body) });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ messages: [], hf: [19, 3] }));
    });
  });
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', () => done()));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  const dirs: string[] = [];
  const nodes: { ed25519: string; ip: string; relayPort: number }[] = [];
  const infos: CircuitRelay[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = mkdtempSync(join(tmpdir(), `murmur-relay-${i}-`));
    const seed = crypto.randomBytes(32);
    const identity = crypto.identityFromSeed(seed);
    writeSecretJson(
      join(dir, 'key.json'),
      {
        version: 1,
        ed25519Seed: bytesToHex(seed),
        ed25519PublicKey: bytesToHex(identity.ed25519.publicKey),
      },
      'node key file',
    );
    const port = await freePort();
    dirs.push(dir);
    nodes.push({
      ed25519: bytesToHex(identity.ed25519.publicKey),
      ip: '127.0.0.1',
      relayPort: port,
    });
    infos.push({
      ed25519: bytesToHex(identity.ed25519.publicKey),
      x25519: bytesToHex(identity.x25519.publicKey),
      ip: '127.0.0.1',
      port,
    });
  }
  const networkFile = join(dirs[0] as string, 'network.json');
  writeFileSync(networkFile, JSON.stringify({ nodes }));
  for (const [i, dir] of dirs.entries()) {
    const child = spawn(
      process.execPath,
      [
        cli,
        'start',
        '--data-dir',
        dir,
        '--host',
        '127.0.0.1',
        '--port',
        String(infos[i]?.port),
        '--network-file',
        networkFile,
        '--node-url',
        upstreamUrl,
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    await new Promise<void>((done, fail) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('"ready":true')) done();
      });
      child.once('exit', (code) => fail(new Error(`relay ${i} exited with ${code}`)));
    });
    procs.push({ child, info: infos[i] as CircuitRelay, exited });
  }
  builder = createCircuitBuilder({}, { crypto, connect });
}, 60_000);

afterAll(async () => {
  builder?.close();
  for (const proc of procs) proc.child.kill('SIGKILL');
  await new Promise<void>((done) => upstream?.close(() => done()));
});

describe('murmur-relay processes', () => {
  let circuit: Circuit;

  it('a client builds a 3-hop circuit over WebSockets, PINGs the exit and sends DATA to its node', async () => {
    circuit = await builder.build([procs[0]?.info, procs[1]?.info, procs[2]?.info] as [
      CircuitRelay,
      CircuitRelay,
      CircuitRelay,
    ]);
    await circuit.ping();
    const answer = await circuit.request({
      method: 'retrieve',
      params: { pubkey: '05ab', max_size: 9_000_000 },
    });
    expect(answer).toEqual({ code: 200, body: { messages: [], hf: [19, 3] } });
    expect(upstreamRequests).toEqual([
      {
        url: '/storage_rpc/v1',
        body: { method: 'retrieve', params: { pubkey: '05ab', max_size: 400_000 } },
      },
    ]);
    const user = crypto.generateIdentity();
    const refused = await circuit.subscribe({
      ed25519: user.ed25519.publicKey,
      namespaces: [0],
      timestamp: 1,
      signature: new Uint8Array(64),
    });
    expect(refused).toMatchObject({ success: false, errcode: 6 });
  });

  it('serves /health and Prometheus /metrics with circuits by hop', async () => {
    for (const [index, hop] of [
      [0, 1],
      [1, 2],
      [2, 3],
    ] as const) {
      const health = (await (
        await fetch(`http://127.0.0.1:${procs[index]?.info.port}/health`)
      ).json()) as Record<string, unknown>;
      expect(health).toMatchObject({
        status: 'ok',
        ed25519: procs[index]?.info.ed25519,
        relays: 3,
        circuits: 1,
      });
      expect(await metrics(index)).toContain(`murmur_relay_circuits_open{hop="${hop}"} 1`);
    }
    expect(await metrics(0)).toContain('murmur_relay_handshakes_total{result="ok"} 1');
    expect(await metrics(0)).toMatch(/murmur_relay_cells_in_total \d+/);
  });

  it('closes a link that sends a message of the wrong length, and refuses a link from an unregistered relay', async () => {
    const target = procs[1]?.info as CircuitRelay;
    const open = () =>
      new Promise<{ socket: WebSocket; cells: Uint8Array[]; closed: Promise<void> }>((done) => {
        const socket = new WebSocket(`ws://127.0.0.1:${target.port}/`);
        const cells: Uint8Array[] = [];
        const closed = new Promise<void>((c) => socket.once('close', () => c()));
        socket.on('message', (data: Buffer) => cells.push(new Uint8Array(data)));
        socket.once('open', () => done({ socket, cells, closed }));
      });
    const short = await open();
    short.socket.send(new Uint8Array(2047));
    await short.closed;

    const stranger = crypto.generateIdentity();
    const link = await open();
    const nonce = crypto.randomBytes(32);
    link.socket.send(encodeCell({ type: 'HELLO', circId: 0, version: 1, nonce }));
    while (link.cells.length === 0) await new Promise((r) => setTimeout(r, 10));
    const hello = decodeCell(link.cells[0] as Uint8Array);
    if (hello.type !== 'HELLO') throw new Error('expected HELLO');
    const signature = signLinkAuth(crypto, stranger.ed25519.secretKey, {
      role: 'I',
      initiatorNonce: nonce,
      responderNonce: hello.nonce,
      initiatorEd25519: stranger.ed25519.publicKey,
      responderEd25519: hexToBytes(target.ed25519),
      exporter: PLAIN_LINK_EXPORTER,
    });
    link.socket.send(
      encodeCell({ type: 'AUTH', circId: 0, ed25519: stranger.ed25519.publicKey, signature }),
    );
    await link.closed;
    expect(link.cells).toHaveLength(1);
    expect(await metrics(1)).toContain('murmur_relay_links_refused_total 1');
  });

  it('SIGTERM DESTROYs the relay circuits (HIBERNATING) and exits 0', async () => {
    const reasons: number[] = [];
    circuit.on('closed', ({ error }) => reasons.push(error.reason));
    procs[0]?.child.kill('SIGTERM');
    expect(await procs[0]?.exited).toBe(0);
    while (reasons.length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(reasons).toEqual([DestroyReason.HIBERNATING]);
    expect(await metrics(1)).toContain('murmur_relay_destroys_total{reason="HIBERNATING"} 1');
  });
});
