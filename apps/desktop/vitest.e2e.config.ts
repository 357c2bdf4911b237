import { murmurProject, workspacePrograms } from '../../tools/config/vitest.ts';

/**
 * The desktop client in a real browser (`pnpm --filter @murmur/desktop test:e2e`): a devnet
 * (ledger + murmur-node processes from `@murmur/testnet`) started once in `global-setup.ts`,
 * two `murmur-desktop` processes (the built `dist/cli.js`: build first) and Debian's Chromium
 * driven by playwright-core (never `playwright install`; `.ci/run` installs `chromium`;
 * `MURMUR_CHROMIUM` picks another binary).
 */
export default murmurProject({
  name: 'desktop-e2e',
  include: ['test/e2e/**/*.e2e.test.ts'],
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    env: workspacePrograms(),
  },
});
