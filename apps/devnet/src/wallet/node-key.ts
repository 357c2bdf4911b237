/**
 * The service node's key, which co-signs its registration. murmur-node keeps it in
 * `<data dir>/key.json` (mode 0600) as `{"version":1,"ed25519Seed":"<hex>","ed25519PublicKey":"<hex>"}`;
 * this module reads that file (given as the file or the data directory) or takes the seed as hex.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { MurmurCrypto } from '@murmur/crypto';
import type { Ed25519KeyPair } from '@murmur/registry';
import { bytesToHex, hexToBytes } from '@murmur/wire';
import { KeyFileError } from '../errors.js';
import { readSecretJson } from '../key-files.js';

/** The key file's name in a murmur-node data directory. */
export const NODE_KEY_FILE_NAME = 'key.json';

/** murmur-node's key file, as it writes it. */
export interface NodeKeyFile {
  version: 1;
  /** The 32-byte Ed25519 seed, hex. */
  ed25519Seed: string;
  /** The public key (checked against the seed). */
  ed25519PublicKey?: string;
}

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
 * Loads a murmur-node key: `path` is the key file or the node's data directory.
 *
 * @throws {@link KeyFileError} when it is missing, malformed or readable by others.
 */
export function loadNodeKey(crypto: MurmurCrypto, path: string): Ed25519KeyPair {
  let file = path;
  try {
    if (statSync(path).isDirectory()) file = join(path, NODE_KEY_FILE_NAME);
  } catch {
    // Missing: readSecretJson below says so.
  }
  const json = readSecretJson(file, 'node key file') as Partial<NodeKeyFile> | null;
  if (
    json === null ||
    typeof json !== 'object' ||
    json.version !== 1 ||
    typeof json.ed25519Seed !== 'string'
  ) {
    throw new KeyFileError(`${file} is not a murmur-node key file (version 1 with ed25519Seed)`);
  }
  let seed: Uint8Array;
  try {
    seed = hexToBytes(json.ed25519Seed, { length: 32, field: 'ed25519Seed' });
  } catch (cause) {
    throw new KeyFileError(`${file}: ed25519Seed must be 64 hex characters`, { cause });
  }
  const keyPair = crypto.ed25519KeyPairFromSeed(seed);
  crypto.wipe(seed);
  if (
    typeof json.ed25519PublicKey === 'string' &&
    json.ed25519PublicKey.toLowerCase() !== bytesToHex(keyPair.publicKey)
  ) {
    throw new KeyFileError(`${file}: ed25519PublicKey does not match the seed`);
  }
  return keyPair;
}
