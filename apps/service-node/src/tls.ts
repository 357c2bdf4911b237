/**
 * HTTPS for the storage port, as Session clients expect (they connect with certificate checks
 * off): a self-signed certificate made by `murmur-node init` (`tls-cert.pem` in the data
 * directory), whose key is derived from the node's own key (no key file of its own); `init`
 * and `status` print its SHA-256 fingerprint.
 *
 * The TLS key is an ECDSA P-256 key (every TLS stack supports it, unlike Ed25519 certificates):
 * its scalar is HKDF-SHA256 of the node's Ed25519 seed (salt "murmur-node-tls", info "p256",
 * retried with a counter in the unlikely case it is not a valid scalar). The certificate is a
 * minimal X.509 v1 certificate, subject and issuer `CN=<node Ed25519 key hex>`, valid from
 * 2025-01-01 to 2049-12-31, signed with ECDSA-SHA256. Signing and key import use node:crypto,
 * because `@murmur/crypto` has no ECDSA (its HKDF derives the key).
 */
import { createECDH, createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MurmurCrypto } from '@murmur/crypto';
import { utf8Encode } from '@murmur/wire';
import type { NodeKeys } from './keys.js';

/** A certificate and its key, in PEM. */
export interface TlsCredentials {
  key: string;
  cert: string;
  /** The certificate's public key (uncompressed P-256 point, 65 bytes). */
  publicKey: Uint8Array;
  /** SHA-256 of the certificate (DER), upper-case hex pairs joined by `:` (as browsers show it). */
  fingerprint256: string;
}

const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

// DER encoding, just what a certificate needs.
function length(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, content: Uint8Array | number[]): Uint8Array {
  const body = content instanceof Uint8Array ? [...content] : content;
  return Uint8Array.from([tag, ...length(body.length), ...body]);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

function sequence(...parts: Uint8Array[]): Uint8Array {
  return tlv(0x30, concat(...parts));
}

function oid(dotted: string): Uint8Array {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const value of rest) {
    const chunk: number[] = [value & 0x7f];
    for (let v = value >> 7; v > 0; v >>= 7) chunk.unshift(0x80 | (v & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, bytes);
}

function positiveInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  const trimmed = [...bytes.subarray(start)];
  if ((trimmed[0] ?? 0) & 0x80) trimmed.unshift(0);
  return tlv(0x02, trimmed);
}

function name(commonName: string): Uint8Array {
  return sequence(tlv(0x31, sequence(oid('2.5.4.3'), tlv(0x0c, utf8Encode(commonName)))));
}

function pem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** The P-256 scalar derived from the node key (32 bytes, in [1, n−1]). */
export function deriveTlsScalar(crypto: MurmurCrypto, keys: NodeKeys): Uint8Array {
  const seed = keys.ed25519.secretKey.subarray(0, 32);
  for (let counter = 0; ; counter++) {
    const info = utf8Encode(counter === 0 ? 'p256' : `p256-${counter}`);
    const candidate = crypto.hkdfSha256(seed, utf8Encode('murmur-node-tls'), info, 32);
    const value = BigInt(`0x${Buffer.from(candidate).toString('hex')}`);
    if (value > 0n && value < P256_ORDER) return candidate;
  }
}

/** Makes the node's TLS key and self-signed certificate. */
export function createTlsCredentials(crypto: MurmurCrypto, keys: NodeKeys): TlsCredentials {
  const scalar = deriveTlsScalar(crypto, keys);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(scalar));
  const point = new Uint8Array(ecdh.getPublicKey());
  const privateKey = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: base64url(scalar),
      x: base64url(point.subarray(1, 33)),
      y: base64url(point.subarray(33, 65)),
    },
    format: 'jwk',
  });
  crypto.wipe(scalar);

  const signatureAlgorithm = sequence(oid('1.2.840.10045.4.3.2'));
  const subject = name(keys.ed25519Hex);
  const tbs = sequence(
    positiveInteger(keys.ed25519.publicKey.subarray(0, 16)),
    signatureAlgorithm,
    subject,
    sequence(tlv(0x17, utf8Encode('250101000000Z')), tlv(0x17, utf8Encode('491231235959Z'))),
    subject,
    sequence(
      sequence(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7')),
      tlv(0x03, concat(Uint8Array.of(0), point)),
    ),
  );
  const signature = new Uint8Array(sign('sha256', tbs, privateKey));
  const certificate = sequence(
    tbs,
    signatureAlgorithm,
    tlv(0x03, concat(Uint8Array.of(0), signature)),
  );
  const cert = pem('CERTIFICATE', certificate);
  return {
    key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    cert,
    publicKey: point,
    fingerprint256: new X509Certificate(cert).fingerprint256,
  };
}

/** The certificate file inside the data directory (written by `murmur-node init`). */
export const TLS_CERT_FILE_NAME = 'tls-cert.pem';

/**
 * The node's TLS key and certificate: the key is derived from the node key; the certificate is
 * read from `<dataDir>/tls-cert.pem`, which `init` (or the first start of an older data
 * directory) writes. An ECDSA signature is randomised, so the file is what keeps the
 * certificate, and the fingerprint `status` prints, the same across restarts. A file whose
 * public key is not the derived one (a copied data directory, a damaged file) is replaced.
 */
export function loadOrCreateTlsCredentials(
  crypto: MurmurCrypto,
  keys: NodeKeys,
  dataDir: string,
): TlsCredentials & { path: string; created: boolean } {
  const fresh = createTlsCredentials(crypto, keys);
  const path = join(dataDir, TLS_CERT_FILE_NAME);
  if (existsSync(path)) {
    try {
      const cert = readFileSync(path, 'utf8');
      const parsed = new X509Certificate(cert);
      const point = parsed.publicKey.export({ format: 'jwk' });
      const x = Buffer.from(String(point.x), 'base64url');
      const y = Buffer.from(String(point.y), 'base64url');
      const stored = Buffer.concat([Buffer.of(4), x, y]);
      if (stored.equals(Buffer.from(fresh.publicKey))) {
        return { ...fresh, cert, fingerprint256: parsed.fingerprint256, path, created: false };
      }
    } catch {
      // Not a certificate: written again below.
    }
  }
  writeFileSync(path, fresh.cert, { mode: 0o644 });
  return { ...fresh, path, created: true };
}
