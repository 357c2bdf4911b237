import { describe, expect, it } from 'vitest';
import { defaultPrograms, repositoryRoot, resolvePrograms } from './cli-paths.js';
import { MissingBuildError } from './errors.js';

describe('programs', () => {
  it('points at the apps of this monorepo', () => {
    const programs = defaultPrograms();
    expect(programs.ledgerCli).toBe(
      `${repositoryRoot().replace(/\/$/, '')}/apps/devnet/dist/cli.js`,
    );
    expect(programs.nodeCli).toMatch(/apps\/service-node\/dist\/cli\.js$/);
  });

  it('says to build first when a program is missing', () => {
    const missing = `${repositoryRoot()}apps/service-node/dist/nope.js`;
    let error: unknown;
    try {
      resolvePrograms({ ledgerCli: process.execPath, nodeCli: missing });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MissingBuildError);
    expect((error as Error).message).toMatch(
      /^run `pnpm build` first \(missing apps\/service-node\/dist\/nope\.js/,
    );
  });
});
