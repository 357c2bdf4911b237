/**
 * What a relay must refuse, against four real `murmur-relay` processes on loopback: a tampered
 * and a replayed cell each destroy their circuit and nothing else; a message of the wrong length
 * closes its link and no other; EXTEND to an unregistered key, back to the previous hop and
 * from hop 3 is refused; a CREATE flood from one address is shed while a client at another
 * address still builds. (A link from an unregistered relay is refused: `relay.test.ts`.)
 */
import {
  type Circuit,
  CircuitClosedError,
  type CircuitRelay,
  createCircuitBuilder,
} from '@murmur/circuits';
import { DestroyReason, encodeCell, ntorClientStart, RelayCommand } from '@murmur/circuits/relay';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, hexToBytes } from '@murmur/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRelays, startLocalRelays } from '../../src/local-relays.js';
import { metric, rawClient, wsConnect } from './support.js';

let crypto: MurmurCrypto;
let local: LocalRelays | undefined;
const info = (i: number) => local?.infos[i] as CircuitRelay;
const path = (...indexes: number[]) =>
  indexes.map((i) => info(i)) as [CircuitRelay, CircuitRelay, CircuitRelay];

beforeAll(async () => {
  crypto = await loadCrypto();
  local = await startLocalRelays({ count: 4 }, { crypto });
}, 60_000);

afterAll(async () => {
  await local?.stop();
});

/** How a circuit ended (its DESTROY reason), once it has. */
function ending(circuit: Circuit): Promise<number> {
  return new Promise((resolve) => circuit.on('closed', ({ error }) => resolve(error.reason)));
}

describe('a relay refuses, and only what it must', () => {
  it('a tampered cell and a replayed cell each destroy their circuit; the circuit beside them on the same link lives on', async () => {
    let tamper = false;
    let record = false;
    let recorded: Uint8Array | undefined;
    const link = wsConnect({
      tap: (cell) => {
        if (cell[4] !== 3) return cell; // RELAY cells only
        if (record) recorded = cell.slice();
        if (!tamper) return cell;
        tamper = false;
        const changed = cell.slice();
        changed[100] = (changed[100] as number) ^ 0x01;
        return changed;
      },
    });
    const builder = createCircuitBuilder({}, { crypto, connect: link.connect });
    const bystander = await builder.build(path(0, 1, 2));
    const tampered = await builder.build(path(0, 1, 2));
    await Promise.all([bystander.ping(), tampered.ping()]);
    const before = await metric(info(0), 'murmur_relay_destroys_total{reason="PROTOCOL"}');

    const tamperedEnd = ending(tampered);
    tamper = true;
    await expect(tampered.ping()).rejects.toBeInstanceOf(CircuitClosedError);
    expect(await tamperedEnd).toBe(DestroyReason.PROTOCOL);
    await bystander.ping();

    const replayed = await builder.build(path(0, 1, 2));
    record = true;
    await replayed.ping();
    record = false;
    const replayedEnd = ending(replayed);
    link.sockets[0]?.send(recorded as Uint8Array);
    expect(await replayedEnd).toBe(DestroyReason.PROTOCOL);
    await bystander.ping();
    expect(bystander.state).toBe('open');
    // The guard refused both (its layer's tag failed), and nothing else.
    expect(await metric(info(0), 'murmur_relay_destroys_total{reason="PROTOCOL"}')).toBe(
      before + 2,
    );
    builder.close();
  });

  it('a message of the wrong length closes its link (its circuits with it) and no other link', async () => {
    const first = wsConnect();
    const second = wsConnect();
    const one = createCircuitBuilder({}, { crypto, connect: first.connect });
    const two = createCircuitBuilder({}, { crypto, connect: second.connect });
    const doomed = await one.build(path(0, 1, 3));
    const other = await two.build(path(0, 1, 3));
    const doomedEnd = ending(doomed);
    first.sockets[0]?.send(new Uint8Array(2049));
    expect(await doomedEnd).toBe(DestroyReason.CHANNEL_CLOSED);
    await other.ping();
    expect(other.state).toBe('open');
    one.close();
    two.close();
  });

  it('refuses EXTEND to an unregistered key (OR_IDENTITY), back to the previous hop and from hop 3 (PROTOCOL)', async () => {
    const stranger = crypto.generateIdentity();
    const toStranger = await rawClient(crypto, info(0));
    expect((await toStranger.create()).type).toBe('CREATED');
    expect(
      await toStranger.extend({
        ed25519: bytesToHex(stranger.ed25519.publicKey),
        x25519: bytesToHex(stranger.x25519.publicKey),
      }),
    ).toMatchObject({ type: 'DESTROY', reason: DestroyReason.OR_IDENTITY });
    toStranger.close();

    const protocolAt = (i: number) =>
      metric(info(i), 'murmur_relay_destroys_total{reason="PROTOCOL"}');
    const middleBefore = await protocolAt(1);
    const backwards = await rawClient(crypto, info(0));
    await backwards.create();
    expect(await backwards.extend(info(1))).toMatchObject({ command: RelayCommand.EXTENDED });
    // The middle refuses (PROTOCOL); the guard passes the DESTROY on as DESTROYED (11).
    expect(await backwards.extend(info(0))).toMatchObject({
      type: 'DESTROY',
      reason: DestroyReason.DESTROYED,
    });
    expect(await protocolAt(1)).toBe(middleBefore + 1);
    backwards.close();

    const exitBefore = await protocolAt(2);
    const fromExit = await rawClient(crypto, info(0));
    await fromExit.create();
    await fromExit.extend(info(1));
    expect(await fromExit.extend(info(2))).toMatchObject({ command: RelayCommand.EXTENDED });
    // The exit (hop 3) never extends: it refuses (PROTOCOL), the client hears DESTROYED.
    expect(await fromExit.extend(info(3))).toMatchObject({
      type: 'DESTROY',
      reason: DestroyReason.DESTROYED,
    });
    expect(await protocolAt(2)).toBe(exitBefore + 1);
    fromExit.close();
  });

  it('sheds a CREATE flood from one address (RESOURCELIMIT) while a client at another address still builds', async () => {
    const flooder = await rawClient(crypto, info(3), '127.0.0.2');
    const guard = info(3);
    const FLOOD = 300;
    for (let i = 0; i < FLOOD; i++) {
      const ntor = ntorClientStart(crypto, {
        id: hexToBytes(guard.ed25519),
        b: hexToBytes(guard.x25519),
      });
      flooder.socket.send(
        encodeCell({
          type: 'CREATE',
          circId: 0x8000_1000 + i,
          hop: 1,
          htype: 2,
          id: ntor.id,
          b: ntor.b,
          x: ntor.x,
        }),
      );
    }
    const honest = wsConnect({ localAddress: '127.0.0.3' });
    const builder = createCircuitBuilder({}, { crypto, connect: honest.connect });
    const built = [];
    for (let i = 0; i < 3; i++) built.push(await builder.build(path(3, 1, 2)));
    for (const circuit of built) await circuit.ping();
    // Every CREATE of the flood got an answer: CREATED within the limits, DESTROY past them.
    while (flooder.cells.length < FLOOD) await new Promise((r) => setTimeout(r, 10));
    const answers = flooder.cells.splice(0).map((cell) => cell.type);
    const shed = answers.filter((type) => type === 'DESTROY').length;
    expect(shed).toBeGreaterThan(0);
    expect(answers.filter((type) => type === 'CREATED').length).toBe(FLOOD - shed);
    expect(await metric(guard, 'murmur_relay_creates_shed_total')).toBeGreaterThanOrEqual(shed);
    flooder.close();
    builder.close();
  });
});
