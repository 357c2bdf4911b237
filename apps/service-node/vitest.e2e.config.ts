import { murmurProject, workspacePrograms } from '../../tools/config/vitest.ts';

/**
 * The multi-node end-to-end tests (`pnpm --filter @murmur/service-node test:e2e`): a ledger and
 * 14+ `murmur-node` processes started by `@murmur/testnet` from the built programs (the script
 * builds this package; `@murmur/devnet` must be built too, or the suite fails at once saying so).
 * One file at a time, long timeouts.
 */
export default murmurProject({
  name: 'service-node-e2e',
  include: ['test/e2e/**/*.e2e.test.ts'],
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    // The programs the network launcher starts (MURMUR_LEDGER_CLI, MURMUR_NODE_CLI).
    env: workspacePrograms(),
  },
});
