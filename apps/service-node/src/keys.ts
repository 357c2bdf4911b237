/**
 * The node's identity: an Ed25519 seed in `<dataDir>/key.json` (file mode 0600), from which the
 * Ed25519 key pair (the node's registered key, signing) and the X25519 key pair (onion layers)
 * are derived. The node refuses to start when the file can be read by the group or others.
 */
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyPair, MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, hexToBytes } from '@murmur/wire';
import { KeyFileError } from './errors.js';

/** The key file's name inside the data directory. */
export const KEY_FILE_NAME = 'key.json';

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

/** The key file's JSON form. */
interface KeyFile {
  version: 1;
  /** The 32-byte Ed25519 seed, hex. */
  ed25519Seed: string;
  /** The public key, for people reading the file (checked against the seed on load). */
  ed25519PublicKey: string;
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
  if (existsSync(path)) {
    throw new KeyFileError(
      `${path} already exists; refusing to overwrite the node's key (move it away first if you really mean to)`,
    );
  }
  const seed = crypto.randomBytes(32);
  const keys = nodeKeysFromSeed(crypto, seed);
  const file: KeyFile = {
    version: 1,
    ed25519Seed: bytesToHex(seed),
    ed25519PublicKey: keys.ed25519Hex,
  };
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  // The umask cannot widen 0600, but make sure anyway.
  chmodSync(path, 0o600);
  crypto.wipe(seed);
  return keys;
}

/**
 * Loads the key file of `dataDir`.
 *
 * @throws {@link KeyFileError} when it is missing, malformed, or readable by the group or others
 * (the message gives the `chmod` command that fixes it).
 */
export function loadKeyFile(crypto: MurmurCrypto, dataDir: string): NodeKeys {
  const path = keyFilePath(dataDir);
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new KeyFileError(
      `no key file at ${path}: run \`murmur-node init --data-dir ${dataDir}\` first`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new KeyFileError(
      `${path} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); it holds the node's secret key. Fix it with: chmod 600 ${path}`,
    );
  }
  let file: Partial<KeyFile>;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as Partial<KeyFile>;
  } catch (cause) {
    throw new KeyFileError(`${path} is not a valid key file (not JSON)`, { cause });
  }
  if (
    file === null ||
    typeof file !== 'object' ||
    file.version !== 1 ||
    typeof file.ed25519Seed !== 'string'
  ) {
    throw new KeyFileError(`${path} is not a valid key file (expected version 1 with ed25519Seed)`);
  }
  let seed: Uint8Array;
  try {
    seed = hexToBytes(file.ed25519Seed, { length: 32, field: 'ed25519Seed' });
  } catch (cause) {
    throw new KeyFileError(`${path}: ed25519Seed must be 64 hex characters`, { cause });
  }
  const keys = nodeKeysFromSeed(crypto, seed);
  crypto.wipe(seed);
  if (
    typeof file.ed25519PublicKey === 'string' &&
    file.ed25519PublicKey.toLowerCase() !== keys.ed25519Hex
  ) {
    throw new KeyFileError(
      `${path}: ed25519PublicKey does not match the seed (the file was edited or damaged)`,
    );
  }
  return keys;
}
