/**
 * @packageDocumentation
 * `@murmur/registry/key-files`: the files that hold Murmur keys on disk, read and written in one
 * place (Node only: it uses `node:fs`; the package's main entry stays browser-safe).
 *
 * - **Wallet files**: `{"type":"murmur-wallet","version":1,"address":"<ed25519 hex>","seed":"<32-byte hex>"}`,
 *   mode 0600, never overwritten. `murmur-devnet wallet`, `@murmur/testnet` and
 *   `murmur-node register` all read and write this one format.
 * - **Node key files**: murmur-node's `<data dir>/key.json`
 *   (`{"version":1,"ed25519Seed":"<hex>","ed25519PublicKey":"<hex>"}`, written by
 *   `murmur-node init`), read to co-sign a node's registration.
 * - Any other **secret JSON file** (the devnet ledger's authority key) through
 *   {@link writeSecretJson} and {@link readSecretJson}.
 *
 * A secret file that the group or others can read is refused, with the `chmod` command that
 * fixes it. Every failure is a {@link KeyFileError} naming the file and what is wrong with it;
 * secrets never appear in messages.
 *
 * @example
 * ```ts
 * import { loadCrypto } from '@murmur/crypto';
 * import { loadNodeKeyFile, loadOrCreateWalletFile } from '@murmur/registry/key-files';
 *
 * const crypto = await loadCrypto();
 * const wallet = loadOrCreateWalletFile(crypto, '/tmp/alice.json'); // mode 0600
 * wallet.address;                                                   // '3b6a27bc…'
 * const node = loadNodeKeyFile(crypto, '/var/lib/murmur-node');     // the data dir or key.json
 * node.ed25519Hex;                                                  // the node's registered key
 * ```
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyPair, MurmurCrypto } from '@murmur/crypto';
import {
  bytesToHex,
  createChecker,
  hexToBytes,
  InvalidInputError,
  type MurmurErrorOptions,
} from '@murmur/wire';
import Type from 'typebox';

/** A key file (wallet, node key, authority key) is missing, malformed or readable by others. */
export class KeyFileError extends InvalidInputError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super(message, options);
    this.name = 'KeyFileError';
  }
}

/** What the key-file functions need of `@murmur/crypto`. */
export type KeyFileCrypto = Pick<
  MurmurCrypto,
  'ed25519KeyPairFromSeed' | 'identityFromSeed' | 'randomBytes' | 'wipe'
>;

// ---------------------------------------------------------------------------------------------
// Secret JSON files

/**
 * Writes `value` as JSON to a new file `path` with mode 0600. `what` names the file in errors
 * ("wallet file", "ledger authority key").
 *
 * @throws {@link KeyFileError} if the file exists (a secret is never overwritten) or cannot be
 * written.
 */
export function writeSecretJson(path: string, value: unknown, what: string): void {
  try {
    writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'EEXIST') {
      throw new KeyFileError(
        `${path} already exists; refusing to overwrite a ${what} (move it away first if you really mean to)`,
        { cause, details: { path } },
      );
    }
    throw new KeyFileError(`cannot write the ${what} ${path}`, { cause, details: { path } });
  }
  // The umask can only narrow 0600, but make sure anyway.
  chmodSync(path, 0o600);
}

/**
 * Reads the JSON of a secret file. `what` names the file in errors.
 *
 * @throws {@link KeyFileError} when it is missing, readable by the group or others (the message
 * gives the `chmod` command that fixes it), or not JSON.
 */
export function readSecretJson(path: string, what: string): unknown {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (cause) {
    throw new KeyFileError(`no ${what} at ${path}`, { cause, details: { path } });
  }
  if ((mode & 0o077) !== 0) {
    throw new KeyFileError(
      `${path} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); it holds a secret key. Fix it with: chmod 600 ${path}`,
      { details: { path } },
    );
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new KeyFileError(`${path} is not a valid ${what} (not JSON)`, {
      cause,
      details: { path },
    });
  }
}

