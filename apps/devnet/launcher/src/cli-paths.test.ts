import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkPrograms,
  PROGRAM_VARIABLES,
  programOverridesFromEnvironment,
  programsFromEnvironment,
} from './cli-paths.js';
import { MissingBuildError } from './errors.js';

describe('programs', () => {
  it('are read from the environment in one place: set ones, as absolute paths, unchecked', () => {
    expect(programOverridesFromEnvironment({})).toEqual({});
    expect(
      programOverridesFromEnvironment({
        MURMUR_NODE_CLI: 'rel/node.js',
        MURMUR_LEDGER_CLI: '',
        MURMUR_RELAY_CLI: '/abs/relay.js',
      }),
    ).toEqual({ nodeCli: resolve('rel/node.js'), relayCli: '/abs/relay.js' });
  });

  it('are the files the environment names, overridable one by one', () => {
    const env = {
      [PROGRAM_VARIABLES.ledgerCli]: process.execPath,
      [PROGRAM_VARIABLES.nodeCli]: process.execPath,
    };
    expect(programsFromEnvironment(env)).toEqual({
      ledgerCli: process.execPath,
      nodeCli: process.execPath,
    });
    expect(
      programsFromEnvironment({}, { ledgerCli: process.execPath, nodeCli: process.execPath }),
    ).toEqual({ ledgerCli: process.execPath, nodeCli: process.execPath });
  });

  it('names the variable that is not set', () => {
    const attempt = () => programsFromEnvironment({ MURMUR_LEDGER_CLI: process.execPath });
    expect(attempt).toThrow(MissingBuildError);
    expect(attempt).toThrow(expect.objectContaining({ file: 'MURMUR_NODE_CLI' }));
  });

  it('says to build first when a program is missing', () => {
    const missing = '/nowhere/apps/service-node/dist/nope.js';
    let error: unknown;
    try {
      checkPrograms({ ledgerCli: process.execPath, nodeCli: missing });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MissingBuildError);
    expect((error as MissingBuildError).file).toBe(missing);
  });
});
