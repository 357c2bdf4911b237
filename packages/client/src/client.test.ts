import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MESSAGE_TTL_MS, type MurmurClient, PATH_STATE_KEY } from './client.js';
import { DeliveryFailedError } from './errors.js';
import type { PushBatch, PushSource } from './push.js';
import { createMemoryStorage } from './storage/memory.js';
import { installAccountKeysNamespace } from './test-support/account-keys-namespace.js';
import {
  collectMessages,
  eventually,
  HANG_GUARD_MS,
  nextEvent,
  storedHash,
  testClient,
} from './test-support/clients.js';
import { createFakeNetwork, type FakeNetwork } from './test-support/fake-network.js';

let crypto: MurmurCrypto;
const running: MurmurClient[] = [];

beforeAll(async () => {
  crypto = await loadCrypto();
});

afterEach(async () => {
  for (const client of running.splice(0)) await client.stop();
});

async function started(
  network: FakeNetwork,
  options: Parameters<typeof testClient>[2] = {},
): Promise<ReturnType<typeof testClient>> {
  const made = testClient(network, crypto, options);
  running.push(made.client);
  if ((await made.client.account.get()) === undefined) await made.client.account.create();
  await made.client.start();
  await made.client.whenReady({ signal: AbortSignal.timeout(HANG_GUARD_MS) });
  return made;
}

