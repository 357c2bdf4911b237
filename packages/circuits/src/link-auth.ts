/**
 * Link authentication between relays (MCP v1). After the HELLOs, each relay signs with its
 * registry Ed25519 key
 * `"murmur-link-v1" | role ("I" or "R") | initiator nonce | responder nonce | initiator Ed25519 |
 * responder Ed25519 | exporter`,
 * where `exporter` is the TLS exporter of the connection (label `"EXPORTER-murmur-link-v1"`,
 * empty context, 32 bytes). Plain `ws` (devnet only) uses 32 zero bytes: there the signature
 * proves who signed but does not bind the link, so a man in the middle could relay it.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { InvalidInputError, utf8Encode } from '@murmur/wire';

/** The TLS exporter label of link authentication. */
export const LINK_EXPORTER_LABEL = 'EXPORTER-murmur-link-v1';
/** The exporter length. */
export const LINK_EXPORTER_LENGTH = 32;
/** The exporter of a plain `ws` link: 32 zero bytes (no channel binding). */
export const PLAIN_LINK_EXPORTER: Uint8Array = new Uint8Array(LINK_EXPORTER_LENGTH);

const PREFIX = utf8Encode('murmur-link-v1');

/** The inputs of a link signature. */
export interface LinkAuthInput {
  role: 'I' | 'R';
  initiatorNonce: Uint8Array;
  responderNonce: Uint8Array;
  initiatorEd25519: Uint8Array;
  responderEd25519: Uint8Array;
  exporter: Uint8Array;
}

/** The exact bytes a link AUTH signature covers. */
export function linkAuthMessage(input: LinkAuthInput): Uint8Array {
  const fields: [Uint8Array, string][] = [
    [input.initiatorNonce, 'initiatorNonce'],
    [input.responderNonce, 'responderNonce'],
    [input.initiatorEd25519, 'initiatorEd25519'],
    [input.responderEd25519, 'responderEd25519'],
    [input.exporter, 'exporter'],
  ];
  for (const [value, field] of fields) {
    if (!(value instanceof Uint8Array) || value.length !== 32) {
      throw new InvalidInputError(`${field} must be 32 bytes`, { details: { field } });
    }
  }
  if (input.role !== 'I' && input.role !== 'R') {
    throw new InvalidInputError('role must be "I" or "R"', { details: { field: 'role' } });
  }
  const out = new Uint8Array(PREFIX.length + 1 + 5 * 32);
  out.set(PREFIX, 0);
  out[PREFIX.length] = input.role.charCodeAt(0);
  let offset = PREFIX.length + 1;
  for (const [value] of fields) {
    out.set(value, offset);
    offset += 32;
  }
  return out;
}

/** Signs a link AUTH with the relay's 64-byte Ed25519 secret key. */
export function signLinkAuth(
  crypto: MurmurCrypto,
  ed25519SecretKey: Uint8Array,
  input: LinkAuthInput,
): Uint8Array {
  return crypto.sign(linkAuthMessage(input), ed25519SecretKey);
}

/** Checks a link AUTH signature by the key of its role. */
export function verifyLinkAuth(
  crypto: MurmurCrypto,
  signature: Uint8Array,
  input: LinkAuthInput,
): boolean {
  const signer = input.role === 'I' ? input.initiatorEd25519 : input.responderEd25519;
  return crypto.verify(signature, linkAuthMessage(input), signer);
}
