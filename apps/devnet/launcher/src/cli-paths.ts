/**
 * The two programs a testnet runs, always given by the caller: `murmur-devnet` (its `ledger`
 * command) and `murmur-node`. The launcher knows no repository layout and finds no other
 * workspace: `murmur-devnet up` passes its own CLI and the `murmur-node` of its declared
 * `@murmur/service-node` dependency; tests get them from `MURMUR_LEDGER_CLI` and
 * `MURMUR_NODE_CLI` (see {@link programsFromEnvironment}).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { MissingBuildError } from './errors.js';

/** The two CLIs a testnet runs. */
export interface TestnetPrograms {
  /** `murmur-devnet` (`ledger` command). */
  ledgerCli: string;
  /** `murmur-node` (`init`, `start`). */
  nodeCli: string;
}

/** The environment variables that name the programs. */
export const PROGRAM_VARIABLES = {
  ledgerCli: 'MURMUR_LEDGER_CLI',
  nodeCli: 'MURMUR_NODE_CLI',
} as const satisfies Record<keyof TestnetPrograms, string>;

/**
 * The programs named by `MURMUR_LEDGER_CLI` and `MURMUR_NODE_CLI` in `env` (each may be
 * overridden by `overrides`), checked to exist.
 *
 * @throws {@link MissingBuildError} naming the variable that is not set, or the missing file.
 */
export function programsFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<TestnetPrograms> = {},
): TestnetPrograms {
  const pick = (key: keyof TestnetPrograms): string => {
    const given = overrides[key] ?? env[PROGRAM_VARIABLES[key]];
    if (given === undefined || given === '') {
      throw new MissingBuildError(
        PROGRAM_VARIABLES[key],
        `set ${PROGRAM_VARIABLES[key]} to the built ${key === 'ledgerCli' ? 'murmur-devnet' : 'murmur-node'} program (dist/cli.js of its app; the e2e configurations set it)`,
      );
    }
    return isAbsolute(given) ? given : resolve(given);
  };
  return checkPrograms({ ledgerCli: pick('ledgerCli'), nodeCli: pick('nodeCli') });
}

/**
 * The programs, checked to exist.
 *
 * @throws {@link MissingBuildError} "run `pnpm build` first (missing …/dist/cli.js)".
 */
export function checkPrograms(programs: TestnetPrograms): TestnetPrograms {
  for (const file of [programs.ledgerCli, programs.nodeCli]) {
    if (!existsSync(file)) {
      throw new MissingBuildError(
        file,
        `run \`pnpm build\` first (missing ${file}; or build just the two programs: pnpm --filter @murmur/service-node build && pnpm --filter @murmur/devnet build)`,
      );
    }
  }
  return programs;
}
