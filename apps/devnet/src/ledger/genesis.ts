/**
 * A devnet chain's beginning: its parameter set (by name, or a JSON file of overrides), the
 * authority key (`<dir>/authority.json`, mode 0600) that signs faucet transactions and state
 * changes, and the genesis configuration made on the first start of an empty directory.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MurmurCrypto } from '@murmur/crypto';
import {
  type Allocation,
  decodeParams,
  type Ed25519KeyPair,
  encodeParams,
  type GenesisConfig,
  parameterSets,
  type RegistryParams,
  scaleParamsToBlockTime,
} from '@murmur/registry';
import { KeyFileError, readSecretJson, writeSecretJson } from '@murmur/registry/key-files';
import { bytesToHex, hexToBytes, MurmurError } from '@murmur/wire';
import { ConfigError } from '@murmur/wire/program';

/** File name of the authority key inside a ledger directory. */
export const AUTHORITY_FILE_NAME = 'authority.json';

/** The authority file's JSON form. */
export interface AuthorityFile {
  type: 'murmur-authority';
  version: 1;
  /** The Ed25519 public key (hex): the chain's `authority`. */
  publicKey: string;
  /** The 32-byte Ed25519 seed (hex). Secret. */
  seed: string;
}

/** Path of the authority file in `dir`. */
export function authorityFilePath(dir: string): string {
  return join(dir, AUTHORITY_FILE_NAME);
}

/** Creates `<dir>/authority.json` with a fresh key (refuses to overwrite one). */
export function createAuthorityFile(crypto: MurmurCrypto, dir: string): Ed25519KeyPair {
  const seed = crypto.randomBytes(32);
  const keyPair = crypto.ed25519KeyPairFromSeed(seed);
  const file: AuthorityFile = {
    type: 'murmur-authority',
    version: 1,
    publicKey: bytesToHex(keyPair.publicKey),
    seed: bytesToHex(seed),
  };
  writeSecretJson(authorityFilePath(dir), file, 'ledger authority key');
  crypto.wipe(seed);
  return keyPair;
}

/**
 * Loads `<dir>/authority.json`.
 *
 * @throws {@link KeyFileError} when it is missing, malformed, readable by others, or its public
 * key does not match its seed.
 */
export function loadAuthorityFile(crypto: MurmurCrypto, dir: string): Ed25519KeyPair {
  const path = authorityFilePath(dir);
  const file = readSecretJson(path, 'ledger authority key') as Partial<AuthorityFile> | null;
  if (
    file === null ||
    typeof file !== 'object' ||
    file.type !== 'murmur-authority' ||
    file.version !== 1 ||
    typeof file.seed !== 'string'
  ) {
    throw new KeyFileError(`${path} is not a murmur-authority version 1 file`);
  }
  let seed: Uint8Array;
  try {
    seed = hexToBytes(file.seed, { length: 32, field: 'seed' });
  } catch (cause) {
    throw new KeyFileError(`${path}: seed must be 64 hex characters`, { cause });
  }
  const keyPair = crypto.ed25519KeyPairFromSeed(seed);
  crypto.wipe(seed);
  if (typeof file.publicKey === 'string' && file.publicKey !== bytesToHex(keyPair.publicKey)) {
    throw new KeyFileError(`${path}: publicKey does not match the seed (edited or damaged)`);
  }
  return keyPair;
}

/** How the ledger command names its parameter set. */
export interface ParamsOptions {
  /** `devnet` (default), `oxen`, or the path of a JSON file of overrides. */
  params?: string | undefined;
  /** Replaces `blockTimeMs` (applied last). */
  blockTimeMs?: number | undefined;
  /**
   * On the devnet set, scale the block-counted durations to the block time (default true): see
   * {@link resolveLedgerParams}. `false` keeps the set's block counts as they are.
   */
  scaleParams?: boolean | undefined;
}

/**
 * The parameter set for a new chain. A JSON file holds `{"base": "devnet" | "oxen", ...}` plus
 * any parameter in its JSON form (amounts in atomic units as decimal strings), for example
 * `{"base": "devnet", "uptimeProofValidityMs": 3000, "stakingRequirement": "50000000000"}`.
 *
 * When the chain's block time (`blockTimeMs`, or the file's) is not the devnet set's own 1 s,
 * the devnet set's block-counted durations (unlock, deregistration lock, decommission credit:
 * `BLOCK_COUNTED_PARAMS`) are scaled with `scaleParamsToBlockTime` so that they last as long in
 * seconds as at 1 s blocks; values a file sets are taken as written, and `scaleParams: false`
 * turns the scaling off. The oxen set keeps Oxen's block counts at any block time.
 *
 * @throws {@link ConfigError} naming the file and the field when it is not valid.
 */
export function resolveLedgerParams(options: ParamsOptions = {}): RegistryParams {
  const name = options.params ?? 'devnet';
  let baseName: 'devnet' | 'oxen';
  let overrides: Record<string, unknown> & { blockTimeMs?: unknown } = {};
  let source = `parameter set ${name}`;
  if (name === 'devnet' || name === 'oxen') {
    baseName = name;
  } else {
    source = name;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(name, 'utf8'));
    } catch (cause) {
      throw new ConfigError(
        `--params ${name}: not "devnet", "oxen" or a readable JSON file of overrides`,
        { cause },
      );
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ConfigError(`${name}: the parameter file must hold a JSON object`);
    }
    const { base: fileBase = 'devnet', ...rest } = json as Record<string, unknown>;
    if (fileBase !== 'devnet' && fileBase !== 'oxen') {
      throw new ConfigError(`${name}: "base" must be "devnet" or "oxen"`);
    }
    baseName = fileBase;
    overrides = { name: `${fileBase}-custom`, ...rest };
  }
  if (options.blockTimeMs !== undefined) overrides.blockTimeMs = options.blockTimeMs;
  let base = parameterSets[baseName];
  const blockTimeMs = overrides.blockTimeMs;
  if (
    baseName === 'devnet' &&
    options.scaleParams !== false &&
    typeof blockTimeMs === 'number' &&
    Number.isSafeInteger(blockTimeMs) &&
    blockTimeMs >= 1 &&
    blockTimeMs !== base.blockTimeMs
  ) {
    base = scaleParamsToBlockTime(base, blockTimeMs);
  }
  try {
    return decodeParams({ ...encodeParams(base), ...overrides }, 'params');
  } catch (cause) {
    const detail = MurmurError.isInstance(cause) ? cause.message : String(cause);
    throw new ConfigError(`${source}: ${detail}`, { cause });
  }
}

/** Options of {@link createGenesisConfig}. */
export interface GenesisInit {
  params: RegistryParams;
  /** The authority's public key (hex). */
  authority: string;
  /** Chain ID (default `murmur-devnet-<8 random hex digits>`). */
  chainId?: string | undefined;
  /** Genesis timestamp (default now). */
  timestamp?: number | undefined;
  allocations?: readonly Allocation[] | undefined;
}

/** A new chain's genesis configuration. */
export function createGenesisConfig(
  init: GenesisInit,
  components: { crypto: Pick<MurmurCrypto, 'randomBytes'>; now?: () => number },
): GenesisConfig {
  const chainId = init.chainId ?? `murmur-devnet-${bytesToHex(components.crypto.randomBytes(4))}`;
  const config: GenesisConfig = {
    chainId,
    params: init.params,
    timestamp: init.timestamp ?? (components.now ?? Date.now)(),
    authority: init.authority,
  };
  return init.allocations === undefined || init.allocations.length === 0
    ? config
    : { ...config, allocations: init.allocations };
}
