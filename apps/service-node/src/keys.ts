/**
 * The node's identity: an Ed25519 seed in `<dataDir>/key.json` (file mode 0600), from which the
 * Ed25519 key pair (the node's registered key, signing) and the X25519 key pair (onion layers)
 * are derived. The node refuses to start when the file can be read by the group or others.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyPair, MurmurCrypto } from '@murmur/crypto';
import {
  KeyFileError,
  loadNodeKeyFile,
  NODE_KEY_FILE_NAME,
  type NodeKeyFile,
  writeSecretJson,
} from '@murmur/registry/key-files';
import { bytesToHex } from '@murmur/wire';

/** The key file's name inside the data directory. */
export const KEY_FILE_NAME = NODE_KEY_FILE_NAME;

/** The node's keys. The secret keys never leave this object (never logged). */
export interface NodeKeys {
  /** Ed25519 key pair (secret key in libsodium's 64-byte form). */
  ed25519: KeyPair;
  /** X25519 key pair derived from it. */
  x25519: KeyPair;
  /** Ed25519 public key, lower-case hex: the node's identity on the network. */
  ed25519Hex: string;
  /** X25519 public key, lower-case hex. */
  x25519Hex: string;
}

/** The path of the key file in `dataDir`. */
export function keyFilePath(dataDir: string): string {
  return join(dataDir, KEY_FILE_NAME);
}

/** The keys of a 32-byte seed. */
export function nodeKeysFromSeed(crypto: MurmurCrypto, seed: Uint8Array): NodeKeys {
  const identity = crypto.identityFromSeed(seed);
  return {
    ed25519: identity.ed25519,
    x25519: identity.x25519,
    ed25519Hex: bytesToHex(identity.ed25519.publicKey),
    x25519Hex: bytesToHex(identity.x25519.publicKey),
  };
}

/**
 * Creates a new key file (mode 0600) with a fresh random seed. Refuses to overwrite an existing
 * one: losing it means losing the node's registration.
 */
export function createKeyFile(crypto: MurmurCrypto, dataDir: string): NodeKeys {
  const path = keyFilePath(dataDir);
  const seed = crypto.randomBytes(32);
  try {
    const keys = nodeKeysFromSeed(crypto, seed);
    const file: NodeKeyFile = {
      version: 1,
      ed25519Seed: bytesToHex(seed),
      ed25519PublicKey: keys.ed25519Hex,
    };
    writeSecretJson(path, file, "node's key file");
    return keys;
  } finally {
    crypto.wipe(seed);
  }
}

/**
 * Loads the key file of `dataDir` (the format `@murmur/registry/key-files` reads for wallets and
 * tools too).
 *
 * @throws {@link KeyFileError} when it is missing, malformed, readable by the group or others
 * (the message gives the `chmod` command that fixes it), or its public key does not match.
 */
export function loadKeyFile(crypto: MurmurCrypto, dataDir: string): NodeKeys {
  const path = keyFilePath(dataDir);
  if (!existsSync(path)) {
    throw new KeyFileError(
      `no key file at ${path}: run \`murmur-node init --data-dir ${dataDir}\` first`,
      { details: { path } },
    );
  }
  return loadNodeKeyFile(crypto, path);
}
