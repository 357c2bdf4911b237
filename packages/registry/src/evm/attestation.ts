/**
 * A node's secp256k1 **attestation key**: the key its quorum signatures are checked with on an
 * EVM chain (`ecrecover`), since Ed25519 is too dear to verify there. It is derived from the
 * node's Ed25519 seed (operators keep no new file), and bound to the node both ways: the
 * registration carries its address, and an Ed25519 signature by the node over
 * {@link attestationBindingMessage}, which the contract stores and emits and every follower
 * checks (a registration whose binding fails is ignored, as oxend ignores a bad Ed25519
 * signature beside a BLS key).
 */
import { bytesToHex, hexToBytes, InvalidInputError, utf8Encode } from '@murmur/wire';
import type { RegistryCrypto } from '../types.js';

/** Domain of {@link attestationPrivateKey}'s keyed BLAKE2b. */
export const ATTESTATION_KEY_DOMAIN = 'murmur-attestation-key-v1';
/** Domain prefix of {@link attestationBindingMessage}. */
export const ATTESTATION_BINDING_DOMAIN = 'murmur-attestation-binding-v1\n';

/** secp256k1's group order. */
const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * The attestation private key (32 bytes, `0x` hex) of a node: BLAKE2b-256 of its Ed25519 seed,
 * keyed with {@link ATTESTATION_KEY_DOMAIN}. Throws in the (2^-128) case where that is not a
 * valid secp256k1 scalar.
 */
export function attestationPrivateKey(
  ed25519Seed: Uint8Array,
  crypto: Pick<RegistryCrypto, 'blake2b'>,
): `0x${string}` {
  if (ed25519Seed.length !== 32) {
    throw new InvalidInputError('an Ed25519 seed has 32 bytes', { details: { field: 'seed' } });
  }
  const scalar = crypto.blake2b(ed25519Seed, 32, utf8Encode(ATTESTATION_KEY_DOMAIN));
  const value = BigInt(`0x${bytesToHex(scalar)}`);
  if (value === 0n || value >= SECP256K1_ORDER) {
    throw new InvalidInputError('this seed gives no valid attestation key', {
      details: { field: 'seed' },
    });
  }
  return `0x${bytesToHex(scalar)}`;
}

/** What {@link attestationBindingMessage} binds. */
export interface AttestationBinding {
  /** The node's Ed25519 public key, 64 hex. */
  ed25519: string;
  /** The attestation key's address, `0x` + 40 hex (any case). */
  attestation: string;
  /** The EVM chain id. */
  chainId: number | bigint;
  /** The registry contract's address. */
  contract: string;
}

function addressBytes(address: string, field: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) {
    throw new InvalidInputError(`${field} must be 0x and 40 hex characters`, {
      details: { field },
    });
  }
  return hexToBytes(address.slice(2).toLowerCase(), { length: 20, field });
}

/**
 * The bytes the node's Ed25519 key signs at registration: the UTF-8 domain
 * {@link ATTESTATION_BINDING_DOMAIN}, then the Ed25519 key (32), the attestation address (20),
 * the chain id (32, big-endian) and the contract address (20).
 */
export function attestationBindingMessage(binding: AttestationBinding): Uint8Array {
  const domain = utf8Encode(ATTESTATION_BINDING_DOMAIN);
  const chainId = BigInt(binding.chainId);
  if (chainId < 0n || chainId >= 2n ** 256n) {
    throw new InvalidInputError('chainId out of range', { details: { field: 'chainId' } });
  }
  const out = new Uint8Array(domain.length + 32 + 20 + 32 + 20);
  let offset = 0;
  out.set(domain, offset);
  offset += domain.length;
  out.set(hexToBytes(binding.ed25519.toLowerCase(), { length: 32, field: 'ed25519' }), offset);
  offset += 32;
  out.set(addressBytes(binding.attestation, 'attestation'), offset);
  offset += 20;
  out.set(hexToBytes(chainId.toString(16).padStart(64, '0'), { length: 32 }), offset);
  offset += 32;
  out.set(addressBytes(binding.contract, 'contract'), offset);
  return out;
}

/** Whether `signature` (64 bytes hex, with or without `0x`) is the node's binding signature. */
export function verifyAttestationBinding(
  binding: AttestationBinding,
  signature: string,
  crypto: Pick<RegistryCrypto, 'verify'>,
): boolean {
  try {
    const hex = signature.startsWith('0x') ? signature.slice(2) : signature;
    return crypto.verify(
      hexToBytes(hex.toLowerCase(), { length: 64, field: 'signature' }),
      attestationBindingMessage(binding),
      hexToBytes(binding.ed25519.toLowerCase(), { length: 32, field: 'ed25519' }),
    );
  } catch {
    return false;
  }
}
