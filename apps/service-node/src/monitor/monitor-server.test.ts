/**
 * The monitor endpoint on whole nodes (real SQLite, HTTPS, peer links and replication on
 * loopback): a subscriber authenticates with a node key, subscribes with MONITOR2 signatures,
 * and receives each new message once per subscription whether a client stored it at this node
 * or it arrived by replication from another swarm member. Refusals, bounds and bad frames too.
 */
import type { Identity } from '@murmur/crypto';
import { bytesToHex, hexToBytes, monitorSignatureMessage } from '@murmur/wire';
import {
  MONITOR_PATH,
  MonitorCloseCode,
  MonitorErrorCode,
  type MonitorNodeFrame,
  monitorAuthMessage,
  parseMonitorNodeFrame,
} from '@murmur/wire/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { NodeKeys } from '../keys.js';
import { type Cluster, type ClusterNode, createCluster } from '../test-support/cluster.js';
import { httpsFetch } from '../test-support/https.js';
import { monitorExporter } from './monitor-server.js';

const S1 = 0x2000_0000_0000_0000n;
const S2 = 0xa000_0000_0000_0000n;
const HANG_GUARD_MS = 10_000;

interface Subscriber {
  frames: MonitorNodeFrame[];
  socket: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
  send(frame: unknown): void;
  /** The first frame (from index `from` on) that matches, once it arrived. */
  next(predicate: (frame: MonitorNodeFrame) => boolean, from?: number): Promise<MonitorNodeFrame>;
}

/** Opens the monitor endpoint of `node`; authenticates with `key` unless `auth` is false. */
async function openSubscriber(
  cluster: Cluster,
  node: ClusterNode,
  key: NodeKeys | undefined,
  options: { exporter?: Uint8Array } = {},
): Promise<Subscriber> {
  const socket = new WebSocket(`wss://127.0.0.1:${node.port}${MONITOR_PATH}`, {
    rejectUnauthorized: false,
  });
  let exporter: Uint8Array = new Uint8Array(32);
  socket.once('upgrade', (response) => {
    exporter = monitorExporter(response.socket);
  });
  const frames: MonitorNodeFrame[] = [];
  const waiters: {
    predicate: (f: MonitorNodeFrame) => boolean;
    done: (f: MonitorNodeFrame) => void;
  }[] = [];
  const closed = new Promise<{ code: number; reason: string }>((done) =>
    socket.once('close', (code, reason) => done({ code, reason: reason.toString() })),
  );
  socket.on('message', (data: Buffer) => {
    const frame = parseMonitorNodeFrame(data.toString('utf8'));
    frames.push(frame);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(frame)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.done(frame);
      }
    }
  });
  const subscriber: Subscriber = {
    frames,
    socket,
    closed,
    send: (frame) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    next(predicate, from = 0) {
      const seen = frames.slice(from).find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((done, fail) => {
        const timer = setTimeout(() => fail(new Error('no such frame in time')), HANG_GUARD_MS);
        waiters.push({
          predicate,
          done: (frame) => {
            clearTimeout(timer);
            done(frame);
          },
        });
      });
    },
  };
  const hello = await subscriber.next((f) => f.type === 'hello');
  if (hello.type !== 'hello') throw new Error('no hello');
  expect(hello.node).toBe(node.keys.ed25519Hex);
  if (key !== undefined) {
    const signature = cluster.crypto.sign(
      monitorAuthMessage({
        role: 'subscriber',
        nonce: hexToBytes(hello.nonce),
        node: node.keys.ed25519.publicKey,
        subscriber: key.ed25519.publicKey,
        exporter: options.exporter ?? exporter,
      }),
      key.ed25519.secretKey,
    );
    subscriber.send({ type: 'auth', key: key.ed25519Hex, signature: bytesToHex(signature) });
    const ready = await Promise.race([
      subscriber.next((f) => f.type === 'ready'),
      closed.then(({ code }): never => {
        throw new Error(`closed ${code}`);
      }),
    ]);
    // The node signs the same fields with its key, as role N.
    if (ready.type !== 'ready') throw new Error('no ready');
    const proof = monitorAuthMessage({
      role: 'node',
      nonce: hexToBytes(hello.nonce),
      node: node.keys.ed25519.publicKey,
      subscriber: key.ed25519.publicKey,
      exporter,
    });
    expect(
      cluster.crypto.verify(hexToBytes(ready.signature), proof, node.keys.ed25519.publicKey),
    ).toBe(true);
  }
  return subscriber;
}

