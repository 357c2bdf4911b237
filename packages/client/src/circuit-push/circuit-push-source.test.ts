/**
 * The circuit push source against real relay cores (`@murmur/circuits`' in-memory network:
 * real cells, real ntor, real layers, an exit that checks MONITOR2 signatures): build and
 * subscribe, delivery, catch-up after every (re)subscription, rebuild after a killed guard,
 * middle or exit, make-before-break rotation, SUB_ENDED, PING timeouts, refusals and stop.
 */
import { type CellSink, type Notification, PLAIN_LINK_EXPORTER } from '@murmur/circuits';
import {
  pipePair,
  settle,
  TestNetwork,
  type TestRelay,
} from '@murmur/circuits/test-support/network';
import type { Identity, MurmurCrypto } from '@murmur/crypto';
import { loadCrypto } from '@murmur/crypto';
import {
  base64ToBytes,
  bytesToHex,
  concatBytes,
  hexToBytes,
  systemClock,
  UpstreamFailedError,
} from '@murmur/wire';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PushBatch } from '../push.js';
import { eventually } from '../test-support/clients.js';
import {
  type CircuitPushComponents,
  type CircuitPushEvent,
  type CircuitPushInit,
  type CircuitPushSource,
  createCircuitPushSource,
} from './circuit-push-source.js';

let crypto: MurmurCrypto;
/** The relay ends of client links (to silence a guard towards its client). */
const clientSide = new Set<ReturnType<typeof pipePair>[number]>();
const running: { source: CircuitPushSource; network: TestNetwork }[] = [];

beforeAll(async () => {
  crypto = await loadCrypto();
});

afterEach(async () => {
  for (const { source, network } of running.splice(0)) {
    await source.stop();
    network.stop();
  }
});

const accountOf = (user: Identity) => concatBytes(Uint8Array.of(5), user.x25519.publicKey);

function note(user: Identity, n: number, extra: Partial<Notification> = {}): Notification {
  return {
    account: accountOf(user),
    hash: `hash-${n}`,
    namespace: 0,
    timestamp: 1_800_000_000_000 + n,
    expiry: 1_800_000_000_000 + 86_400_000,
    data: new Uint8Array(50).fill(n),
    ...extra,
  };
}

interface Setup {
  network: TestNetwork;
  source: CircuitPushSource;
  user: Identity;
  batches: PushBatch[];
  events: CircuitPushEvent[];
  errors: unknown[];
  catchUps: { count: number };
  wakes: { count: number };
  /** The relays of the account's swarm (possible exits). */
  swarm: TestRelay[];
  relayOf(key: string | undefined): TestRelay;
  hashes(): string[];
  start(now?: () => number): Promise<void>;
}

function setup(
  options: {
    relays?: number;
    swarm?: number[];
    init?: CircuitPushInit;
    components?: Partial<CircuitPushComponents>;
    onCatchUp?: () => Promise<void>;
  } = {},
): Setup {
  const network = new TestNetwork(crypto, systemClock, options.relays ?? 8);
  const user = crypto.generateIdentity();
  const swarmIndexes = options.swarm ?? [5, 6, 7];
  const swarm = swarmIndexes.map((i) => network.relays[i] as TestRelay);
  const batches: PushBatch[] = [];
  const events: CircuitPushEvent[] = [];
  const errors: unknown[] = [];
  const catchUps = { count: 0 };
  const wakes = { count: 0 };
  const source = createCircuitPushSource(
    { retryMinMs: 5, retryMaxMs: 50, ...options.init },
    {
      crypto,
      connect: async (relay, sink: CellSink) => {
        const guard = network.relays.find((r) => r.info.ed25519 === relay.ed25519);
        if (guard === undefined) throw new Error('no such relay');
        const [mine, theirs] = pipePair();
        mine.sink = sink;
        guard.pipes.add(theirs);
        clientSide.add(theirs);
        theirs.sink = guard.core.acceptLink(theirs, {
          remoteAddress: '192.168.7.7',
          exporter: PLAIN_LINK_EXPORTER,
        });
        return mine;
      },
      relays: async () => network.relays.map((relay) => relay.info),
      swarm: async () => swarm.map((relay) => relay.info.ed25519),
      catchUp: async () => {
        catchUps.count++;
        await options.onCatchUp?.();
      },
      wake: () => {
        wakes.count++;
      },
      onEvent: (event) => events.push(event),
      onError: (error) => errors.push(error),
      ...options.components,
    },
  );
  running.push({ source, network });
  return {
    network,
    source,
    user,
    batches,
    events,
    errors,
    catchUps,
    wakes,
    swarm,
    relayOf(key) {
      const relay = network.relays.find((r) => r.info.ed25519 === key);
      if (relay === undefined) throw new Error('not a relay of the network');
      return relay;
    },
    hashes: () => batches.flatMap((batch) => batch.messages.map((m) => m.hash)),
    start: (now = () => Date.now()) =>
      source.start((batch) => batches.push(batch), {
        sessionId: bytesToHex(accountOf(user)),
        ed25519PublicKey: bytesToHex(user.ed25519.publicKey),
        namespaces: [0, 5],
        now,
        signRequest: () => 'unused',
        sign: (message) => crypto.sign(message, user.ed25519.secretKey),
      }),
  };
}

