/**
 * The end-to-end suite of `@murmur/testnet` (`pnpm --filter @murmur/e2e-testnet test:e2e`):
 * real ledger and murmur-node processes on loopback. One file at a time
 * in one fork (the machine has two cores and each testnet is a dozen processes), long
 * timeouts. Builds nothing: `test/global-setup.ts` fails at once, saying what to build, when a
 * program (the `bin` of a package this one declares, `@murmur/devnet` and `@murmur/service-node`,
 * passed as MURMUR_LEDGER_CLI / MURMUR_NODE_CLI; turbo's `^build` builds them) is missing.
 */
import { defineConfig } from 'vitest/config';
import { declaredPrograms, workspaceAliases } from '../../tools/config/vitest.ts';

export default defineConfig({
  resolve: { alias: workspaceAliases() },
  test: {
    name: 'testnet-e2e',
    include: ['test/**/*.e2e.test.ts'],
    environment: 'node',
    restoreMocks: true,
    globalSetup: ['./test/global-setup.ts'],
    // The programs the network launcher starts (MURMUR_LEDGER_CLI, MURMUR_NODE_CLI).
    env: declaredPrograms(import.meta.dirname),
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
