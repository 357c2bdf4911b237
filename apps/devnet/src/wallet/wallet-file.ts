/**
 * Wallet files: JSON `{"type":"murmur-wallet","version":1,"address":"<ed25519 hex>","seed":"<32-byte hex>"}`
 * with mode 0600. The address is the Ed25519 public key of the seed; a file readable by the
 * group or others is refused (with the `chmod` command that fixes it).
 */
import type { MurmurCrypto } from '@murmur/crypto';
import type { Ed25519KeyPair } from '@murmur/registry';
import { bytesToHex, hexToBytes } from '@murmur/wire';
import { KeyFileError } from '../errors.js';
import { readSecretJson, writeSecretJson } from '../key-files.js';

/** A wallet file's JSON form. */
export interface WalletFile {
  type: 'murmur-wallet';
  version: 1;
  /** The Ed25519 public key (hex): the wallet's address. */
  address: string;
  /** The 32-byte Ed25519 seed (hex). Secret. */
  seed: string;
}

/** A loaded wallet. The secret key never leaves this object (never logged). */
export interface Wallet {
  /** Address (hex Ed25519 public key). */
  address: string;
  /** The key pair that signs its transactions. */
  keyPair: Ed25519KeyPair;
}

/** The wallet of a 32-byte seed. */
export function walletFromSeed(crypto: MurmurCrypto, seed: Uint8Array): Wallet {
  const keyPair = crypto.ed25519KeyPairFromSeed(seed);
  return { address: bytesToHex(keyPair.publicKey), keyPair };
}

/**
 * Creates a new wallet file at `path` (mode 0600) with a fresh random seed.
 *
 * @throws {@link KeyFileError} if the file exists: a wallet is never overwritten.
 */
export function createWalletFile(crypto: MurmurCrypto, path: string): Wallet {
  const seed = crypto.randomBytes(32);
  const wallet = walletFromSeed(crypto, seed);
  const file: WalletFile = {
    type: 'murmur-wallet',
    version: 1,
    address: wallet.address,
    seed: bytesToHex(seed),
  };
  try {
    writeSecretJson(path, file, 'wallet');
  } finally {
    crypto.wipe(seed);
  }
  return wallet;
}

/**
 * Loads the wallet file at `path`.
 *
 * @throws {@link KeyFileError} when it is missing, malformed, readable by others, or its address
 * does not match its seed.
 */
export function loadWalletFile(crypto: MurmurCrypto, path: string): Wallet {
  const file = readSecretJson(path, 'wallet') as Partial<WalletFile> | null;
  if (
    file === null ||
    typeof file !== 'object' ||
    file.type !== 'murmur-wallet' ||
    file.version !== 1 ||
    typeof file.seed !== 'string'
  ) {
    throw new KeyFileError(`${path} is not a murmur-wallet version 1 file`);
  }
  let seed: Uint8Array;
  try {
    seed = hexToBytes(file.seed, { length: 32, field: 'seed' });
  } catch (cause) {
    throw new KeyFileError(`${path}: seed must be 64 hex characters`, { cause });
  }
  const wallet = walletFromSeed(crypto, seed);
  crypto.wipe(seed);
  if (typeof file.address === 'string' && file.address.toLowerCase() !== wallet.address) {
    throw new KeyFileError(`${path}: address does not match the seed (edited or damaged)`);
  }
  return wallet;
}
