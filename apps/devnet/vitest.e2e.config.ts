import { murmurProject } from '../../tools/config/vitest.ts';

/**
 * The real-process tests (`pnpm --filter @murmur/devnet test:e2e`): they spawn the built
 * `dist/cli.js`, so build first (the script does).
 */
export default murmurProject({
  name: 'devnet-e2e',
  include: ['test/e2e/**/*.e2e.test.ts'],
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 90_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
