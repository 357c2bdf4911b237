/**
 * The launcher: builds every component from the configuration (keys, store, network view,
 * metrics, limiter, shedder, peer network, replicator, dispatcher, onion handler, swarm sync),
 * serves the app and the peer links on the storage port, starts the timers, and shuts
 * everything down in order on `close()`: stop the uptime proofs and the swarm sync, close the
 * peer links (1001), stop accepting and finish in-flight requests, stop the follower and the
 * sweeper, close the database.
 */
import { readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { createRegistryFollower, type GenesisConfig, type Version } from '@murmur/registry';
import type { EvmLedgerSource } from '@murmur/registry/evm';
import {
  type HttpLedgerSource,
  httpLedgerSource,
  type WebSocketConstructor,
} from '@murmur/registry/ledger-http';
import { bytesToHex, HARDFORK, type Logger } from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { ConfigError } from '@murmur/wire/program';
import { MONITOR_PATH, STORAGE_SERVER_VERSION } from '@murmur/wire/server';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyHttpsOptions,
  type FastifyInstance,
} from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import WebSocket from 'ws';
import { appServerOptions, murmurNodeApp } from './app.js';
import {
  createNodeQuorum,
  DEVNET_QUORUM_TIMINGS,
  type NodeQuorumTimings,
  quorumRoutes,
} from './chain-quorum.js';
import type { NodeConfig } from './config.js';
import { createConnectionGuard } from './connection-guard.js';
import { loadKeyFile, type NodeKeys } from './keys.js';
import { createNodeMetrics, rpcObserver } from './metrics.js';
import {
  createMonitorServer,
  type MonitorServer,
  type MonitorServerInit,
} from './monitor/monitor-server.js';
import type { NetworkView } from './network/network-view.js';
import { createRegistryNetworkView } from './network/registry-network.js';
import { createStaticNetworkView, readStaticNetworkFile } from './network/static-network.js';
import { createCryptoOffload } from './offload/crypto-offload.js';
import {
  createHttpOnionForwarder,
  createPeerOnionForwarder,
  serveRelayedOnionRequests,
} from './onion/forwarder.js';
import { createOnionHandler } from './onion/handler.js';
import { createHttpOnionProxy } from './onion/proxy.js';
import { createPeerNetwork, type PeerNetwork, type PeerNetworkInit } from './peers/peer-network.js';
import { createRateLimiter } from './rate-limit.js';
import { createPeerReplicator, serveForwardedRequests } from './replication/peer-replicator.js';
import { createSwarmSync, type SwarmSync, type SwarmSyncInit } from './replication/swarm-sync.js';
import { createKeyPairCache, type RpcContext } from './rpc/context.js';
import { createRpcDispatcher } from './rpc/dispatcher.js';
import type { ReplicatedRequest, SwarmReplicator } from './rpc/replicator.js';
import { createLoadShedder } from './shedding.js';
import { createExpirySweeper } from './storage/expiry-sweeper.js';
import { type MessageStore, openMessageStore } from './storage/message-store.js';
import { loadOrCreateTlsCredentials } from './tls.js';
import { createUptimeProver, type UptimeProver } from './uptime.js';

/** The database file's name inside the data directory. */
export const DATABASE_FILE_NAME = 'storage.db';

