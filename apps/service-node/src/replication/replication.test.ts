import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Identity } from '@murmur/crypto';
import { buildOnionRequest, decodeOnionResponse, type OnionNode } from '@murmur/onion';
import { createSwarmIndex } from '@murmur/swarm';
import { utf8Encode } from '@murmur/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_ITEMS_PER_FRAME } from '../peers/protocol.js';
import { DATABASE_FILE_NAME } from '../server.js';
import { type Cluster, type ClusterNode, createCluster } from '../test-support/cluster.js';
import { httpsFetch } from '../test-support/https.js';
import { waitFor } from '../test-support/peer-harness.js';
import { memberResultOf } from './peer-replicator.js';
import { MAX_WANTED_HASHES } from './swarm-sync.js';

const S1 = 0x1000_0000_0000_0000n;
const S2 = 0x9000_0000_0000_0000n;

let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

function others(c: Cluster, node: ClusterNode, swarmId: bigint): ClusterNode[] {
  return c.nodes.filter((other) => other !== node && other.swarmId === swarmId);
}

describe('swarm replication over peer links', () => {
  it('stores on every member and lists each member’s result', async () => {
    cluster = await createCluster({ swarms: [S1, S1, S1, S2] });
    const c = cluster;
    const [entry] = c.nodes as [ClusterNode];
    const alice = c.account(S1);
    const answer = await c.store(entry, alice, 'hello swarm');
    expect(answer.status).toBe(200);
    const members = c.nodes.filter((node) => node.swarmId === S1);
    expect(Object.keys(answer.body.swarm).sort()).toEqual(
      members.map((node) => node.keys.ed25519Hex).sort(),
    );
    for (const member of members) {
      expect(answer.body.swarm[member.keys.ed25519Hex]).toMatchObject({ hash: answer.body.hash });
    }
    for (const member of others(c, entry, S1)) {
      expect(await c.texts(member, alice)).toEqual(['hello swarm']);
    }
    // The node of the other swarm has nothing and answers 421 for alice.
    const outsider = c.nodes[3] as ClusterNode;
    expect((await c.store(outsider, alice, 'x')).status).toBe(421);
  });

  it('deletes on every member', async () => {
    cluster = await createCluster({ swarms: [S1, S1, S1] });
    const c = cluster;
    const [a, b, d] = c.nodes as [ClusterNode, ClusterNode, ClusterNode];
    const alice = c.account(S1);
    const stored = await c.store(a, alice, 'short-lived');
    const params = { pubkey: alice.sessionId, messages: [stored.body.hash as string] };
    const signature = c.crypto.signRequest('delete', params, alice.ed25519.secretKey);
    const answer = await c.rpc(b, 'delete', {
      ...params,
      signature,
      pubkey_ed25519: Buffer.from(alice.ed25519.publicKey).toString('hex'),
    });
    expect(answer.status).toBe(200);
    expect(
      Object.values(answer.body.swarm as Record<string, { deleted?: string[] }>).every(
        (result) => result.deleted?.length === 1,
      ),
    ).toBe(true);
    for (const node of [a, b, d]) expect(await c.texts(node, alice)).toEqual([]);
  });

  it('lists a member that is down as failed, and it catches up (stores and deletes) when back', async () => {
    cluster = await createCluster({ swarms: [S1, S1, S1] });
    const c = cluster;
    const [a, b, down] = c.nodes as [ClusterNode, ClusterNode, ClusterNode];
    const alice = c.account(S1);
    const early = await c.store(a, alice, 'before');
    await c.stop(down);
    const answer = await c.store(a, alice, 'while down');
    expect(answer.status).toBe(200);
    expect(answer.body.swarm[down.keys.ed25519Hex]).toMatchObject({ failed: true });
    expect(answer.body.swarm[b.keys.ed25519Hex]).toMatchObject({ hash: answer.body.hash });
    // A delete it misses too.
    const params = { pubkey: alice.sessionId, messages: [early.body.hash as string] };
    const signature = c.crypto.signRequest('delete', params, alice.ed25519.secretKey);
    await c.rpc(b, 'delete', {
      ...params,
      signature,
      pubkey_ed25519: Buffer.from(alice.ed25519.publicKey).toString('hex'),
    });
    await c.restart(down);
    await waitFor(
      async () => (await c.texts(down, alice)).join() === 'while down',
      10_000,
      'catch-up after restart',
    );
    const metrics = await (await httpsFetch(`https://127.0.0.1:${down.port}/metrics`)).text();
    expect(metrics).toMatch(/murmur_synced_messages_total\{source="catch_up"\} 1/);
    expect(metrics).toMatch(/murmur_peer_links\{state="open"\} 2/);
  });

  it('drops the replication-lag series of a member that leaves the swarm', async () => {
    cluster = await createCluster({ swarms: [S1, S1, S1] });
    const c = cluster;
    const [a, , leaver] = c.nodes as [ClusterNode, ClusterNode, ClusterNode];
    const series = async () =>
      (await (await httpsFetch(`https://127.0.0.1:${a.port}/metrics`)).text())
        .split('\n')
        .filter((line) => line.startsWith('murmur_replication_lag_seconds{'));
    await waitFor(async () => (await series()).length === 2, 10_000, 'catch-up from both peers');
    c.setSwarm(leaver, S2);
    await waitFor(
      async () => (await series()).length === 1,
      10_000,
      'the series of the node that left to go',
    );
    expect((await series()).join()).not.toContain(leaver.keys.ed25519Hex);
  });

  it('pushes the swarm’s messages to a node that joins it', async () => {
    cluster = await createCluster({ swarms: [S1, S1, S1] });
    const c = cluster;
    const [a] = c.nodes as [ClusterNode];
    const accounts = [c.account(S1), c.account(S1)];
    for (const [index, account] of accounts.entries()) {
      for (let i = 0; i < 3; i++)
        expect((await c.store(a, account, `m${index}${i}`)).status).toBe(200);
    }
    const joiner = await c.addNode();
    expect(await c.texts(a, accounts[0] as Identity)).toHaveLength(3);
    c.setSwarm(joiner, S1);
    for (const account of accounts) {
      await waitFor(
        async () => (await c.texts(joiner, account)).length === 3,
        10_000,
        'the joiner to have the swarm’s messages',
      );
    }
    expect((await c.texts(joiner, accounts[1] as Identity)).sort()).toEqual(['m10', 'm11', 'm12']);
    // Offering again sends nothing: the joiner has every message.
    const again = await a.running?.sync.pushTo(joiner.keys.ed25519Hex, () => true);
    expect(again).toMatchObject({ offered: 6, sent: 0 });
    expect(again?.acknowledged).toEqual(new Set(accounts.map((account) => account.sessionId)));
  });
});

