/**
 * Forward secrecy inside `createClient`, on the fake network with namespace −21 played as the
 * service node does: V2 both ways, rotation with messages in flight, a stale cache refetching,
 * a hidden bundle and the downgrade rules, the sticky flag across a restart, require-PFS, the
 * linked-devices refusal, and a retired key leaving the SQLite file after the retention window.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCOUNT_KEY_RETENTION_SECONDS, loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { base64ToBytes, bytesToHex, MurmurError } from '@murmur/wire';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MurmurClient } from '../client.js';
import type { IncomingMessage } from '../events.js';
import { createMemoryStorage } from '../storage/memory.js';
import { createSqliteStorage } from '../storage/sqlite.js';
import { installAccountKeysNamespace } from '../test-support/account-keys-namespace.js';
import { eventually, HANG_GUARD_MS, nextEvent, testClient } from '../test-support/clients.js';
import { createFakeNetwork } from '../test-support/fake-network.js';
import { createMemoryAccountKeyStore } from './account-key-store.js';
import { PEER_KEYS_NAK_MS } from './peer-keys.js';

let crypto: MurmurCrypto;
const running: MurmurClient[] = [];
const wait = () => ({ signal: AbortSignal.timeout(HANG_GUARD_MS) });

beforeAll(async () => {
  crypto = await loadCrypto();
});

afterEach(async () => {
  for (const client of running.splice(0)) await client.stop();
});

const HOUR = 3600_000;

function world() {
  // Real time plus the jumps a test makes (`clock.value += ...`).
  const clock = { value: 0, now: () => Date.now() + clock.value };
  const network = createFakeNetwork({ crypto, now: clock.now });
  const ns = installAccountKeysNamespace(network, crypto, clock.now);
  const start = async (options: Parameters<typeof testClient>[2] & { pfs?: boolean } = {}) => {
    const made = testClient(network, crypto, {
      clock,
      ...options,
      init: {
        pfs: options.pfs === false ? { enabled: false } : { checkIntervalMs: 50 },
        ...options.init,
      },
    });
    running.push(made.client);
    if ((await made.client.account.get()) === undefined) await made.client.account.create();
    await made.client.start();
    await made.client.whenReady({ signal: AbortSignal.timeout(HANG_GUARD_MS) });
    return made;
  };
  return { clock, network, ns, start };
}

async function aliceHistoryProtocol(client: MurmurClient, peer: string, id: string) {
  return (await client.conversations.history(peer)).find((m) => m.id === id)?.protocol;
}

function inbox(client: MurmurClient): IncomingMessage[] {
  const out: IncomingMessage[] = [];
  client.on('message', (message) => out.push(message));
  return out;
}

function bundleX(ns: ReturnType<typeof world>['ns'], id: string): string {
  const data = ns.bundles.get(id) as string;
  return bytesToHex(crypto.decodeAccountKeyBundle(base64ToBytes(data), id).x25519PublicKey);
}

describe('a client with forward secrecy on', () => {
  it('exchanges V2 both ways, rotates with messages in flight losing none, refetches a stale cache', async () => {
    const { clock, network, ns, start } = world();
    const bobKeys = createMemoryAccountKeyStore();
    const bobStorage = createMemoryStorage();
    const { client: alice } = await start();
    let { client: bob } = await start({ storage: bobStorage, accountKeyStore: bobKeys });
    const aliceId = alice.sessionId as string;
    const bobId = bob.sessionId as string;
    await eventually(() => ns.bundles.has(aliceId) && ns.bundles.has(bobId), HANG_GUARD_MS);

    const atBob = inbox(bob);
    const atAlice = inbox(alice);

    // No keys cached yet: held (securing) while they are fetched, then sealed with V2.
    const states: string[] = [];
    alice.on('message-state', (event) => {
      if (event.id === one.id) states.push(`${event.state} ${event.protocol ?? ''}`.trim());
    });
    const one = await alice.sendMessage(bobId, 'one');
    expect(one).toMatchObject({ state: 'securing', protocol: undefined, forwardSecret: false });
    await alice.waitForDelivery(one.id, wait());
    expect(states).toEqual(['queued v2', 'sending', 'sent']);
    expect(await aliceHistoryProtocol(alice, bobId, one.id)).toBe('v2');
    const reply = await bob.sendMessage(aliceId, 'reply');
    expect(reply.state).toBe('securing');
    await eventually(() => atBob.length === 1 && atAlice.length === 1, HANG_GUARD_MS);
    expect(atBob[0]).toMatchObject({ text: 'one', protocol: 'v2', forwardSecret: true });
    expect(atAlice[0]).toMatchObject({ text: 'reply', protocol: 'v2', forwardSecret: true });
    // The stored message is raw V2 (00 02), not a v1 envelope.
    const raw = base64ToBytes(network.messagesOf(bobId)[0]?.data as string);
    expect([raw[0], raw[1]]).toEqual([0x00, 0x02]);
    const firstX = bundleX(ns, bobId);

    // Bob goes away; Alice sends to his current key; Bob comes back and rotates at once; Alice,
    // whose cache is fresh, sends once more to the old key. Nothing is lost.
    await bob.stop();
    const inFlight = [];
    for (const text of ['two', 'three']) {
      const sent = await alice.sendMessage(bobId, text);
      expect(sent.protocol).toBe('v2');
      inFlight.push(sent);
      await alice.waitForDelivery(sent.id, wait());
    }
    ({ client: bob } = await start({ storage: bobStorage, accountKeyStore: bobKeys }));
    const atBob2 = inbox(bob);
    await bob.pfs?.rotateKeys();
    expect(bundleX(ns, bobId)).not.toBe(firstX);
    expect(bobKeys.list()).toHaveLength(2);
    const four = await alice.sendMessage(bobId, 'four');
    expect(four).toMatchObject({ state: 'queued', protocol: 'v2', forwardSecret: true });
    await alice.waitForDelivery(four.id, wait());
    await eventually(() => atBob2.length === 3, 30_000);
    expect(atBob2.map((m) => [m.text, m.protocol, m.forwardSecret]).sort()).toEqual([
      ['four', 'v2', true],
      ['three', 'v2', true],
      ['two', 'v2', true],
    ]);

    // 25 h later Alice's cache of Bob's keys is stale: she sends at once (to the old key, which
    // Bob keeps) and refetches in the background, then uses the new key.
    const before = ns.retrieves.get(bobId) ?? 0;
    expect(alice.pfs?.peerKeys(bobId).state).toBe('fresh');
    clock.value += 25 * HOUR;
    expect(alice.pfs?.peerKeys(bobId).state).toBe('stale');
    const five = await alice.sendMessage(bobId, 'five');
    expect(five.protocol).toBe('v2');
    await eventually(() => alice.pfs?.peerKeys(bobId).state === 'fresh', HANG_GUARD_MS);
    expect(ns.retrieves.get(bobId) ?? 0).toBeGreaterThan(before);
    expect(bytesToHex(alice.pfs?.peerKeys(bobId).keys?.x25519PublicKey as Uint8Array)).toBe(
      bundleX(ns, bobId),
    );
    const six = await alice.sendMessage(bobId, 'six');
    await alice.waitForDelivery(five.id, wait());
    await alice.waitForDelivery(six.id, wait());
    await eventually(() => atBob2.length === 5, 30_000);
    expect(atBob2.slice(3).map((m) => [m.text, m.forwardSecret])).toEqual([
      ['five', true],
      ['six', true],
    ]);
  }, 90_000);

  it('a hidden bundle: v1 for a peer never seen with PFS, never a silent downgrade after', async () => {
    const { clock, network, ns, start } = world();
    const aliceStorage = createMemoryStorage();
    const { client: bob } = await start();
    const bobId = bob.sessionId as string;
    await eventually(() => ns.bundles.has(bobId), HANG_GUARD_MS);
    ns.hidden.add(bobId);
    let { client: alice } = await start({ storage: aliceStorage });
    const atBob = inbox(bob);

    // Never seen with PFS, bundle hidden: held while fetched, a NAK, then v1 with the
    // "not forward-secret" mark.
    const first = await alice.sendMessage(bobId, 'first');
    expect(first.state).toBe('securing');
    const sealedFirst = await nextEvent(
      alice,
      'message-state',
      (e) => e.id === first.id && e.protocol !== undefined,
    );
    expect(sealedFirst).toMatchObject({ state: 'queued', protocol: 'v1', forwardSecret: false });
    expect(alice.pfs?.peerKeys(bobId).state).toBe('nak');
    await eventually(() => atBob.length === 1, HANG_GUARD_MS);
    expect(atBob[0]).toMatchObject({ text: 'first', protocol: 'v1', forwardSecret: false });

    // The bundle shows again; after the NAK hour Alice fetches it and sends V2.
    ns.hidden.delete(bobId);
    clock.value += PEER_KEYS_NAK_MS + 60_000;
    const second = await alice.sendMessage(bobId, 'second');
    expect(second.state).toBe('securing');
    await alice.waitForDelivery(second.id, wait());
    expect((await aliceStorage.getMessage(second.id))?.protocol).toBe('v2');
    expect(await alice.pfs?.supportsForwardSecrecy(bobId)).toBe(true);

    // Hidden again, and Alice's copy expires (> 48 h): she holds the message (securing, a
    // warning with STALE_KEYS) and retries rather than downgrade.
    ns.hidden.add(bobId);
    clock.value += 49 * HOUR;
    const stored = network.messagesOf(bobId).length;
    const third = await alice.sendMessage(bobId, 'third');
    expect(third.state).toBe('securing');
    const warned = await nextEvent(
      alice,
      'message-state',
      (e) => e.id === third.id && e.error !== undefined,
    );
    expect(warned).toMatchObject({
      state: 'securing',
      error: { code: 'STALE_KEYS' },
      securing: { reason: 'keys-missing', askUser: false },
    });
    expect((await aliceStorage.getOutboxEntry(third.id))?.held?.text).toBe('third');

    // The sticky flag and the held message live in the storage: a restarted Alice still holds
    // it, never sending it without forward secrecy.
    await alice.stop();
    ({ client: alice } = await start({ storage: aliceStorage }));
    expect(await alice.pfs?.supportsForwardSecrecy(bobId)).toBe(true);
    // Its retries go on after the restart (each refused with STALE_KEYS, none sent).
    const heldAt = (await aliceStorage.getOutboxEntry(third.id))?.nextAttemptAt ?? 0;
    await eventually(
      async () => ((await aliceStorage.getOutboxEntry(third.id))?.nextAttemptAt ?? 0) > heldAt,
      HANG_GUARD_MS,
    );
    expect((await aliceStorage.getOutboxEntry(third.id))?.lastError?.code).toBe('STALE_KEYS');
    expect(network.messagesOf(bobId)).toHaveLength(stored);
    expect((await aliceStorage.getMessage(third.id))?.state).toBe('securing');

    // An hour of missing keys: the warning asks the person.
    clock.value += PEER_KEYS_NAK_MS + 60_000;
    await nextEvent(
      alice,
      'message-state',
      (e) => e.id === third.id && e.securing?.askUser === true,
    );

    // The bundle shows again (a fresh one: Bob rotated meanwhile); once Alice finds it, the
    // held message goes out forward-secret.
    ns.hidden.delete(bobId);
    await bob.whenReady(wait());
    await alice.whenReady(wait());
    await bob.pfs?.rotateKeys();
    await alice.pfs?.refreshPeerKeys(bobId);
    expect(alice.pfs?.peerKeys(bobId).state).toBe('fresh');
    await alice.waitForDelivery(third.id, wait());
    expect(await aliceStorage.getMessage(third.id)).toMatchObject({
      state: 'sent',
      protocol: 'v2',
    });
    expect(network.messagesOf(bobId)).toHaveLength(stored + 1);
  }, 60_000);

  it('"require forward secrecy" blocks v1 to a contact without keys; v1 still opens', async () => {
    const { network, start } = world();
    const { client: alice } = await start();
    const { client: carol } = await start({ pfs: false });
    const aliceId = alice.sessionId as string;
    const carolId = carol.sessionId as string;
    expect(carol.pfs).toBeUndefined();
    await alice.pfs?.setRequireForwardSecrecy(carolId, true);
    expect(await alice.pfs?.requiresForwardSecrecy(carolId)).toBe(true);
    const held = await alice.sendMessage(carolId, 'secret');
    expect(held.state).toBe('securing');
    const blocked = await nextEvent(
      alice,
      'message-state',
      (e) => e.id === held.id && e.error !== undefined,
    );
    expect(blocked).toMatchObject({
      state: 'securing',
      error: { code: 'STALE_KEYS' },
      securing: { reason: 'require-pfs' },
    });
    expect(network.messagesOf(carolId)).toHaveLength(0);
    // Turned off for Carol: the held message goes as v1 (she never published keys).
    await alice.pfs?.setRequireForwardSecrecy(carolId, false);
    await alice.waitForDelivery(held.id, wait());
    expect(network.messagesOf(carolId)).toHaveLength(1);
    expect((await alice.sendMessage(carolId, 'plain')).protocol).toBe('v1');

    // A v1 client's message reaches a PFS client, marked not forward-secret.
    const atAlice = inbox(alice);
    const sent = await carol.sendMessage(aliceId, 'from a v1 client');
    expect(sent.protocol).toBe('v1');
    await eventually(() => atAlice.length === 1, HANG_GUARD_MS);
    expect(atAlice[0]).toMatchObject({ protocol: 'v1', forwardSecret: false });
  });

  it('reports a failed publication as a pfs error and publishes once the swarm takes it', async () => {
    const { network, ns } = world();
    ns.refuseStores = true;
    const made = testClient(network, crypto, { init: { pfs: { enabled: true } } });
    running.push(made.client);
    const errors: string[] = [];
    made.client.on('error', (event) => {
      if (event.source === 'pfs') errors.push(event.error.code);
    });
    await made.client.account.create();
    await made.client.start();
    await eventually(() => errors.length > 0, HANG_GUARD_MS);
    expect(ns.bundles.size).toBe(0);
    ns.refuseStores = false;
    await eventually(() => ns.bundles.has(made.client.sessionId as string), HANG_GUARD_MS);
  }, 60_000);

  it('refuses to start with PFS while linked devices exist', async () => {
    const { network, ns } = world();
    const made = testClient(network, crypto, {
      init: { pfs: { enabled: true, linkedDevices: () => 2 } },
    });
    await made.client.account.create();
    const error = await made.client.start().catch((caught: unknown) => caught);
    expect(MurmurError.isInstance(error) && error.code).toBe('UNSUPPORTED');
    expect((error as MurmurError).details).toMatchObject({
      reason: 'linked-devices',
      linkedDevices: 2,
    });
    expect(made.client.started).toBe(false);
    expect(ns.bundles.size).toBe(0);
  });

  it('wipes a retired key from the SQLite file after the retention window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-pfs-'));
    try {
      const { clock, ns, start } = world();
      const path = join(dir, 'client.db');
      const storage = createSqliteStorage({ path });
      // No accountKeyStore given: the client keeps the seeds in the SQLite storage's own file
      // (its default); the test reads the same table through the storage's store.
      const { client } = await start({ storage });
      const store = storage.accountKeyStore();
      const errors: string[] = [];
      client.on('error', (event) => errors.push(`${event.source}: ${event.error.message}`));
      const id = client.sessionId as string;
      await eventually(() => ns.bundles.has(id), HANG_GUARD_MS);
      const [first] = store.list();
      const seedHex = Buffer.from(first?.seed as Uint8Array).toString('hex');
      const onDisk = () =>
        ['', '-wal']
          .map((suffix) => {
            try {
              return readFileSync(path + suffix).toString('hex');
            } catch {
              return '';
            }
          })
          .join('');
      expect(onDisk()).toContain(seedHex);

      await client.pfs?.rotateKeys();
      expect(store.list().map((entry) => entry.id)).toContain(first?.id);
      // Still kept just inside the window; gone after it.
      clock.value += (ACCOUNT_KEY_RETENTION_SECONDS + 3600) * 1000;
      await eventually(
        () => !store.list().some((entry) => entry.id === first?.id),
        HANG_GUARD_MS,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}; client errors: ${errors.join(' | ')}`);
      });
      await client.stop();
      expect(onDisk()).not.toContain(seedHex);
      await storage.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
