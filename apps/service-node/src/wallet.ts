/**
 * The operator's wallet file, as `murmur-node register` reads it: JSON, file mode 0600,
 *
 * ```json
 * { "type": "murmur-wallet", "version": 1, "address": "<hex Ed25519 public key>", "seed": "<hex 32-byte seed>" }
 * ```
 *
 * `type` and `version` are optional; `publicKey` is accepted in place of `address` (the devnet's
 * key files use that name). The node refuses a file other users can read.
 */
import { readFileSync, statSync } from 'node:fs';
import type { MurmurCrypto } from '@murmur/crypto';
import type { Ed25519KeyPair } from '@murmur/registry';
import { bytesToHex, hexToBytes } from '@murmur/wire';
import { KeyFileError } from './errors.js';

/** A loaded wallet. */
export interface Wallet {
  /** The wallet address (hex Ed25519 public key). */
  address: string;
  keyPair: Ed25519KeyPair;
}

/** Reads and checks a wallet file. */
export function loadWalletFile(crypto: MurmurCrypto, path: string): Wallet {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (cause) {
    throw new KeyFileError(`no wallet file at ${path}`, { cause });
  }
  if ((mode & 0o077) !== 0) {
    throw new KeyFileError(
      `${path} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); it holds the wallet's secret key. Fix it with: chmod 600 ${path}`,
    );
  }
  let file: { address?: unknown; publicKey?: unknown; seed?: unknown; type?: unknown } | null;
  try {
    file = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new KeyFileError(`${path} is not a valid wallet file (not JSON)`, { cause });
  }
  if (file === null || typeof file !== 'object' || typeof file.seed !== 'string') {
    throw new KeyFileError(`${path} is not a wallet file: expected {"address": ..., "seed": ...}`);
  }
  if (file.type !== undefined && file.type !== 'murmur-wallet') {
    throw new KeyFileError(`${path} is a ${String(file.type)} file, not a murmur-wallet`);
  }
  let seed: Uint8Array;
  try {
    seed = hexToBytes(file.seed, { length: 32, field: 'seed' });
  } catch (cause) {
    throw new KeyFileError(`${path}: seed must be 64 hex characters`, { cause });
  }
  const keyPair = crypto.ed25519KeyPairFromSeed(seed);
  crypto.wipe(seed);
  const address = bytesToHex(keyPair.publicKey);
  const claimed = file.address ?? file.publicKey;
  if (claimed !== undefined && (typeof claimed !== 'string' || claimed.toLowerCase() !== address)) {
    throw new KeyFileError(`${path}: address does not match the seed (edited or damaged)`);
  }
  return { address, keyPair };
}
