/**
 * Where the client learns which service nodes exist: seed endpoints (`get_n_service_nodes`),
 * or a ledger it follows itself (the registry rules run locally, so it also knows every swarm
 * without asking a node). Both keep the last list in memory; the onion path manager persists
 * its own copy.
 */
import type { CircuitRelay } from '@murmur/circuits';
import type { MurmurCrypto } from '@murmur/crypto';
import { fetchSeedNodes, type OnionNode } from '@murmur/onion';
import {
  activeNodes,
  createRegistryFollower,
  type LedgerSource,
  type RegistryFollower,
  type RegistryState,
  swarms as registrySwarms,
} from '@murmur/registry';
import { createSwarmIndex, type SwarmId, swarmIdToHex } from '@murmur/swarm';
import {
  AbortError,
  type AbortOptions,
  type Clock,
  InvalidInputError,
  type Logger,
  MurmurError,
  throwIfAborted,
  UpstreamFailedError,
} from '@murmur/wire';
import { errorText } from './transport.js';

/** A swarm the directory computed itself. */
export interface DirectorySwarm {
  members: OnionNode[];
  swarmId: string;
}

/** The source of the node list. */
export interface NodeDirectory {
  /** `seeds` or `ledger`. */
  readonly kind: 'seeds' | 'ledger';
  /** The nodes known now (may be empty before the first refresh). */
  nodes(): OnionNode[];
  /**
   * The relays known now: the nodes that registered a relay port (keys, IP and that port), for
   * circuits. Empty before the first refresh and when no node runs a relay.
   */
  relays(): CircuitRelay[];
  /** Fetches a fresh list and returns it. */
  refresh(options?: AbortOptions): Promise<OnionNode[]>;
  /** The swarm of `pubkey`, when the directory can compute it (ledger mode only). */
  swarmFor(pubkey: string): DirectorySwarm | undefined;
  /** Calls `listener` when the list changes on its own (ledger blocks); returns the unsubscribe. */
  onChange(listener: (nodes: OnionNode[]) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link createSeedDirectory}. */
export interface SeedDirectoryInit {
  /** Seed URLs, such as `http://127.0.0.1:38157/json_rpc`. */
  seeds: readonly string[];
  /** Time limit per seed, ms (default 15 s). */
  timeoutMs?: number;
}

/** Checks seed URLs: absolute http(s) URLs. */
export function checkSeedUrls(seeds: unknown): string[] {
  if (!Array.isArray(seeds) || seeds.length === 0) {
    throw new InvalidInputError('client: `seeds` must be a non-empty array of seed URLs');
  }
  return seeds.map((seed, index) => {
    let url: URL;
    try {
      url = new URL(String(seed));
    } catch (cause) {
      throw new InvalidInputError(`client: seeds[${index}] is not a URL`, { cause });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidInputError(`client: seeds[${index}] must be an http or https URL`);
    }
    return url.toString();
  });
}

/** The node list from seed endpoints, each tried in random order until one answers. */
export function createSeedDirectory(
  init: SeedDirectoryInit,
  components: { fetch: typeof fetch; logger: Logger; random: () => number },
): NodeDirectory {
  const seeds = checkSeedUrls(init.seeds);
  const logger = components.logger.child({ component: 'seeds' });
  let current: OnionNode[] = [];
  let relays: CircuitRelay[] = [];
  return {
    kind: 'seeds',
    nodes: () => [...current],
    relays: () => relays.map((relay) => ({ ...relay })),
    async refresh(options = {}) {
      const order = [...seeds]
        .map((seed) => ({ seed, key: components.random() }))
        .sort((a, b) => a.key - b.key)
        .map((item) => item.seed);
      let lastError: unknown;
      for (const url of order) {
        throwIfAborted(options.signal);
        try {
          const init2 = init.timeoutMs === undefined ? { url } : { url, timeoutMs: init.timeoutMs };
          const { nodes } = await fetchSeedNodes(init2, { fetch: components.fetch }, options);
          if (nodes.length === 0) throw new UpstreamFailedError(`seed ${url} lists no nodes`);
          current = nodes.map(({ ed25519, x25519, ip, port }) => ({ ed25519, x25519, ip, port }));
          relays = nodes.flatMap(({ ed25519, x25519, ip, relayPort }) =>
            relayPort === undefined ? [] : [{ ed25519, x25519, ip, port: relayPort }],
          );
          logger.debug({ nodes: current.length }, 'client: node list from a seed');
          return [...current];
        } catch (error) {
          if (error instanceof AbortError || options.signal?.aborted) throw error;
          lastError = error;
          logger.debug({ seed: url, err: errorText(error) }, 'client: a seed failed');
        }
      }
      throw new UpstreamFailedError(
        `no seed answered (${seeds.length} tried)${lastError === undefined ? '' : `: ${errorText(lastError)}`}`,
        { cause: lastError },
      );
    },
    swarmFor: () => undefined,
    onChange: () => () => undefined,
    async start() {},
    async stop() {},
  };
}

/** The node list and swarms from a ledger the client follows. */
export function createLedgerDirectory(
  init: { ledger: LedgerSource; pollIntervalMs?: number },
  components: { crypto: MurmurCrypto; logger: Logger; clock: Clock },
): NodeDirectory {
  const logger = components.logger.child({ component: 'ledger' });
  const follower: RegistryFollower = createRegistryFollower(
    init.pollIntervalMs === undefined
      ? { source: init.ledger }
      : { source: init.ledger, pollIntervalMs: init.pollIntervalMs },
    { crypto: components.crypto, logger: components.logger, clock: components.clock },
  );
  const listeners = new Set<(nodes: OnionNode[]) => void>();
  let view: { nodes: OnionNode[]; index: ReturnType<typeof createSwarmIndex> | undefined } = {
    nodes: [],
    index: undefined,
  };
  let swarmMembers = new Map<SwarmId, OnionNode[]>();
  let relays: CircuitRelay[] = [];
  let lastKey = '';

  const update = (state: RegistryState): void => {
    const byKey = new Map<string, OnionNode>();
    const nextRelays: CircuitRelay[] = [];
    for (const record of activeNodes(state)) {
      if (record.ip === undefined || record.storagePort === undefined) continue;
      if (record.ip === '0.0.0.0' || record.storagePort === 0) continue;
      if (record.relayPort !== undefined && record.relayPort !== 0) {
        nextRelays.push({
          ed25519: record.ed25519,
          x25519: record.x25519,
          ip: record.ip,
          port: record.relayPort,
          operator: record.operator,
        });
      }
      byKey.set(record.ed25519, {
        ed25519: record.ed25519,
        x25519: record.x25519,
        ip: record.ip,
        port: record.storagePort,
      });
    }
    const members = new Map<SwarmId, OnionNode[]>();
    for (const [id, keys] of registrySwarms(state)) {
      const nodes = keys
        .map((key) => byKey.get(key))
        .filter((n): n is OnionNode => n !== undefined);
      if (nodes.length > 0) members.set(id, nodes);
    }
    const nodes = [...byKey.values()];
    const key = nodes.map((n) => `${n.ed25519}@${n.ip}:${n.port}`).join(',');
    swarmMembers = members;
    relays = nextRelays;
    view = { nodes, index: members.size === 0 ? undefined : createSwarmIndex([...members.keys()]) };
    if (key === lastKey) return;
    lastKey = key;
    for (const listener of [...listeners]) {
      try {
        listener([...nodes]);
      } catch (error) {
        logger.warn({ err: errorText(error) }, 'client: a node-list listener threw');
      }
    }
  };

  follower.on('state', update);
  follower.on('error', (error) => {
    logger.debug(
      { err: MurmurError.isInstance(error) ? error.message : String(error) },
      'client: ledger follower error',
    );
  });

  return {
    kind: 'ledger',
    nodes: () => [...view.nodes],
    relays: () => relays.map((relay) => ({ ...relay })),
    async refresh(options = {}) {
      await follower.sync(options);
      if (follower.state !== undefined) update(follower.state);
      return [...view.nodes];
    },
    swarmFor(pubkey) {
      if (view.index === undefined) return undefined;
      const id = view.index.swarmFor(pubkey);
      const members = swarmMembers.get(id);
      if (members === undefined) return undefined;
      return { members: members.map((node) => ({ ...node })), swarmId: swarmIdToHex(id) };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      await follower.start();
    },
    async stop() {
      await follower.stop();
    },
  };
}
