/**
 * The client CircuitBuilder against real relay cores on an in-memory network: builds, SUBSCRIBE
 * and NOTIFY, DATA with flow control, PING, and every refusal the relay side must make.
 */
import type { Identity, MurmurCrypto } from '@murmur/crypto';
import { concatBytes, RequestTimeoutError } from '@murmur/wire';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Circuit, createCircuitBuilder } from './circuit-builder.js';
import { DestroyReason, SENDME_WINDOW } from './constants.js';
import { CircuitClosedError, NoCircuitPathError } from './errors.js';
import { monitorSignatureMessage, type Notification, type SubscribeRequest } from './subscribe.js';
import { cryptoOf } from './test-support/crypto.js';
import { settle, TestNetwork } from './test-support/network.js';

let crypto: MurmurCrypto;
let now = 1_800_000_000_000;
const clock = { now: () => now };
let network: TestNetwork | undefined;

beforeAll(async () => {
  crypto = await cryptoOf('native');
});

afterEach(() => {
  network?.stop();
  network = undefined;
});

function accountOf(user: Identity): Uint8Array {
  return concatBytes(Uint8Array.of(5), user.x25519.publicKey);
}

function subscribeRequest(
  user: Identity,
  circuit: Circuit,
  namespaces = [0],
  t = Math.floor(now / 1000),
): SubscribeRequest {
  const text = monitorSignatureMessage(accountOf(user), t, namespaces, circuit.exitEd25519);
  return {
    ed25519: user.ed25519.publicKey,
    namespaces,
    timestamp: t,
    signature: crypto.sign(text, user.ed25519.secretKey),
  };
}

function notification(user: Identity, n: number, data = new Uint8Array(100).fill(n)): Notification {
  return {
    account: accountOf(user),
    hash: `hash-${n}`,
    namespace: 0,
    timestamp: now + n,
    expiry: now + 86_400_000,
    data,
  };
}

function net(count = 6, limits = {}, options = {}): TestNetwork {
  network = new TestNetwork(crypto, clock, count, limits, options);
  return network;
}

