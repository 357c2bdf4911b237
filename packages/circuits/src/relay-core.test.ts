/**
 * The relay side driven cell by cell by a raw client (the library's primitives, no builder), for
 * the refusals a well-behaved client never triggers: commands from the wrong hop or direction,
 * EXTEND from hop 3, a bad SENDME, CircID and HOP checks, AUTH on a client link.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, hexToBytes } from '@murmur/wire';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Cell, decodeCell, encodeCell } from './cell.js';
import { DestroyReason, RelayCommand } from './constants.js';
import { PLAIN_LINK_EXPORTER, signLinkAuth } from './link-auth.js';
import { encodeExtend, encodeSendme, type RelayPayload } from './relay-payload.js';
import { cryptoOf } from './test-support/crypto.js';
import { TestNetwork as Network, settle, type TestNetwork } from './test-support/network.js';
import { rawCircuit } from './test-support/raw-circuit.js';

let crypto: MurmurCrypto;
const clock = { now: () => 1_800_000_000_000 };
let network: TestNetwork | undefined;

beforeAll(async () => {
  crypto = await cryptoOf('native');
});

afterEach(() => {
  network?.stop();
  network = undefined;
});

/** A client that speaks cells directly (the shared raw circuit over an in-memory link). */
async function rawClient(n: TestNetwork, guard: number, address = '192.168.7.7') {
  const pipe = n.rawLink(guard, address);
  const cells: Cell[] = [];
  let closed = false;
  pipe.sink = {
    receive: (bytes) => cells.push(decodeCell(bytes)),
    closed: () => {
      closed = true;
    },
  };
  const circuit = rawCircuit(crypto);
  pipe.send(circuit.hello());
  await settle();
  expect(cells.shift()?.type).toBe('HELLO');
  const relayAt = (index: number) => {
    const relay = n.relays[index]?.info;
    if (relay === undefined) throw new Error('no relay');
    return relay;
  };
  const send = (hop: number, payload: RelayPayload) => pipe.send(circuit.relay(hop, payload));
  const backward = () => {
    const cell = cells.shift();
    return cell === undefined ? undefined : circuit.backward(cell);
  };
  return {
    pipe,
    cells,
    circId: circuit.circId,
    layers: circuit.layers,
    send,
    backward,
    isClosed: () => closed,
    async create(index: number) {
      const step = circuit.create(relayAt(index));
      pipe.send(step.cell);
      await settle();
      const created = cells.shift();
      if (created?.type !== 'CREATED') throw new Error(`expected CREATED, got ${created?.type}`);
      step.finish(created);
    },
    async extend(index: number) {
      const step = circuit.extend(relayAt(index));
      pipe.send(step.cell);
      await settle();
      const answer = cells.shift();
      const read = answer === undefined ? undefined : step.finish(answer);
      if (read === undefined || !('command' in read) || read.command !== RelayCommand.EXTENDED) {
        throw new Error('expected EXTENDED');
      }
    },
  };
}

function net(count = 5): TestNetwork {
  network = new Network(crypto, clock, count);
  return network;
}