/** A 32-byte seed from its hex form, or a {@link KeyFileError} naming the file and the field. */
function seedFrom(hex: string, path: string, field: string): Uint8Array {
  try {
    return hexToBytes(hex, { length: 32, field });
  } catch (cause) {
    throw new KeyFileError(`${path}: ${field} must be 64 hex characters`, {
      cause,
      details: { path },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Wallet files

/** What wallet files name themselves in errors. */
const WALLET_FILE = 'wallet file';

/** A wallet file's JSON form. */
export interface WalletFile {
  type: 'murmur-wallet';
  version: 1;
  /** The Ed25519 public key (hex): the wallet's address. */
  address: string;
  /** The 32-byte Ed25519 seed (hex). Secret. */
  seed: string;
}

/** {@link WalletFile}, checked with a compiled TypeBox schema (the seed's hex by `seedFrom`). */
const walletFileChecker = createChecker(
  Type.Object({
    type: Type.Literal('murmur-wallet', { description: '"murmur-wallet"' }),
    version: Type.Literal(1, { description: '1' }),
    address: Type.Optional(Type.String({ description: 'the wallet address in hex' })),
    seed: Type.String({ description: 'the 32-byte seed in hex' }),
  }),
);

/**
 * The wallet files `murmur-node register` has always read (`strict: false`): `type` and
 * `version` optional, `publicKey` in place of `address`.
 */
const lenientWalletFileChecker = createChecker(
  Type.Object({
    type: Type.Optional(Type.Literal('murmur-wallet', { description: '"murmur-wallet"' })),
    version: Type.Optional(Type.Literal(1, { description: '1' })),
    address: Type.Optional(Type.String({ description: 'the wallet address in hex' })),
    publicKey: Type.Optional(Type.String({ description: 'the wallet address in hex' })),
    seed: Type.String({ description: 'the 32-byte seed in hex' }),
  }),
);

/** A loaded wallet. The secret key never leaves this object (never logged). */
export interface Wallet {
  /** Address (hex Ed25519 public key). */
  address: string;
  /** The key pair that signs its transactions. */
  keyPair: KeyPair;
}

/** Options of {@link loadWalletFile}. */
export interface LoadWalletFileOptions {
  /**
   * `false` also accepts files without `type` and `version`, and `publicKey` in place of
   * `address`, as `murmur-node register` always has (default `true`: the exact format).
   */
  strict?: boolean | undefined;
}

/** The wallet of a 32-byte seed. */
export function walletFromSeed(crypto: KeyFileCrypto, seed: Uint8Array): Wallet {
  const keyPair = crypto.ed25519KeyPairFromSeed(seed);
  return { address: bytesToHex(keyPair.publicKey), keyPair };
}

/**
 * Creates a new wallet file at `path` (mode 0600) with a fresh random seed.
 *
 * @throws {@link KeyFileError} if the file exists: a wallet is never overwritten.
 */
export function createWalletFile(crypto: KeyFileCrypto, path: string): Wallet {
  const seed = crypto.randomBytes(32);
  const wallet = walletFromSeed(crypto, seed);
  const file: WalletFile = {
    type: 'murmur-wallet',
    version: 1,
    address: wallet.address,
    seed: bytesToHex(seed),
  };
  try {
    writeSecretJson(path, file, WALLET_FILE);
  } finally {
    crypto.wipe(seed);
  }
  return wallet;
}

/**
 * Loads the wallet file at `path`.
 *
 * @throws {@link KeyFileError} when it is missing, readable by others, malformed, or its address
 * does not match its seed.
 */
export function loadWalletFile(
  crypto: KeyFileCrypto,
  path: string,
  options: LoadWalletFileOptions = {},
): Wallet {
  const strict = options.strict ?? true;
  const json = readSecretJson(path, WALLET_FILE);
  const expected = `expected {"type":"murmur-wallet","version":1,"address":…,"seed":…}`;
  const type = (json as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && type !== 'murmur-wallet') {
    throw new KeyFileError(
      `${path} is a ${type} file, not a murmur-wallet version 1 file (${expected})`,
      { details: { path, field: 'type' } },
    );
  }
  const checker = strict ? walletFileChecker : lenientWalletFileChecker;
  if (!checker.check(json)) {
    const problem = checker.firstProblem(json);
    const why = problem === undefined || problem.field === '' ? '' : `: ${problem.text}`;
    throw new KeyFileError(`${path} is not a murmur-wallet version 1 file (${expected})${why}`, {
      details: { path, field: problem?.field ?? '' },
    });
  }
  const file: { address?: string | undefined; publicKey?: string | undefined; seed: string } = json;
  const seed = seedFrom(file.seed, path, 'seed');
  const wallet = walletFromSeed(crypto, seed);
  crypto.wipe(seed);
  const claimed = strict ? file.address : (file.address ?? file.publicKey);
  if (claimed !== undefined && claimed.toLowerCase() !== wallet.address) {
    throw new KeyFileError(`${path}: address does not match the seed (edited or damaged)`, {
      details: { path, field: file.address === undefined ? 'publicKey' : 'address' },
    });
  }
  return wallet;
}

/** Loads the wallet file at `path`, creating it (mode 0600, fresh seed) when it does not exist. */
export function loadOrCreateWalletFile(crypto: KeyFileCrypto, path: string): Wallet {
  try {
    statSync(path);
  } catch {
    return createWalletFile(crypto, path);
  }
  return loadWalletFile(crypto, path);
}

// ---------------------------------------------------------------------------------------------
// Node key files

/** The key file's name in a murmur-node data directory. */
export const NODE_KEY_FILE_NAME = 'key.json';

/** murmur-node's key file, as it writes it. */
export interface NodeKeyFile {
  version: 1;
  /** The 32-byte Ed25519 seed, hex. Secret. */
  ed25519Seed: string;
  /** The public key (checked against the seed when present). */
  ed25519PublicKey?: string;
}

/**
 * {@link NodeKeyFile}, checked with a compiled TypeBox schema (the seed's hex by `seedFrom`);
 * exported for readers that need only the public key (`readStateFile` of `@murmur/wire`).
 */
export const nodeKeyFileChecker = createChecker(
  Type.Object({
    version: Type.Literal(1, { description: '1' }),
    ed25519Seed: Type.String({ description: 'the 32-byte seed in hex' }),
    ed25519PublicKey: Type.Optional(Type.String({ description: 'the public key in hex' })),
  }),
);

/** A node's keys, derived from its seed the way murmur-node derives them. */
export interface NodeKeyPairs {
  /** Ed25519 key pair: the node's registered key, which co-signs its registration. */
  ed25519: KeyPair;
  /** X25519 key pair derived from it (onion layers). */
  x25519: KeyPair;
  /** Ed25519 public key, lower-case hex. */
  ed25519Hex: string;
  /** X25519 public key, lower-case hex. */
  x25519Hex: string;
}

/**
 * Loads a murmur-node key file: `path` is the file or the node's data directory (which holds
 * {@link NODE_KEY_FILE_NAME}). Wipe the secret keys when done with them.
 *
 * @throws {@link KeyFileError} when it is missing, readable by others, malformed, or its public
 * key does not match its seed.
 */
export function loadNodeKeyFile(crypto: KeyFileCrypto, path: string): NodeKeyPairs {
  let file = path;
  try {
    if (statSync(path).isDirectory()) file = join(path, NODE_KEY_FILE_NAME);
  } catch {
    // Missing: readSecretJson below says so.
  }
  const json = readSecretJson(file, 'node key file');
  if (!nodeKeyFileChecker.check(json)) {
    const problem = nodeKeyFileChecker.firstProblem(json);
    const why = problem === undefined || problem.field === '' ? '' : `: ${problem.text}`;
    throw new KeyFileError(
      `${file} is not a murmur-node key file (version 1 with ed25519Seed)${why}`,
      { details: { path: file, field: problem?.field ?? '' } },
    );
  }
  const seed = seedFrom(json.ed25519Seed, file, 'ed25519Seed');
  const identity = crypto.identityFromSeed(seed);
  crypto.wipe(seed);
  crypto.wipe(identity.seed);
  const keys: NodeKeyPairs = {
    ed25519: identity.ed25519,
    x25519: identity.x25519,
    ed25519Hex: bytesToHex(identity.ed25519.publicKey),
    x25519Hex: bytesToHex(identity.x25519.publicKey),
  };
  if (
    json.ed25519PublicKey !== undefined &&
    json.ed25519PublicKey.toLowerCase() !== keys.ed25519Hex
  ) {
    crypto.wipe(keys.ed25519.secretKey);
    crypto.wipe(keys.x25519.secretKey);
    throw new KeyFileError(`${file}: ed25519PublicKey does not match the seed`);
  }
  return keys;
}
