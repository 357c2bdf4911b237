/**
 * The node's view of the network: the active service nodes with their addresses and keys, the
 * swarms they form, this node's own swarm, and whether the node is ready to serve.
 *
 * Two implementations: one follows the ledger through `@murmur/registry`
 * (`createRegistryNetworkView`), one reads a static list (`createStaticNetworkView`, for devnets
 * without a ledger, route tests and benchmarks). Both build a {@link NetworkSnapshot} per change.
 */

import { createSwarmIndex, type SwarmIndex } from '@murmur/swarm';
import { InvalidInputError } from '@murmur/wire';

/** An active service node as the node needs it. Keys are lower-case hex. */
export interface ServiceNodeInfo {
  /** Ed25519 public key (the node's identity). */
  ed25519: string;
  /** X25519 public key (onion layers are encrypted to it). */
  x25519: string;
  /** Public IPv4 address, from its last uptime proof; undefined until it sent one. */
  ip: string | undefined;
  /** Storage RPC port (HTTP). */
  storagePort: number | undefined;
  /** Relay port (WebSocket circuits), when known. */
  relayPort: number | undefined;
  /** Its swarm. */
  swarmId: bigint;
  /** Height at which it leaves after an unlock request (0 or absent: none). */
  requestedUnlockHeight?: number | undefined;
}

/** A swarm: its ID and members (sorted by Ed25519 key). */
export interface SwarmInfo {
  id: bigint;
  members: readonly ServiceNodeInfo[];
}

/** Whether the node may serve, and why not. */
export type NetworkState =
  | { state: 'starting'; reason: string; height?: number | undefined }
  | { state: 'not-active'; reason: string; height: number }
  | { state: 'ready'; height: number; swarm: SwarmInfo };

/** What changed, for listeners (the replication layer reacts to swarm changes). */
export interface NetworkChange {
  /** The snapshot before the change (undefined for the first one). */
  previous: NetworkSnapshot | undefined;
  /** The snapshot after it. */
  current: NetworkSnapshot;
}

/** The node's view of the network. Reads are synchronous and cheap (one snapshot per change). */
export interface NetworkView {
  /** This node's keys. */
  readonly self: { readonly ed25519: string; readonly x25519: string };
  /** Ready (following the ledger and active in a swarm), starting, or not active. */
  state(): NetworkState;
  /** The current snapshot, once the network is known (undefined before). */
  snapshot(): NetworkSnapshot | undefined;
  /** Calls `listener` after every new snapshot. Returns a function that unsubscribes. */
  onChange(listener: (change: NetworkChange) => void): () => void;
  /** Starts following (no-op for a static view). */
  start(): Promise<void>;
  /** Stops following and clears every timer. */
  stop(): Promise<void>;
}

/** The network at one height: lookups by key, by address and by pubkey. */
export interface NetworkSnapshot {
  /** Ledger height (0 for a static list). */
  readonly height: number;
  /** Every active node, sorted by Ed25519 key. */
  readonly nodes: readonly ServiceNodeInfo[];
  /** Every swarm by ID. */
  readonly swarms: ReadonlyMap<bigint, SwarmInfo>;
  /** An active node by Ed25519 key (lower-case hex), or undefined. */
  node(ed25519: string): ServiceNodeInfo | undefined;
  /** Whether an active node has this IPv4 address. */
  isNodeAddress(ip: string): boolean;
  /** The swarm an account pubkey (66 hex) belongs to; undefined when there is no swarm. */
  swarmFor(pubkey: string): SwarmInfo | undefined;
}

/** Builds a snapshot from the active nodes. Nodes without a swarm are left out of swarms. */
export function createNetworkSnapshot(
  nodes: readonly ServiceNodeInfo[],
  height: number,
): NetworkSnapshot {
  const sorted = [...nodes].sort((a, b) => (a.ed25519 < b.ed25519 ? -1 : 1));
  const byKey = new Map<string, ServiceNodeInfo>();
  const addresses = new Set<string>();
  const members = new Map<bigint, ServiceNodeInfo[]>();
  for (const node of sorted) {
    byKey.set(node.ed25519, node);
    if (node.ip !== undefined) addresses.add(node.ip);
    if (node.swarmId >= 2n ** 64n - 1n) continue;
    const list = members.get(node.swarmId);
    if (list === undefined) members.set(node.swarmId, [node]);
    else list.push(node);
  }
  const swarms = new Map<bigint, SwarmInfo>();
  for (const [id, list] of members) swarms.set(id, Object.freeze({ id, members: list }));
  const index: SwarmIndex | undefined =
    swarms.size === 0 ? undefined : createSwarmIndex([...swarms.keys()]);
  return Object.freeze({
    height,
    nodes: sorted,
    swarms,
    node: (ed25519: string) => byKey.get(ed25519.toLowerCase()),
    isNodeAddress: (ip: string) => addresses.has(ip),
    swarmFor(pubkey: string): SwarmInfo | undefined {
      if (index === undefined) return undefined;
      return swarms.get(index.swarmFor(pubkey));
    },
  });
}

/** The state of `self` in a snapshot. */
export function stateOf(snapshot: NetworkSnapshot, self: string): NetworkState {
  const own = snapshot.node(self);
  if (own === undefined) {
    return {
      state: 'not-active',
      reason: 'this node is not an active registered service node',
      height: snapshot.height,
    };
  }
  const swarm = snapshot.swarms.get(own.swarmId);
  if (swarm === undefined) {
    return {
      state: 'not-active',
      reason: 'this node is active but has no swarm yet',
      height: snapshot.height,
    };
  }
  return { state: 'ready', height: snapshot.height, swarm };
}

/** A small listener set shared by the implementations. */
export function createChangeEmitter(): {
  emit(change: NetworkChange): void;
  on(listener: (change: NetworkChange) => void): () => void;
} {
  const listeners = new Set<(change: NetworkChange) => void>();
  return {
    emit(change) {
      for (const listener of listeners) listener(change);
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const HEX_KEY = /^[0-9a-f]{64}$/;

/** Checks an Ed25519 or X25519 key given as hex; returns it lower-cased. */
export function requireHexKey(value: unknown, field: string): string {
  if (typeof value !== 'string' || !HEX_KEY.test(value.toLowerCase())) {
    throw new InvalidInputError(`${field} must be 64 hex characters`, { details: { field } });
  }
  return value.toLowerCase();
}
