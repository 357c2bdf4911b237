/**
 * Three real `murmur-relay` processes (node dist/cli.js start) on loopback, a static network file
 * and a stand-in for the exit's node (an HTTP server answering /storage_rpc/v1). A client builds a
 * circuit over WebSockets with the library's CircuitBuilder, pings, sends a DATA request through
 * the exit, and watches the relays' /health and /metrics; then the links a relay must refuse,
 * and a graceful shutdown that DESTROYs its circuits.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Circuit,
  type CircuitBuilder,
  type CircuitRelay,
  createCircuitBuilder,
  PLAIN_LINK_EXPORTER,
} from '@murmur/circuits';
import { DestroyReason, decodeCell, encodeCell, signLinkAuth } from '@murmur/circuits/relay';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { hexToBytes } from '@murmur/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  type LocalRelay,
  type LocalRelays,
  relayConnector,
  startLocalRelays,
} from '../../src/local-relays.js';

let crypto: MurmurCrypto;
let local: LocalRelays;
let procs: LocalRelay[] = [];
let upstream: Server;
const upstreamRequests: unknown[] = [];
let builder: CircuitBuilder;

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

  local = await startLocalRelays({ count: 3, args: ['--node-url', upstreamUrl] }, { crypto });
  procs = local.relays;
  builder = createCircuitBuilder({}, { crypto, connect: relayConnector() });
}, 60_000);

afterAll(async () => {
  builder?.close();
  await local?.stop();
  await new Promise<void>((done) => upstream?.close(() => done()));
});

describe('murmur-relay processes', () => {
  let circuit: Circuit;

  it('the bundled program loads the native crypto addon (not the slower WebAssembly fallback)', () => {
    expect(procs.map((relay) => relay.crypto)).toEqual(['native', 'native', 'native']);
  });

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
