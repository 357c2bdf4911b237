/**
 * Test helpers: both backends loaded once per test file, and the Wycheproof vectors read from
 * `test/vectors/wycheproof` in this package (copied in with their license and source).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCrypto } from '../load-crypto.js';
import type { CryptoBackend, MurmurCrypto } from '../types.js';

/** The two backends, in the order every parameterised suite runs them. */
export const BACKENDS: readonly CryptoBackend[] = ['native', 'wasm'];

/** Loads one MurmurCrypto per backend. */
export async function loadBoth(): Promise<Record<CryptoBackend, MurmurCrypto>> {
  const [native, wasm] = await Promise.all([
    loadCrypto({ backend: 'native' }),
    loadCrypto({ backend: 'wasm' }),
  ]);
  return { native, wasm };
}

/** Where the Wycheproof vectors live: `packages/crypto/test/vectors/wycheproof`. */
export const WYCHEPROOF_DIRECTORY = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'test',
  'vectors',
  'wycheproof',
);

/** One Wycheproof test group with its tests (the fields the files used here have). */
export interface WycheproofGroup {
  ivSize?: number;
  keySize?: number;
  tagSize?: number;
  publicKey?: { pk: string };
  tests: WycheproofTest[];
}
/** One Wycheproof test case; every byte field is hex. */
export interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  result: 'valid' | 'invalid' | 'acceptable';
  key?: string;
  iv?: string;
  aad?: string;
  msg?: string;
  ct?: string;
  tag?: string;
  sig?: string;
  public?: string;
  private?: string;
  shared?: string;
  ikm?: string;
  salt?: string;
  info?: string;
  size?: number;
  okm?: string;
}

/** Bytes of a hex field of a test case. */
export type WycheproofHexField = {
  [K in keyof WycheproofTest]-?: WycheproofTest[K] extends string | undefined ? K : never;
}[keyof WycheproofTest];

/** The groups of `<name>_test.json`. */
export function readWycheproof(name: string): WycheproofGroup[] {
  const file = join(WYCHEPROOF_DIRECTORY, `${name}_test.json`);
  if (!existsSync(file)) {
    // A missing file is a failure, never a skip: a suite that quietly runs nothing cannot lie.
    throw new Error(`Wycheproof vectors missing: ${file} (see test/vectors/wycheproof/README.md)`);
  }
  return (JSON.parse(readFileSync(file, 'utf8')) as { testGroups: WycheproofGroup[] }).testGroups;
}
