/**
 * IPv4 checks for uptime proofs: Session clients drop nodes listed at `0.0.0.0`, and Oxen
 * requires a public address.
 */

/** The four octets of a dotted-quad IPv4 address (no leading zeros), or `undefined`. */
export function parseIpv4(text: string): [number, number, number, number] | undefined {
  if (typeof text !== 'string' || text.length > 15) return undefined;
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    octets.push(value);
  }
  return octets as [number, number, number, number];
}

/**
 * Whether `octets` may be used by a node at all: not `0.0.0.0/8` ("this network", which
 * clients drop), not multicast (`224.0.0.0/4`), not reserved or broadcast (`240.0.0.0/4`).
 */
export function isUsableIpv4(octets: readonly [number, number, number, number]): boolean {
  const [a] = octets;
  return a !== 0 && a < 224;
}

/**
 * Whether `octets` is a public unicast address: usable and outside the private, loopback,
 * link-local, shared (CGNAT), benchmarking and documentation ranges.
 */
export function isPublicIpv4(octets: readonly [number, number, number, number]): boolean {
  const [a, b, c] = octets;
  if (!isUsableIpv4(octets)) return false;
  if (a === 10 || a === 127) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false;
  if (a === 198 && (b === 18 || b === 19)) return false;
  if (a === 198 && b === 51 && c === 100) return false;
  if (a === 203 && b === 0 && c === 113) return false;
  return true;
}
