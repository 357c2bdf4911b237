/**
 * Test harness for peer links: several nodes in this process, each with its own HTTPS server (its
 * certificate derived from its key, as `startNode` serves) on a free loopback port, its own static
 * network view of all of them, and its peer network (links over `wss://`).
 */
import type { Server } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { MurmurCrypto } from '@murmur/crypto';
import { silentLogger } from '@murmur/wire';
import { type NodeKeys, nodeKeysFromSeed } from '../keys.js';
import { createNodeMetrics, type NodeMetrics } from '../metrics.js';
import type { ServiceNodeInfo } from '../network/network-view.js';
import { createStaticNetworkView, type StaticNetworkView } from '../network/static-network.js';
import {
  createPeerNetwork,
  type PeerNetwork,
  type PeerNetworkInit,
} from '../peers/peer-network.js';
import { createTlsCredentials } from '../tls.js';
import { seedOf, testCrypto } from './harness.js';

/** One node of a {@link PeerHarness}. */
export interface PeerHarnessNode {
  keys: NodeKeys;
  info: ServiceNodeInfo;
  server: Server;
  network: StaticNetworkView;
  peers: PeerNetwork;
  metrics: NodeMetrics;
}

/** What {@link createPeerHarness} returns. */
export interface PeerHarness {
  crypto: MurmurCrypto;
  nodes: PeerHarnessNode[];
  /** Every node's info (the static network all views start from). */
  infos: ServiceNodeInfo[];
  close(): Promise<void>;
}

/** Options of {@link createPeerHarness}. */
export interface PeerHarnessOptions {
  /** How many nodes (default 2). */
  count?: number | undefined;
  /** The swarm of node i (default: all in swarm 0). */
  swarmOf?: ((index: number) => bigint) | undefined;
  /** Seeds start here (default 11). */
  firstSeed?: number | undefined;
  peerInit?: PeerNetworkInit | undefined;
  /** Do not start the peer networks (the test wires things first). */
  deferStart?: boolean | undefined;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Starts `count` nodes that know each other. */
export async function createPeerHarness(options: PeerHarnessOptions = {}): Promise<PeerHarness> {
  const crypto = await testCrypto();
  const count = options.count ?? 2;
  const firstSeed = options.firstSeed ?? 11;
  const servers: Server[] = [];
  const ports: number[] = [];
  const allKeys = Array.from({ length: count }, (_, i) =>
    nodeKeysFromSeed(crypto, seedOf(firstSeed + i)),
  );
  for (let i = 0; i < count; i++) {
    const { key, cert } = createTlsCredentials(crypto, allKeys[i] as NodeKeys);
    const server = createServer({ key, cert }, (_request, response) => {
      response.statusCode = 404;
      response.end();
    });
    servers.push(server as unknown as Server);
    ports.push(await listen(server as unknown as Server));
  }
  const infos: ServiceNodeInfo[] = allKeys.map((keys, i) => ({
    ed25519: keys.ed25519Hex,
    x25519: keys.x25519Hex,
    ip: '127.0.0.1',
    storagePort: ports[i] as number,
    relayPort: undefined,
    swarmId: options.swarmOf?.(i) ?? 0n,
  }));
  const nodes = allKeys.map((keys, i): PeerHarnessNode => {
    const network = createStaticNetworkView({
      self: { ed25519: keys.ed25519Hex, x25519: keys.x25519Hex },
      nodes: infos,
    });
    const metrics = createNodeMetrics();
    const peers = createPeerNetwork(
      { heartbeatMs: 1_000, reconnectMinMs: 50, dialGraceMs: 100, ...options.peerInit },
      { keys, crypto, network, logger: silentLogger(), metrics },
    );
    const server = servers[i] as Server;
    peers.attach(server);
    if (!options.deferStart) peers.start();
    return { keys, info: infos[i] as ServiceNodeInfo, server, network, peers, metrics };
  });
  return {
    crypto,
    nodes,
    infos,
    async close() {
      await Promise.all(nodes.map((node) => node.peers.stop()));
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}

/**
 * How long a test waits for something that must happen before calling it hung: a hang guard,
 * never a speed requirement (a loaded 2-core machine runs these tests several times slower than
 * an idle one; half the 60 s test timeout).
 */
export const HANG_GUARD_MS = 30_000;

/** Waits until `check` returns true (polling every 10 ms), or throws after `timeoutMs` (a hang guard). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = HANG_GUARD_MS,
  what = 'the condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A metric's value with these labels (0 when absent). */
export async function metricValue(
  metrics: NodeMetrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((entry) =>
    Object.entries(labels).every(
      ([key, wanted]) => (entry.labels as Record<string, unknown>)[key] === wanted,
    ),
  );
  return value?.value ?? 0;
}
