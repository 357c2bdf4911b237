/**
 * Secrets sealed under a passphrase: libsodium's `crypto_pwhash` (Argon2id v1.3) stretches the
 * passphrase with a random salt into a 32-byte key, and `crypto_secretbox` (XSalsa20-Poly1305)
 * seals the secret under it. The limits travel in the header so that a file sealed with other
 * limits still opens; limits outside the accepted bounds are refused before any work is done
 * (a crafted header cannot make the opener allocate gigabytes).
 *
 * Layout (all integers big-endian):
 * `version(1) = 1 ‖ opsLimit(4) ‖ memLimit(4) ‖ salt(16) ‖ nonce(24) ‖ secretbox(16 + n)`.
 */
import { InvalidInputError } from '@murmur/wire';
import type { SodiumBackend } from './backends/types.js';
import { requireBytes } from './validate.js';

/** Version byte of a passphrase-sealed secret. */
export const PASSPHRASE_SEAL_VERSION = 1;
/** Header length: version, opsLimit, memLimit, salt and nonce. */
export const PASSPHRASE_SEAL_HEADER_LENGTH = 1 + 4 + 4 + 16 + 24;
/** libsodium's `crypto_pwhash_OPSLIMIT_INTERACTIVE` (Argon2id). */
export const PWHASH_OPSLIMIT_INTERACTIVE = 2;
/** libsodium's `crypto_pwhash_MEMLIMIT_INTERACTIVE` (64 MiB). */
export const PWHASH_MEMLIMIT_INTERACTIVE = 64 * 1024 * 1024;
/** libsodium's `crypto_pwhash_OPSLIMIT_MIN`. */
export const PWHASH_OPSLIMIT_MIN = 1;
/** libsodium's `crypto_pwhash_MEMLIMIT_MIN` (8 KiB). */
export const PWHASH_MEMLIMIT_MIN = 8192;
/** The largest limits accepted when opening (a guard against crafted headers). */
export const PWHASH_OPSLIMIT_MAX = 16;
export const PWHASH_MEMLIMIT_MAX = 1024 * 1024 * 1024;

const SALT_LENGTH = 16;
const NONCE_LENGTH = 24;
const KEY_LENGTH = 32;
const MAC_LENGTH = 16;
const MAX_PASSPHRASE_BYTES = 4096;

/** Argon2id cost limits. */
export interface PassphraseLimits {
  /** Passes over memory (default {@link PWHASH_OPSLIMIT_INTERACTIVE}). */
  opsLimit?: number;
  /** Memory in bytes (default {@link PWHASH_MEMLIMIT_INTERACTIVE}). */
  memLimit?: number;
}

function checkLimits(opsLimit: number, memLimit: number): void {
  if (
    !Number.isInteger(opsLimit) ||
    opsLimit < PWHASH_OPSLIMIT_MIN ||
    opsLimit > PWHASH_OPSLIMIT_MAX
  ) {
    throw new InvalidInputError(
      `opsLimit must be an integer from ${PWHASH_OPSLIMIT_MIN} to ${PWHASH_OPSLIMIT_MAX}`,
      { details: { field: 'opsLimit' } },
    );
  }
  if (
    !Number.isInteger(memLimit) ||
    memLimit < PWHASH_MEMLIMIT_MIN ||
    memLimit > PWHASH_MEMLIMIT_MAX
  ) {
    throw new InvalidInputError(
      `memLimit must be an integer from ${PWHASH_MEMLIMIT_MIN} to ${PWHASH_MEMLIMIT_MAX} bytes`,
      { details: { field: 'memLimit' } },
    );
  }
}

function passphraseBytes(passphrase: unknown): Uint8Array {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new InvalidInputError('the passphrase must be a non-empty string', {
      details: { field: 'passphrase' },
    });
  }
  const bytes = new TextEncoder().encode(passphrase.normalize('NFKC'));
  if (bytes.length > MAX_PASSPHRASE_BYTES) {
    throw new InvalidInputError(`the passphrase must be at most ${MAX_PASSPHRASE_BYTES} bytes`, {
      details: { field: 'passphrase' },
    });
  }
  return bytes;
}

/** Seals `secret` under `passphrase` (a fresh salt and nonce each time). */
export function sealWithPassphrase(
  sodium: SodiumBackend,
  secret: Uint8Array,
  passphrase: string,
  limits: PassphraseLimits = {},
): Uint8Array {
  requireBytes(secret, 'secret');
  const opsLimit = limits.opsLimit ?? PWHASH_OPSLIMIT_INTERACTIVE;
  const memLimit = limits.memLimit ?? PWHASH_MEMLIMIT_INTERACTIVE;
  checkLimits(opsLimit, memLimit);
  const password = passphraseBytes(passphrase);
  const salt = sodium.randomBytes(SALT_LENGTH);
  const nonce = sodium.randomBytes(NONCE_LENGTH);
  const key = sodium.pwhash(KEY_LENGTH, password, salt, opsLimit, memLimit);
  const box = sodium.secretboxEasy(secret, nonce, key);
  sodium.wipe(key);
  sodium.wipe(password);
  const out = new Uint8Array(PASSPHRASE_SEAL_HEADER_LENGTH + box.length);
  const view = new DataView(out.buffer);
  out[0] = PASSPHRASE_SEAL_VERSION;
  view.setUint32(1, opsLimit);
  view.setUint32(5, memLimit);
  out.set(salt, 9);
  out.set(nonce, 9 + SALT_LENGTH);
  out.set(box, PASSPHRASE_SEAL_HEADER_LENGTH);
  return out;
}

/**
 * Opens what {@link sealWithPassphrase} sealed. `undefined` when the passphrase is wrong or the
 * box was altered; `InvalidInputError` for bytes that are not a sealed secret at all.
 */
export function openWithPassphrase(
  sodium: SodiumBackend,
  sealed: Uint8Array,
  passphrase: string,
): Uint8Array | undefined {
  requireBytes(sealed, 'sealed');
  if (sealed.length < PASSPHRASE_SEAL_HEADER_LENGTH + MAC_LENGTH) {
    throw new InvalidInputError('not a passphrase-sealed secret: too short', {
      details: { field: 'sealed' },
    });
  }
  if (sealed[0] !== PASSPHRASE_SEAL_VERSION) {
    throw new InvalidInputError(`unknown passphrase seal version ${sealed[0]}`, {
      details: { field: 'sealed' },
    });
  }
  const view = new DataView(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const opsLimit = view.getUint32(1);
  const memLimit = view.getUint32(5);
  checkLimits(opsLimit, memLimit);
  const password = passphraseBytes(passphrase);
  const salt = sealed.slice(9, 9 + SALT_LENGTH);
  const nonce = sealed.slice(9 + SALT_LENGTH, PASSPHRASE_SEAL_HEADER_LENGTH);
  const key = sodium.pwhash(KEY_LENGTH, password, salt, opsLimit, memLimit);
  const opened = sodium.secretboxOpenEasy(
    sealed.subarray(PASSPHRASE_SEAL_HEADER_LENGTH),
    nonce,
    key,
  );
  sodium.wipe(key);
  sodium.wipe(password);
  return opened;
}
