/**
 * Node lists as oxend gives them (`get_n_service_nodes` / `get_service_nodes` at a seed, and
 * `oxend_request` `get_service_nodes` at a node), and the `active_nodes_bin` records Android and
 * libsession-util refresh their pool with: one selection and one encoder, used by the devnet
 * seed and by nodes alike.
 */
import { STORAGE_SERVER_VERSION } from './constants.js';
import { base64ToBytes, bytesToBase64, bytesToHex, hexToBytes } from './encoding.js';
import type { ServiceNodeState, ServiceNodesQuery } from './schemas/seed.js';

/** A registered node, as a node list needs it. */
export interface ListedServiceNode {
  /** Ed25519 key, hex. */
  ed25519: string;
  /** X25519 key, hex. */
  x25519: string;
  /** IPv4 address from its uptime proof (none yet: listed as `0.0.0.0`). */
  ip?: string | undefined;
  /** HTTPS storage port (none yet: 0). */
  storagePort?: number | undefined;
  /** Murmur's relay port. */
  relayPort?: number | undefined;
  /** Its swarm (the unassigned ID when in none). */
  swarmId: bigint;
  requestedUnlockHeight?: number | undefined;
  /** Active (not decommissioned); `active_only` keeps only these. */
  active: boolean;
}

/**
 * Which nodes a query selects, in oxend's way: `active_only` keeps active ones; `limit` N picks
 * N at random, a negative `limit` shuffles them all, none (or 0) keeps them all in order.
 * `random(n)` returns an integer in [0, n).
 */
export function selectServiceNodes<T extends { active: boolean }>(
  nodes: readonly T[],
  query: ServiceNodesQuery,
  random: (bound: number) => number,
): T[] {
  let out = query.active_only ? nodes.filter((node) => node.active) : [...nodes];
  if (query.limit === undefined) return out;
  const count = query.limit < 0 ? out.length : Math.min(query.limit, out.length);
  // Partial Fisher–Yates: the first `count` entries become a uniform random sample, shuffled.
  out = [...out];
  for (let i = 0; i < count; i++) {
    const j = i + random(out.length - i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out.slice(0, count);
}

/**
 * One node as oxend lists it, every field (then trimmed to `fields` when given).
 * `storage_lmq_port` is 0: Murmur nodes serve no QUIC/OMQ endpoint. `swarm_id` is a JSON number,
 * exact up to 2^53 (JavaScript cannot write a larger integer exactly); `swarm` is the exact hex.
 */
export function encodeServiceNodeState(
  node: ListedServiceNode,
  fields?: readonly string[],
): ServiceNodeState {
  const full: ServiceNodeState = {
    service_node_pubkey: node.ed25519,
    public_ip: node.ip ?? '0.0.0.0',
    storage_port: node.storagePort ?? 0,
    storage_lmq_port: 0,
    pubkey_x25519: node.x25519,
    pubkey_ed25519: node.ed25519,
    requested_unlock_height: node.requestedUnlockHeight ?? 0,
    active: node.active,
    funded: true,
    swarm_id: Number(node.swarmId),
    swarm: node.swarmId.toString(16),
    storage_server_version: [...STORAGE_SERVER_VERSION],
    relay_port: node.relayPort ?? 0,
  };
  if (fields === undefined) return full;
  const wanted = new Set(fields);
  return Object.fromEntries(
    Object.entries(full).filter(([key]) => wanted.has(key)),
  ) as ServiceNodeState;
}

/** The size of one `active_nodes_bin` record, bytes. */
export const ACTIVE_NODE_RECORD_BYTES = 51;

/**
 * `active_nodes_bin`: every active node with an address as 51-byte records, base64 (what
 * session-android's `ListSnodeApi` reads): Ed25519 key (32), swarm ID (u64 big-endian), IPv4 (4,
 * network order), HTTPS port (u16 BE), QUIC/OMQ port (u16 BE: 0 on Murmur, which serves none),
 * storage-server version (3 bytes).
 */
export function encodeActiveNodesBin(nodes: readonly ListedServiceNode[]): string {
  const listed = nodes.filter(
    (node) => node.active && node.ip !== undefined && (node.storagePort ?? 0) !== 0,
  );
  const out = new Uint8Array(listed.length * ACTIVE_NODE_RECORD_BYTES);
  const view = new DataView(out.buffer);
  listed.forEach((node, index) => {
    const at = index * ACTIVE_NODE_RECORD_BYTES;
    out.set(hexToBytes(node.ed25519, { length: 32, field: 'ed25519' }), at);
    view.setBigUint64(at + 32, node.swarmId, false);
    const octets = (node.ip as string).split('.').map(Number);
    out.set(octets, at + 40);
    view.setUint16(at + 44, node.storagePort as number, false);
    view.setUint16(at + 46, 0, false);
    out.set(STORAGE_SERVER_VERSION, at + 48);
  });
  return bytesToBase64(out);
}

/** Reads `active_nodes_bin` records back (tests, tools). */
export function decodeActiveNodesBin(base64: string): {
  ed25519: string;
  swarmId: bigint;
  ip: string;
  httpsPort: number;
  quicPort: number;
  version: [number, number, number];
}[] {
  const bytes = base64ToBytes(base64, { field: 'active_nodes_bin' });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  for (let at = 0; at + ACTIVE_NODE_RECORD_BYTES <= bytes.length; at += ACTIVE_NODE_RECORD_BYTES) {
    out.push({
      ed25519: bytesToHex(bytes.subarray(at, at + 32)),
      swarmId: view.getBigUint64(at + 32, false),
      ip: [...bytes.subarray(at + 40, at + 44)].join('.'),
      httpsPort: view.getUint16(at + 44, false),
      quicPort: view.getUint16(at + 46, false),
      version: [bytes[at + 48], bytes[at + 49], bytes[at + 50]] as [number, number, number],
    });
  }
  return out;
}
