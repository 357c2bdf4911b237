/**
 * The client against real processes: the devnet ledger and murmur-node service nodes started
 * by `@murmur/testnet` on loopback (one /24 per node), staked through real ledger
 * transactions. The five scenarios of the client issue:
 *
 * 1. two clients exchange messages both ways through onion paths;
 * 2. a client restarts mid-conversation (new object, same SQLite file) and misses nothing;
 * 3. a client whose clock is 10 minutes wrong still sends (and receives);
 * 4. a guard is killed: the client rebuilds its path and still delivers;
 * 5. the recipient's swarm changes (nodes join until a new swarm forms): messages still arrive.
 *
 * Needs the built programs: `pnpm --filter @murmur/service-node build && pnpm --filter
 * @murmur/devnet build`. Each process logs to `<dir>/logs/`; the directory is kept when a test
 * fails (its path is printed).
 */

import type { MurmurClient } from '@murmur/client';
import type { SqliteStorage } from '@murmur/client/sqlite';
import type { Identity } from '@murmur/crypto';
import { swarmForPubkey, swarmIdFromHex } from '@murmur/swarm';
import type { Logger } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { online, receive, useE2eNetwork, waitSignal } from './support.js';

const network = useE2eNetwork('murmur-client-e2e', { nodes: 8 });

/** A logger that keeps the lines (for assertions) and drops them otherwise. */
function recordingLogger(): Logger & { messages: string[] } {
  const messages: string[] = [];
  const make = (): Logger => {
    const log = (first: unknown, second?: unknown) => {
      messages.push(typeof first === 'string' ? first : String(second ?? ''));
    };
    return { trace: log, debug: log, info: log, warn: log, error: log, child: () => make() };
  };
  return Object.assign(make(), { messages });
}

