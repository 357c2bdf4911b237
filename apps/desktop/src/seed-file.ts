/**
 * The account seed in its own 0600 file, `seed.json`: in clear (hex), or sealed under a
 * passphrase with `@murmur/crypto`'s `sealWithPassphrase` (Argon2id + secretbox). The client's
 * SQLite file never holds the seed (see `account-storage.ts`).
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { createChecker, ForbiddenError } from '@murmur/wire';
import { readStateFile } from '@murmur/wire/settings-file';
import Type, { type Static } from 'typebox';
import { writePrivateFile } from './secure-fs.js';

/** `seed.json`, read through `@murmur/wire`'s state-file checker. */
const seedFileChecker = createChecker(
  Type.Union([
    Type.Object({
      version: Type.Literal(1),
      sealed: Type.Literal(false),
      seed: Type.String({ pattern: '^[0-9a-f]{32,64}$', description: 'the seed in hex' }),
    }),
    Type.Object({
      version: Type.Literal(1),
      sealed: Type.Literal(true),
      box: Type.String({ description: 'the sealed seed in base64' }),
    }),
  ]),
);

/** What `seed.json` holds. */
export type SeedFile = Static<typeof seedFileChecker.schema>;

/** Passphrase cost: libsodium's interactive limits unless a test asks for less. */
export interface SeedLimits {
  opsLimit?: number;
  memLimit?: number;
}

/**
 * Reads `seed.json`; `undefined` when there is none.
 *
 * @throws `ConfigError` naming the file (`details.path`) and the bad field when it is not JSON or
 * neither a seed nor a sealed seed; the file is left as it is.
 */
export function readSeedFile(path: string): SeedFile | undefined {
  return readStateFile(path, seedFileChecker);
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