describe('client on a fake network', () => {
  it('two clients exchange messages both ways through onion paths (V2, the default)', async () => {
    const network = createFakeNetwork({ crypto });
    // Namespace −21 as the service node plays it: both clients publish account keys.
    const ns = installAccountKeysNamespace(network, crypto);
    // A key fetch that times out on both members would (rightly) fall back to v1 for a contact
    // never seen with forward secrecy: give the fetches room on a loaded machine.
    const slow = { init: { requestTimeoutMs: 15_000 } };
    const { client: alice, storage: aliceStorage } = await started(network, slow);
    const { client: bob } = await started(network, slow);
    const aliceId = alice.sessionId as string;
    const bobId = bob.sessionId as string;
    await eventually(
      () => ns.bundles.has(aliceId) && ns.bundles.has(bobId),
      HANG_GUARD_MS,
      'bundles',
    );

    // Alice has no keys of Bob's yet: the message is held while they are fetched, then V2.
    const atBob = nextEvent(bob, 'message');
    const sent = await alice.sendMessage(bobId, 'hello Bob');
    expect(sent).toMatchObject({ state: 'securing', protocol: undefined, forwardSecret: false });
    await alice.waitForDelivery(sent.id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    const hash = await storedHash(aliceStorage, sent.id);
    const received = await atBob;
    expect(received).toMatchObject({
      id: hash,
      from: aliceId,
      text: 'hello Bob',
      namespace: 0,
      protocol: 'v2',
      forwardSecret: true,
    });
    expect(received.sentAt).toBe(sent.sentAt);

    // Now cached: sealed at once, the ID is the storage hash.
    const again = await alice.sendMessage(bobId, 'again');
    expect(again).toMatchObject({ state: 'queued', protocol: 'v2', forwardSecret: true });
    await alice.waitForDelivery(again.id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });

    const atAlice = nextEvent(alice, 'message');
    const reply = await bob.sendMessage(aliceId, 'hi Alice 👋');
    expect(await atAlice).toMatchObject({ text: 'hi Alice 👋', protocol: 'v2' });
    await bob.waitForDelivery(reply.id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });

    // Both histories hold the messages, in the conversation keyed by the other party, with
    // how each was sealed.
    const aliceHistory = await alice.conversations.history(bobId);
    expect(aliceHistory.map((m) => [m.direction, m.text, m.state, m.protocol])).toEqual([
      ['incoming', 'hi Alice 👋', undefined, 'v2'],
      ['outgoing', 'again', 'sent', 'v2'],
      ['outgoing', 'hello Bob', 'sent', 'v2'],
    ]);
    const [conversation] = await bob.conversations.list();
    expect(conversation).toMatchObject({ sessionId: aliceId, unreadCount: 1 });
    expect(await bob.conversations.markRead(aliceId)).toBe(1);

    // Every request went through an onion path: the swarm saw stores and retrieves, and
    // guards saw onion requests.
    expect(network.stats.onionByGuard.size).toBeGreaterThan(0);
    expect(network.messagesOf(bobId).map((m) => m.hash)).toEqual([hash, again.id]);
    expect(alice.health()).toMatchObject({
      summary: 'healthy',
      timeSynced: true,
      paths: 'healthy',
    });
  });

  it('reports delivery states in order', async () => {
    const network = createFakeNetwork({ crypto });
    installAccountKeysNamespace(network, crypto);
    const { client: alice } = await started(network);
    const bob = crypto.generateIdentity();
    const states: string[] = [];
    alice.on('message-state', (event) =>
      states.push(event.protocol === undefined ? event.state : `${event.state} ${event.protocol}`),
    );
    // Bob never published account keys: the first message is held while Alice looks for them
    // (none: a NAK), then sealed with v1 as a Session client would.
    const { id } = await alice.sendMessage(bob.sessionId, 'hi');
    await alice.waitForDelivery(id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    expect(states).toEqual(['securing', 'queued v1', 'sending', 'sent']);
    // The NAK is cached for an hour: the next one is sealed at once.
    states.length = 0;
    const second = await alice.sendMessage(bob.sessionId, 'again');
    await alice.waitForDelivery(second.id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    expect(states).toEqual(['queued v1', 'sending', 'sent']);
    await eventually(() => alice.health().outboxPending === 0, HANG_GUARD_MS, 'empty outbox');
  });

  it("carries the sender's disappearing timer: the recipient's copy gets it, the swarm TTL matches, a timer update is announced", async () => {
    const network = createFakeNetwork({ crypto });
    installAccountKeysNamespace(network, crypto);
    const slow = { init: { requestTimeoutMs: 15_000 } };
    const { client: alice, storage: aliceStorage } = await started(network, slow);
    const { client: bob, storage: bobStorage } = await started(network, slow);
    const bobId = bob.sessionId as string;
    const aliceId = alice.sessionId as string;

    // The setting first, as Session announces it: Bob's client hears it, keeps no history row.
    const update = nextEvent(bob, 'disappearing-update');
    const announced = await alice.sendTimerUpdate(bobId, { mode: 'after-send', seconds: 60 });
    await alice.waitForDelivery(announced.id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    const heard = await update;
    expect(heard).toMatchObject({
      from: aliceId,
      sentAt: announced.sentAt,
      expiration: { mode: 'after-send', seconds: 60 },
    });
    // After-send: the update itself is stored only as long as the timer.
    const updateStored = network.messagesOf(bobId).find((message) => message.hash === heard.id);
    expect(updateStored === undefined ? -1 : updateStored.expiry - updateStored.timestamp).toBe(
      60_000,
    );
    expect(await aliceStorage.getMessage(announced.id)).toBeUndefined();
    expect(await bobStorage.listMessages(aliceId, { limit: 10 })).toEqual([]);

    // A message with the timer: the TTL in the swarm is the timer, the recipient reads the timer.
    const atBob = nextEvent(bob, 'message');
    const sent = await alice.sendMessage(bobId, 'gone in a minute', {
      disappearing: { mode: 'after-send', seconds: 60 },
    });
    await alice.waitForDelivery(sent.id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    const received = await atBob;
    expect(received).toMatchObject({
      text: 'gone in a minute',
      expiration: { mode: 'after-send', seconds: 60 },
    });
    const stored = network.messagesOf(bobId).find((message) => message.hash === received.id);
    expect(stored === undefined ? -1 : stored.expiry - stored.timestamp).toBe(60_000);

    // After-read keeps the default TTL and still carries the timer; off carries none.
    const atBob2 = nextEvent(bob, 'message');
    const readSent = await alice.sendMessage(bobId, 'read me', {
      disappearing: { mode: 'after-read', seconds: 300 },
    });
    await alice.waitForDelivery(readSent.id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    const readReceived = await atBob2;
    expect(readReceived.expiration).toEqual({ mode: 'after-read', seconds: 300 });
    const readStored = network.messagesOf(bobId).find((m) => m.hash === readReceived.id);
    expect(readStored === undefined ? -1 : readStored.expiry - readStored.timestamp).toBe(
      DEFAULT_MESSAGE_TTL_MS,
    );
    const off = nextEvent(bob, 'disappearing-update');
    const offSent = await alice.sendTimerUpdate(bobId, null);
    await alice.waitForDelivery(offSent.id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    expect(await off).toMatchObject({ from: aliceId, expiration: null });

    // Bad timers are refused before anything is queued.
    await expect(
      alice.sendMessage(bobId, 'x', { disappearing: { mode: 'after-send', seconds: 0 } }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(
      alice.sendTimerUpdate(bobId, { mode: 'sometime', seconds: 5 } as never),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('a restarted client (new object, same storage) misses nothing and repeats nothing', async () => {
    const network = createFakeNetwork({ crypto, retrieveLimit: 2 });
    const { client: alice } = await started(network);
    const bobStorage = createMemoryStorage();
    const first = await started(network, { storage: bobStorage });
    const bobId = first.client.sessionId as string;
    const before = collectMessages(first.client);

    const one = await alice.sendMessage(bobId, 'one');
    await eventually(() => before.texts.includes('one'), HANG_GUARD_MS, 'first message');
    await first.client.stop();

    // Sent while Bob is away; more than one retrieve page (the fake swarm returns 2 at a time).
    for (const text of ['two', 'three', 'four', 'five']) {
      const { id } = await alice.sendMessage(bobId, text);
      await alice.waitForDelivery(id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    }

    const second = testClient(network, crypto, { storage: bobStorage });
    running.push(second.client);
    const after = collectMessages(second.client);
    await second.client.start();
    expect(second.client.sessionId).toBe(bobId);
    await second.client.whenReady({ signal: AbortSignal.timeout(HANG_GUARD_MS) });
    await second.client.catchUp({ signal: AbortSignal.timeout(HANG_GUARD_MS) });
    expect(after.texts).toEqual(['two', 'three', 'four', 'five']);
    expect(after.ids).not.toContain(one.id);
    const history = await second.client.conversations.history(alice.sessionId as string);
    expect(history.map((m) => m.text)).toEqual(['five', 'four', 'three', 'two', 'one']);
  });

  it('a message queued before a restart is sent after it', async () => {
    const network = createFakeNetwork({ crypto });
    const aliceStorage = createMemoryStorage();
    const bob = crypto.generateIdentity();
    const first = testClient(network, crypto, { storage: aliceStorage });
    await first.client.account.create();
    // Not started: the message waits in the durable outbox, held (no keys of Bob's known).
    const { id } = await first.client.sendMessage(bob.sessionId, 'queued while offline');
    expect(await aliceStorage.getOutboxEntry(id)).toMatchObject({
      state: 'securing',
      data: '',
      held: { text: 'queued while offline' },
    });

    const second = testClient(network, crypto, { storage: aliceStorage });
    running.push(second.client);
    await second.client.start();
    await second.client.waitForDelivery(id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    const hash = await storedHash(aliceStorage, id);
    expect(network.messagesOf(bob.sessionId).map((m) => m.hash)).toEqual([hash]);
    expect(await aliceStorage.getMessage(id)).toMatchObject({ state: 'sent', protocol: 'v1' });
  });

  it('rebuilds its paths when a guard dies and still delivers', async () => {
    const network = createFakeNetwork({ crypto, nodeCount: 16 });
    const { client: alice } = await started(network);
    // Alice alone on the network: the guards her onion requests reach are hers.
    const warmUp = await alice.sendMessage(crypto.generateIdentity().sessionId, 'warm-up');
    await alice.waitForDelivery(warmUp.id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    const aliceGuards = [...network.stats.onionByGuard.keys()];
    expect(aliceGuards.length).toBeGreaterThan(0);
    expect(aliceGuards.sort()).toEqual(
      alice
        .paths()
        .map((path) => path.nodes[0]?.ed25519)
        .filter((key) => aliceGuards.includes(key as string))
        .sort(),
    );
    expect(alice.paths().every((path) => path.nodes.length === 3)).toBe(true);
    // Each path's health: the warm-up went through one of them.
    for (const path of alice.paths()) {
      expect(path).toMatchObject({ state: 'ready', failures: 0, failureLimit: 3 });
      expect(path.builtAt).toBeLessThanOrEqual(Date.now());
    }
    expect(alice.paths().some((path) => path.lastSuccessAt !== undefined)).toBe(true);
    const { client: bob } = await started(network);
    const bobId = bob.sessionId as string;

    for (const key of aliceGuards) network.node(key).unreachable = true;
    network.stats.onionByGuard.clear();
    const atBob = nextEvent(bob, 'message', (message) => message.text === 'after the crash');
    const { id } = await alice.sendMessage(bobId, 'after the crash');
    await alice.waitForDelivery(id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    await atBob;
    // At least one path was rebuilt around a live guard (a path that failed fewer times than the
    // strike threshold may still wait for its next failure).
    expect(alice.paths().some((path) => !aliceGuards.includes(path.nodes[0]?.ed25519 ?? ''))).toBe(
      true,
    );
    // Requests did hit the dead guards, and the message went out through new ones.
    expect(aliceGuards.some((key) => (network.stats.refused.get(key) ?? 0) > 0)).toBe(true);
    const used = [...network.stats.onionByGuard.keys()];
    expect(used.length).toBeGreaterThan(0);
    expect(used.some((key) => aliceGuards.includes(key))).toBe(false);
    expect(alice.health().paths).toBe('healthy');
  });

  it('sends with a clock 10 minutes wrong (the offset is corrected)', async () => {
    const network = createFakeNetwork({ crypto });
    const slow = { now: () => Date.now() - 10 * 60_000 };
    const { client: alice } = await started(network, { clock: slow });
    const { client: bob } = await started(network, {
      clock: { now: () => Date.now() + 10 * 60_000 },
    });
    expect(Math.abs(alice.health().timeOffsetMs - 10 * 60_000)).toBeLessThan(1_000);
    const atBob = nextEvent(bob, 'message');
    const { id, sentAt } = await alice.sendMessage(bob.sessionId as string, 'on time');
    expect(Math.abs(sentAt - Date.now())).toBeLessThan(1_000);
    await alice.waitForDelivery(id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    const received = await atBob;
    expect(Math.abs(received.sentAt - Date.now())).toBeLessThan(2_000);
    expect(Math.abs(received.receivedAt - Date.now())).toBeLessThan(2_000);
    const [stored] = network.messagesOf(bob.sessionId as string);
    expect(Math.abs((stored?.timestamp ?? 0) - Date.now())).toBeLessThan(2_000);
  });

  it('resynchronises and retries once when the nodes answer 406', async () => {
    const network = createFakeNetwork({ crypto });
    const { client: alice, storage: aliceStorage } = await started(network);
    const { client: bob } = await started(network);
    const syncs: number[] = [];
    alice.on('time-sync', (event) => syncs.push(event.offsetMs));
    // The whole network's clock moves 5 minutes back: Alice's timestamps are now in its future.
    for (const node of network.nodes) node.clockOffsetMs = -5 * 60_000;
    const { id } = await alice.sendMessage(bob.sessionId as string, 'after the jump');
    await alice.waitForDelivery(id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    expect(network.stats.rpcStatus.get(406)).toBeGreaterThanOrEqual(1);
    expect(syncs.length).toBeGreaterThan(0);
    expect(Math.abs(alice.health().timeOffsetMs + 5 * 60_000)).toBeLessThan(1_000);
    // Bob's signed retrieves were refused too (406): he resynchronises and receives.
    const hash = await storedHash(aliceStorage, id);
    const atBob = nextEvent(bob, 'message', (message) => message.id === hash);
    await bob.catchUp({ signal: AbortSignal.timeout(HANG_GUARD_MS) });
    await atBob;
  });

  it('follows its contacts and itself to a new swarm (421) and still delivers', async () => {
    const network = createFakeNetwork({ crypto, nodeCount: 12, swarmSize: 4 });
    const { client: alice, storage: aliceStorage } = await started(network);
    const { client: bob } = await started(network);
    const bobId = bob.sessionId as string;
    const received = collectMessages(bob);
    const first = await alice.sendMessage(bobId, 'before the move');
    await eventually(
      () => received.texts.includes('before the move'),
      HANG_GUARD_MS,
      'first message',
    );

    // Swarms are formed again: 12 nodes in 4 swarms of 3 with new IDs, Bob's new swarm made
    // of nodes from other swarms only; messages move with them.
    const oldSwarm = network.swarmOf(bobId);
    const others = network.nodes.filter((node) => !oldSwarm.includes(node));
    network.reassign([0, 1, 2, 3].map((i) => network.nodes.slice(i * 3, i * 3 + 3)));
    const slot = [0, 1, 2, 3].find((i) =>
      network.nodes.slice(i * 3, i * 3 + 3).includes(network.swarmOf(bobId)[0] as never),
    ) as number;
    const rest = [...oldSwarm, ...others.slice(3)];
    network.reassign(
      [0, 1, 2, 3].map((i) => (i === slot ? others.slice(0, 3) : rest.splice(0, 3))),
    );
    const newSwarm = network.swarmOf(bobId);
    expect(newSwarm.some((node) => oldSwarm.includes(node))).toBe(false);

    const wrongSwarm = network.stats.rpcStatus.get(421) ?? 0;
    const second = await alice.sendMessage(bobId, 'after the move');
    await alice.waitForDelivery(second.id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    await eventually(
      () => received.texts.includes('after the move'),
      HANG_GUARD_MS,
      'second message',
    );
    expect(received.texts).toEqual(['before the move', 'after the move']);
    expect(received.ids).toEqual([
      await storedHash(aliceStorage, first.id),
      await storedHash(aliceStorage, second.id),
    ]);
    // Both clients were told 421 (Alice storing, Bob polling) and followed.
    expect(network.stats.rpcStatus.get(421) ?? 0).toBeGreaterThanOrEqual(wrongSwarm + 2);
  });

  it('starts from a corrupted path cache by bootstrapping from the seed', async () => {
    const network = createFakeNetwork({ crypto });
    for (const garbage of [
      'not json {',
      JSON.stringify({ version: 1, savedAt: Date.now(), pool: 'x', guards: [] }),
      JSON.stringify({ version: 99 }),
    ]) {
      const storage = createMemoryStorage();
      await storage.setValue(PATH_STATE_KEY, garbage);
      const seedRequests = network.stats.seedRequests;
      const { client } = await started(network, { storage });
      expect(network.stats.seedRequests).toBeGreaterThan(seedRequests);
      expect(client.health().paths).toBe('healthy');
      const saved = await storage.getValue(PATH_STATE_KEY);
      expect(JSON.parse(saved as string)).toMatchObject({ version: 1 });
    }
  });

  it('recovers from a poisoned path cache (every cached node dead) without a restart', async () => {
    const network = createFakeNetwork({ crypto });
    const ghost = createFakeNetwork({ crypto });
    const storage = createMemoryStorage();
    // A cache that is well formed and fresh, but lists nodes that do not answer.
    await storage.setValue(
      PATH_STATE_KEY,
      JSON.stringify({
        version: 1,
        savedAt: Date.now(),
        pool: ghost.nodes.map((node) => ({
          ed25519: node.ed25519,
          x25519: node.x25519,
          ip: node.ip.replace(/^10\./, '11.'),
          port: node.port,
        })),
        guards: [],
      }),
    );
    const { client } = await started(network, { storage });
    expect(client.health().paths).toBe('healthy');
    expect(network.stats.seedRequests).toBeGreaterThan(0);
  });

  it('deletes retrieved messages when asked to', async () => {
    const network = createFakeNetwork({ crypto });
    const { client: alice } = await started(network);
    const { client: bob } = await started(network, { init: { deleteAfterRetrieve: true } });
    const bobId = bob.sessionId as string;
    const atBob = nextEvent(bob, 'message');
    const { id } = await alice.sendMessage(bobId, 'read once');
    await alice.waitForDelivery(id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    await atBob;
    await eventually(() => network.messagesOf(bobId).length === 0, HANG_GUARD_MS, 'deletion');
  });

  it('gives up on an unreachable swarm after its attempts, with a clear error', async () => {
    const network = createFakeNetwork({ crypto, nodeCount: 16 });
    const { client: alice } = await started(network, {
      init: { outbox: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 20 } },
    });
    const bob = crypto.generateIdentity();
    for (const node of network.swarmOf(bob.sessionId)) node.unreachable = true;
    const failed = nextEvent(alice, 'message-state', (event) => event.state === 'failed');
    const { id } = await alice.sendMessage(bob.sessionId, 'into the void');
    const error = await alice
      .waitForDelivery(id, { signal: AbortSignal.timeout(HANG_GUARD_MS) })
      .catch((cause: unknown) => cause);
    expect(error).toBeInstanceOf(DeliveryFailedError);
    expect(error).toMatchObject({ reason: 'attempts-exhausted', attempts: 3, messageId: id });
    expect((await failed).error?.message).toMatch(/not delivered/);
    const [message] = await alice.conversations.history(bob.sessionId);
    expect(message?.state).toBe('failed');

    // The swarm comes back; a retry delivers.
    for (const node of network.swarmOf(bob.sessionId)) node.unreachable = false;
    expect(await alice.retryMessage(id)).toBe(true);
    await alice.waitForDelivery(id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
  });

  it('takes messages from a push source through the same pipeline', async () => {
    const network = createFakeNetwork({ crypto });
    const { client: alice } = await started(network);
    let deliver: ((batch: PushBatch) => void) | undefined;
    const push: PushSource = {
      connected: true,
      async start(onMessages) {
        deliver = onMessages;
      },
      async stop() {
        deliver = undefined;
      },
    };
    const { client: bob } = await started(network, {
      init: { pushSource: push, pushPollIntervalMs: 60_000 },
    });
    const bobId = bob.sessionId as string;
    expect(bob.health().pushConnected).toBe(true);
    const received = collectMessages(bob);
    const { id } = await alice.sendMessage(bobId, 'pushed');
    await alice.waitForDelivery(id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    const [stored] = network.messagesOf(bobId);
    // Garbage is refused; the real message is delivered once, however often it is pushed.
    deliver?.({ namespace: 0, messages: [{ hash: 'x' } as never] });
    deliver?.({
      namespace: 0,
      messages: [
        {
          hash: stored?.hash ?? '',
          timestamp: 1,
          expiration: stored?.expiry ?? 0,
          data: stored?.data ?? '',
        },
      ],
    });
    deliver?.({
      namespace: 0,
      messages: [
        {
          hash: stored?.hash ?? '',
          timestamp: 1,
          expiration: stored?.expiry ?? 0,
          data: stored?.data ?? '',
        },
      ],
    });
    await eventually(() => received.texts.length === 1, HANG_GUARD_MS, 'pushed message');
    await bob.catchUp({ signal: AbortSignal.timeout(HANG_GUARD_MS) });
    expect(received.texts).toEqual(['pushed']);
  });

  it('reports health changes and leaves no timer behind after stop()', async () => {
    const timersBefore = process
      .getActiveResourcesInfo()
      .filter((kind) => kind === 'Timeout').length;
    const network = createFakeNetwork({ crypto });
    const made = testClient(network, crypto);
    const summaries: string[] = [];
    made.client.on('health', (health) => summaries.push(health.summary));
    const syncs: boolean[] = [];
    made.client.on('time-sync', (event) => syncs.push(event.synced));
    await made.client.account.create();
    await made.client.start();
    await made.client.whenReady({ signal: AbortSignal.timeout(HANG_GUARD_MS) });
    await eventually(() => made.client.health().summary === 'healthy', HANG_GUARD_MS, 'healthy');
    expect(summaries[0]).toBe('offline');
    expect(summaries).toContain('healthy');
    expect(syncs[0]).toBe(true);
    await made.client.stop();
    expect(made.client.health()).toMatchObject({ summary: 'offline', poller: 'stopped' });
    const after = summaries.length;
    const messages = collectMessages(made.client);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(summaries.length).toBe(after);
    expect(messages.texts).toEqual([]);
    const timersAfter = process
      .getActiveResourcesInfo()
      .filter((kind) => kind === 'Timeout').length;
    expect(timersAfter).toBeLessThanOrEqual(timersBefore);
    // It starts again.
    running.push(made.client);
    await made.client.start();
    await made.client.whenReady({ signal: AbortSignal.timeout(HANG_GUARD_MS) });
  });
});
