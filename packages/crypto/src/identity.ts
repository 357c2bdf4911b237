/**
 * Identities: the Ed25519 key pair of a seed, its X25519 conversion and the Session ID.
 */
import { InvalidInputError } from '@murmur/wire';
import type { SodiumBackend } from './backends/types.js';
import { sessionIdFromX25519 } from './session-id.js';
import type { Identity } from './types.js';
import { requireBytes, requireBytesOfLengths, requireObject } from './validate.js';

/** Length of a full Ed25519 seed. */
export const SEED_LENGTH = 32;
/** Length of a Session-style seed (extended with 16 zero bytes to make the Ed25519 seed). */
export const SESSION_SEED_LENGTH = 16;

/**
 * The identity of a 32-byte seed, or of a 16-byte Session seed, which is extended exactly as
 * Session does (its hex right-padded with `0` to 64 digits: the 16 bytes then 16 zero bytes).
 * `identity.seed` is a copy of the seed as given, so a 16-byte seed gives back 12 words.
 */
export function identityFromSeed(sodium: SodiumBackend, seed: Uint8Array): Identity {
  requireBytesOfLengths(seed, 'seed', [SESSION_SEED_LENGTH, SEED_LENGTH]);
  let fullSeed = seed;
  if (seed.length === SESSION_SEED_LENGTH) {
    fullSeed = new Uint8Array(SEED_LENGTH);
    fullSeed.set(seed);
  }
  const ed25519 = sodium.signSeedKeyPair(fullSeed);
  if (fullSeed !== seed) sodium.wipe(fullSeed);
  const x25519PublicKey = sodium.ed25519PublicKeyToX25519(ed25519.publicKey);
  if (x25519PublicKey === undefined) {
    // Cannot happen for a key made from a seed; kept so a broken backend fails loudly.
    throw new InvalidInputError('The Ed25519 key of this seed does not convert to X25519');
  }
  const x25519SecretKey = sodium.ed25519SecretKeyToX25519(ed25519.secretKey);
  return {
    seed: seed.slice(),
    ed25519,
    x25519: { publicKey: x25519PublicKey, secretKey: x25519SecretKey },
    sessionId: sessionIdFromX25519(x25519PublicKey),
  };
}

/** A new identity from 32 fresh random bytes. */
export function generateIdentity(sodium: SodiumBackend): Identity {
  const seed = sodium.randomBytes(SEED_LENGTH);
  try {
    return identityFromSeed(sodium, seed);
  } finally {
    sodium.wipe(seed);
  }
}

/** Overwrites an identity's seed and both secret keys with zeros. */
export function wipeIdentity(sodium: SodiumBackend, identity: Identity): void {
  requireObject(identity, 'identity');
  for (const secret of [identity.seed, identity.ed25519?.secretKey, identity.x25519?.secretKey]) {
    if (secret instanceof Uint8Array) sodium.wipe(secret);
  }
}

/**
 * Checks the parts of a sender identity that signing needs and returns the Ed25519 secret key.
 * The public key must be the one embedded in the secret key (libsodium signs with that one).
 */
export function senderSecretKey(identity: Identity, field: string): Uint8Array {
  requireObject(identity, field);
  const pair = identity.ed25519;
  requireObject(pair, `${field}.ed25519`);
  const secretKey = pair.secretKey;
  const publicKey = pair.publicKey;
  requireBytes(secretKey, `${field}.ed25519.secretKey`, 64);
  requireBytes(publicKey, `${field}.ed25519.publicKey`, 32);
  for (let i = 0; i < 32; i++) {
    if (publicKey[i] !== secretKey[32 + i]) {
      throw new InvalidInputError(
        `${field}.ed25519.publicKey does not belong to ${field}.ed25519.secretKey`,
        { details: { field: `${field}.ed25519` } },
      );
    }
  }
  return secretKey;
}

/** Checks a recipient identity's X25519 pair and returns it. */
export function recipientX25519(
  identity: Identity,
  field: string,
): { publicKey: Uint8Array; secretKey: Uint8Array } {
  requireObject(identity, field);
  const pair = identity.x25519;
  requireObject(pair, `${field}.x25519`);
  requireBytes(pair.publicKey, `${field}.x25519.publicKey`, 32);
  requireBytes(pair.secretKey, `${field}.x25519.secretKey`, 32);
  return pair;
}
