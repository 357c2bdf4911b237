import { declaredPrograms, murmurProject } from '../../tools/config/vitest.ts';

/**
 * End-to-end tests of `@murmur/client` against real processes (`pnpm --filter
 * @murmur/e2e-client test:e2e`). They start a local network with `@murmur/testnet` from the
 * programs of the packages this one declares (`@murmur/devnet`, `@murmur/service-node`): turbo
 * builds them first (`^build`).
 */
export default murmurProject({
  name: 'client-e2e',
  include: ['test/**/*.e2e.test.ts'],
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
    fileParallelism: false,
    // The programs the network launcher starts (MURMUR_LEDGER_CLI, MURMUR_NODE_CLI).
    env: declaredPrograms(import.meta.dirname),
  },
});
