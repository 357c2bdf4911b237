/**
 * The operator's wallet file, as `murmur-node register` reads it: JSON, file mode 0600,
 *
 * ```json
 * { "type": "murmur-wallet", "version": 1, "address": "<hex Ed25519 public key>", "seed": "<hex 32-byte seed>" }
 * ```
 *
 * `type` and `version` are optional; `publicKey` is accepted in place of `address`. The format is
 * `@murmur/registry/key-files`' (the one reader and writer of wallet files, which
 * `murmur-devnet wallet` and `@murmur/testnet` use too); the node refuses a file other users can
 * read.
 */
import {
  type KeyFileCrypto,
  loadWalletFile as loadWallet,
  type Wallet,
} from '@murmur/registry/key-files';

export type { Wallet } from '@murmur/registry/key-files';

/**
 * Reads and checks a wallet file.
 *
 * @throws `KeyFileError` when it is missing, readable by others, malformed, or its address does
 * not match its seed.
 */
export function loadWalletFile(crypto: KeyFileCrypto, path: string): Wallet {
  return loadWallet(crypto, path, { strict: false });
}