/** This package's version, from its package.json. */
export function softwareVersion(): string {
  try {
    const url = new URL('../package.json', import.meta.url);
    const manifest = JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** A semantic version as the `[major, minor, patch]` uptime proofs carry. */
export function versionTuple(version: string): Version {
  const parts = version
    .split(/[.+-]/)
    .slice(0, 3)
    .map((part) => Number.parseInt(part, 10));
  const [major = 0, minor = 0, patch = 0] = parts.map((n) => (Number.isFinite(n) ? n : 0));
  return [major, minor, patch];
}

/** Whether this node still holds the message of a forwarded `store` (its retries stop if not). */
function storeStillHeld(
  crypto: MurmurCrypto,
  store: MessageStore,
  request: ReplicatedRequest,
): boolean {
  const { namespace, data } = request.raw as { namespace?: unknown; data?: unknown };
  if (typeof data !== 'string') return false;
  const hash = crypto.messageHash(
    request.pubkey,
    typeof namespace === 'number' ? namespace : 0,
    Buffer.from(data, 'base64'),
  );
  return store.hasMessage(hash);
}

/** A started node. */
/** Where a node following an EVM chain keeps its checkpoint, in the data directory. */
export const EVM_CHECKPOINT_FILE_NAME = 'evm-checkpoint.json';

export interface RunningNode {
  readonly app: FastifyInstance;
  readonly keys: NodeKeys;
  readonly network: NetworkView;
  /** The storage port (useful with `port: 0`): HTTPS, unless `plainHttp`. */
  readonly port: number;
  /** `https` (the default) or `http` (`plainHttp`, benchmarks): how the storage port speaks. */
  readonly scheme: 'https' | 'http';
  /** The extra plain-HTTP port (`httpPort`), when on. */
  readonly httpPort: number | undefined;
  /** SHA-256 fingerprint of the node's TLS certificate (self-signed, derived from its key). */
  readonly tlsFingerprint: string;
  /** The peer links (`/peer/v1` on the storage port). */
  readonly peers: PeerNetwork;
  /** Catch-up, pushes to new members, moves between swarms. */
  readonly sync: SwarmSync;
  /** Monitor subscriptions (`/monitor/v1` on the storage port). */
  readonly monitor: MonitorServer;
  /** Shuts down in order; resolves when everything is closed. Safe to call twice. */
  close(): Promise<void>;
}

/** Extra components and settings (tests, benchmarks). */
export interface StartNodeComponents {
  logger: PinoLogger;
  crypto?: MurmurCrypto | undefined;
  /** Swarm replication (default: over peer links to the other members). */
  replicator?: SwarmReplicator | undefined;
  /** The network view instead of the one the configuration names (tests). */
  network?: NetworkView | undefined;
  /** Peer link settings (heartbeat, timeouts, back-off). */
  peerInit?: PeerNetworkInit | undefined;
  /** Swarm sync settings (the catch-up interval comes from the configuration). */
  syncInit?: SwarmSyncInit | undefined;
  /** Uptime-quorum timings on an EVM ledger (default: the devnet's with `devnet`, else 10 min). */
  quorumTimings?: NodeQuorumTimings | undefined;
  /** Monitor endpoint limits (tests). */
  monitorInit?: MonitorServerInit | undefined;
}

/** Starts a node from its configuration. */
export async function startNode(
  config: NodeConfig,
  components: StartNodeComponents,
): Promise<RunningNode> {
  const pino = components.logger;
  const logger = pino as unknown as Logger;
  if (
    config.ledgerUrl === undefined &&
    config.chainUrl === undefined &&
    config.networkFile === undefined &&
    components.network === undefined
  ) {
    throw new ConfigError(
      'give --ledger-url (the devnet ledger to follow), --chain and --contract (the staking contract on an EVM chain) or --network-file (a static network for devnets and tests)',
    );
  }
  if (config.chainUrl !== undefined && config.contract === undefined) {
    throw new ConfigError('--chain needs --contract (the staking contract address on that chain)');
  }
  const crypto = components.crypto ?? (await loadCrypto());
  const keys = loadKeyFile(crypto, config.dataDir);
  const version = softwareVersion();
  logger.info(
    { node: keys.ed25519Hex, version, dataDir: config.dataDir, crypto: crypto.backend },
    'murmur-node starting',
  );
  if (crypto.backend !== 'native') {
    logger.warn(
      'the native crypto addon (sodium-native) did not load: the WebAssembly build runs instead, 2-5 times slower',
    );
  }

  const store = openMessageStore(
    {
      path: join(config.dataDir, DATABASE_FILE_NAME),
      sync: config.sync,
      sizeLimitBytes: config.storageLimit,
    },
    { logger: logger.child({ component: 'store' }) },
  );
  const metrics = createNodeMetrics({ processMetrics: true, storeFigures: () => store.stats() });
  const sweeper = createExpirySweeper(
    {},
    {
      store,
      logger,
      onSwept: (count) => {
        metrics.expiredMessages.inc(count);
        logger.debug({ count }, 'expired messages deleted');
      },
    },
  );

  let network: NetworkView;
  let ledger: HttpLedgerSource | undefined;
  let chainSource: EvmLedgerSource | undefined;
  let genesis: () => GenesisConfig | undefined = () => undefined;
  const self = { ed25519: keys.ed25519Hex, x25519: keys.x25519Hex };
  if (components.network !== undefined) {
    network = components.network;
  } else if (config.networkFile !== undefined) {
    const file = readStaticNetworkFile(config.networkFile, (hex) =>
      bytesToHex(crypto.ed25519PublicKeyToX25519(Buffer.from(hex, 'hex'))),
    );
    network = createStaticNetworkView({ self, nodes: file.nodes, height: file.height });
  } else if (config.chainUrl !== undefined) {
    // The staking contract on an EVM chain is the ledger: the same follower and swarms. Loaded
    // only here (viem is large, and a node following the devnet ledger never needs it).
    const { createEvmLedgerSource, fileCheckpointStore } = await import('@murmur/registry/evm');
    chainSource = createEvmLedgerSource(
      {
        rpcUrl: config.chainUrl,
        contract: config.contract as `0x${string}`,
        deploymentBlock: BigInt(config.deploymentBlock),
        confirmations: config.confirmations,
        requirePublicIp: !config.devnet,
        checkpoint: fileCheckpointStore(join(config.dataDir, EVM_CHECKPOINT_FILE_NAME)),
      },
      { crypto, logger: logger.child({ component: 'chain' }) },
    );
    const follower = createRegistryFollower(
      // Blocks derived locally from the chain: their transactions carry no signatures.
      { source: chainSource, applyOptions: { verifySignatures: false } },
      { crypto, logger: logger.child({ component: 'follower' }) },
    );
    genesis = () => follower.genesis;
    network = createRegistryNetworkView({ self }, { follower, logger });
  } else {
    ledger = httpLedgerSource(
      { url: config.ledgerUrl as string },
      {
        WebSocket: WebSocket as unknown as WebSocketConstructor,
        logger: logger.child({ component: 'ledger' }),
      },
    );
    const follower = createRegistryFollower(
      { source: ledger },
      { crypto, logger: logger.child({ component: 'follower' }) },
    );
    genesis = () => follower.genesis;
    network = createRegistryNetworkView({ self }, { follower, logger });
  }

  const workers =
    config.cryptoWorkers >= 0
      ? config.cryptoWorkers
      : Math.min(4, Math.max(0, availableParallelism() - 1));
  const cryptoJobs = {
    'event-loop': metrics.cryptoJobs.labels('event-loop'),
    worker: metrics.cryptoJobs.labels('worker'),
  };
  // A job refused for waiting too long is a shed request.
  const offload = createCryptoOffload(
    { workers },
    {
      crypto,
      keys,
      logger,
      onRefused: (lane) => metrics.shed.inc({ reason: `crypto-queue-${lane}` }),
      // Jobs run on the event loop while it is on time (the shedder, created below, samples it).
      loopDelayMs: () => shedder.eventLoopDelayMs(),
      onJobs: (thread, count) => cryptoJobs[thread].inc(count),
    },
  );
  const tls = loadOrCreateTlsCredentials(crypto, keys, config.dataDir);
  const scheme = config.plainHttp ? 'http' : 'https';
  // Node-to-node HTTP (the onion fallback when no peer link is open): no certificate checks.
  const nodeFetch = createNodeFetch();
  // Peers accept links only from the address the registry lists for a key: a node bound to one
  // address dials from it.
  const dialFrom =
    config.listen === '0.0.0.0' || config.listen === '::' ? undefined : config.listen;
  const peers = createPeerNetwork(
    {
      tls: !config.plainHttp,
      localAddress: dialFrom,
      otherUpgradePaths: [MONITOR_PATH],
      ...components.peerInit,
    },
    {
      keys,
      crypto,
      network,
      logger,
      metrics,
    },
  );
  const peerReplicator = createPeerReplicator(
    {},
    {
      peers,
      network,
      logger,
      metrics,
      stillHeld: (request) => storeStillHeld(crypto, store, request),
    },
  );
  const monitor = createMonitorServer(components.monitorInit ?? {}, {
    keys,
    crypto,
    network,
    store,
    logger,
    registry: metrics.registry,
  });
  const context: RpcContext = {
    store,
    network,
    keys,
    crypto,
    clock: { now: () => Date.now() },
    logger: logger.child({ component: 'rpc' }),
    replicator: components.replicator ?? peerReplicator,
    hardfork: HARDFORK,
    version: STORAGE_SERVER_VERSION,
    ownerKeyCache: createKeyPairCache(),
    offload,
  };
  const dispatcher = createRpcDispatcher(context, {
    validateResponses: config.validateResponses,
    observe: rpcObserver(metrics),
  });
  const onion = createOnionHandler({
    context,
    dispatcher,
    forwarder: createPeerOnionForwarder(
      {},
      { peers, fallback: createHttpOnionForwarder({ scheme }, { fetch: nodeFetch }) },
    ),
    proxy: createHttpOnionProxy({ allowPrivateTargets: config.devnet }),
    metrics,
  });
  const guard = createConnectionGuard(
    {
      maxConnections: config.maxConnections,
      maxPendingHandshakes: config.maxPendingHandshakes,
      // A handshake pending longer than the admission's wait could not be admitted in time.
      staleHandshakeMs: config.maxQueueWait > 0 ? config.maxQueueWait : undefined,
      // Arrivals count the wait in the kernel while the loop was busy (the shedder's tick; the
      // shedder is created just below and started before the port listens).
      loopWaitMs: () => shedder.loopWaitMs(),
    },
    {
      onRefused: (reason) => metrics.shed.inc({ reason }),
      // Registered nodes (peer links, forwarded requests) are never refused a handshake slot.
      exempt: (address) =>
        address !== undefined && (network.snapshot()?.isNodeAddress(address) ?? false),
    },
  );
  const shedder = createLoadShedder({
    maxEventLoopDelayMs: config.maxEventLoopDelay,
    maxInFlight: config.maxInFlight,
    maxQueueDelayMs: config.maxQueueDelay,
    maxWaitMs: config.maxQueueWait,
    queued: guard.requestsInProgress,
    backlogWaitMs: offload.oldestWaitMs,
  });
  // Copies other members forward have their own budget: never shed by the client admission,
  // their crypto jobs in the offload's peer lane (served first, a longer wait bound).
  const forwardedDispatcher = createRpcDispatcher(
    { ...context, offload: offload.forPeers() },
    { validateResponses: config.validateResponses, observe: rpcObserver(metrics) },
  );
  serveForwardedRequests({ peers, network, dispatcher: forwardedDispatcher });
  serveRelayedOnionRequests({ peers, onion, shedder });
  const sync = createSwarmSync(
    { catchUpIntervalMs: config.catchUpInterval, ...components.syncInit },
    { store, network, peers, crypto, logger, metrics },
  );
  // On an EVM ledger the nodes judge uptime themselves and deregister through the contract.
  const chainQuorum =
    chainSource === undefined
      ? undefined
      : await createNodeQuorum(
          {
            rpcUrl: config.chainUrl as string,
            contract: config.contract as `0x${string}`,
            scheme,
            timings: components.quorumTimings ?? (config.devnet ? DEVNET_QUORUM_TIMINGS : {}),
          },
          {
            keys,
            crypto,
            network,
            fetch: nodeFetch,
            logger: logger.child({ component: 'quorum' }),
          },
        );
  const rateLimiter = config.rateLimit
    ? createRateLimiter({ perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst })
    : undefined;

  const appOptions = {
    context,
    dispatcher,
    metrics,
    onion,
    rateLimiter,
    shedder,
    softwareVersion: version,
    arrivedAt: guard.arrivedAt,
  };
  const serverOptions = {
    ...appServerOptions(),
    loggerInstance: pino as FastifyBaseLogger,
    // Headers, request and keep-alive timeouts: the connection guard sets them.
    connectionTimeout: 120_000,
    trustProxy: false,
  };
  // The storage port: HTTPS with the node's self-signed certificate (Session clients speak
  // HTTPS to it), or plain HTTP with `plainHttp` (benchmarks, tests). The connection guard's
  // limits apply to both before any body is read.
  const app = config.plainHttp
    ? Fastify(serverOptions)
    : (Fastify({
        ...serverOptions,
        // A handshake without progress this long is abandoned (Node's default is 120 s): its
        // request could not be served within the bound from the connection's acceptance.
        https: { key: tls.key, cert: tls.cert, handshakeTimeout: config.handshakeTimeout },
      } as unknown as FastifyHttpsOptions<
        HttpsServer,
        FastifyBaseLogger
      >) as unknown as FastifyInstance);
  app.addHook('onRequest', guard.onRequest);
  guard.attach(app.server);
  await app.register(murmurNodeApp, appOptions);
  if (chainQuorum !== undefined) await app.register(quorumRoutes, { quorum: chainQuorum.quorum });
  // The same routes over plain HTTP on a second port, when asked (benchmarks comparing).
  let plain: FastifyInstance | undefined;
  if (config.httpPort !== 0) {
    plain = Fastify(serverOptions);
    plain.addHook('onRequest', guard.onRequest);
    guard.attach(plain.server);
    await plain.register(murmurNodeApp, appOptions);
  }

  let uptime: UptimeProver | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      logger.info('shutting down: no new requests, finishing the ones in flight');
      uptime?.stop();
      await chainQuorum?.quorum.stop();
      await sync.stop();
      peerReplicator.stop();
      await monitor.stop();
      // Peer links first: an upgraded socket would keep the HTTP server from closing.
      await peers.stop();
      try {
        await Promise.all([app.close(), plain?.close()]);
      } catch (error) {
        logger.warn({ err: error }, 'closing the HTTP server failed');
      }
      nodeFetch.close();
      await offload.stop();
      await network.stop();
      ledger?.stop();
      await chainSource?.stop();
      sweeper.stop();
      shedder.stop();
      store.close();
      logger.info('murmur-node stopped');
    })();
    return closing;
  };

  try {
    await app.listen({ host: config.listen, port: config.port, backlog: config.listenBacklog });
    await plain?.listen({
      host: config.listen,
      port: config.httpPort,
      backlog: config.listenBacklog,
    });
  } catch (error) {
    await peers.stop();
    await offload.stop();
    await Promise.all([app.close(), plain?.close()]);
    nodeFetch.close();
    store.close();
    throw error;
  }
  const port = (app.server.address() as AddressInfo).port;
  const httpPort = plain === undefined ? undefined : (plain.server.address() as AddressInfo).port;
  sweeper.start();
  shedder.start();
  peers.attach(app.server);
  peers.start();
  monitor.attach(app.server);
  monitor.start();
  chainSource?.start();
  await network.start();
  sync.start();
  if (chainSource !== undefined) {
    logger.info(
      { chain: config.chainUrl, contract: config.contract, submitter: chainQuorum?.submitter },
      'following the staking contract: uptime is judged by the nodes, no uptime proofs go on chain; fund the submitter address with gas to submit deregistrations',
    );
    chainQuorum?.quorum.start();
  }
  if (ledger !== undefined) {
    if (config.publicIp === undefined) {
      logger.warn(
        'no --public-ip: uptime proofs are off, so the network cannot learn where this node is',
      );
    } else {
      uptime = createUptimeProver(
        {
          ip: config.publicIp,
          storagePort: port,
          relayPort: config.relayPort,
          version: versionTuple(version),
        },
        { source: ledger, genesis, keys, crypto, logger, metrics },
      );
      uptime.start();
    }
  }
  logger.info(
    {
      listen: config.listen,
      port,
      scheme,
      httpPort,
      tls: tls.fingerprint256,
      cryptoWorkers: workers,
    },
    'murmur-node listening',
  );
  return {
    app,
    keys,
    network,
    port,
    scheme,
    httpPort,
    tlsFingerprint: tls.fingerprint256,
    peers,
    sync,
    monitor,
    close,
  };
}
