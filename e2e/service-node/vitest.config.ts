import { declaredPrograms, murmurProject } from '../../tools/config/vitest.ts';

/**
 * The multi-node end-to-end tests of `murmur-node` (`pnpm --filter @murmur/e2e-service-node
 * test:e2e`): a ledger and 14+ `murmur-node` processes started by `@murmur/testnet` from the
 * programs of the packages this one declares (`@murmur/devnet`, `@murmur/service-node`, built
 * first by turbo's `^build`; missing, the suite fails at once saying so). One file at a time,
 * long timeouts.
 */
export default murmurProject({
  name: 'service-node-e2e',
  include: ['test/**/*.e2e.test.ts'],
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    // The programs the network launcher starts (MURMUR_LEDGER_CLI, MURMUR_NODE_CLI).
    env: declaredPrograms(import.meta.dirname),
  },
});
