/**
 * Test harness: several whole nodes (`startNode`, real SQLite, real HTTP and peer links on
 * loopback) in this process, sharing a static network that tests change at run time (a node
 * joins, a swarm splits), plus client-side helpers for store and retrieve.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Identity, MurmurCrypto } from '@murmur/crypto';
import { bytesToHex } from '@murmur/wire';
import { pino } from 'pino';
import { resolveConfig } from '../config.js';
import { createKeyFile, type NodeKeys } from '../keys.js';
import type { MonitorServerInit } from '../monitor/monitor-server.js';
import type { ServiceNodeInfo } from '../network/network-view.js';
import { createStaticNetworkView, type StaticNetworkView } from '../network/static-network.js';
import { type RunningNode, startNode } from '../server.js';
import { testCrypto } from './harness.js';
import { httpsFetch } from './https.js';

/** A JSON answer in a test: shapes are what the assertions check. */
// biome-ignore lint/suspicious/noExplicitAny: test answers are checked by the assertions
export type TestJson = any;

/** A node of a {@link Cluster}. */
export interface ClusterNode {
  name: string;
  keys: NodeKeys;
  dataDir: string;
  network: StaticNetworkView;
  /** The running node, or undefined while stopped. */
  running: RunningNode | undefined;
  /** Its swarm in the shared network (undefined: not active). */
  swarmId: bigint | undefined;
  port: number;
}

/** What {@link createCluster} returns. */
export interface Cluster {
  crypto: MurmurCrypto;
  nodes: ClusterNode[];
  /** Adds and starts a node (not active until {@link Cluster.setSwarm}). */
  addNode(swarmId?: bigint): Promise<ClusterNode>;
  /** Puts a node in a swarm (or out of the network) and publishes the network to every node. */
  setSwarm(node: ClusterNode, swarmId: bigint | undefined): void;
  /** Publishes the network as it stands to every running node. */
  publish(): void;
  /** Stops a node gracefully (its data stays). */
  stop(node: ClusterNode): Promise<void>;
  /** Starts a stopped node again from its data directory (a new port, published). */
  restart(node: ClusterNode): Promise<void>;
  /** POSTs a storage RPC to a node. */
  rpc(
    node: ClusterNode,
    method: string,
    params: unknown,
  ): Promise<{ status: number; body: TestJson }>;
  /** A Session account whose pubkey maps to `swarmId` in the current network. */
  account(swarmId: bigint): Identity;
  /** Stores a message for `identity` through `node` (namespace 0, public, TTL 1 h). */
  store(
    node: ClusterNode,
    identity: Identity,
    text: string,
  ): Promise<{ status: number; body: TestJson }>;
  /** How many messages `node` stores (its `/health`). */
  storedOn(node: ClusterNode): Promise<number>;
  /** The message texts `identity` has on `node` (signed retrieve of namespace 0). */
  texts(node: ClusterNode, identity: Identity): Promise<string[]>;
  close(): Promise<void>;
}

/** Options of {@link createCluster}. */
export interface ClusterOptions {
  /** The swarm of each initial node. */
  swarms: readonly bigint[];
  /** Monitor endpoint limits of every node. */
  monitorInit?: MonitorServerInit | undefined;
  /** Extra `murmur-node start` flags of the node at an index (limits, shedding). */
  flags?: Readonly<Record<number, Readonly<Record<string, string>>>> | undefined;
}

