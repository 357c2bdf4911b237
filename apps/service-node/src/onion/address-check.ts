/**
 * Which addresses an exit node may call for a client: public unicast only. Loopback, private,
 * link-local, shared (CGNAT), multicast, documentation and other special ranges are refused, for
 * IPv4 and IPv6 alike (and for IPv4 inside IPv6: `::ffff:a.b.c.d`, `64:ff9b::a.b.c.d`), so that
 * nobody can use the node to reach its own machine or network. A devnet on loopback turns the
 * check off (`--devnet`).
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { isPublicIpv4, parseIpv4 } from '@murmur/registry';

const specialIpv6 = new BlockList();
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::ffff:0:0', 96], // IPv4-mapped (checked as IPv4 below)
  ['64:ff9b::', 96], // NAT64 (checked as IPv4 below)
  ['64:ff9b:1::', 48], // local NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, benchmarking, ...)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4
  ['3fff::', 20], // documentation
  ['5f00::', 16], // segment routing
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  specialIpv6.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address carried in an IPv4-mapped or NAT64 IPv6 address, if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const high = Number.parseInt(hex[1] as string, 16);
    const low = Number.parseInt(hex[2] as string, 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return undefined;
}

/** Whether an exit node may connect to `address` (an IPv4 or IPv6 literal). */
export function isPublicAddress(address: string): boolean {
  if (isIPv4(address)) {
    const octets = parseIpv4(address);
    return octets !== undefined && isPublicIpv4(octets);
  }
  if (isIPv6(address)) {
    const inner = embeddedIpv4(address);
    if (inner !== undefined) return isPublicAddress(inner);
    if (specialIpv6.check(address, 'ipv6')) return false;
    // Only global unicast (2000::/3) is public.
    const first = Number.parseInt(address.split(':')[0] || '0', 16);
    return first >= 0x2000 && first <= 0x3fff;
  }
  return false;
}
