/**
 * The service node's key, which co-signs its registration: read from murmur-node's key file
 * (`@murmur/registry/key-files`, given as the file or the data directory) or taken as a seed in
 * hex (`--node-seed`).
 */
import type { MurmurCrypto } from '@murmur/crypto';
import type { Ed25519KeyPair } from '@murmur/registry';
import { KeyFileError, loadNodeKeyFile } from '@murmur/registry/key-files';
import { hexToBytes } from '@murmur/wire';

/** The key pair of a node seed given as 64 hex characters. */
export function nodeKeyFromSeedHex(crypto: MurmurCrypto, seedHex: string): Ed25519KeyPair {
  let seed: Uint8Array;
  try {
    seed = hexToBytes(seedHex.trim(), { length: 32, field: '--node-seed' });
  } catch (cause) {
    throw new KeyFileError('--node-seed must be 64 hex characters (a 32-byte seed)', { cause });
  }
  const keyPair = crypto.ed25519KeyPairFromSeed(seed);
  crypto.wipe(seed);
  return keyPair;
}

/**
 * Loads a murmur-node key's Ed25519 pair: `path` is the key file or the node's data directory.
 *
 * @throws `KeyFileError` when it is missing, malformed or readable by others.
 */
export function loadNodeKey(crypto: MurmurCrypto, path: string): Ed25519KeyPair {
  const keys = loadNodeKeyFile(crypto, path);
  crypto.wipe(keys.x25519.secretKey);
  return keys.ed25519;
}
