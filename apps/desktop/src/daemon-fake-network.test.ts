/**
 * "Failed with retry" through the daemon's HTTP API: the account's client runs on the client's
 * in-process fake network (real onion layers, real store checks; `@murmur/client`'s test
 * support), whose nodes of the recipient's swarm refuse every connection. The outbox gives up
 * after its attempts and the message shows `failed` with the reason; a retry while the swarm
 * still refuses is accepted and fails again; once the swarm answers, `POST
 * /api/accounts/:account/messages/:id/retry` sends it and it reaches `sent` (stored in the
 * swarm), once. Bad retries get a 4xx and change nothing.
 *
 * The network screen's API on the same network: each onion path with its three hops, its state,
 * failures and age; failures through the guards show on their paths; a rebuild gives new paths.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFakeNetwork, type FakeNetwork } from '@murmur/client/test-support/fake-network';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { silentLogger } from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Daemon, startDaemon } from './daemon.js';
import type { MessageView, NetworkView, OnionPathView } from './schemas.js';
import { daemonsAndDirs } from './test-support/daemons.js';

const silent = silentLogger();
// A hang guard only (the machine may be busy): every wait below polls for a state.
const WAIT_MS = 90_000;

let crypto: MurmurCrypto;
const { daemons, dirs } = daemonsAndDirs();

beforeAll(async () => {
  crypto = await loadCrypto();
});

/** A daemon whose clients reach `network` (its seed and its nodes) and nothing else. */
async function startOnFakeNetwork(
  network: FakeNetwork,
  paths: { pathStrikeThreshold?: number } = {},
): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-desktop-retry-'));
  dirs.push(dir);
  const daemon = await startDaemon(
    {
      dataDir: join(dir, 'data'),
      port: 0,
      devTimers: true,
      seedLimits: { opsLimit: 1, memLimit: 8192 * 8 },
      sweepIntervalMs: 3_600_000,
      network: { seeds: [network.seedUrl] },
      clientInit: {
        // The fake network has no relays: polling only.
        push: false,
        pollIntervalMs: 100,
        requestTimeoutMs: 2_000,
        outbox: { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 100 },
        paths: { retryInitialMs: 20, retryMaxMs: 200, guardTestTimeoutMs: 1_000, ...paths },
      },
    },
    { crypto, logger: silent, fetch: network.fetch },
  );
  daemons.push(daemon);
  return daemon;
}

/** What the routes used here answer (each its part). */
interface Body {
  error?: string;
  account?: { id: string };
  message?: MessageView;
  messages?: MessageView[];
  health?: { summary: string } | null;
  paths?: NetworkView['paths'];
}

