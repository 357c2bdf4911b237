/**
 * Test harness: a node's RPC context over a real SQLite store in a temporary directory and a
 * static network of two swarms, plus client-side helpers that sign requests like Session
 * clients do.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Identity,
  loadCrypto,
  type MurmurCrypto,
  type SignedRequestMethod,
} from '@murmur/crypto';
import { bytesToHex, HARDFORK, silentLogger } from '@murmur/wire';
import { STORAGE_SERVER_VERSION } from '@murmur/wire/server';
import type { FastifyInstance } from 'fastify';
import { buildApp, type MurmurNodeAppOptions } from '../app.js';
import { type NodeKeys, nodeKeysFromSeed } from '../keys.js';
import { createNodeMetrics, type NodeMetrics, rpcObserver } from '../metrics.js';
import type { ServiceNodeInfo } from '../network/network-view.js';
import { createStaticNetworkView, type StaticNetworkView } from '../network/static-network.js';
import { createKeyPairCache, type RpcContext } from '../rpc/context.js';
import { createRpcDispatcher, type RpcDispatcher } from '../rpc/dispatcher.js';
import { localOnlyReplicator, type SwarmReplicator } from '../rpc/replicator.js';
import { type MessageStore, openMessageStore } from '../storage/message-store.js';

/** The swarm this node is in. */
export const OWN_SWARM = 0x2000_0000_0000_0000n;
/** Another swarm. */
export const OTHER_SWARM = 0xa000_0000_0000_0000n;
/** A fixed clock for tests, ms. */
export const TEST_NOW = 1_800_000_000_000;

let cryptoPromise: Promise<MurmurCrypto> | undefined;

/** One crypto instance for the whole test file. */
export function testCrypto(): Promise<MurmurCrypto> {
  cryptoPromise ??= loadCrypto();
  return cryptoPromise;
}

/** A deterministic 32-byte seed. */
export function seedOf(n: number): Uint8Array {
  return new Uint8Array(32).fill(n);
}

/** A node of the test network. */
export function nodeInfo(keys: NodeKeys, swarmId: bigint, port: number): ServiceNodeInfo {
  return {
    ed25519: keys.ed25519Hex,
    x25519: keys.x25519Hex,
    ip: '127.0.0.1',
    storagePort: port,
    relayPort: port + 1,
    swarmId,
  };
}

/** What {@link createHarness} returns. */
export interface Harness {
  crypto: MurmurCrypto;
  keys: NodeKeys;
  /** The other five nodes' keys, in seed order (with the default self: 2 in this node's swarm, then 3 in the other). */
  peers: NodeKeys[];
  network: StaticNetworkView;
  store: MessageStore;
  clock: { now: () => number; set(ms: number): void };
  context: RpcContext;
  dispatcher: RpcDispatcher;
  directory: string;
  /** A Session-ID account (05) whose pubkey maps to `swarm`. */
  account(swarm?: bigint): Identity;
  /** A group account (03 + Ed25519 key) whose pubkey maps to `swarm`. */
  group(swarm?: bigint): { pubkey: string; secretKey: Uint8Array; publicKey: Uint8Array };
  /** Signs params for `method` with an identity: adds `signature` and, for 05, `pubkey_ed25519`. */
  sign(
    method: SignedRequestMethod,
    identity: Identity,
    params: Record<string, unknown>,
  ): Record<string, unknown> & { signature: string; pubkey_ed25519: string };
  close(): void;
}

/** Options of {@link createHarness}. */
export interface HarnessOptions {
  replicator?: SwarmReplicator | undefined;
  sizeLimitBytes?: number | undefined;
  /** Start with this node outside every swarm (not ready). */
  notActive?: boolean | undefined;
  /** Which of the six test nodes (seeds 1 to 6) this node is; 1 to 3 form OWN_SWARM. */
  self?: number | undefined;
}

/** Builds a node context with a real store in a temporary directory. */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const crypto = await testCrypto();
  const selfIndex = options.self ?? 1;
  const all = [1, 2, 3, 4, 5, 6].map((n) => nodeKeysFromSeed(crypto, seedOf(n)));
  const keys = all[selfIndex - 1] as NodeKeys;
  const peers = all.filter((_, index) => index !== selfIndex - 1);
  const nodes: ServiceNodeInfo[] = all.flatMap((nodeKeys, index) => {
    if (index === selfIndex - 1 && options.notActive) return [];
    return [nodeInfo(nodeKeys, index < 3 ? OWN_SWARM : OTHER_SWARM, 20_000 + index * 10)];
  });
  const network = createStaticNetworkView({
    self: { ed25519: keys.ed25519Hex, x25519: keys.x25519Hex },
    nodes,
    height: 10,
  });
  const directory = mkdtempSync(join(tmpdir(), 'murmur-node-test-'));
  const store = openMessageStore({
    path: join(directory, 'storage.db'),
    sizeLimitBytes: options.sizeLimitBytes,
  });
  let now = TEST_NOW;
  const clock = {
    now: () => now,
    set(ms: number) {
      now = ms;
    },
  };
  const context: RpcContext = {
    store,
    network,
    keys,
    crypto,
    clock,
    logger: silentLogger(),
    replicator: options.replicator ?? localOnlyReplicator,
    hardfork: HARDFORK,
    version: STORAGE_SERVER_VERSION,
    ownerKeyCache: createKeyPairCache(),
  };
  const dispatcher = createRpcDispatcher(context, { validateResponses: true });

  function swarmOf(pubkey: string): bigint | undefined {
    return network.snapshot()?.swarmFor(pubkey)?.id;
  }

  return {
    crypto,
    keys,
    peers,
    network,
    store,
    clock,
    context,
    dispatcher,
    directory,
    account(swarm = OWN_SWARM) {
      for (;;) {
        const identity = crypto.generateIdentity();
        if (swarmOf(identity.sessionId) === swarm) return identity;
      }
    },
    group(swarm = OWN_SWARM) {
      for (;;) {
        const pair = crypto.ed25519KeyPairFromSeed(crypto.randomBytes(32));
        const pubkey = `03${bytesToHex(pair.publicKey)}`;
        if (swarmOf(pubkey) === swarm) return { pubkey, ...pair };
      }
    },
    sign(method, identity, params) {
      const signature = crypto.signRequest(method, params, identity.ed25519.secretKey);
      return {
        ...params,
        signature,
        pubkey_ed25519: bytesToHex(identity.ed25519.publicKey),
      };
    },
    close() {
      store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Builds the HTTP app over a harness (route tests use `app.inject`). */
export async function buildTestApp(
  h: Harness,
  extra: Partial<MurmurNodeAppOptions> = {},
): Promise<{ app: FastifyInstance; metrics: NodeMetrics }> {
  const metrics = createNodeMetrics({ storeFigures: () => h.store.stats() });
  const dispatcher = createRpcDispatcher(h.context, {
    validateResponses: true,
    observe: rpcObserver(metrics),
  });
  const app = await buildApp({ context: h.context, dispatcher, metrics, ...extra });
  return { app, metrics };
}
