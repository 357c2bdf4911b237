/**
 * Swarms as the storage RPC lists them (`get_swarm` and 421 answers), in Session's shape:
 * `{snodes: [{address, pubkey_legacy, pubkey_x25519, pubkey_ed25519, port, port_https, ip}],
 * swarm: "<hex id>"}` (no `port_omq` / `port_quic`: Murmur serves no QUIC; see
 * `toSwarmNode` in `@murmur/wire`). Members without an address (no uptime proof yet)
 * cannot be reached and are left out. The swarm ID is lower-case hex without leading zeros, as
 * Session prints it.
 */
import type { SwarmMember, SwarmNode } from '@murmur/wire';
import { bytesToBase32z, toSwarmNode } from '@murmur/wire/server';
import type { ServiceNodeInfo, SwarmInfo } from './network-view.js';

/** z-base-32 of `bytes` (kept for callers of this module; the one copy is in `@murmur/wire`). */
export const base32z = bytesToBase32z;

/** The swarm ID as nodes print it. */
export function swarmIdText(id: bigint): string {
  return id.toString(16);
}

/** A node as a 421 answer's member, or undefined when it has no address yet. */
export function swarmMemberOf(node: ServiceNodeInfo): SwarmMember | undefined {
  if (node.ip === undefined || node.storagePort === undefined) return undefined;
  return {
    pubkeyEd25519: node.ed25519,
    pubkeyX25519: node.x25519,
    ip: node.ip,
    port: node.storagePort,
  };
}

/**
 * A node as `get_swarm` lists it (through `@murmur/wire`'s one encoder, the same one 421 bodies
 * use), or undefined when it has no address yet.
 */
export function swarmNodeOf(node: ServiceNodeInfo): SwarmNode | undefined {
  const member = swarmMemberOf(node);
  return member === undefined ? undefined : toSwarmNode(member);
}

/** The reachable members of a swarm, in `get_swarm` form. */
export function swarmNodes(swarm: SwarmInfo): SwarmNode[] {
  return swarm.members.flatMap((node) => {
    const listed = swarmNodeOf(node);
    return listed === undefined ? [] : [listed];
  });
}

/** The reachable members of a swarm, as a `WrongSwarmError` carries them. */
export function swarmMembers(swarm: SwarmInfo): SwarmMember[] {
  return swarm.members.flatMap((node) => {
    const member = swarmMemberOf(node);
    return member === undefined ? [] : [member];
  });
}
