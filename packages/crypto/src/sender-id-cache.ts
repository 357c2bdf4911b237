/**
 * A bounded cache from a sender's Ed25519 public key to its Session ID.
 *
 * Turning an Ed25519 key into its X25519 key (`crypto_sign_ed25519_pk_to_curve25519`) costs
 * about as much as the signature check itself, because libsodium first proves that the point
 * lies in the prime-order subgroup. Messages come mostly from a few known contacts, so each
 * MurmurCrypto object remembers the last few thousand conversions. Keys and IDs are public:
 * nothing secret is kept. Failed conversions are not cached.
 */
import type { SodiumBackend } from './backends/types.js';
import { sessionIdFromX25519 } from './session-id.js';

/** The Session ID of an Ed25519 public key, or `undefined` if it does not convert. */
export type SenderIdLookup = (ed25519PublicKey: Uint8Array) => string | undefined;

/** Default number of senders remembered per MurmurCrypto object. */
export const SENDER_ID_CACHE_SIZE = 4096;

/**
 * A lookup that converts through `sodium` and remembers up to `capacity` results, forgetting
 * the oldest conversion first (first in, first out: a hit costs one Map lookup, nothing more).
 */
export function createSenderIdCache(
  sodium: SodiumBackend,
  capacity = SENDER_ID_CACHE_SIZE,
): SenderIdLookup {
  const cache = new Map<string, string>();
  return (ed25519PublicKey) => {
    const cacheKey = String.fromCharCode(...ed25519PublicKey);
    const cached = cache.get(cacheKey);
    if (cached !== undefined) return cached;
    const x25519 = sodium.ed25519PublicKeyToX25519(ed25519PublicKey);
    if (x25519 === undefined) return undefined;
    const sessionId = sessionIdFromX25519(x25519);
    if (cache.size >= capacity) {
      // Map iteration order is insertion order: the first key is the oldest.
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(cacheKey, sessionId);
    return sessionId;
  };
}
