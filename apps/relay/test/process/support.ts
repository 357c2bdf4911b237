/**
 * What the refusal tests need beside `@murmur/relay/local`'s processes: a WebSocket `connect`
 * for the circuit builder that can tap sent cells or use another loopback source address, a
 * metric reader, and a raw cell client (for cells the builder never sends).
 */
import type { CellSink, CircuitRelay } from '@murmur/circuits';
import {
  type Cell,
  createHopLayer,
  decodeCell,
  decodeExtended,
  decodeRelayPayload,
  encodeCell,
  encodeExtend,
  encodeRelayPayload,
  type HopLayer,
  ntorClientFinish,
  ntorClientStart,
  openBackward,
  RelayCommand,
  type RelayPayload,
  sealForward,
} from '@murmur/circuits/relay';
import type { MurmurCrypto } from '@murmur/crypto';
import { hexToBytes } from '@murmur/wire';
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
  socket.send(encodeCell({ type: 'HELLO', circId: 0, version: 1, nonce: new Uint8Array(32) }));
  const hello = await until(() => cells.shift(), 'HELLO');
  if (hello.type !== 'HELLO') throw new Error(`expected HELLO, got ${hello.type}`);
  const layers: HopLayer[] = [];
  const circId = 0x8000_0001;
  const send = (hop: number, payload: RelayPayload) =>
    socket.send(
      encodeCell({
        type: 'RELAY',
        circId,
        body: sealForward(crypto, layers, hop, encodeRelayPayload(hop, payload)),
      }),
    );
  const next = () => until(() => cells.shift(), 'a cell');
  const backward = async () => {
    const cell = await next();
    if (cell.type !== 'RELAY') return cell;
    const opened = openBackward(crypto, layers, cell.body);
    if (opened.kind !== 'local') throw new Error('refused backward cell');
    return {
      hop: opened.hop,
      ...decodeRelayPayload(opened.hop, opened.payload, { fromExit: opened.hop === 3 }),
    };
  };
  return {
    socket,
    cells,
    send,
    next,
    backward,
    isClosed: () => closed,
    close: () => socket.close(),
    /** CREATE to the guard: resolves with CREATED or the DESTROY that refused it. */
    async create(): Promise<Cell> {
      const ntor = ntorClientStart(crypto, {
        id: hexToBytes(guard.ed25519),
        b: hexToBytes(guard.x25519),
      });
      socket.send(
        encodeCell({ type: 'CREATE', circId, hop: 1, htype: 2, id: ntor.id, b: ntor.b, x: ntor.x }),
      );
      const created = await next();
      if (created.type === 'CREATED')
        layers.push(createHopLayer(ntorClientFinish(crypto, ntor, created)));
      return created;
    },
    /** EXTEND from the last hop to `relay`: the EXTENDED payload or the DESTROY cell. */
    async extend(relay: { ed25519: string; x25519: string }) {
      const ntor = ntorClientStart(crypto, {
        id: hexToBytes(relay.ed25519),
        b: hexToBytes(relay.x25519),
      });
      send(layers.length, { command: RelayCommand.EXTEND, id: 0, data: encodeExtend(ntor) });
      const answer = await backward();
      if ('command' in answer && answer.command === RelayCommand.EXTENDED) {
        layers.push(createHopLayer(ntorClientFinish(crypto, ntor, decodeExtended(answer.data))));
      }
      return answer;
    },
  };
}