describe('the relay side, cell by cell', () => {
  it('refuses EXTEND from hop 3, and a command from the wrong hop or in the wrong direction', async () => {
    const cases: [number, RelayPayload][] = [
      [3, { command: RelayCommand.EXTEND, id: 0, data: new Uint8Array(132) }],
      [1, { command: RelayCommand.PING, id: 0, data: new Uint8Array(8) }],
      [2, { command: RelayCommand.SUBSCRIBE, id: 1, data: new Uint8Array(10) }],
      [3, { command: RelayCommand.NOTIFY, id: 0, data: new Uint8Array(6) }],
      [3, { command: RelayCommand.PONG, id: 0, data: new Uint8Array(8) }],
      [1, { command: RelayCommand.EXTENDED, id: 0, data: new Uint8Array(66) }],
    ];
    for (const [hop, payload] of cases) {
      const n = net();
      const client = await rawClient(n, 0);
      await client.create(0);
      await client.extend(1);
      await client.extend(2);
      client.send(hop, payload);
      await settle();
      const destroy = client.cells.shift();
      expect(destroy).toMatchObject({ type: 'DESTROY' });
      const culprit = n.relays[hop - 1]?.core.stats().destroys;
      expect(culprit).toEqual({ PROTOCOL: 1 });
      for (const relay of n.relays) expect(relay.core.stats().circuitsOpen).toBe(0);
      n.stop();
    }
  });

  it('refuses a second EXTEND at the same hop and a SENDME with a wrong tag or count', async () => {
    const n = net();
    const client = await rawClient(n, 0);
    await client.create(0);
    await client.extend(1);
    client.send(1, {
      command: RelayCommand.EXTEND,
      id: 0,
      data: encodeExtend({
        id: hexToBytes(n.relays[3]?.info.ed25519 as string),
        b: hexToBytes(n.relays[3]?.info.x25519 as string),
        x: new Uint8Array(32).fill(9),
      }),
    });
    await settle();
    expect(client.cells.shift()).toMatchObject({ type: 'DESTROY', reason: DestroyReason.PROTOCOL });

    const other = await rawClient(net(), 0);
    await other.create(0);
    await other.extend(1);
    await other.extend(2);
    other.send(3, {
      command: RelayCommand.SENDME,
      id: 0,
      data: encodeSendme({ count: 32, tag: new Uint8Array(16) }),
    });
    await settle();
    expect(other.cells.shift()).toMatchObject({ type: 'DESTROY', reason: DestroyReason.DESTROYED });
    expect(network?.relays[2]?.core.stats().destroys).toEqual({ PROTOCOL: 1 });
  });

  it('answers a CREATE with the wrong CircID top bit or HOP with DESTROY (PROTOCOL), drops one for a CircID in use and cells for unknown CircIDs', async () => {
    const n = net();
    const client = await rawClient(n, 0);
    const relay = n.relays[0]?.info as { ed25519: string; x25519: string };
    const create = (circId: number, hop: number) =>
      encodeCell({
        type: 'CREATE',
        circId,
        hop,
        htype: 2,
        id: hexToBytes(relay.ed25519),
        b: hexToBytes(relay.x25519),
        x: crypto.x25519KeyPair().publicKey,
      });
    client.pipe.send(create(0x0000_0005, 1));
    client.pipe.send(create(0x8000_0005, 2));
    client.pipe.send(
      encodeCell({
        type: 'CREATE',
        circId: 0x8000_0006,
        hop: 1,
        htype: 2,
        id: hexToBytes(relay.ed25519),
        b: new Uint8Array(32).fill(1),
        x: crypto.x25519KeyPair().publicKey,
      }),
    );
    await settle();
    expect(client.cells.splice(0)).toEqual([
      { type: 'DESTROY', circId: 5, reason: DestroyReason.PROTOCOL },
      { type: 'DESTROY', circId: 0x8000_0005, reason: DestroyReason.PROTOCOL },
      { type: 'DESTROY', circId: 0x8000_0006, reason: DestroyReason.OR_IDENTITY },
    ]);
    await client.create(0);
    client.pipe.send(create(client.circId, 1));
    client.pipe.send(encodeCell({ type: 'DESTROY', circId: 0x8000_0777, reason: 0 }));
    client.pipe.send(
      encodeCell({ type: 'RELAY', circId: 0x8000_0778, body: new Uint8Array(2043) }),
    );
    await settle();
    expect(client.cells).toEqual([]);
    expect(n.relays[0]?.core.stats().circuitsOpen).toBe(1);
  });

  it('closes a client link that sends AUTH after its first CREATE', async () => {
    const n = net();
    const client = await rawClient(n, 0);
    await client.create(0);
    const identity = crypto.generateIdentity();
    client.pipe.send(
      encodeCell({
        type: 'AUTH',
        circId: 0,
        ed25519: identity.ed25519.publicKey,
        signature: new Uint8Array(64),
      }),
    );
    await settle();
    expect(client.isClosed()).toBe(true);
    expect(n.relays[0]?.core.stats().circuitsOpen).toBe(0);
  });

  it('authenticates a registered relay link, and refuses HOP 1 on it', async () => {
    const n = net();
    const peer = n.relays[4];
    if (peer === undefined) throw new Error('no peer');
    const pipe = n.rawLink(0, peer.info.ip);
    const cells: Cell[] = [];
    pipe.sink = { receive: (bytes) => cells.push(decodeCell(bytes)), closed: () => undefined };
    const nonce = new Uint8Array(32).fill(4);
    pipe.send(encodeCell({ type: 'HELLO', circId: 0, version: 1, nonce }));
    await settle();
    const hello = cells.shift();
    if (hello?.type !== 'HELLO') throw new Error('expected HELLO');
    const responder = hexToBytes(n.relays[0]?.info.ed25519 as string);
    const input = {
      initiatorNonce: nonce,
      responderNonce: hello.nonce,
      initiatorEd25519: peer.identity.ed25519.publicKey,
      responderEd25519: responder,
      exporter: PLAIN_LINK_EXPORTER,
    };
    pipe.send(
      encodeCell({
        type: 'AUTH',
        circId: 0,
        ed25519: peer.identity.ed25519.publicKey,
        signature: signLinkAuth(crypto, peer.identity.ed25519.secretKey, { role: 'I', ...input }),
      }),
    );
    await settle();
    const auth = cells.shift();
    expect(auth?.type).toBe('AUTH');
    if (auth?.type === 'AUTH') expect(bytesToHex(auth.ed25519)).toBe(n.relays[0]?.info.ed25519);
    expect(n.relays[0]?.core.stats().links.relay).toBe(1);
    const relay0 = n.relays[0]?.info as { ed25519: string; x25519: string };
    pipe.send(
      encodeCell({
        type: 'CREATE',
        circId: 0x8000_0009,
        hop: 1,
        htype: 2,
        id: hexToBytes(relay0.ed25519),
        b: hexToBytes(relay0.x25519),
        x: crypto.x25519KeyPair().publicKey,
      }),
    );
    await settle();
    expect(cells.shift()).toEqual({
      type: 'DESTROY',
      circId: 0x8000_0009,
      reason: DestroyReason.PROTOCOL,
    });
  });
});
