/**
 * Where the built programs are: `apps/devnet/dist/cli.js` (the ledger) and
 * `apps/service-node/dist/cli.js` (murmur-node), found relative to this package inside the
 * monorepo (from `src/` under tests and from `dist/` once built: both sit two levels below the
 * repository root's `tools/testnet`).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MissingBuildError } from './errors.js';

/** The two CLIs a testnet runs. */
export interface TestnetPrograms {
  /** `murmur-devnet` (`ledger` command). */
  ledgerCli: string;
  /** `murmur-node` (`init`, `start`). */
  nodeCli: string;
}

/** The monorepo's root directory, from this file's location. */
export function repositoryRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/** The default program paths (not checked). */
export function defaultPrograms(root = repositoryRoot()): TestnetPrograms {
  return {
    ledgerCli: `${root.replace(/\/$/, '')}/apps/devnet/dist/cli.js`,
    nodeCli: `${root.replace(/\/$/, '')}/apps/service-node/dist/cli.js`,
  };
}

/**
 * The program paths, checked to exist.
 *
 * @throws {@link MissingBuildError} "run `pnpm build` first (missing apps/service-node/dist/cli.js)".
 */
export function resolvePrograms(overrides: Partial<TestnetPrograms> = {}): TestnetPrograms {
  const root = repositoryRoot();
  const programs = { ...defaultPrograms(root), ...overrides };
  for (const file of [programs.ledgerCli, programs.nodeCli]) {
    if (!existsSync(file)) {
      const shown = file.startsWith(root) ? file.slice(root.length).replace(/^\//, '') : file;
      throw new MissingBuildError(
        file,
        `run \`pnpm build\` first (missing ${shown}; or build just the two programs: pnpm --filter @murmur/service-node build && pnpm --filter @murmur/devnet build)`,
      );
    }
  }
  return programs;
}