/** A signed subscribe frame for a Session account (P form). */
function subscribeFrame(
  cluster: Cluster,
  id: number,
  account: Identity,
  exit: Uint8Array,
  options: { t?: number; n?: number[]; signer?: Identity; after?: Record<string, string> } = {},
) {
  const t = options.t ?? Math.floor(Date.now() / 1000);
  const n = options.n ?? [0];
  const accountBytes = hexToBytes(account.sessionId);
  const signature = cluster.crypto.sign(
    monitorSignatureMessage(accountBytes, t, n, exit),
    (options.signer ?? account).ed25519.secretKey,
  );
  return {
    type: 'subscribe',
    id,
    P: bytesToHex(account.ed25519.publicKey),
    n,
    t,
    s: bytesToHex(signature),
    ...(options.after === undefined ? {} : { after: options.after }),
  };
}

async function until(predicate: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + HANG_GUARD_MS;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((done) => setTimeout(done, 50));
  }
}

/**
 * Stores through `node`, again after a 503 (the node sheds load when this shared machine is
 * busy; clients retry such answers too). Resolves with the 200 answer.
 */
async function storeOk(
  cluster: Cluster,
  node: ClusterNode,
  account: Identity,
  text: string,
): Promise<{ status: number; body: { hash: string } }> {
  for (let attempt = 0; ; attempt++) {
    const answer = await cluster.store(node, account, text);
    // A busy node sheds with 503: retried for at least 30 s (a hang guard, not a deadline).
    if (answer.status !== 503 || attempt >= 300) {
      expect(answer.status).toBe(200);
      return answer;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

function notifies(subscriber: Subscriber) {
  return subscriber.frames.filter((f) => f.type === 'notify');
}

describe('monitor subscriptions on a node', () => {
  let cluster: Cluster;
  let a: ClusterNode;
  let b: ClusterNode;
  let other: ClusterNode;

  beforeAll(async () => {
    cluster = await createCluster({
      swarms: [S1, S1, S2],
      monitorInit: {
        maxSubscriptionsPerConnection: 6,
        maxSubscriptionsPerAccount: 4,
        maxReplay: 4,
      },
    });
    [a, b, other] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('refuses an 11-minute-old timestamp, a wrong signature, another exit, bad namespaces and a foreign swarm', async () => {
    const subscriber = await openSubscriber(cluster, a, a.keys);
    const account = cluster.account(S1);
    const exit = a.keys.ed25519.publicKey;
    const now = Math.floor(Date.now() / 1000);
    const cases: [unknown, number][] = [
      [subscribeFrame(cluster, 1, account, exit, { t: now - 11 * 60 }), MonitorErrorCode.BAD_TS],
      [subscribeFrame(cluster, 2, account, exit, { t: now + 11 * 60 }), MonitorErrorCode.BAD_TS],
      [
        subscribeFrame(cluster, 3, account, exit, { signer: cluster.crypto.generateIdentity() }),
        MonitorErrorCode.BAD_SIG,
      ],
      // Signed for another exit (node b's key): useless at node a's subscriber.
      [subscribeFrame(cluster, 4, account, b.keys.ed25519.publicKey), MonitorErrorCode.BAD_SIG],
      [subscribeFrame(cluster, 5, account, exit, { n: [1, 0] }), MonitorErrorCode.BAD_NS],
      [subscribeFrame(cluster, 6, account, exit, { n: [0, 0] }), MonitorErrorCode.BAD_NS],
      [subscribeFrame(cluster, 7, cluster.account(S2), exit), MonitorErrorCode.WRONG_SWARM],
    ];
    for (const [frame, errcode] of cases) {
      subscriber.send(frame);
      const id = (frame as { id: number }).id;
      const answer = await subscriber.next((f) => f.type === 'subscribed' && f.id === id);
      expect(answer, `subscription ${id}`).toMatchObject({ type: 'subscribed', id, errcode });
    }
    // A 9-minute-old one is inside the window.
    subscriber.send(subscribeFrame(cluster, 8, account, exit, { t: now - 9 * 60 }));
    expect(await subscriber.next((f) => f.type === 'subscribed' && f.id === 8)).toEqual({
      type: 'subscribed',
      id: 8,
      success: 1,
    });
    const metrics = await (await httpsFetch(`https://127.0.0.1:${a.port}/metrics`)).text();
    expect(metrics).toMatch(/murmur_monitor_refusals_total\{reason="bad_timestamp"\} 2/);
    expect(metrics).toMatch(/murmur_monitor_refusals_total\{reason="bad_signature"\} 2/);
    expect(metrics).toMatch(/murmur_monitor_refusals_total\{reason="wrong_swarm"\} 1/);
    expect(metrics).toMatch(/murmur_monitor_subscriptions 1/);
    subscriber.socket.close();
    await subscriber.closed;
  });

  it('delivers a client store and a replicated message exactly once per subscription', async () => {
    const subscriber = await openSubscriber(cluster, a, a.keys);
    const account = cluster.account(S1);
    const exit = a.keys.ed25519.publicKey;
    // Two subscriptions on one connection (ids 1 and 2), and one for namespace 5 only.
    subscriber.send(subscribeFrame(cluster, 1, account, exit));
    subscriber.send(subscribeFrame(cluster, 2, account, exit, { n: [-10, 0, 5] }));
    subscriber.send(subscribeFrame(cluster, 3, account, exit, { n: [5] }));
    for (const id of [1, 2, 3]) {
      expect(await subscriber.next((f) => f.type === 'subscribed' && f.id === id)).toMatchObject({
        success: 1,
      });
    }
    const before = Number(
      /murmur_monitor_notifications_total (\d+)/.exec(
        await (await httpsFetch(`https://127.0.0.1:${a.port}/metrics`)).text(),
      )?.[1] ?? 0,
    );
    // A client store at a, then one at b that reaches a by replication, then the first again
    // (a duplicate: no new message, no notification).
    const first = await storeOk(cluster, a, account, 'stored at a');
    expect(first.status).toBe(200);
    const replicated = await storeOk(cluster, b, account, 'stored at b');
    expect(replicated.status).toBe(200);
    await subscriber.next((f) => f.type === 'notify' && f.h === replicated.body.hash);
    await subscriber.next((f) => f.type === 'notify' && f.h === first.body.hash);
    await storeOk(cluster, a, account, 'stored at a');
    // A last message, and when it is in, count everything once.
    const last = await storeOk(cluster, b, account, 'the last');
    await subscriber.next((f) => f.type === 'notify' && f.h === last.body.hash);
    const seen = notifies(subscriber);
    const hashes = seen.map((f) => (f.type === 'notify' ? f.h : ''));
    // The second 'stored at a' has the first one's hash (account, namespace, data): not new.
    expect([...hashes].sort()).toEqual(
      [first.body.hash, replicated.body.hash, last.body.hash].sort(),
    );
    for (const frame of seen) {
      if (frame.type !== 'notify') continue;
      expect(frame.subs).toEqual([1, 2]);
      expect(frame['@']).toBe(account.sessionId);
      expect(frame.n).toBe(0);
      expect(frame.z).toBeGreaterThan(frame.t);
    }
    const replicatedFrame = seen.find((f) => f.type === 'notify' && f.h === replicated.body.hash);
    expect(Buffer.from((replicatedFrame as { '~': string })['~'], 'base64').toString()).toBe(
      'stored at b',
    );
    const after = Number(
      /murmur_monitor_notifications_total (\d+)/.exec(
        await (await httpsFetch(`https://127.0.0.1:${a.port}/metrics`)).text(),
      )?.[1] ?? 0,
    );
    expect(after - before).toBe(seen.length * 2);
    // Unsubscribed: nothing more for id 1.
    subscriber.send({ type: 'unsubscribe', id: 1 });
    await subscriber.next((f) => f.type === 'unsubscribed' && f.id === 1);
    const later = await storeOk(cluster, a, account, 'after unsubscribe');
    const frame = await subscriber.next((f) => f.type === 'notify' && f.h === later.body.hash);
    expect(frame).toMatchObject({ subs: [2] });
    subscriber.socket.close();
    await subscriber.closed;
  });

  it('a renewal with `after` replays exactly what was stored since the hashes it names', async () => {
    const account = cluster.account(S1);
    const exit = a.keys.ed25519.publicKey;
    const first = await openSubscriber(cluster, a, a.keys);
    first.send(subscribeFrame(cluster, 1, account, exit, { n: [0, 1] }));
    await first.next((f) => f.type === 'subscribed' && f.id === 1);
    const m1 = (await storeOk(cluster, a, account, 'one')).body.hash as string;
    const m2 = (await storeOk(cluster, b, account, 'two')).body.hash as string;
    await first.next((f) => f.type === 'notify' && f.h === m2);
    await first.next((f) => f.type === 'notify' && f.h === m1);
    // The link drops; two messages arrive meanwhile (one by replication).
    first.socket.close();
    await first.closed;
    const m3 = (await storeOk(cluster, a, account, 'three')).body.hash as string;
    const m4 = (await storeOk(cluster, b, account, 'four')).body.hash as string;
    await until(async () =>
      (await cluster.texts(a, account).catch(() => [] as string[])).includes('four'),
    );
    const renewed = await openSubscriber(cluster, a, a.keys);
    const last = notifies(first).at(-1) as { h: string };
    renewed.send(
      subscribeFrame(cluster, 1, account, exit, { n: [0, 1], after: { '0': last.h, '1': '' } }),
    );
    await renewed.next((f) => f.type === 'subscribed' && f.id === 1);
    const m5 = (await storeOk(cluster, a, account, 'five')).body.hash as string;
    await renewed.next((f) => f.type === 'notify' && f.h === m5);
    const seen = notifies(renewed).map((f) => (f.type === 'notify' ? f.h : ''));
    // Exactly what a stored after the last hash seen, in arrival order, then the live one.
    expect(seen).toEqual([m3, m4, m5]);
    expect(a.running?.monitor.stats().replayed).toBe(2);
    // Too much to replay (more than maxReplay = 4 from the beginning): the subscription ends.
    renewed.send(subscribeFrame(cluster, 2, account, exit, { after: { '0': '' } }));
    expect(await renewed.next((f) => f.type === 'ended' && f.id === 2)).toMatchObject({
      errcode: MonitorErrorCode.UPSTREAM,
    });
    renewed.socket.close();
    await renewed.closed;
  });

  it('bounds subscriptions per connection and per account', async () => {
    const subscriber = await openSubscriber(cluster, a, a.keys);
    const exit = a.keys.ed25519.publicKey;
    const busy = cluster.account(S1);
    const answers: MonitorNodeFrame[] = [];
    // Account limit 4 (over all connections), connection limit 6.
    for (let id = 1; id <= 5; id++) {
      subscriber.send(subscribeFrame(cluster, id, busy, exit));
      answers.push(await subscriber.next((f) => f.type === 'subscribed' && f.id === id));
    }
    expect(answers.slice(0, 4).every((f) => f.type === 'subscribed' && 'success' in f)).toBe(true);
    expect(answers[4]).toMatchObject({ errcode: MonitorErrorCode.LIMIT });
    // Renewing an existing id is not a new subscription.
    const mark = subscriber.frames.length;
    subscriber.send(subscribeFrame(cluster, 2, busy, exit));
    expect(await subscriber.next((f) => f.type === 'subscribed' && f.id === 2, mark)).toMatchObject(
      { success: 1 },
    );
    for (let id = 6; id <= 8; id++) {
      subscriber.send(subscribeFrame(cluster, id, cluster.account(S1), exit));
      answers.push(await subscriber.next((f) => f.type === 'subscribed' && f.id === id));
    }
    expect(answers.slice(5).map((f) => ('errcode' in f ? f.errcode : 0))).toEqual([
      0,
      0,
      MonitorErrorCode.LIMIT,
    ]);
    expect(a.running?.monitor.stats().refusals).toMatchObject({
      limit_account: 1,
      limit_connection: 1,
    });
    subscriber.socket.close();
    await subscriber.closed;
  });

  it('refuses bad frames with an error frame, and closes after too many', async () => {
    const subscriber = await openSubscriber(cluster, a, a.keys);
    subscriber.send('not json');
    subscriber.send({ type: 'launch' });
    subscriber.send({ type: 'subscribe', id: 9, P: 'zz', n: [0], t: 1, s: '00' });
    subscriber.send({ type: 'subscribe', id: 10, n: [0], t: 1, s: '00'.repeat(64) });
    const errors: MonitorNodeFrame[] = [];
    for (let i = 0; i < 4; i++) {
      const from = subscriber.frames.indexOf(errors[errors.length - 1] as MonitorNodeFrame) + 1;
      errors.push(await subscriber.next((f) => f.type === 'error', from));
    }
    expect(errors[0]).toMatchObject({ error: expect.stringMatching(/not JSON/) });
    expect(errors[1]).toMatchObject({ error: expect.stringMatching(/`type` must be one of/) });
    expect(errors[2]).toMatchObject({ id: 9, error: expect.stringMatching(/`P` must be/) });
    expect(errors[3]).toMatchObject({ id: 10, error: expect.stringMatching(/exactly one of/) });
    // Still open: a good frame works.
    subscriber.send(subscribeFrame(cluster, 11, cluster.account(S1), a.keys.ed25519.publicKey));
    expect(await subscriber.next((f) => f.type === 'subscribed' && f.id === 11)).toMatchObject({
      success: 1,
    });
    for (let i = 0; i < 16; i++) subscriber.send('{');
    expect((await subscriber.closed).code).toBe(MonitorCloseCode.BAD_FRAMES);

    const binary = await openSubscriber(cluster, a, a.keys);
    binary.socket.send(Buffer.from([1, 2, 3]));
    expect((await binary.closed).code).toBe(MonitorCloseCode.UNSUPPORTED);
  });

  it('refuses a subscriber that does not authenticate as this node or an active node', async () => {
    const first = await openSubscriber(cluster, a, undefined);
    first.send(subscribeFrame(cluster, 1, cluster.account(S1), a.keys.ed25519.publicKey));
    expect((await first.closed).code).toBe(MonitorCloseCode.AUTH_FAILED);

    // A stranger's key, correctly signed: not registered.
    const stranger = cluster.crypto.generateIdentity();
    const strangerKeys = {
      ed25519: stranger.ed25519,
      x25519: stranger.x25519,
      ed25519Hex: bytesToHex(stranger.ed25519.publicKey),
      x25519Hex: bytesToHex(stranger.x25519.publicKey),
    };
    const second = openSubscriber(cluster, a, strangerKeys);
    await expect(second).rejects.toThrow(`closed ${MonitorCloseCode.AUTH_FAILED}`);

    // An auth made for another connection (here: not bound to this one's TLS exporter).
    await expect(
      openSubscriber(cluster, a, a.keys, { exporter: new Uint8Array(32) }),
    ).rejects.toThrow(`closed ${MonitorCloseCode.AUTH_FAILED}`);

    // Another active node (b, the exit of b's relay) may subscribe at a.
    const peer = await openSubscriber(cluster, a, b.keys);
    peer.send(subscribeFrame(cluster, 1, cluster.account(S1), b.keys.ed25519.publicKey));
    expect(await peer.next((f) => f.type === 'subscribed' && f.id === 1)).toMatchObject({
      success: 1,
    });
    peer.socket.close();
    await peer.closed;
    expect(a.running?.monitor.stats().refusals['auth_failed']).toBeGreaterThanOrEqual(2);
  });

  it('ends the subscriptions (6) when the node leaves the account’s swarm', async () => {
    const subscriber = await openSubscriber(cluster, a, a.keys);
    const account = cluster.account(S1);
    subscriber.send(subscribeFrame(cluster, 1, account, a.keys.ed25519.publicKey));
    await subscriber.next((f) => f.type === 'subscribed' && f.id === 1);
    cluster.setSwarm(a, S2);
    expect(await subscriber.next((f) => f.type === 'ended' && f.id === 1)).toMatchObject({
      errcode: MonitorErrorCode.WRONG_SWARM,
    });
    expect(a.running?.monitor.stats().subscriptions).toBe(0);
    // And a new one for that account is refused there now.
    subscriber.send(subscribeFrame(cluster, 2, account, a.keys.ed25519.publicKey));
    expect(await subscriber.next((f) => f.type === 'subscribed' && f.id === 2)).toMatchObject({
      errcode: MonitorErrorCode.WRONG_SWARM,
    });
    expect(other.running).toBeDefined();
    subscriber.socket.close();
    await subscriber.closed;
  });
});

describe('monitor subscription lifetime', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await createCluster({
      swarms: [S1],
      monitorInit: { subscriptionLifetimeMs: 300, sweepIntervalMs: 50 },
    });
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('ends a subscription (9) when its lifetime is over', async () => {
    const node = cluster.nodes[0] as ClusterNode;
    const subscriber = await openSubscriber(cluster, node, node.keys);
    subscriber.send(subscribeFrame(cluster, 1, cluster.account(S1), node.keys.ed25519.publicKey));
    await subscriber.next((f) => f.type === 'subscribed' && f.id === 1);
    expect(await subscriber.next((f) => f.type === 'ended' && f.id === 1)).toMatchObject({
      errcode: MonitorErrorCode.EXPIRED,
    });
    expect(node.running?.monitor.stats().subscriptions).toBe(0);
    subscriber.socket.close();
    await subscriber.closed;
  });
});

describe('monitor bounds that close connections', () => {
  let cluster: Cluster;
  let node: ClusterNode;

  beforeAll(async () => {
    cluster = await createCluster({
      swarms: [S1],
      monitorInit: { maxConnections: 2, maxBufferedBytes: 64 * 1024 },
    });
    node = cluster.nodes[0] as ClusterNode;
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('refuses connections past the cap with 503, and closes a slow reader with 4008', async () => {
    const reader = await openSubscriber(cluster, node, node.keys);
    const spare = await openSubscriber(cluster, node, node.keys);
    const refused = await new Promise<number>((done) => {
      const socket = new WebSocket(`wss://127.0.0.1:${node.port}${MONITOR_PATH}`, {
        rejectUnauthorized: false,
      });
      socket.on('unexpected-response', (_request, response) => done(response.statusCode ?? 0));
      socket.on('error', () => done(0));
      socket.on('open', () => done(101));
    });
    expect(refused).toBe(503);
    spare.socket.close();
    await spare.closed;

    const account = cluster.account(S1);
    reader.send(subscribeFrame(cluster, 1, account, node.keys.ed25519.publicKey));
    await reader.next((f) => f.type === 'subscribed' && f.id === 1);
    // Stop reading: the node's queue for this socket grows until the bound.
    reader.socket.pause();
    const big = 'x'.repeat(60_000);
    let stored = 0;
    while (node.running?.monitor.stats().connections !== 0 && stored < 2_000) {
      const answer = await storeOk(cluster, node, account, `${stored} ${big}`);
      expect(answer.status).toBe(200);
      stored++;
    }
    expect(node.running?.monitor.stats().refusals['slow_reader']).toBe(1);
    reader.socket.resume();
    expect((await reader.closed).code).toBe(MonitorCloseCode.SLOW_READER);
  }, 120_000);
});
