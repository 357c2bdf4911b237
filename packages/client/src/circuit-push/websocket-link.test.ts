/** The WebSocket link to a guard, against a real `ws` server on loopback. */
import type { AddressInfo } from 'node:net';
import type { CellSink } from '@murmur/circuits';
import { AbortError, UpstreamFailedError } from '@murmur/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { eventually } from '../test-support/clients.js';
import { relayUrl, webSocketConnector } from './websocket-link.js';

const servers: WebSocketServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function echoServer(onText?: (socket: WebSocket) => void): Promise<number> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      if (!isBinary) return;
      // Answers every cell with itself, then a text frame when asked.
      socket.send(data, { binary: true });
      onText?.(socket);
    });
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return (server.address() as AddressInfo).port;
}

function recorder() {
  const received: Uint8Array[] = [];
  let closed = 0;
  const sink: CellSink = {
    receive: (bytes) => received.push(bytes),
    closed: () => {
      closed++;
    },
  };
  return { sink, received, closed: () => closed };
}

const connect = webSocketConnector((url) => new WebSocket(url), 'ws');
const relay = (port: number) => ({ ed25519: 'aa', x25519: 'bb', ip: '127.0.0.1', port });

describe('webSocketConnector', () => {
  it('builds ws:// and wss:// URLs from the relay address', () => {
    expect(relayUrl('ws', { ip: '127.0.0.5', port: 4000 })).toBe('ws://127.0.0.5:4000/');
    expect(relayUrl('wss', { ip: '10.1.2.3', port: 443 })).toBe('wss://10.1.2.3:443/');
  });

  it('sends and receives 2048-byte binary cells, and the sink hears the close', async () => {
    const port = await echoServer();
    const r = recorder();
    const transport = await connect(relay(port), r.sink, { signal: new AbortController().signal });
    const cell = new Uint8Array(2048).map((_, i) => i % 251);
    transport.send(cell);
    transport.send(cell.slice().fill(7));
    await eventually(() => r.received.length === 2, 30_000, 'two cells back');
    expect(r.received[0]).toEqual(cell);
    expect(r.received[1]).toEqual(new Uint8Array(2048).fill(7));
    transport.close();
    await eventually(() => r.closed() === 1, 30_000, 'the close');
    // Sending after the close is a no-op, not a throw.
    transport.send(cell);
    expect(r.closed()).toBe(1);
  });

  it('closes the link on a text message (cells are binary)', async () => {
    const port = await echoServer((socket) => socket.send('not a cell'));
    const r = recorder();
    const transport = await connect(relay(port), r.sink, { signal: new AbortController().signal });
    transport.send(new Uint8Array(2048));
    await eventually(() => r.closed() === 1, 30_000, 'the close');
    expect(r.received).toHaveLength(1);
  });

  it('rejects when nothing listens, and when aborted before it opens', async () => {
    const port = await echoServer();
    const server = servers.pop() as WebSocketServer;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = recorder();
    await expect(
      connect(relay(port), r.sink, { signal: new AbortController().signal }),
    ).rejects.toBeInstanceOf(UpstreamFailedError);
    const aborted = new AbortController();
    aborted.abort();
    await expect(connect(relay(port), r.sink, { signal: aborted.signal })).rejects.toBeInstanceOf(
      AbortError,
    );
    expect(r.closed()).toBe(0);
  });
});