/** An account whose pubkey maps to `target` among `swarms`. */
function accountIn(c: Cluster, swarms: bigint[], target: bigint): Identity {
  const index = createSwarmIndex(swarms);
  for (;;) {
    const identity = c.crypto.generateIdentity();
    if (index.swarmFor(identity.sessionId) === target) return identity;
  }
}

describe('catch-up', () => {
  it('does not bring back a message that a member deleted while another was down', async () => {
    cluster = await createCluster({ swarms: [S1, S1] });
    const c = cluster;
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    const alice = c.account(S1);
    const stored = await c.store(a, alice, 'delete me');
    await c.store(a, alice, 'keep me');
    await c.stop(a);
    const params = { pubkey: alice.sessionId, messages: [stored.body.hash as string] };
    const signature = c.crypto.signRequest('delete', params, alice.ed25519.secretKey);
    const deleted = await c.rpc(b, 'delete', {
      ...params,
      signature,
      pubkey_ed25519: Buffer.from(alice.ed25519.publicKey).toString('hex'),
    });
    expect(deleted.status).toBe(200);
    await c.restart(a);
    await waitFor(async () => (await c.texts(a, alice)).join() === 'keep me', 10_000);
    // b caught up from a (link up) too: the stale copy did not come back.
    await a.running?.sync.idle();
    await b.running?.sync.catchUpFrom(a.keys.ed25519Hex);
    expect(await c.texts(b, alice)).toEqual(['keep me']);
  });

  it('reads a peer from the start again when its database was replaced', async () => {
    cluster = await createCluster({ swarms: [S1, S1] });
    const c = cluster;
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    const alice = c.account(S1);
    await c.store(a, alice, 'one');
    await c.store(b, alice, 'two');
    await c.stop(a);
    rmSync(join(a.dataDir, DATABASE_FILE_NAME));
    await c.restart(a);
    // a has lost everything and catches up from b; b notices a's new database.
    await waitFor(async () => (await c.texts(a, alice)).length === 2, 10_000);
    await c.store(a, alice, 'three');
    const result = await b.running?.sync.catchUpFrom(a.keys.ed25519Hex);
    expect(result?.stored).toBe(0);
    expect((await c.texts(b, alice)).sort()).toEqual(['one', 'three', 'two']);
  });
});

