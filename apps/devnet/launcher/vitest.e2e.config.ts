/**
 * The end-to-end suite: real ledger and murmur-node processes on loopback. One file at a time
 * in one fork (the machine has two cores and each testnet is a dozen processes), long
 * timeouts. Builds nothing: `test/e2e/global-setup.ts` fails at once, saying what to build, when
 * a program (found by its declared `bin` name, passed as MURMUR_LEDGER_CLI / MURMUR_NODE_CLI) is
 * missing.
 */
import { defineConfig } from 'vitest/config';
import { workspaceAliases, workspacePrograms } from '../../../tools/config/vitest.ts';

export default defineConfig({
  resolve: { alias: workspaceAliases() },
  test: {
    name: 'testnet-e2e',
    include: ['test/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    restoreMocks: true,
    globalSetup: ['./test/e2e/global-setup.ts'],
    // The programs the network launcher starts (MURMUR_LEDGER_CLI, MURMUR_NODE_CLI).
    env: workspacePrograms(),
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
