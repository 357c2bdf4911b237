/**
 * A real {@link Transport} over the fake network, for tests of what goes over it (the PFS key
 * exchange): one fixed onion path through nodes outside the given accounts' swarms, a network
 * clock with one sample, and those accounts' swarms cached. The clock is the tests' to move.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { type OnionPath, type PathManager, PathUnavailableError } from '@murmur/onion';
import { silentLogger } from '@murmur/wire';
import { createNetworkTime } from '../network-time.js';
import { createSwarmCache } from '../swarm-cache.js';
import { createTransport, type Transport } from '../transport.js';
import type { FakeNetwork } from './fake-network.js';

/** A clock tests set by hand. */
export interface ManualClock {
  value: number;
  now(): number;
}

/** A transport over `network` for the accounts `sessionIds` (their swarms cached). */
export function fakeNetworkTransport(
  network: FakeNetwork,
  crypto: MurmurCrypto,
  sessionIds: readonly string[],
): { transport: Transport; clock: ManualClock } {
  const clock: ManualClock = { value: Date.now(), now: () => clock.value };
  const swarmNodes = sessionIds.flatMap((id) => network.swarmOf(id));
  const free = network.nodes.filter((node) => !swarmNodes.includes(node)).map((n) => n.onionNode);
  const paths: OnionPath[] = [{ id: 'p1', nodes: free.slice(0, 3) }];
  const manager = {
    getPath: async () => {
      const path = paths[0];
      if (path === undefined) throw new PathUnavailableError('no path', 'offline');
      return path;
    },
    paths: () => paths,
    reportPathFailure: () => undefined,
    reportNodeFailure: () => undefined,
    reportSuccess: () => undefined,
  };
  const networkTime = createNetworkTime({}, { clock });
  networkTime.addSample({
    node: 'x',
    serverTime: Date.now(),
    sentAt: clock.value,
    receivedAt: clock.value,
  });
  const swarms = createSwarmCache({}, { clock, random: () => 0 });
  for (const id of sessionIds) {
    swarms.set(
      id,
      network.swarmOf(id).map((node) => node.onionNode),
    );
  }
  const transport = createTransport(
    { requestTimeoutMs: 5_000 },
    {
      crypto,
      fetch: network.fetch,
      logger: silentLogger(),
      clock,
      paths: manager as unknown as PathManager,
      networkTime,
      swarms,
      refreshSwarm: async () => undefined,
      resyncTime: async () => undefined,
    },
  );
  return { transport, clock };
}