describe('forwarded requests', () => {
  it('are refused (403) from a node outside this node’s swarm', async () => {
    cluster = await createCluster({ swarms: [S1, S2] });
    const c = cluster;
    const [inS1, inS2] = c.nodes as [ClusterNode, ClusterNode];
    const answer = await inS2.running?.peers.request(
      inS1.keys.ed25519Hex,
      { k: 'rpc', method: 'store' },
      utf8Encode('{}'),
      { timeoutMs: 5_000 },
    );
    expect(answer?.status).toBe(403);
    expect(memberResultOf('store', answer as NonNullable<typeof answer>)).toMatchObject({
      failed: true,
      code: 403,
    });
  });

  it('are checked against the member-result schema at the entry node', () => {
    const ok = { hash: 'h'.repeat(43), signature: `${'A'.repeat(86)}==`, expiry: 1 };
    expect(memberResultOf('store', { status: 200, body: utf8Encode(JSON.stringify(ok)) })).toEqual(
      ok,
    );
    expect(
      memberResultOf('store', { status: 200, body: utf8Encode(JSON.stringify({ hash: 1 })) }),
    ).toEqual({ failed: true, bad_peer_response: true });
    expect(memberResultOf('store', { status: 200, body: utf8Encode('not json') })).toEqual({
      failed: true,
      bad_peer_response: true,
    });
    expect(memberResultOf('delete', { status: 406, body: utf8Encode('clock') })).toEqual({
      failed: true,
      code: 406,
      reason: 'clock',
    });
  });
});