describe('CircuitBuilder against relay cores', () => {
  it('builds guard → middle → exit step by step; each relay holds its hop; PING gets PONG', async () => {
    const n = net();
    const client = n.client();
    const circuit = await client.build(n.path(0, 1, 2));
    expect(circuit.state).toBe('open');
    expect(n.relays[0]?.core.stats().circuitsByHop).toEqual([1, 0, 0]);
    expect(n.relays[1]?.core.stats().circuitsByHop).toEqual([0, 1, 0]);
    expect(n.relays[2]?.core.stats().circuitsByHop).toEqual([0, 0, 1]);
    expect(n.relays[0]?.core.stats().links).toEqual({ client: 1, relay: 1, pending: 0 });
    expect(n.relays[1]?.core.stats().handshakes).toEqual({ ok: 1, failed: 0 });
    await circuit.ping();
    await circuit.ping();
    circuit.drop(1);
    circuit.drop(2);
    circuit.drop();
    await circuit.ping();
    circuit.destroy();
    await settle();
    for (const relay of n.relays) expect(relay.core.stats().circuitsOpen).toBe(0);
    expect(n.relays[2]?.core.stats().destroys).toEqual({ DESTROYED: 1 });
  });

  it('picks the exit from the swarm and keeps keys, /24s and operators apart', () => {
    const n = net(8);
    const client = n.client();
    const infos = n.relays.map((r) => r.info);
    const exits = infos.slice(5);
    for (let i = 0; i < 50; i++) {
      const [guard, middle, exit] = client.pickPath({
        guards: infos.slice(0, 2),
        relays: infos,
        exits,
      });
      expect(exits).toContain(exit);
      expect(
        new Set([guard.ip, middle.ip, exit.ip].map((ip) => ip.split('.').slice(0, 3).join('.')))
          .size,
      ).toBe(3);
    }
    const sameOperator = infos.map((info) => ({ ...info, operator: 'op' }));
    expect(() =>
      client.pickPath({ guards: sameOperator, relays: sameOperator, exits: sameOperator.slice(5) }),
    ).toThrow(NoCircuitPathError);
    expect(() => client.pickPath({ guards: infos, relays: infos, exits: [] })).toThrow(
      NoCircuitPathError,
    );
  });

  it('SUBSCRIBEs with a MONITOR2 signature and delivers each notification once, small, fragmented and announced without data', async () => {
    const n = net();
    const circuit = await n.client().build(n.path(0, 1, 2));
    const user = crypto.generateIdentity();
    const seen: Notification[] = [];
    circuit.on('notify', ({ notification }) => seen.push(notification));
    expect(await circuit.subscribe(subscribeRequest(user, circuit))).toEqual({ success: true });
    const exit = n.relays[2]?.exit;
    expect(exit?.publish(notification(user, 1))).toBe(1);
    expect(exit?.publish(notification(user, 2, new Uint8Array(9000).fill(2)))).toBe(1);
    expect(exit?.publish(notification(user, 3, new Uint8Array(20_000).fill(3)))).toBe(1);
    await settle();
    expect(seen.map((s) => s.hash)).toEqual(['hash-1', 'hash-2', 'hash-3']);
    expect(seen[0]?.data).toEqual(new Uint8Array(100).fill(1));
    expect(seen[1]?.data).toEqual(new Uint8Array(9000).fill(2));
    expect(seen[2]?.data).toBeUndefined();
    expect(await circuit.unsubscribe({ ed25519: user.ed25519.publicKey, namespaces: [0] })).toEqual(
      { success: true },
    );
    expect(exit?.publish(notification(user, 4))).toBe(0);
  });

  it('refuses an old (11-minute) and a wrong signature, and limits SUBSCRIBEs a minute', async () => {
    const n = net();
    const circuit = await n.client().build(n.path(0, 1, 2));
    const user = crypto.generateIdentity();
    const old = subscribeRequest(user, circuit, [0], Math.floor(now / 1000) - 660);
    expect(await circuit.subscribe(old)).toMatchObject({ success: false, errcode: 4 });
    const wrong = { ...subscribeRequest(user, circuit), namespaces: [1] };
    expect(await circuit.subscribe(wrong)).toMatchObject({ success: false, errcode: 5 });
    expect(await circuit.subscribe(subscribeRequest(user, circuit))).toEqual({ success: true });
    expect(await circuit.subscribe(subscribeRequest(user, circuit))).toEqual({ success: true });
    expect(await circuit.subscribe(subscribeRequest(user, circuit))).toMatchObject({
      success: false,
      errcode: 7,
    });
    now += 61_000;
    expect(await circuit.subscribe(subscribeRequest(user, circuit))).toEqual({ success: true });
  });

  it('passes SUB_ENDED from the exit', async () => {
    const n = net();
    const circuit = await n.client().build(n.path(0, 1, 2));
    const user = crypto.generateIdentity();
    const ended: number[] = [];
    circuit.on('subscriptionEnded', (event) => ended.push(event.reason));
    await circuit.subscribe(subscribeRequest(user, circuit));
    n.relays[2]?.exit.end(accountOf(user), 2, 'left the swarm');
    await settle();
    expect(ended).toEqual([2]);
  });

  it('answers DATA requests of any size through the SENDME window, in order', async () => {
    const n = net();
    const circuit = await n.client().build(n.path(0, 1, 2));
    const exit = n.relays[2]?.exit;
    if (exit === undefined) throw new Error('no exit');
    // 450 kB of answer: about 230 DATA cells, queued as one message and cut as the window opens.
    exit.answer = (request) => ({ code: 200, body: { request, blob: 'x'.repeat(450_000) } });
    const big = {
      method: 'retrieve',
      params: { pubkey: '05'.padEnd(66, 'a'), last_hash: 'y'.repeat(5000) },
    };
    const [a, b] = await Promise.all([
      circuit.request(big),
      circuit.request({ method: 'info', params: {} }),
    ]);
    expect(a.code).toBe(200);
    expect((a.body as { blob: string }).blob.length).toBe(450_000);
    expect((a.body as { request: unknown }).request).toEqual(big);
    expect((b.body as { request: unknown }).request).toEqual({ method: 'info', params: {} });
    expect(exit.requests).toHaveLength(2);
  });

  it('stops the exit after 64 unacknowledged cells until the client reads them and sends SENDME', async () => {
    const n = net();
    const circuit = await n.client().build(n.path(0, 1, 2));
    const user = crypto.generateIdentity();
    const seen: string[] = [];
    circuit.on('notify', ({ notification }) => seen.push(notification.hash));
    await circuit.subscribe(subscribeRequest(user, circuit));
    // The guard's pipe towards the client holds everything: no SENDME can come back.
    const guardSide = [...(n.relays[0]?.pipes ?? [])].find(
      (pipe) => pipe.peer === n.clientPipes[0],
    );
    if (guardSide === undefined) throw new Error('no guard pipe');
    guardSide.hold();
    const before = guardSide.sent;
    for (let i = 0; i < 100; i++) n.relays[2]?.exit.publish(notification(user, i));
    await settle();
    expect(guardSide.sent - before).toBe(SENDME_WINDOW);
    guardSide.release();
    await settle();
    expect(seen).toHaveLength(100);
    expect(new Set(seen).size).toBe(100);
    expect(guardSide.sent - before).toBe(100);
  });

  it('a tampered and a replayed cell each destroy their circuit and nothing else', async () => {
    for (const attack of ['tamper', 'replay'] as const) {
      const n = net();
      const client = n.client();
      const victim = await client.build(n.path(0, 1, 2));
      const bystander = await client.build(n.path(0, 3, 4));
      const closed: number[] = [];
      victim.on('closed', ({ error }) => closed.push(error.reason));
      const pipe = n.clientPipes[0];
      if (pipe === undefined) throw new Error('no client pipe');
      let armed = true;
      pipe.tap = (cell) => {
        if (!armed || cell[4] !== 3) return [cell];
        const circId = new DataView(cell.buffer, cell.byteOffset).getUint32(0);
        if (circId === 0) return [cell];
        armed = false;
        if (attack === 'tamper') {
          const bad = cell.slice();
          bad[100] = (bad[100] as number) ^ 1;
          return [bad];
        }
        return [cell, cell.slice()];
      };
      // Only the victim sends: its PING (tampered) or its PING and the replay.
      await expect(victim.ping()).rejects.toBeInstanceOf(CircuitClosedError);
      await settle();
      expect(closed).toEqual([DestroyReason.PROTOCOL]);
      expect(victim.state).toBe('closed');
      await bystander.ping();
      expect(n.relays[0]?.core.stats().destroys).toEqual({ PROTOCOL: 1 });
      n.stop();
    }
  }, 20_000);

  it('a cell of the wrong length closes the link (MCP v1), taking its circuits down with CHANNEL_CLOSED onward', async () => {
    const n = net();
    const client = n.client();
    const circuit = await client.build(n.path(0, 1, 2));
    const closed: number[] = [];
    circuit.on('closed', ({ error }) => closed.push(error.reason));
    n.clientPipes[0]?.send(new Uint8Array(2047));
    await settle();
    expect(closed).toEqual([DestroyReason.CHANNEL_CLOSED]);
    expect(n.relays[0]?.core.stats().destroys).toEqual({ CHANNEL_CLOSED: 1 });
    expect(n.relays[1]?.core.stats().destroys).toEqual({ CHANNEL_CLOSED: 1 });
    expect(n.relays[1]?.core.stats().circuitsOpen).toBe(0);
    expect(n.relays[2]?.core.stats().circuitsOpen).toBe(0);
  });

  it('refuses EXTEND to an unregistered key (OR_IDENTITY) and back to the previous hop (PROTOCOL)', async () => {
    const n = net(6, {}, { unregistered: [5] });
    const client = n.client();
    const unregistered = client.build(n.path(0, 5, 2));
    await expect(unregistered).rejects.toMatchObject({ reason: DestroyReason.OR_IDENTITY });
    expect(n.relays[5]?.core.stats().handshakes.ok).toBe(0);
    const back = client.build(n.path(0, 1, 0));
    await expect(back).rejects.toMatchObject({ reason: DestroyReason.DESTROYED });
    expect(n.relays[1]?.core.stats().destroys).toEqual({ PROTOCOL: 1 });
    const self = client.build(n.path(0, 0, 2));
    await expect(self).rejects.toMatchObject({ reason: DestroyReason.PROTOCOL });
    // A relay still builds fine afterwards.
    await (await client.build(n.path(0, 1, 2))).ping();
  });

  it('refuses a link from an unregistered relay', async () => {
    const n = net(4, {}, { unregistered: [3] });
    const client = n.client();
    // Relay 3 is not registered: when it extends to relay 1, relay 1 refuses its AUTH.
    const build = client.build(n.path(3, 1, 2));
    await expect(build).rejects.toMatchObject({ reason: DestroyReason.CONNECTFAILED });
    expect(n.relays[1]?.core.stats().linksRefused).toBe(1);
  });

  it('sheds a CREATE flood from one address while another client still builds', async () => {
    const n = net(6, { createBurst: 3, createRatePerSecond: 0.001 });
    const flooder = n.client('198.51.100.7');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => flooder.build(n.path(0, 1, 2))),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBe(5);
    for (const r of refused)
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        reason: DestroyReason.RESOURCELIMIT,
      });
    expect(n.relays[0]?.core.stats().createsShed).toBe(5);
    const other = n.client('203.0.113.9');
    await (await other.build(n.path(0, 3, 4))).ping();
  });

  it('caps circuits per client address', async () => {
    const n = net(6, { maxCircuitsPerClientAddress: 2 });
    const client = n.client();
    await client.build(n.path(0, 1, 2));
    await client.build(n.path(0, 1, 2));
    await expect(client.build(n.path(0, 1, 2))).rejects.toMatchObject({
      reason: DestroyReason.RESOURCELIMIT,
    });
  });

  it('destroys a hop not extended within 10 s (TIMEOUT), and a link that never finishes its handshake', async () => {
    const n = net();
    const client = n.client('192.0.2.1', { buildTimeoutMs: 60_000 });
    // Relay 1 can never reach relay 2: the EXTEND to the exit never answers.
    n.blackholed.add(n.relays[2]?.info.ed25519 as string);
    const build = client.build(n.path(0, 1, 2));
    build.catch(() => undefined);
    const silent = n.rawLink(3, '192.0.2.99');
    await settle();
    expect(n.relays[1]?.core.stats().circuitsOpen).toBe(1);
    expect(n.relays[3]?.core.stats().links.pending).toBe(1);
    now += 10_001;
    for (const relay of n.relays) relay.core.tick();
    await expect(build).rejects.toMatchObject({ reason: DestroyReason.DESTROYED });
    await settle();
    expect(n.relays[1]?.core.stats().destroys).toEqual({ TIMEOUT: 1 });
    // The guard counts the reason it received, and sends DESTROYED (11) on to the client.
    expect(n.relays[0]?.core.stats().destroys).toEqual({ TIMEOUT: 1 });
    expect(n.relays[3]?.core.stats().links.pending).toBe(0);
    expect(silent.closed).toBe(true);
  });

  it('a killed middle takes the circuit down: the guard sends CHANNEL_CLOSED to the client', async () => {
    const n = net();
    const circuit = await n.client().build(n.path(0, 1, 2));
    const closed: number[] = [];
    circuit.on('closed', ({ error }) => closed.push(error.reason));
    n.relays[1]?.kill();
    await settle();
    expect(closed).toEqual([DestroyReason.CHANNEL_CLOSED]);
    expect(n.relays[2]?.core.stats().circuitsOpen).toBe(0);
  });

  it('stop() DESTROYs every circuit (HIBERNATING) before closing its links', async () => {
    const n = net();
    const circuit = await n.client().build(n.path(0, 1, 2));
    const closed: number[] = [];
    circuit.on('closed', ({ error }) => closed.push(error.reason));
    n.relays[0]?.core.stop();
    await settle();
    expect(closed).toEqual([DestroyReason.HIBERNATING]);
    expect(n.relays[1]?.core.stats().destroys).toEqual({ HIBERNATING: 1 });
  });

  it('delays notifications at the exit when asked (exponential mean), losing none', async () => {
    const n = net(6, { exitDelayMeanMs: 5 });
    const circuit = await n.client().build(n.path(0, 1, 2));
    const user = crypto.generateIdentity();
    const seen: string[] = [];
    circuit.on('notify', ({ notification }) => seen.push(notification.hash));
    await circuit.subscribe(subscribeRequest(user, circuit));
    for (let i = 0; i < 20; i++) n.relays[2]?.exit.publish(notification(user, i));
    await settle();
    // Up to 30 s: a hang guard, not a speed requirement (a busy machine stretches the delays).
    for (const deadline = Date.now() + 30_000; seen.length < 20 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(new Set(seen).size).toBe(20);
  });

  it('under memory pressure destroys the stalest circuits first (RESOURCELIMIT)', async () => {
    let pressure = false;
    const n = net(6, {}, { memoryPressure: () => pressure });
    const client = n.client();
    const circuits: Circuit[] = [];
    for (let i = 0; i < 10; i++) {
      circuits.push(await client.build(n.path(0, 1, 2)));
      now += 1000;
    }
    // The first circuit is the oldest but has just been used; the second is now the stalest.
    now += 1000;
    await circuits[0]?.ping();
    const closed: number[] = [];
    circuits.forEach((c, index) => {
      c.on('closed', () => closed.push(index));
    });
    pressure = true;
    n.relays[0]?.core.tick();
    pressure = false;
    await settle();
    expect(closed).toEqual([1]);
    expect(n.relays[0]?.core.stats().destroys).toEqual({ RESOURCELIMIT: 1 });
  });

  it('sends a keepalive PADDING on a link idle for the random 45-75 s', async () => {
    const n = net();
    await n.client().build(n.path(0, 1, 2));
    const guardSide = [...(n.relays[0]?.pipes ?? [])].find(
      (pipe) => pipe.peer === n.clientPipes[0],
    );
    if (guardSide === undefined) throw new Error('no guard pipe');
    const before = guardSide.sent;
    now += 44_000;
    n.relays[0]?.core.tick();
    expect(guardSide.sent).toBe(before);
    now += 31_001;
    n.relays[0]?.core.tick();
    expect(guardSide.sent).toBe(before + 1);
  });

  it('shares one link per neighbour: circuits built at once through the same relays use one relay link', async () => {
    const n = net();
    const client = n.client();
    const circuits = await Promise.all(
      Array.from({ length: 5 }, () => client.build(n.path(0, 1, 2))),
    );
    for (const circuit of circuits) await circuit.ping();
    expect(n.relays[0]?.core.stats().links).toEqual({ client: 1, relay: 1, pending: 0 });
    expect(n.relays[1]?.core.stats().links).toEqual({ client: 0, relay: 2, pending: 0 });
    expect(n.relays[2]?.core.stats().links).toEqual({ client: 0, relay: 1, pending: 0 });
  });

  it('gives up with a timeout when the guard never answers HELLO, and closes that link', async () => {
    const n = net();
    let closed = 0;
    const builder = createCircuitBuilder(
      { buildTimeoutMs: 50 },
      {
        crypto,
        connect: async () => ({
          send: () => undefined,
          close: () => {
            closed++;
          },
        }),
      },
    );
    await expect(builder.build(n.path(0, 1, 2))).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(closed).toBe(1);
  });
});
