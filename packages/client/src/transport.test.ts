import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import {
  type OnionNode,
  type OnionPath,
  type PathManager,
  PathUnavailableError,
} from '@murmur/onion';
import {
  ClockOutOfSyncError,
  InvalidResponseError,
  NextNodeNotFoundError,
  silentLogger,
  UpstreamFailedError,
  WrongSwarmError,
} from '@murmur/wire';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { NotSyncedError } from './errors.js';
import { createNetworkTime } from './network-time.js';
import { createSwarmCache } from './swarm-cache.js';
import { createFakeNetwork, type FakeNetwork, type FakeNode } from './test-support/fake-network.js';
import { createTransport, memberAtFault, responseParser } from './transport.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

function stubPaths(paths: OnionPath[]) {
  const excludes: string[][] = [];
  const manager = {
    getPath: vi.fn(async (options: { exclude?: readonly string[] } = {}) => {
      excludes.push([...(options.exclude ?? [])]);
      const fitting = paths.find(
        (path) => !path.nodes.some((node) => options.exclude?.includes(node.ed25519)),
      );
      if (fitting === undefined) throw new PathUnavailableError('no path', 'offline');
      return fitting;
    }),
    paths: () => paths,
    reportPathFailure: vi.fn(),
    reportNodeFailure: vi.fn(),
    reportSuccess: vi.fn(),
  };
  return { manager, excludes };
}

function setup(network: FakeNetwork, account: string, options: { synced?: boolean } = {}) {
  const clock = { value: Date.now(), now: () => clock.value };
  // Paths from nodes outside the account's swarm.
  const swarm = network.swarmOf(account);
  const free = network.nodes.filter((node) => !swarm.includes(node)).map((node) => node.onionNode);
  const paths: OnionPath[] = [
    { id: 'p1', nodes: free.slice(0, 3) },
    { id: 'p2', nodes: free.slice(3, 6) },
  ];
  const { manager, excludes } = stubPaths(paths);
  const networkTime = createNetworkTime({}, { clock });
  if (options.synced !== false) {
    networkTime.addSample({
      node: 'x',
      serverTime: Date.now(),
      sentAt: clock.value,
      receivedAt: clock.value,
    });
  }
  const swarms = createSwarmCache({}, { clock, random: () => 0 });
  swarms.set(
    account,
    swarm.map((node) => node.onionNode),
  );
  const resyncTime = vi.fn(async () => undefined);
  const transport = createTransport(
    { requestTimeoutMs: 2_000 },
    {
      crypto,
      fetch: network.fetch,
      logger: silentLogger(),
      clock,
      paths: manager as unknown as PathManager,
      networkTime,
      swarms,
      refreshSwarm: async () => undefined,
      resyncTime,
    },
  );
  return { transport, manager, excludes, swarms, networkTime, resyncTime, clock, paths, swarm };
}

const info = (transport: ReturnType<typeof createTransport>, node: OnionNode) =>
  transport.nodeRequest(node, 'info', {}, responseParser('info'));