describe('what other nodes may hand over (issue 10, finding 3)', () => {
  const S3 = 0x5000_0000_0000_0000n;

  function wireMessage(c: Cluster, owner: Identity, namespace: number, expiry: number, text = 'x') {
    const data = Buffer.from(text);
    return {
      owner: owner.sessionId,
      namespace,
      hash: c.crypto.messageHash(owner.sessionId, namespace, data),
      timestamp: Date.now(),
      expiry,
      data: data.toString('base64'),
    };
  }

  async function ask(from: ClusterNode, to: ClusterNode, k: 'push' | 'offer', body: unknown) {
    const answer = await from.running?.peers.request(
      to.keys.ed25519Hex,
      { k },
      utf8Encode(JSON.stringify(body)),
      { timeoutMs: 5_000 },
    );
    expect(answer?.status).toBe(200);
    return JSON.parse(Buffer.from(answer?.body ?? new Uint8Array()).toString('utf8'));
  }

  it('refuses pushes and offers from a node that never held the account, and counts them', async () => {
    cluster = await createCluster({ swarms: [S1, S1, S2, S3] });
    const c = cluster;
    const [a, b, inS2, inS3] = c.nodes as [ClusterNode, ClusterNode, ClusterNode, ClusterNode];
    // An account of S1 that S2 would hold without S1: S3's nodes never held it.
    const index = createSwarmIndex([S2, S3]);
    let alice: Identity;
    do alice = accountIn(c, [S1, S2, S3], S1);
    while (index.swarmFor(alice.sessionId) !== S2);
    const message = wireMessage(c, alice, 3, Date.now() + 60_000, 'injected');
    const pushed = await ask(inS3, a, 'push', { messages: [message] });
    expect(pushed).toEqual({ stored: 0, refused: [alice.sessionId] });
    const offered = await ask(inS3, a, 'offer', {
      items: [{ owner: alice.sessionId, hash: message.hash }],
    });
    expect(offered).toMatchObject({ want: [], refused: [alice.sessionId] });
    expect(await c.storedOn(a)).toBe(0);
    const metrics = await (await httpsFetch(`https://127.0.0.1:${a.port}/metrics`)).text();
    expect(metrics).toMatch(/murmur_replication_refused_total\{reason="sender"\} 2/);
    // The swarm that held it before S1 existed (a move) and a member may.
    expect(await ask(inS2, a, 'push', { messages: [message] })).toEqual({ stored: 1, refused: [] });
    const other = wireMessage(c, alice, 3, Date.now() + 60_000, 'from a member');
    expect(await ask(b, a, 'push', { messages: [other] })).toEqual({ stored: 1, refused: [] });
  });

  it('refuses replicated messages that break a store’s rules (ten-year expiry, future timestamp)', async () => {
    cluster = await createCluster({ swarms: [S1, S1] });
    const c = cluster;
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    const alice = c.account(S1);
    const tenYears = wireMessage(c, alice, 3, Date.now() + 10 * 365 * 86_400_000, 'forever');
    const future = { ...wireMessage(c, alice, 3, Date.now() + 86_400_000, 'later') };
    future.timestamp = Date.now() + 3_600_000;
    const answer = await ask(b, a, 'push', { messages: [tenYears, future] });
    expect(answer).toEqual({ stored: 0, refused: [] });
    expect(await c.storedOn(a)).toBe(0);
    const metrics = await (await httpsFetch(`https://127.0.0.1:${a.port}/metrics`)).text();
    expect(metrics).toMatch(/murmur_replication_refused_total\{reason="expiry"\} 1/);
    expect(metrics).toMatch(/murmur_replication_refused_total\{reason="timestamp"\} 1/);
  });

  it('holds at most MAX_WANTED_HASHES wanted hashes however many a member offers', async () => {
    cluster = await createCluster({ swarms: [S1, S1] });
    const c = cluster;
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    const alice = c.account(S1);
    let want = 0;
    let pending = 0;
    const frames = Math.ceil((MAX_WANTED_HASHES * 1.25) / MAX_ITEMS_PER_FRAME);
    for (let frame = 0; frame < frames; frame++) {
      const items = Array.from({ length: MAX_ITEMS_PER_FRAME }, () => ({
        owner: alice.sessionId,
        hash: Buffer.from(c.crypto.randomBytes(32)).toString('base64').slice(0, 43),
      }));
      const answer = await ask(b, a, 'offer', { items });
      want += answer.want.length;
      pending += answer.pending.length;
    }
    expect(want).toBe(MAX_WANTED_HASHES);
    expect(pending).toBe(frames * MAX_ITEMS_PER_FRAME - MAX_WANTED_HASHES);
  });
});

