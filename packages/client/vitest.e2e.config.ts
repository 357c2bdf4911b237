import { murmurProject, workspacePrograms } from '../../tools/config/vitest.ts';

/**
 * End-to-end tests against real processes (`pnpm --filter @murmur/client test:e2e`). They start
 * a local network with `@murmur/testnet`: build `@murmur/service-node` and `@murmur/devnet`
 * first.
 */
export default murmurProject({
  name: 'client-e2e',
  include: ['test/e2e/**/*.e2e.test.ts'],
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
    fileParallelism: false,
    // The programs the network launcher starts (MURMUR_LEDGER_CLI, MURMUR_NODE_CLI).
    env: workspacePrograms(),
  },
});
