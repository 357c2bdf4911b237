/**
 * The devnet of a directory, opened from another process (for `kill`, `restart`, `add-node`):
 * `@murmur/testnet`'s `openTestnet`, after checking that the directory holds a devnet, plus the
 * `devnet.json` rewrite those commands end with.
 */
import { openTestnet, readManifest, type Testnet, type TestnetPrograms } from '@murmur/testnet';
import { NoDevnetError } from '../errors.js';
import { refreshDevnetFile } from './devnet-file.js';
import { devnetPrograms } from './programs.js';

/**
 * Opens the devnet in `dir`.
 *
 * @throws {@link NoDevnetError} when `dir` holds none.
 */
export async function openDevnet(
  dir: string,
  programs: Partial<TestnetPrograms> | undefined,
): Promise<Testnet> {
  if (readManifest(dir) === undefined) {
    throw new NoDevnetError(
      `${dir} holds no devnet (no testnet.json): start one with \`murmur-devnet up\``,
    );
  }
  return openTestnet({ dir, programs: devnetPrograms(programs) });
}

/** Rewrites `devnet.json` from the manifest and the ledger's state (without the state if the ledger does not answer). */
export async function rewriteDevnetFile(testnet: Testnet): Promise<string | undefined> {
  let state: Awaited<ReturnType<Testnet['state']>> | undefined;
  try {
    state = await testnet.state({ signal: AbortSignal.timeout(5_000) });
  } catch {
    state = undefined;
  }
  return refreshDevnetFile(testnet.dir, readManifest(testnet.dir), state);
}