describe('moving accounts when swarms change', () => {
  it('moves accounts to a new swarm cut from this one, and deletes them here only after', async () => {
    cluster = await createCluster({ swarms: [S1, S1, S1, S1] });
    const c = cluster;
    const [a, b, x, y] = c.nodes as [ClusterNode, ClusterNode, ClusterNode, ClusterNode];
    const staying = accountIn(c, [S1, S2], S1);
    const leaving = accountIn(c, [S1, S2], S2);
    await c.store(a, staying, 'stays');
    await c.store(a, leaving, 'moves');
    for (const node of c.nodes) expect(await c.texts(node, leaving)).toEqual(['moves']);
    // x and y form the new swarm S2.
    x.swarmId = S2;
    y.swarmId = S2;
    c.publish();
    for (const node of [x, y]) {
      await waitFor(async () => (await c.rpc(node, 'info', {})).status === 200);
    }
    const storedOn = (node: ClusterNode) => c.storedOn(node);
    // The old members answer 421 for it at once, and give up its messages once moved.
    expect((await c.store(a, leaving, 'x')).status).toBe(421);
    await waitFor(
      async () => (await storedOn(a)) === 1 && (await storedOn(b)) === 1,
      10_000,
      'the old swarm to give up the moved account',
    );
    for (const node of [x, y]) {
      await waitFor(async () => (await c.texts(node, leaving)).join() === 'moves', 10_000);
      // And they gave the account that stays in S1 back: their stores hold only the moved one.
      await waitFor(
        async () => (await storedOn(node)) === 1,
        10_000,
        'the new swarm to give up the accounts of the old one',
      );
    }
    expect(await c.texts(a, staying)).toEqual(['stays']);
  });

  it('sends the messages to a node of the new swarm that never had them', async () => {
    cluster = await createCluster({ swarms: [S1, S1] });
    const c = cluster;
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    const leaving = accountIn(c, [S1, S2], S2);
    for (const text of ['one', 'two', 'three']) await c.store(a, leaving, text);
    const newcomer = await c.addNode();
    c.setSwarm(newcomer, S2);
    await waitFor(
      async () => (await c.storedOn(a)) === 0 && (await c.storedOn(b)) === 0,
      10_000,
      'the move to finish',
    );
    expect((await c.texts(newcomer, leaving)).sort()).toEqual(['one', 'three', 'two']);
    const metrics = await (await httpsFetch(`https://127.0.0.1:${newcomer.port}/metrics`)).text();
    expect(metrics).toMatch(/murmur_synced_messages_total\{source="push"\} 3/);
    const moved = await (await httpsFetch(`https://127.0.0.1:${a.port}/metrics`)).text();
    expect(moved).toMatch(/murmur_moved_messages_total 3/);
  });

  it('keeps moved accounts until a member of their new swarm takes them', async () => {
    cluster = await createCluster({ swarms: [S1, S1, S1] });
    const c = cluster;
    const [a, b, d] = c.nodes as [ClusterNode, ClusterNode, ClusterNode];
    const leaving = accountIn(c, [S1, S2], S2);
    await c.store(a, leaving, 'precious');
    // d is down when it becomes the only member of S2 (too small in reality; enough here).
    await c.stop(d);
    d.swarmId = S2;
    c.publish();
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const node of [a, b]) expect(await c.storedOn(node)).toBe(1);
    await c.restart(d);
    await waitFor(
      async () => (await c.storedOn(a)) === 0 && (await c.storedOn(b)) === 0,
      10_000,
      'the move to finish',
    );
    expect(await c.texts(d, leaving)).toEqual(['precious']);
  });
});

describe('onion requests between nodes', () => {
  it('relay over peer links and store at the destination', async () => {
    cluster = await createCluster({ swarms: [S1, S1, S1, S1] });
    const c = cluster;
    const [guard, relay, last, destination] = c.nodes as [
      ClusterNode,
      ClusterNode,
      ClusterNode,
      ClusterNode,
    ];
    const onionNode = (node: ClusterNode): OnionNode => ({
      ed25519: node.keys.ed25519Hex,
      x25519: node.keys.x25519Hex,
      ip: '127.0.0.1',
      port: node.port,
    });
    const alice = c.account(S1);
    // Swarm members keep links to each other: the relays forward over them.
    await waitFor(() => (guard.running?.peers.status().length ?? 0) === 3);
    await waitFor(() => (relay.running?.peers.status().length ?? 0) === 3);
    const request = await buildOnionRequest(c.crypto, {
      path: [onionNode(guard), onionNode(relay), onionNode(last)],
      destination: { type: 'node', node: onionNode(destination) },
      payload: {
        method: 'store',
        params: {
          pubkey: alice.sessionId,
          timestamp: Date.now(),
          ttl: 600_000,
          data: Buffer.from('through the onion').toString('base64'),
        },
      },
    });
    const response = await httpsFetch(`https://127.0.0.1:${guard.port}/onion_req/v2`, {
      method: 'POST',
      body: Buffer.from(request.body),
    });
    const decoded = await decodeOnionResponse(c.crypto, request, {
      status: response.status,
      body: new Uint8Array(await response.arrayBuffer()),
    });
    expect(decoded.status).toBe(200);
    expect(await c.texts(relay, alice)).toEqual(['through the onion']);
    const relayMetrics = await (await httpsFetch(`https://127.0.0.1:${relay.port}/metrics`)).text();
    expect(relayMetrics).toMatch(/murmur_onion_requests_total\{role="relay",status="200"\} 1/);
  });
});