describe('transport', () => {
  it('answers through the path, checks the answer, samples the time and clears strikes', async () => {
    const network = createFakeNetwork({ crypto });
    const account = crypto.generateIdentity().sessionId;
    const { transport, manager, networkTime, swarm } = setup(network, account, { synced: false });
    const target = swarm[0] as FakeNode;
    const answer = await info(transport, target.onionNode);
    expect(answer.version).toEqual([2, 8, 0]);
    expect(networkTime.synced).toBe(true);
    expect(manager.reportSuccess).toHaveBeenCalledWith('p1');
    expect(network.stats.routes.at(-1)).toEqual([
      ...(manager.paths()[0]?.nodes.map((node) => node.ed25519) ?? []),
      target.ed25519,
    ]);
  });

  it('strikes the path when the guard is unreachable, then avoids it while another exists', async () => {
    const network = createFakeNetwork({ crypto });
    const account = crypto.generateIdentity().sessionId;
    const { transport, manager, excludes, paths, swarm, clock } = setup(network, account);
    const guard = paths[0]?.nodes[0] as OnionNode;
    network.node(guard.ed25519).unreachable = true;
    const error = await info(transport, (swarm[0] as FakeNode).onionNode).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamFailedError);
    expect(manager.reportPathFailure).toHaveBeenCalledWith('p1');
    expect(memberAtFault(error)).toBe(true);
    // The next request avoids the failed path's guard.
    await info(transport, (swarm[0] as FakeNode).onionNode);
    expect(excludes.at(-1)).toContain(guard.ed25519);
    expect(manager.reportSuccess).toHaveBeenLastCalledWith('p2');
    // After the cooldown it is no longer avoided.
    clock.value += 31_000;
    network.node(guard.ed25519).unreachable = false;
    await info(transport, (swarm[0] as FakeNode).onionNode);
    expect(excludes.at(-1)).not.toContain(guard.ed25519);
  });

  it('strikes the node a relay could not reach', async () => {
    const network = createFakeNetwork({ crypto });
    const account = crypto.generateIdentity().sessionId;
    const { transport, manager, paths, swarm } = setup(network, account);
    const relay = paths[0]?.nodes[2] as OnionNode;
    network.node(relay.ed25519).unreachable = true;
    const error = await info(transport, (swarm[0] as FakeNode).onionNode).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NextNodeNotFoundError);
    expect(manager.reportNodeFailure).toHaveBeenCalledWith(relay.ed25519);
    expect(manager.reportPathFailure).not.toHaveBeenCalled();
  });

  it('refuses an answer that does not match the schema, without blaming the path', async () => {
    const network = createFakeNetwork({ crypto });
    const account = crypto.generateIdentity().sessionId;
    const { transport, manager, swarm } = setup(network, account);
    const target = swarm[0] as FakeNode;
    target.rpcHook = () => ({ status: 200, body: { version: 'two', t: -1 } });
    const error = await info(transport, target.onionNode).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as InvalidResponseError).message).toMatch(/info response/);
    expect(manager.reportPathFailure).not.toHaveBeenCalled();
    expect(memberAtFault(error)).toBe(true);
  });

  it('follows a 421 once to the swarm the node names, and no further', async () => {
    const network = createFakeNetwork({ crypto });
    const account = crypto.generateIdentity().sessionId;
    const { transport, swarms, swarm } = setup(network, account);
    // The cache holds the wrong swarm: a node of another swarm.
    const stranger = network.nodes.find((node) => !swarm.includes(node)) as FakeNode;
    swarms.set(account, [stranger.onionNode]);
    const store = await transport.swarmRequest({
      pubkey: account,
      method: 'store',
      params: (now) => ({ pubkey: account, timestamp: now, ttl: 60_000, data: 'aGk=' }),
      parse: responseParser('store'),
    });
    expect(swarm.map((node) => node.ed25519)).toContain(store.node.ed25519);
    expect(
      swarms
        .get(account)
        ?.members.map((node) => node.ed25519)
        .sort(),
    ).toEqual(swarm.map((node) => node.ed25519).sort());

    // Two nodes that keep naming each other: followed only once.
    const [first, second] = network.nodes.filter((node) => !swarm.includes(node)) as [
      FakeNode,
      FakeNode,
    ];
    const naming = (other: FakeNode) => () => ({
      status: 421,
      body: {
        snodes: [
          {
            ip: other.ip,
            port: String(other.port),
            pubkey_ed25519: other.ed25519,
            pubkey_x25519: other.x25519,
          },
        ],
        swarm: 'ff',
        t: Date.now(),
        hf: [19, 3],
      },
    });
    first.rpcHook = naming(second);
    second.rpcHook = naming(first);
    swarms.set(account, [first.onionNode]);
    const error = await transport
      .swarmRequest({
        pubkey: account,
        method: 'store',
        params: (now) => ({ pubkey: account, timestamp: now, ttl: 60_000, data: 'aGk=' }),
        parse: responseParser('store'),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WrongSwarmError);
  });

  it('resynchronises once on 406 and retries with a fresh timestamp', async () => {
    const network = createFakeNetwork({ crypto });
    const account = crypto.generateIdentity().sessionId;
    const { transport, resyncTime, swarm } = setup(network, account);
    let refusals = 1;
    const timestamps: number[] = [];
    for (const node of swarm) {
      node.rpcHook = (_method, params) => {
        timestamps.push((params as { timestamp: number }).timestamp);
        if (refusals-- > 0) return { status: 406, body: 'Timestamp error: check your clock' };
        return undefined;
      };
    }
    await transport.swarmRequest({
      pubkey: account,
      method: 'store',
      params: (now) => ({ pubkey: account, timestamp: now, ttl: 60_000, data: 'aGk=' }),
      parse: responseParser('store'),
    });
    expect(resyncTime).toHaveBeenCalledTimes(1);
    expect(timestamps).toHaveLength(2);

    refusals = 5;
    const error = await transport
      .swarmRequest({
        pubkey: account,
        method: 'store',
        params: (now) => ({ pubkey: account, timestamp: now, ttl: 60_000, data: 'aGk=' }),
        parse: responseParser('store'),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClockOutOfSyncError);
    expect(resyncTime).toHaveBeenCalledTimes(2);
  });

  it('sends nothing before the network time is known', async () => {
    const network = createFakeNetwork({ crypto });
    const account = crypto.generateIdentity().sessionId;
    const { transport, manager } = setup(network, account, { synced: false });
    const error = await transport
      .swarmRequest({
        pubkey: account,
        method: 'store',
        params: (now) => ({ pubkey: account, timestamp: now, ttl: 60_000, data: 'aGk=' }),
        parse: responseParser('store'),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotSyncedError);
    expect(error).toMatchObject({ code: 'NOT_SYNCED' });
    expect(manager.getPath).not.toHaveBeenCalled();
  });

  it('does not blame a member for a missing path', () => {
    expect(memberAtFault(new PathUnavailableError('no path', 'offline'))).toBe(false);
  });
});