/** The daemon's API with its token and its own origin. */
async function api(
  daemon: Daemon,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Body }> {
  const origin = `http://127.0.0.1:${daemon.port}`;
  const response = await fetch(`${origin}${path}`, {
    method,
    headers: {
      'x-murmur-token': daemon.token,
      origin,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

async function until<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Creates an account and waits until its client is healthy (paths built, time synced). */
async function readyAccount(daemon: Daemon): Promise<string> {
  const created = await api(daemon, 'POST', '/api/accounts', { displayName: 'Alice' });
  expect(created.status).toBe(200);
  const account = (created.body.account as { id: string }).id;
  await until(async () => {
    const view = await api(daemon, 'GET', `/api/accounts/${account}/network`);
    const health = view.body.health;
    return health?.summary === 'healthy' ? true : undefined;
  }, 'a healthy client');
  return account;
}

describe('a message that failed for good, and its retry', { timeout: 300_000 }, () => {
  it('shows failed once the swarm refused every attempt; a retry after the swarm is back reaches sent', async () => {
    const network = createFakeNetwork({ crypto, nodeCount: 16 });
    const daemon = await startOnFakeNetwork(network);
    const account = await readyAccount(daemon);
    const bob = crypto.generateIdentity();
    const swarm = network.swarmOf(bob.sessionId);
    for (const node of swarm) node.unreachable = true;

    const sent = await api(
      daemon,
      'POST',
      `/api/accounts/${account}/conversations/${bob.sessionId}/messages`,
      { text: 'into a swarm that refuses' },
    );
    expect(sent.status).toBe(200);
    const id = (sent.body.message as MessageView).id;
    const messageOf = async (): Promise<MessageView | undefined> => {
      const history = await api(
        daemon,
        'GET',
        `/api/accounts/${account}/conversations/${bob.sessionId}/messages`,
      );
      return (history.body.messages ?? []).find((message) => message.id === id);
    };
    const failed = await until(
      async () => ((await messageOf())?.state === 'failed' ? await messageOf() : undefined),
      'the message to fail',
    );
    expect(failed?.error?.message).toMatch(/not delivered/);
    expect(network.messagesOf(bob.sessionId)).toHaveLength(0);

    // A retry while the swarm still refuses: accepted, then failed again.
    const early = await api(
      daemon,
      'POST',
      `/api/accounts/${account}/messages/${encodeURIComponent(id)}/retry`,
    );
    expect(early.status, JSON.stringify(early.body)).toBe(200);
    expect(early.body.message?.state).not.toBe('failed');
    await until(
      async () => ((await messageOf())?.state === 'failed' ? true : undefined),
      'the early retry to fail again',
    );
    expect(network.messagesOf(bob.sessionId)).toHaveLength(0);

    // The swarm answers again: the retry stores it.
    for (const node of swarm) node.unreachable = false;
    const retried = await api(
      daemon,
      'POST',
      `/api/accounts/${account}/messages/${encodeURIComponent(id)}/retry`,
    );
    expect(retried.status).toBe(200);
    expect(retried.body.message?.id).toBe(id);
    await until(
      async () => ((await messageOf())?.state === 'sent' ? true : undefined),
      'the retried message to be sent',
    );
    expect((await messageOf())?.error).toBeUndefined();
    expect(network.messagesOf(bob.sessionId)).toHaveLength(1);

    // A sent message is not retried: 400, and nothing more is stored.
    const again = await api(
      daemon,
      'POST',
      `/api/accounts/${account}/messages/${encodeURIComponent(id)}/retry`,
    );
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: 'INVALID_INPUT' });
    expect(network.messagesOf(bob.sessionId)).toHaveLength(1);
  });

  it('refuses a retry of an unknown message (404) or of an unknown account', async () => {
    const network = createFakeNetwork({ crypto, nodeCount: 12 });
    const daemon = await startOnFakeNetwork(network);
    const account = await readyAccount(daemon);
    const unknown = await api(
      daemon,
      'POST',
      `/api/accounts/${account}/messages/${'ab'.repeat(20)}/retry`,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: 'NOT_FOUND' });
    const noAccount = await api(daemon, 'POST', `/api/accounts/nobody/messages/x/retry`);
    expect(noAccount.status).toBeGreaterThanOrEqual(400);
    expect(noAccount.status).toBeLessThan(500);
  });
});

// Waits are hang guards (WAIT_MS each), not speed checks.
describe('the network API: each onion path with its health', { timeout: 300_000 }, () => {
  it('three hops, state, failures and age per path; failures through a guard show; a rebuild gives fresh paths', async () => {
    const network = createFakeNetwork({ crypto, nodeCount: 16 });
    // Paths are kept however often they fail, so that their failures can be watched.
    const daemon = await startOnFakeNetwork(network, { pathStrikeThreshold: 1_000 });
    const account = await readyAccount(daemon);
    const pathsNow = async (): Promise<OnionPathView[]> => {
      const view = await api(daemon, 'GET', `/api/accounts/${account}/network`);
      expect(view.status).toBe(200);
      return view.body.paths ?? [];
    };
    const before = Date.now();
    const first = await pathsNow();
    expect(first).toHaveLength(2);
    for (const path of first) {
      expect(path.nodes).toHaveLength(3);
      expect(path).toMatchObject({ state: 'ready', failures: 0, failureLimit: 1_000 });
      expect(path.builtAt).toBeLessThanOrEqual(before);
      expect(path.ageMs).toBeGreaterThanOrEqual(0);
      expect(path.lastFailureAt).toBeUndefined();
    }
    // Every onion request through these guards now gets a 502 (a path failure).
    const guards = first.map((path) => network.node(path.nodes[0]?.ed25519 as string));
    for (const guard of guards) {
      guard.failNextOnion.push(
        ...Array.from({ length: 100_000 }, () => ({ status: 502, body: 'bad gateway' })),
      );
    }
    let seen: OnionPathView[] = [];
    const failing = await until(async () => {
      seen = await pathsNow();
      // The client picks a path per request, and may replace one meanwhile (with a path through
      // a guard that answers): wait for failures to show, not for every path to fail.
      const withFailures = seen.filter((path) => path.failures >= 1);
      return withFailures.length > 0 ? withFailures : undefined;
    }, 'a path to fail').catch((error: Error) => {
      throw new Error(`${error.message}; last seen ${JSON.stringify(seen)}`);
    });
    // A failing path shows it, with when; a path kept since the start keeps its build time.
    for (const path of failing) {
      expect(path.state).toBe('failing');
      expect(path.lastFailureAt).toBeGreaterThanOrEqual(before);
      const original = first.find((p) => p.id === path.id);
      if (original !== undefined) expect(path.builtAt).toBe(original.builtAt);
    }

    // The guards answer again; a rebuild (the screen's button) builds new paths from scratch.
    for (const guard of guards) guard.failNextOnion.length = 0;
    const rebuiltAt = Date.now();
    const rebuild = await api(daemon, 'POST', `/api/accounts/${account}/network/rebuild`);
    expect(rebuild.status).toBe(200);
    const fresh = await until(async () => {
      seen = await pathsNow();
      return seen.length === 2 && seen.every((path) => path.builtAt >= rebuiltAt)
        ? seen
        : undefined;
    }, 'two rebuilt paths').catch((error: Error) => {
      throw new Error(`${error.message}; last seen ${JSON.stringify(seen)}`);
    });
    for (const path of fresh) {
      expect(path.nodes).toHaveLength(3);
      expect(path.failures).toBe(0);
      expect(path.state).toBe('ready');
    }
    // Unknown account: a 4xx.
    const nobody = await api(daemon, 'GET', '/api/accounts/nobody/network');
    expect(nobody.status).toBeGreaterThanOrEqual(400);
    expect(nobody.status).toBeLessThan(500);
  });
});

describe('disappearing messages in the swarm', { timeout: 300_000 }, () => {
  it("stores an after-send message with the timer as its TTL, a message without one with the network's default", async () => {
    const network = createFakeNetwork({ crypto, nodeCount: 16 });
    const daemon = await startOnFakeNetwork(network);
    const account = await readyAccount(daemon);
    const erin = crypto.generateIdentity().sessionId;
    const base = `/api/accounts/${account}/conversations/${erin}`;
    const sendAndStore = async (text: string) => {
      const sent = await api(daemon, 'POST', `${base}/messages`, { text });
      expect(sent.status).toBe(200);
      const id = sent.body.message?.id as string;
      await until(async () => {
        const page = await api(daemon, 'GET', `${base}/messages`);
        return page.body.messages?.find((m) => m.id === id)?.state === 'sent' ? true : undefined;
      }, `${text} stored in the swarm`);
      return sent.body.message as MessageView;
    };
    // Bad timers are refused and change nothing.
    for (const bad of [
      { mode: 'after-send', seconds: 7 },
      { mode: 'sometimes', seconds: 43_200 },
      { mode: 'after-send' },
    ]) {
      const refused = await api(daemon, 'PUT', `${base}/disappearing`, bad);
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }
    const plain = await sendAndStore('stays for the default TTL');
    const set = await api(daemon, 'PUT', `${base}/disappearing`, {
      mode: 'after-send',
      seconds: 43_200,
    });
    expect(set.status).toBe(200);
    const timed = await sendAndStore('gone from the swarm after 12 h');
    expect(timed.expiresAt).toBe(timed.sentAt + 43_200_000);
    // What the recipient's swarm holds (count first, then each one's lifetime).
    const stored = await until(async () => {
      const messages = network.messagesOf(erin);
      return messages.length === 3 ? messages : undefined;
    }, 'the messages in the swarm');
    const lifetimes = stored.map((m) => m.expiry - m.timestamp).sort((a, b) => a - b);
    // The timer update itself and the timed message live 12 h; the plain one the default
    // (Session's 14 days).
    expect(lifetimes).toEqual([43_200_000, 43_200_000, 14 * 86_400_000]);
    expect(plain.expiresAt).toBeUndefined();
  });
});
