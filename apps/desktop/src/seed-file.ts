/**
 * The account seed in its own 0600 file, `seed.json`: in clear (hex), or sealed under a
 * passphrase with `@murmur/crypto`'s `sealWithPassphrase` (Argon2id + secretbox). The client's
 * SQLite file never holds the seed (see `account-storage.ts`).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { MurmurCrypto } from '@murmur/crypto';
import { ForbiddenError } from '@murmur/wire';
import { ConfigError } from '@murmur/wire/program';
import { writePrivateFile } from './secure-fs.js';

/** What `seed.json` holds. */
export type SeedFile =
  | { version: 1; sealed: false; seed: string }
  | { version: 1; sealed: true; box: string };

/** Passphrase cost: libsodium's interactive limits unless a test asks for less. */
export interface SeedLimits {
  opsLimit?: number;
  memLimit?: number;
}

/** Reads `seed.json`; `undefined` when there is none. */
export function readSeedFile(path: string): SeedFile | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ConfigError(`${path} is not valid JSON`, { cause });
  }
  const file = parsed as Partial<SeedFile> & Record<string, unknown>;
  if (file.version !== 1) throw new ConfigError(`${path}: unknown version`);
  if (
    file.sealed === false &&
    typeof file.seed === 'string' &&
    /^[0-9a-f]{32,64}$/.test(file.seed)
  ) {
    return { version: 1, sealed: false, seed: file.seed };
  }
  if (file.sealed === true && typeof file.box === 'string') {
    return { version: 1, sealed: true, box: file.box };
  }
  throw new ConfigError(`${path}: neither a seed nor a sealed seed`);
}

/** Writes the seed (sealed when a passphrase is given) to `path`, mode 0600. */
export function writeSeedFile(
  crypto: MurmurCrypto,
  path: string,
  seed: Uint8Array,
  passphrase: string | undefined,
  limits: SeedLimits = {},
): void {
  const file: SeedFile =
    passphrase === undefined
      ? { version: 1, sealed: false, seed: Buffer.from(seed).toString('hex') }
      : {
          version: 1,
          sealed: true,
          box: Buffer.from(crypto.sealWithPassphrase(seed, passphrase, limits)).toString('base64'),
        };
  writePrivateFile(path, `${JSON.stringify(file)}\n`);
}

/** The seed of a file: opened with the passphrase when sealed. */
export function openSeedFile(
  crypto: MurmurCrypto,
  file: SeedFile,
  passphrase: string | undefined,
): Uint8Array {
  if (!file.sealed) return new Uint8Array(Buffer.from(file.seed, 'hex'));
  if (passphrase === undefined) {
    throw new ForbiddenError('this account is locked: give its passphrase', {
      details: { field: 'passphrase' },
    });
  }
  const seed = crypto.openWithPassphrase(
    new Uint8Array(Buffer.from(file.box, 'base64')),
    passphrase,
  );
  if (seed === undefined) {
    throw new ForbiddenError('wrong passphrase', { details: { field: 'passphrase' } });
  }
  return seed;
}
