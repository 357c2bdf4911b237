/**
 * Forward secrecy against real processes: the devnet ledger and murmur-node service nodes
 * started by `@murmur/testnet`. Two clients with `pfs.enabled` publish their account-key bundles
 * to namespace −21 of their swarms, fetch each other's from two swarm members through onion
 * requests, and exchange Session Protocol V2 messages both ways. Prints the bundle fetch latency
 * (the figure in docs/BENCHMARKS.md).
 *
 * Needs the built programs: `pnpm --filter @murmur/service-node build && pnpm --filter
 * @murmur/devnet build`.
 */
import { performance } from 'node:perf_hooks';
import type { MurmurClient } from '@murmur/client';
import { describe, expect, it } from 'vitest';
import { online, receiveOne, useE2eNetwork, waitSignal } from './support.js';

const NODES = 8;
const FETCHES = 10;
const network = useE2eNetwork('murmur-pfs-e2e', { nodes: NODES });

/**
 * A client with default settings: forward secrecy is on by default, its seeds in the SQLite
 * file, so there is nothing to set.
 */
function pfsClient(name: string): Promise<MurmurClient> {
  return online(network.client(name).client);
}

/** Waits until `from` can fetch `to`'s published bundle (it is published once `to` is ready). */
async function published(from: MurmurClient, to: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const entry = await from.pfs?.refreshPeerKeys(to).catch(() => undefined);
    if (entry?.state === 'fresh') return;
    if (Date.now() > deadline) throw new Error(`no bundle of ${to} within 90 s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('forward secrecy on real service nodes', () => {
  it('two clients with default settings publish, fetch each other from two members and exchange V2 both ways', async () => {
    const alice = await pfsClient('alice');
    const bob = await pfsClient('bob');
    const aliceId = alice.sessionId as string;
    const bobId = bob.sessionId as string;
    await published(alice, bobId);
    await published(bob, aliceId);

    // The figure: a bundle fetch (two swarm members, through onion requests), one at a time.
    const times: number[] = [];
    for (let i = 0; i < FETCHES; i++) {
      const started = performance.now();
      const entry = await alice.pfs?.refreshPeerKeys(bobId);
      times.push(performance.now() - started);
      expect(entry?.state).toBe('fresh');
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    console.log(
      `pfs e2e: bundle fetch through onion requests (${NODES} nodes, two swarm members, n=${FETCHES}): ` +
        `median ${at(0.5)?.toFixed(0)} ms, p90 ${at(0.9)?.toFixed(0)} ms, ` +
        `min ${times[0]?.toFixed(0)} ms, max ${times.at(-1)?.toFixed(0)} ms`,
    );

    // A third client with no keys of Alice's cached: the message is held (securing) while it
    // fetches them, then sealed forward-secret.
    const carol = await pfsClient('carol');
    const atAliceFromCarol = receiveOne(alice, 'hello Alice, from Carol');
    const held = await carol.sendMessage(aliceId, 'hello Alice, from Carol');
    expect(held).toMatchObject({ state: 'securing', protocol: undefined });
    await carol.waitForDelivery(held.id, waitSignal());
    expect(await atAliceFromCarol).toMatchObject({ protocol: 'v2', forwardSecret: true });
    const carolHistory = await carol.conversations.history(aliceId);
    expect(carolHistory[0]).toMatchObject({ state: 'sent', protocol: 'v2' });

    const atBob = receiveOne(bob, 'hello Bob, forward-secret');
    const sent = await alice.sendMessage(bobId, 'hello Bob, forward-secret');
    expect(sent).toMatchObject({ state: 'queued', protocol: 'v2', forwardSecret: true });
    await alice.waitForDelivery(sent.id, waitSignal());
    expect(await atBob).toMatchObject({ from: aliceId, protocol: 'v2', forwardSecret: true });

    const atAlice = receiveOne(alice, 'hello Alice, forward-secret');
    const reply = await bob.sendMessage(aliceId, 'hello Alice, forward-secret');
    expect(reply).toMatchObject({ protocol: 'v2', forwardSecret: true });
    await bob.waitForDelivery(reply.id, waitSignal());
    expect(await atAlice).toMatchObject({ from: bobId, protocol: 'v2', forwardSecret: true });

    // Bob rotates; Alice (fresh cache of the old key) sends again; then she refetches and sends
    // to the new key. Bob reads both.
    const oldX = alice.pfs?.peerKeys(bobId).keys?.x25519PublicKey;
    await bob.pfs?.rotateKeys();
    const atBob2 = receiveOne(bob, 'to the old key');
    const old = await alice.sendMessage(bobId, 'to the old key');
    expect(old.protocol).toBe('v2');
    expect((await atBob2).forwardSecret).toBe(true);
    const refreshed = await alice.pfs?.refreshPeerKeys(bobId);
    expect(Buffer.from(refreshed?.keys?.x25519PublicKey as Uint8Array)).not.toEqual(
      Buffer.from(oldX as Uint8Array),
    );
    const atBob3 = receiveOne(bob, 'to the new key');
    await alice.sendMessage(bobId, 'to the new key');
    expect((await atBob3).forwardSecret).toBe(true);
  });
});