/** Starts a cluster. */
export async function createCluster(options: ClusterOptions): Promise<Cluster> {
  const crypto = await testCrypto();
  const root = mkdtempSync(join(tmpdir(), 'murmur-cluster-'));
  const nodes: ClusterNode[] = [];

  function infos(): ServiceNodeInfo[] {
    return nodes.flatMap((node) =>
      node.swarmId === undefined
        ? []
        : [
            {
              ed25519: node.keys.ed25519Hex,
              x25519: node.keys.x25519Hex,
              ip: '127.0.0.1',
              storagePort: node.port,
              relayPort: undefined,
              swarmId: node.swarmId,
            },
          ],
    );
  }

  function publish(): void {
    const list = infos();
    for (const node of nodes) if (node.running !== undefined) node.network.setNodes(list);
  }

  async function run(node: ClusterNode): Promise<void> {
    const { config } = resolveConfig({
      flags: {
        'data-dir': node.dataDir,
        listen: '127.0.0.1',
        port: '0',
        'rate-limit': 'false',
        'log-level': 'silent',
        'catch-up-interval': '0',
        // Many nodes share this process (and a busy machine): their loop stalls are each
        // other's, not overload, as the rate limit's are not. Every shedding bound that a slow
        // machine alone trips is off (a store answered 503 under CI load); tests of shedding
        // turn theirs on.
        'max-queue-wait': '0',
        'max-event-loop-delay': '0',
        'max-queue-delay': '0',
        ...options.flags?.[nodes.indexOf(node)],
      },
      env: {},
    });
    node.network = createStaticNetworkView({
      self: { ed25519: node.keys.ed25519Hex, x25519: node.keys.x25519Hex },
      nodes: infos(),
    });
    node.running = await startNode(config, {
      logger: pino({ level: 'silent' }),
      crypto,
      network: node.network,
      peerInit: { heartbeatMs: 2_000, reconnectMinMs: 50, reconnectMaxMs: 500, dialGraceMs: 50 },
      syncInit: { retryMinMs: 50, retryMaxMs: 500, moveDelayMs: 50, reconcileIntervalMs: 100 },
      monitorInit: options.monitorInit,
    });
    node.port = node.running.port;
  }

  async function addNode(swarmId?: bigint): Promise<ClusterNode> {
    const name = `node-${nodes.length + 1}`;
    const dataDir = join(root, name);
    mkdirSync(dataDir, { recursive: true });
    const keys = createKeyFile(crypto, dataDir);
    const node: ClusterNode = {
      name,
      keys,
      dataDir,
      network: undefined as unknown as StaticNetworkView,
      running: undefined,
      swarmId,
      port: 0,
    };
    nodes.push(node);
    await run(node);
    publish();
    return node;
  }

  async function rpc(node: ClusterNode, method: string, params: unknown) {
    const response = await httpsFetch(`https://127.0.0.1:${node.port}/storage_rpc/v1`, {
      method: 'POST',
      body: JSON.stringify({ method, params }),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // text
    }
    return { status: response.status, body: body as TestJson };
  }

  const cluster: Cluster = {
    crypto,
    nodes,
    addNode,
    setSwarm(node, swarmId) {
      node.swarmId = swarmId;
      publish();
    },
    publish,
    async stop(node) {
      await node.running?.close();
      node.running = undefined;
    },
    async restart(node) {
      await run(node);
      publish();
    },
    rpc,
    account(swarmId) {
      const snapshot = nodes.find((node) => node.running !== undefined)?.network.snapshot();
      for (;;) {
        const identity = crypto.generateIdentity();
        if (snapshot?.swarmFor(identity.sessionId)?.id === swarmId) return identity;
      }
    },
    store(node, identity, text) {
      return rpc(node, 'store', {
        pubkey: identity.sessionId,
        timestamp: Date.now(),
        ttl: 3_600_000,
        data: Buffer.from(text).toString('base64'),
      });
    },
    async storedOn(node) {
      const health = (await (await httpsFetch(`https://127.0.0.1:${node.port}/health`)).json()) as {
        storedMessages: number;
      };
      return health.storedMessages;
    },
    async texts(node, identity) {
      const params = { pubkey: identity.sessionId, namespace: 0, timestamp: Date.now() };
      const signature = crypto.signRequest('retrieve', params, identity.ed25519.secretKey);
      const answer = await rpc(node, 'retrieve', {
        ...params,
        signature,
        pubkey_ed25519: bytesToHex(identity.ed25519.publicKey),
      });
      if (answer.status !== 200) {
        throw new Error(
          `retrieve on ${node.name}: ${answer.status} ${JSON.stringify(answer.body)}`,
        );
      }
      return (answer.body.messages as { data: string }[]).map((message) =>
        Buffer.from(message.data, 'base64').toString(),
      );
    },
    async close() {
      await Promise.all(nodes.map((node) => node.running?.close()));
      rmSync(root, { recursive: true, force: true });
    },
  };
  for (const swarmId of options.swarms) {
    const name = `node-${nodes.length + 1}`;
    const dataDir = join(root, name);
    mkdirSync(dataDir, { recursive: true });
    nodes.push({
      name,
      keys: createKeyFile(crypto, dataDir),
      dataDir,
      network: undefined as unknown as StaticNetworkView,
      running: undefined,
      swarmId,
      port: 0,
    });
  }
  for (const node of nodes) await run(node);
  publish();
  return cluster;
}