describe('client on real service nodes', () => {
  let alice: MurmurClient;
  let bob: MurmurClient;
  let bobStorage: SqliteStorage;

  it('two clients exchange messages both ways through onion paths', async () => {
    alice = await online(network.client('alice').client);
    const made = network.client('bob');
    bob = await online(made.client);
    bobStorage = made.storage;
    const bobId = bob.sessionId as string;
    const aliceId = alice.sessionId as string;

    const atBob = receive(bob, ['hello Bob']);
    const sent = await alice.sendMessage(bobId, 'hello Bob');
    await alice.waitForDelivery(sent.id, waitSignal());
    await atBob;
    const atAlice = receive(alice, ['hello Alice']);
    const reply = await bob.sendMessage(aliceId, 'hello Alice');
    await bob.waitForDelivery(reply.id, waitSignal());
    await atAlice;

    for (const made of [alice, bob]) {
      expect(made.health()).toMatchObject({ timeSynced: true });
      const paths = made.paths();
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) {
        expect(path.nodes).toHaveLength(3);
        // One node per /24 on a path (the testnet gives each node its own 127.0.x.0/24).
        const subnets = path.nodes.map((node) => node.ip.split('.').slice(0, 3).join('.'));
        expect(new Set(subnets).size).toBe(3);
      }
    }
    const history = await alice.conversations.history(bobId);
    expect(history.map((m) => [m.direction, m.text])).toEqual([
      ['incoming', 'hello Alice'],
      ['outgoing', 'hello Bob'],
    ]);
  });

  it('a client restarted mid-conversation (new object, same file) misses nothing', async () => {
    const bobId = bob.sessionId as string;
    await bob.stop();
    const texts = ['while away 1', 'while away 2', 'while away 3'];
    for (const text of texts) {
      const { id } = await alice.sendMessage(bobId, text);
      await alice.waitForDelivery(id, waitSignal());
    }
    // A new client object on the same SQLite file: the account, history, last hashes and
    // seen hashes come from the file.
    const again = network.reopen(bobStorage);
    const seen: string[] = [];
    again.on('message', (message) => seen.push(message.text));
    await again.start();
    expect(again.sessionId).toBe(bobId);
    await again.whenReady(waitSignal());
    const all = receive(again, texts);
    await all;
    // A few more rounds: nothing is announced twice, nothing from before the restart.
    await again.catchUp(waitSignal());
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect([...seen].sort()).toEqual([...texts].sort());
    const history = await again.conversations.history(alice.sessionId as string);
    expect(history.map((m) => m.text).sort()).toEqual(
      ['hello Alice', 'hello Bob', ...texts].sort(),
    );
    bob = again;
  });

  it('a client whose clock is 10 minutes wrong still sends and receives', async () => {
    const slow = { now: () => Date.now() - 10 * 60_000 };
    const carol = await online(network.client('carol', {}, () => ({ clock: slow })).client);
    expect(Math.abs(carol.health().timeOffsetMs - 10 * 60_000)).toBeLessThan(5_000);
    const atBob = receive(bob, ['from the past']);
    const { id, sentAt } = await carol.sendMessage(bob.sessionId as string, 'from the past');
    expect(Math.abs(sentAt - Date.now())).toBeLessThan(5_000);
    await carol.waitForDelivery(id, waitSignal());
    await atBob;
    const atCarol = receive(carol, ['back to you']);
    const reply = await bob.sendMessage(carol.sessionId as string, 'back to you');
    await bob.waitForDelivery(reply.id, waitSignal());
    await atCarol;
    await carol.stop();
  });

  it('rebuilds its path when a guard is killed and still delivers', async () => {
    const guards = alice.paths().map((path) => path.nodes[0]?.ed25519 as string);
    const names = network.testnet.nodes
      .filter((node) => guards.includes(node.ed25519))
      .map((node) => node.name);
    expect(names.length).toBeGreaterThan(0);
    // SIGKILL: the nodes stay dead (the ledger decommissions them after missed proofs).
    for (const name of names) await network.testnet.kill(name);
    const started = Date.now();
    const atBob = receive(bob, ['after the guard died']);
    const { id } = await alice.sendMessage(bob.sessionId as string, 'after the guard died');
    await alice.waitForDelivery(id, waitSignal());
    await atBob;
    const now = alice.paths().map((path) => path.nodes[0]?.ed25519 as string);
    expect(now.some((guard) => !guards.includes(guard))).toBe(true);
    console.log(`e2e: delivered ${Date.now() - started} ms after killing ${names.join(', ')}`);
  });

  it('messages still arrive after the recipient moves to a new swarm', async () => {
    const before = await network.testnet.swarms();
    expect(before.size).toBe(1);
    const [oldId] = [...before.keys()] as [string];
    // The next swarm is cut in the middle of the largest gap: on a ring with one swarm, half
    // way round. Pick a recipient that will belong to it.
    const old = swarmIdFromHex(oldId);
    const next = (old + 2n ** 63n - 1n) % 2n ** 64n;
    let dave: Identity;
    do dave = network.crypto.generateIdentity();
    while (swarmForPubkey([old, next], dave.sessionId) !== next);
    const daveLog = recordingLogger();
    const daveClient = await online(
      network.client('dave', { identity: dave }, () => ({ logger: daveLog })).client,
    );
    const first = receive(daveClient, ['before the move']);
    const early = await alice.sendMessage(dave.sessionId, 'before the move');
    await alice.waitForDelivery(early.id, waitSignal());
    await first;

    // Nodes join until the swarm splits.
    for (let added = 0; (await network.testnet.swarms()).size < 2; added++) {
      if (added >= 12) throw new Error('no second swarm formed after 12 new nodes');
      const node = await network.testnet.addNode();
      await network.testnet.waitForActive([node.name]);
    }
    const after = await network.testnet.swarms();
    const daveSwarm = swarmForPubkey([...after.keys()].map(swarmIdFromHex), dave.sessionId);
    expect(daveSwarm).not.toBe(old);

    const atDave = receive(daveClient, ['after the move']);
    const late = await alice.sendMessage(dave.sessionId, 'after the move');
    await alice.waitForDelivery(late.id, waitSignal());
    await atDave;
    // Dave's poller, rotating through the members he knew, is told 421 by one that stayed in
    // the old swarm, and follows.
    for (
      let waited = 0;
      !daveLog.messages.includes('client: the account moved to another swarm');
    ) {
      if (waited >= 60_000) throw new Error('Dave never followed a 421');
      await new Promise((resolve) => setTimeout(resolve, 500));
      waited += 500;
    }
  });
});
