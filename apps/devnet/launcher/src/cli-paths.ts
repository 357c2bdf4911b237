/**
 * The programs a testnet runs, always given by the caller: `murmur-devnet` (its `ledger`
 * command), `murmur-node` and, optionally, `murmur-relay` (a relay beside every node). The launcher knows no repository layout and finds no other
 * workspace: `murmur-devnet up` passes its own CLI and the `murmur-node` of its declared
 * `@murmur/service-node` dependency; tests get them from `MURMUR_LEDGER_CLI` and
 * `MURMUR_NODE_CLI` (see {@link programsFromEnvironment}).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { MissingBuildError } from './errors.js';

/** The CLIs a testnet runs. */
export interface TestnetPrograms {
  /** `murmur-devnet` (`ledger` command). */
  ledgerCli: string;
  /** `murmur-node` (`init`, `start`). */
  nodeCli: string;
  /** `murmur-relay` (`start`): given, every node gets a relay beside it. */
  relayCli?: string | undefined;
}

/** The environment variables that name the programs. */
export const PROGRAM_VARIABLES = {
  ledgerCli: 'MURMUR_LEDGER_CLI',
  nodeCli: 'MURMUR_NODE_CLI',
  relayCli: 'MURMUR_RELAY_CLI',
} as const satisfies Record<keyof TestnetPrograms, string>;

/** The variables of {@link PROGRAM_VARIABLES} (a `process.env` is one). */
export type ProgramEnvironment = {
  readonly [Variable in (typeof PROGRAM_VARIABLES)[keyof TestnetPrograms]]?: string | undefined;
};

/**
 * The programs the environment names (`MURMUR_LEDGER_CLI`, `MURMUR_NODE_CLI`,
 * `MURMUR_RELAY_CLI`; unset or empty ones left out), as absolute paths, not checked: the one
 * reader of these variables ({@link programsFromEnvironment} checks what it returns).
 */
export function programOverridesFromEnvironment(env: ProgramEnvironment): Partial<TestnetPrograms> {
  const programs: Partial<TestnetPrograms> = {};
  for (const key of Object.keys(PROGRAM_VARIABLES) as (keyof TestnetPrograms)[]) {
    const given = env[PROGRAM_VARIABLES[key]];
    if (given !== undefined && given !== '')
      programs[key] = isAbsolute(given) ? given : resolve(given);
  }
  return programs;
}

/**
 * The programs named by `MURMUR_LEDGER_CLI`, `MURMUR_NODE_CLI` and (optional)
 * `MURMUR_RELAY_CLI` in `env` (each may be overridden by `overrides`), checked to exist.
 *
 * @throws {@link MissingBuildError} naming the variable that is not set, or the missing file.
 */
export function programsFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<TestnetPrograms> = {},
): TestnetPrograms {
  const named = { ...programOverridesFromEnvironment(env), ...overrides };
  const pick = (key: 'ledgerCli' | 'nodeCli'): string => {
    const given = named[key];
    if (given === undefined || given === '') {
      throw new MissingBuildError(
        PROGRAM_VARIABLES[key],
        `set ${PROGRAM_VARIABLES[key]} to the built ${key === 'ledgerCli' ? 'murmur-devnet' : 'murmur-node'} program (dist/cli.js of its app; the e2e configurations set it)`,
      );
    }
    return isAbsolute(given) ? given : resolve(given);
  };
  // The relay program is optional: without it the nodes run without relays.
  const relay = named.relayCli;
  return checkPrograms({
    ledgerCli: pick('ledgerCli'),
    nodeCli: pick('nodeCli'),
    ...(relay === undefined || relay === ''
      ? {}
      : { relayCli: isAbsolute(relay) ? relay : resolve(relay) }),
  });
}

/**
 * The programs, checked to exist.
 *
 * @throws {@link MissingBuildError} "run `pnpm build` first (missing …/dist/cli.js)".
 */
export function checkPrograms(programs: TestnetPrograms): TestnetPrograms {
  const files = [programs.ledgerCli, programs.nodeCli];
  if (programs.relayCli !== undefined) files.push(programs.relayCli);
  for (const file of files) {
    if (!existsSync(file)) {
      throw new MissingBuildError(
        file,
        `run \`pnpm build\` first (missing ${file}; or build just the two programs: pnpm --filter @murmur/service-node build && pnpm --filter @murmur/devnet build)`,
      );
    }
  }
  return programs;
}