/** Publishes at the exit of the circuit in use. */
function publish(t: Setup, notification: Notification): number {
  return t.relayOf(t.source.path?.[2].ed25519).exit.publish(notification);
}

// Waits are hang guards (30 s each), not speed checks: a busy 2-core machine rebuilds slowly.
describe('circuit push source', { timeout: 240_000 }, () => {
  it('builds through an exit of the swarm, subscribes, catches up once and delivers NOTIFYs as retrieved messages', async () => {
    const t = setup();
    await t.start();
    await eventually(() => t.source.connected, 30_000, 'a circuit');
    const path = t.source.path;
    expect(path).toBeDefined();
    expect(t.swarm.map((r) => r.info.ed25519)).toContain(path?.[2].ed25519);
    expect(new Set(path?.map((r) => r.ed25519)).size).toBe(3);
    expect(t.events).toEqual([{ state: 'up', path: path?.map((r) => r.ed25519), rotated: false }]);
    await eventually(() => t.catchUps.count === 1, 30_000, 'the catch-up');
    expect(publish(t, note(t.user, 1))).toBe(1);
    expect(publish(t, note(t.user, 2, { namespace: 5, data: new Uint8Array(5000).fill(2) }))).toBe(
      1,
    );
    await eventually(() => t.batches.length === 2, 30_000, 'two batches');
    expect(t.batches[0]).toEqual({
      namespace: 0,
      messages: [
        {
          hash: 'hash-1',
          timestamp: 1_800_000_000_001,
          expiration: 1_800_000_000_000 + 86_400_000,
          data: expect.any(String),
        },
      ],
    });
    expect(base64ToBytes(t.batches[0]?.messages[0]?.data ?? '')).toEqual(
      new Uint8Array(50).fill(1),
    );
    expect(t.batches[1]?.namespace).toBe(5);
    expect(base64ToBytes(t.batches[1]?.messages[0]?.data ?? '')).toEqual(
      new Uint8Array(5000).fill(2),
    );
    expect(t.source.stats).toMatchObject({ built: 1, subscribed: 1, notifications: 2 });
    expect(t.errors).toEqual([]);
  });

  it('ignores notifications of another account or namespace, and fetches one announced without data by a catch-up', async () => {
    const t = setup();
    await t.start();
    await eventually(() => t.catchUps.count === 1, 30_000, 'the first catch-up');
    const exit = t.relayOf(t.source.path?.[2].ed25519).exit;
    const other = crypto.generateIdentity();
    // The exit only routes by account, so deliver to our subscription directly.
    for (const sink of exit.subscriptions.get(bytesToHex(accountOf(t.user))) ?? []) {
      sink.notify(note(other, 1));
      sink.notify(note(t.user, 2, { namespace: 3 }));
    }
    const { data: _data, ...withoutData } = note(t.user, 3);
    publish(t, withoutData);
    await eventually(() => t.catchUps.count === 2, 30_000, 'a catch-up for the announced message');
    await settle();
    expect(t.batches).toEqual([]);
  });

  it('rebuilds after the guard, then the middle, then the exit is killed, catching up each time, and keeps the guard unless it failed', async () => {
    // A swarm of 5: three kills (which may hit swarm members as guard or middle) leave an exit.
    const t = setup({ relays: 10, swarm: [5, 6, 7, 8, 9] });
    await t.start();
    await eventually(() => t.source.connected && t.catchUps.count === 1, 30_000, 'a circuit');
    const first = t.source.path;

    // kill the guard: a new guard, a new circuit, a catch-up.
    t.relayOf(first?.[0].ed25519).kill();
    await eventually(() => t.events.some((e) => e.state === 'down'), 30_000, 'down');
    expect(t.wakes.count).toBe(1);
    await eventually(() => t.source.connected && t.catchUps.count === 2, 30_000, 'a rebuild');
    const second = t.source.path;
    expect(second?.[0].ed25519).not.toBe(first?.[0].ed25519);
    // kill the middle: the guard is kept.
    t.relayOf(second?.[1].ed25519).kill();
    await eventually(() => t.source.connected && t.catchUps.count === 3, 30_000, 'a rebuild');
    const third = t.source.path;
    expect(third?.[0].ed25519).toBe(second?.[0].ed25519);
    expect(third?.[1].ed25519).not.toBe(second?.[1].ed25519);
    // kill the exit: another member of the swarm.
    t.relayOf(third?.[2].ed25519).kill();
    await eventually(() => t.source.connected && t.catchUps.count === 4, 30_000, 'a rebuild');
    const fourth = t.source.path;
    expect(fourth?.[2].ed25519).not.toBe(third?.[2].ed25519);
    expect(t.swarm.map((r) => r.info.ed25519)).toContain(fourth?.[2].ed25519);
    expect(t.events.map((e) => e.state)).toEqual(['up', 'down', 'up', 'down', 'up', 'down', 'up']);
    expect(publish(t, note(t.user, 9))).toBe(1);
    await eventually(() => t.hashes().includes('hash-9'), 30_000, 'delivery on the new circuit');
    expect(t.source.stats).toMatchObject({ subscribed: 4, lost: 3 });
  });

  it('rotates make-before-break: the old circuit keeps delivering until the catch-up on the new one is done', async () => {
    let releaseCatchUp: (() => void) | undefined;
    let holdCatchUps = false;
    const t = setup({
      onCatchUp: () =>
        holdCatchUps
          ? new Promise<void>((resolve) => {
              releaseCatchUp = resolve;
            })
          : Promise.resolve(),
    });
    await t.start();
    await eventually(() => t.source.connected && t.catchUps.count === 1, 30_000, 'a circuit');
    const oldExit = t.relayOf(t.source.path?.[2].ed25519).exit;
    const account = bytesToHex(accountOf(t.user));
    holdCatchUps = true;
    const rotation = t.source.rotate();
    await eventually(() => t.catchUps.count === 2, 30_000, 'the catch-up of the new circuit');
    // Both subscriptions are live now: messages in flight on either are delivered.
    expect(t.events.at(-1)).toMatchObject({ state: 'up', rotated: true });
    const newExit = t.relayOf(t.source.path?.[2].ed25519).exit;
    for (let n = 1; n <= 5; n++) {
      oldExit.publish(note(t.user, n));
      if (newExit !== oldExit) newExit.publish(note(t.user, n));
      else oldExit.publish(note(t.user, n));
    }
    await eventually(() => t.batches.length >= 5, 30_000, 'messages of the overlap');
    const subscribers = () =>
      [...new Set([oldExit, newExit])].reduce(
        (sum, exit) => sum + (exit.subscriptions.get(account)?.size ?? 0),
        0,
      );
    expect(subscribers()).toBe(2);
    releaseCatchUp?.();
    await rotation;
    await eventually(() => subscribers() === 1, 30_000, 'the old circuit destroyed');
    // Every message arrived; the copies of the overlap are left to the receiver's de-duplication.
    expect(new Set(t.hashes())).toEqual(
      new Set(['hash-1', 'hash-2', 'hash-3', 'hash-4', 'hash-5']),
    );
    expect(t.source.stats.rotations).toBe(1);
    expect(t.events.filter((e) => e.state === 'down')).toEqual([]);
  });

  it('rotates on its own at a random time in the rotation window', async () => {
    const t = setup({ init: { rotateMinMs: 100, rotateMaxMs: 150 } });
    await t.start();
    await eventually(() => t.source.stats.rotations >= 2, 30_000, 'two rotations');
    expect(t.events.filter((e) => e.state === 'up' && e.rotated).length).toBeGreaterThanOrEqual(2);
    expect(t.events.filter((e) => e.state === 'down')).toEqual([]);
  });

  it('SUB_ENDED from the exit means a rebuild with another exit', async () => {
    const t = setup();
    await t.start();
    await eventually(() => t.source.connected, 30_000, 'a circuit');
    const exit = t.source.path?.[2].ed25519;
    t.relayOf(exit).exit.end(accountOf(t.user), 2, 'left the swarm');
    await eventually(() => t.events.some((e) => e.state === 'down'), 30_000, 'down');
    expect(t.events.find((e) => e.state === 'down')).toMatchObject({
      reason: expect.stringContaining('left the swarm'),
    });
    await eventually(() => t.source.connected, 30_000, 'a new circuit');
    expect(t.source.path?.[2].ed25519).not.toBe(exit);
  });

  it('a PING without PONG kills the circuit; builds through the silent guard fail and it is dropped', async () => {
    const t = setup({
      relays: 10,
      swarm: [3, 4, 5, 6, 7, 8],
      init: { pingMinMs: 20, pingMaxMs: 30, pingTimeoutMs: 100, buildTimeoutMs: 200 },
    });
    await t.start();
    await eventually(() => t.source.connected, 30_000, 'a circuit');
    const guard = t.source.path?.[0].ed25519;
    // The guard's link to the client swallows everything from now on (the link stays up).
    const toClient = [...t.relayOf(guard).pipes].find((p) => p.peer?.sink === undefined);
    for (const p of t.relayOf(guard).pipes) if (clientSide.has(p)) p.hold();
    expect(toClient).toBeUndefined();
    await eventually(() => t.events.some((e) => e.state === 'down'), 30_000, 'the PING timeout');
    expect(t.events.find((e) => e.state === 'down')).toMatchObject({
      reason: expect.stringContaining('PONG'),
    });
    await eventually(() => t.source.connected, 30_000, 'a new circuit');
    expect(t.source.path?.[0].ed25519).not.toBe(guard);
    expect(t.source.stats.failures).toBeGreaterThanOrEqual(2);
  });

  it('reports a refused subscription (a clock 11 minutes off) and keeps retrying with backoff, never connected', async () => {
    const t = setup();
    await t.start(() => Date.now() - 11 * 60_000);
    await eventually(() => t.errors.length >= 3, 30_000, 'three refusals');
    expect(t.errors[0]).toBeInstanceOf(UpstreamFailedError);
    expect((t.errors[0] as UpstreamFailedError).message).toContain('errcode 4');
    expect(t.source.connected).toBe(false);
    expect(t.catchUps.count).toBe(0);
  });

  it('reports nothing while no relay is known, and connects once relays appear', async () => {
    let known = false;
    const t = setup({ init: { retryMaxMs: 20 } });
    const all = t.network.relays.map((relay) => relay.info);
    const source2 = createCircuitPushSource(
      { retryMinMs: 5, retryMaxMs: 20 },
      {
        crypto,
        connect: async () => {
          throw new Error('never asked');
        },
        relays: async () => (known ? all : []),
        swarm: async () => [],
        catchUp: async () => undefined,
        onError: (error) => t.errors.push(error),
      },
    );
    running.push({ source: source2, network: t.network });
    await source2.start(() => undefined, {
      sessionId: bytesToHex(accountOf(t.user)),
      ed25519PublicKey: bytesToHex(t.user.ed25519.publicKey),
      namespaces: [0],
      now: () => Date.now(),
      signRequest: () => '',
      sign: () => new Uint8Array(64),
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(t.errors).toEqual([]);
    // Relays known but none in the swarm: still no path, still quiet.
    known = true;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(t.errors).toEqual([]);
    expect(source2.connected).toBe(false);
  });

  it('stop() destroys the circuit at the relays and delivers nothing more', async () => {
    const t = setup();
    await t.start();
    await eventually(() => t.source.connected, 30_000, 'a circuit');
    const exit = t.relayOf(t.source.path?.[2].ed25519);
    await t.source.stop();
    expect(t.source.connected).toBe(false);
    await eventually(
      () => t.network.relays.every((relay) => relay.core.stats().circuitsOpen === 0),
      30_000,
      'no circuit left at the relays',
    );
    expect(exit.exit.publish(note(t.user, 1))).toBe(0);
    await settle();
    expect(t.batches).toEqual([]);
  });

  it('refuses negative durations and a start without `sign`', async () => {
    expect(() =>
      createCircuitPushSource(
        { rotateMinMs: -1 },
        {
          crypto,
          connect: async () => {
            throw new Error('no');
          },
          relays: async () => [],
          swarm: async () => [],
          catchUp: async () => undefined,
        },
      ),
    ).toThrow(/rotateMinMs/);
    const t = setup();
    await expect(
      t.source.start(() => undefined, {
        sessionId: bytesToHex(accountOf(t.user)),
        ed25519PublicKey: bytesToHex(t.user.ed25519.publicKey),
        namespaces: [0],
        now: () => Date.now(),
        signRequest: () => '',
      } as never),
    ).rejects.toThrow(/sign/);
    expect(hexToBytes(bytesToHex(accountOf(t.user)))).toEqual(accountOf(t.user));
  });
});
