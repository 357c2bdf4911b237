/**
 * Swarms as the storage RPC lists them (`get_swarm` and 421 answers), in Session's shape:
 * `{snodes: [{address, pubkey_legacy, pubkey_x25519, pubkey_ed25519, port, port_https,
 * port_omq, ip}], swarm: "<hex id>"}`.
 *
 * `port_omq` is the port peer links use; Murmur's peer links are WebSocket connections on the
 * storage port, so it is the storage port. Members without an address (no uptime proof yet)
 * cannot be reached and are left out. The swarm ID is lower-case hex without leading zeros, as
 * Session prints it.
 */
import type { SwarmMember, SwarmNode } from '@murmur/wire';
import type { ServiceNodeInfo, SwarmInfo } from './network-view.js';

const BASE32Z = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/** z-base-32 of `bytes` (most significant bits first, the last group padded with zero bits). */
export function base32z(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32Z[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32Z[(buffer << (5 - bits)) & 31];
  return out;
}

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
    portOmq: node.storagePort,
  };
}

/** A node as `get_swarm` lists it, or undefined when it has no address yet. */
export function swarmNodeOf(node: ServiceNodeInfo): SwarmNode | undefined {
  if (node.ip === undefined || node.storagePort === undefined) return undefined;
  return {
    address: `${base32z(Buffer.from(node.ed25519, 'hex'))}.snode`,
    pubkey_legacy: node.ed25519,
    pubkey_x25519: node.x25519,
    pubkey_ed25519: node.ed25519,
    port: String(node.storagePort),
    port_https: node.storagePort,
    port_omq: node.storagePort,
    ip: node.ip,
  };
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
