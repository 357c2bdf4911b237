/**
 * The end-to-end suite: real ledger and murmur-node processes on loopback. One file at a time
 * in one fork (the machine has two cores and each testnet is a dozen processes), long
 * timeouts. Builds nothing: `test/e2e/global-setup.ts` fails at once, saying what to build, when
 * `apps/devnet/dist` or `apps/service-node/dist` is missing.
 */
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../tools/config/vitest.ts';

export default defineConfig({
  resolve: { alias: workspaceAliases() },
  test: {
    name: 'testnet-e2e',
    include: ['test/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    restoreMocks: true,
    globalSetup: ['./test/e2e/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
