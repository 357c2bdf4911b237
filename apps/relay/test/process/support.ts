/**
 * What the refusal tests need beside `@murmur/relay/local`'s processes: a WebSocket `connect`
 * for the circuit builder that can tap sent cells or use another loopback source address, a
 * metric reader, and a raw cell client (for cells the builder never sends).
 */
import type { CellSink, CircuitRelay } from '@murmur/circuits';
import { type Cell, decodeCell, type RelayPayload } from '@murmur/circuits/relay';
import { type OpenedPayload, rawCircuit } from '@murmur/circuits/test-support/raw-circuit';
import type { MurmurCrypto } from '@murmur/crypto';
import { WebSocket } from 'ws';

/** A WebSocket link for the circuit builder, from `localAddress`; `tap` sees every sent cell. */
export function wsConnect(
  options: { localAddress?: string; tap?: (cell: Uint8Array) => Uint8Array | undefined } = {},
) {
  const sockets: WebSocket[] = [];
  const connect = (relay: CircuitRelay, sink: CellSink) =>
    new Promise<{ send(cell: Uint8Array): void; close(): void }>((done, fail) => {
      const socket = new WebSocket(
        `ws://${relay.ip}:${relay.port}/`,
        options.localAddress === undefined ? {} : { localAddress: options.localAddress },
      );
      sockets.push(socket);
      socket.binaryType = 'nodebuffer';
      socket.on('message', (data: Buffer) => sink.receive(new Uint8Array(data)));
      socket.on('close', () => sink.closed());
      socket.once('error', fail);
      socket.once('open', () =>
        done({
          send: (cell) => {
            const out = options.tap === undefined ? cell : options.tap(cell);
            if (out !== undefined && socket.readyState === WebSocket.OPEN) socket.send(out);
          },
          close: () => socket.close(),
        }),
      );
    });
  return { connect, sockets };
}

/** A metric's value from a relay's /metrics (0 when absent). */
export async function metric(relay: CircuitRelay, line: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${relay.port}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

/** Polls `get` until it returns a value; `ms` is a hang guard (a busy machine is slow). */
async function until<T>(get: () => T | undefined, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: nothing within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A client that speaks cells directly over a WebSocket (for what the builder never sends). */
export async function rawClient(crypto: MurmurCrypto, guard: CircuitRelay, localAddress?: string) {
  const socket = new WebSocket(
    `ws://${guard.ip}:${guard.port}/`,
    localAddress === undefined ? {} : { localAddress },
  );
  socket.binaryType = 'nodebuffer';
  const cells: Cell[] = [];
  let closed = false;
  socket.on('message', (data: Buffer) => cells.push(decodeCell(new Uint8Array(data))));
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((done, fail) => {
    socket.once('open', () => done());
    socket.once('error', fail);
  });
  const circuit = rawCircuit(crypto);
  socket.send(circuit.hello());
  const hello = await until(() => cells.shift(), 'HELLO');
  if (hello.type !== 'HELLO') throw new Error(`expected HELLO, got ${hello.type}`);
  const next = () => until(() => cells.shift(), 'a cell');
  return {
    socket,
    cells,
    send: (hop: number, payload: RelayPayload) => socket.send(circuit.relay(hop, payload)),
    next,
    backward: async (): Promise<Cell | OpenedPayload> => circuit.backward(await next()),
    isClosed: () => closed,
    close: () => socket.close(),
    /** CREATE to the guard: resolves with CREATED or the DESTROY that refused it. */
    async create(): Promise<Cell> {
      const step = circuit.create(guard);
      socket.send(step.cell);
      return step.finish(await next());
    },
    /** EXTEND from the last hop to `relay`: the EXTENDED payload or the DESTROY cell. */
    async extend(relay: { ed25519: string; x25519: string }): Promise<Cell | OpenedPayload> {
      const step = circuit.extend(relay);
      socket.send(step.cell);
      return step.finish(await next());
    },
  };
}
