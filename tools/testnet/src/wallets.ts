/**
 * Wallet files in the format of `murmur-devnet wallet` (apps/devnet `wallet-file.ts`):
 * `{"type":"murmur-wallet","version":1,"address":"<ed25519 hex>","seed":"<32-byte hex>"}`,
 * mode 0600, never overwritten — so that a person can use a testnet's wallets with the devnet's
 * wallet command. Also reads a murmur-node data directory's `key.json` (the node key that
 * co-signs the registration).
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyPair, MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, hexToBytes, InvalidInputError } from '@murmur/wire';

/** A wallet: its address (the Ed25519 public key, hex) and the key pair that signs. */
export interface TestnetWallet {
  address: string;
  keyPair: KeyPair;
}

/** A wallet file's JSON. */
interface WalletFile {
  type: 'murmur-wallet';
  version: 1;
  address: string;
  seed: string;
}

function readSecretJson(path: string, what: string): unknown {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (cause) {
    throw new InvalidInputError(`no ${what} at ${path}`, { cause });
  }
  if ((mode & 0o077) !== 0) {
    throw new InvalidInputError(
      `${path} can be read by other users (mode ${(mode & 0o777).toString(8)}); fix it with: chmod 600 ${path}`,
    );
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new InvalidInputError(`${path} is not a valid ${what} (not JSON)`, { cause });
  }
}

/** The wallet of a 32-byte seed. */
export function walletFromSeed(crypto: MurmurCrypto, seed: Uint8Array): TestnetWallet {
  const keyPair = crypto.ed25519KeyPairFromSeed(seed);
  return { address: bytesToHex(keyPair.publicKey), keyPair };
}

/**
 * Creates a wallet file at `path` (mode 0600) with a fresh seed.
 *
 * @throws {@link InvalidInputError} when the file exists (a wallet is never overwritten).
 */
export function createWalletFile(crypto: MurmurCrypto, path: string): TestnetWallet {
  const seed = crypto.randomBytes(32);
  const wallet = walletFromSeed(crypto, seed);
  const file: WalletFile = {
    type: 'murmur-wallet',
    version: 1,
    address: wallet.address,
    seed: bytesToHex(seed),
  };
  crypto.wipe(seed);
  try {
    writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'EEXIST') {
      throw new InvalidInputError(`${path} already exists; a wallet is never overwritten`, {
        cause,
      });
    }
    throw cause;
  }
  chmodSync(path, 0o600);
  return wallet;
}

/** Loads a wallet file. @throws {@link InvalidInputError} when it is missing, malformed or readable by others. */
export function loadWalletFile(crypto: MurmurCrypto, path: string): TestnetWallet {
  const file = readSecretJson(path, 'wallet') as Partial<WalletFile> | null;
  if (
    typeof file !== 'object' ||
    file === null ||
    file.type !== 'murmur-wallet' ||
    file.version !== 1 ||
    typeof file.seed !== 'string'
  ) {
    throw new InvalidInputError(`${path} is not a murmur-wallet version 1 file`);
  }
  const seed = hexToBytes(file.seed, { length: 32, field: 'seed' });
  const wallet = walletFromSeed(crypto, seed);
  crypto.wipe(seed);
  if (typeof file.address === 'string' && file.address.toLowerCase() !== wallet.address) {
    throw new InvalidInputError(`${path}: the address does not match the seed`);
  }
  return wallet;
}

/** Loads the wallet at `path`, creating it first when it does not exist. */
export function loadOrCreateWalletFile(crypto: MurmurCrypto, path: string): TestnetWallet {
  try {
    statSync(path);
  } catch {
    return createWalletFile(crypto, path);
  }
  return loadWalletFile(crypto, path);
}

/** A node's keys, as murmur-node derives them from its `key.json` seed. */
export interface NodeKeyPairs {
  ed25519: KeyPair;
  x25519: KeyPair;
  ed25519Hex: string;
  x25519Hex: string;
}

/**
 * Reads `<dataDir>/key.json` (`{"version":1,"ed25519Seed":"<hex>","ed25519PublicKey":"<hex>"}`,
 * written by `murmur-node init`) and derives the keys the same way murmur-node does.
 */
export function loadNodeKeys(crypto: MurmurCrypto, dataDir: string): NodeKeyPairs {
  const path = join(dataDir, 'key.json');
  const file = readSecretJson(path, 'node key file') as {
    version?: unknown;
    ed25519Seed?: unknown;
    ed25519PublicKey?: unknown;
  } | null;
  if (
    typeof file !== 'object' ||
    file === null ||
    file.version !== 1 ||
    typeof file.ed25519Seed !== 'string'
  ) {
    throw new InvalidInputError(
      `${path} is not a murmur-node key file (version 1 with ed25519Seed)`,
    );
  }
  const seed = hexToBytes(file.ed25519Seed, { length: 32, field: 'ed25519Seed' });
  const identity = crypto.identityFromSeed(seed);
  crypto.wipe(seed);
  const keys = {
    ed25519: identity.ed25519,
    x25519: identity.x25519,
    ed25519Hex: bytesToHex(identity.ed25519.publicKey),
    x25519Hex: bytesToHex(identity.x25519.publicKey),
  };
  if (typeof file.ed25519PublicKey === 'string' && file.ed25519PublicKey !== keys.ed25519Hex) {
    throw new InvalidInputError(`${path}: ed25519PublicKey does not match the seed`);
  }
  return keys;
}
