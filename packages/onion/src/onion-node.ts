/**
 * The service node as the onion layer sees it: its two keys and the address of its storage RPC,
 * checked at the door, plus the /24 subnet rule of path selection.
 */
import { InvalidInputError, isHex } from '@murmur/wire';

/** A service node an onion request can pass through or end at. */
export interface OnionNode {
  /** Ed25519 public key, 64 hex characters (the node's identity; relays name the next hop by it). */
  ed25519: string;
  /** X25519 public key, 64 hex characters (each layer is encrypted to it). */
  x25519: string;
  /** IPv4 address (dotted quad). */
  ip: string;
  /** Port of the storage RPC (`/storage_rpc/v1`, `/onion_req/v2`). */
  port: number;
}

const IPV4 =
  /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;

/** True for a dotted-quad IPv4 address. */
export function isIpv4(value: unknown): value is string {
  return typeof value === 'string' && IPV4.test(value);
}

/** The /24 subnet of an IPv4 address: its first three octets (`"10.1.2"` for `10.1.2.3`). */
export function subnetOf(ip: string): string {
  return ip.slice(0, ip.lastIndexOf('.'));
}

/**
 * Checks a node and returns a normalised copy (lower-case keys, only the four fields).
 *
 * @throws {@link InvalidInputError} naming the field: keys must be 64 hex characters, `ip` a
 * dotted-quad IPv4 address other than `0.0.0.0`, `port` an integer from 1 to 65535.
 */
export function toOnionNode(value: unknown, what = 'node'): OnionNode {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidInputError(`${what} must be an object {ed25519, x25519, ip, port}`);
  }
  const node = value as Record<string, unknown>;
  const { ed25519, x25519, ip, port } = node;
  if (!isHex(ed25519, 32)) {
    throw new InvalidInputError(`${what}.ed25519 must be a 64-character hex Ed25519 key`, {
      details: { field: 'ed25519' },
    });
  }
  if (!isHex(x25519, 32)) {
    throw new InvalidInputError(`${what}.x25519 must be a 64-character hex X25519 key`, {
      details: { field: 'x25519' },
    });
  }
  if (!isIpv4(ip) || ip === '0.0.0.0') {
    throw new InvalidInputError(`${what}.ip must be a dotted-quad IPv4 address (not 0.0.0.0)`, {
      details: { field: 'ip' },
    });
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidInputError(`${what}.port must be an integer from 1 to 65535`, {
      details: { field: 'port' },
    });
  }
  return { ed25519: ed25519.toLowerCase(), x25519: x25519.toLowerCase(), ip, port };
}

/** A frozen copy of a node, safe to hand out. */
export function frozenNode(node: OnionNode): OnionNode {
  return Object.freeze({
    ed25519: node.ed25519,
    x25519: node.x25519,
    ip: node.ip,
    port: node.port,
  });
}
