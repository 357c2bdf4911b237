import { declaredPrograms, murmurProject } from '../../tools/config/vitest.ts';

/**
 * The desktop client in a real browser (`pnpm --filter @murmur/e2e-desktop test:e2e`): a devnet
 * (ledger + murmur-node processes from `@murmur/testnet`, each node with a `murmur-relay` beside
 * it, so the daemons' clients receive over relay circuits too) started once in
 * `test/global-setup.ts`, two `murmur-desktop` processes and Debian's Chromium driven by
 * playwright-core (never `playwright install`; `.ci/run` installs `chromium`; `MURMUR_CHROMIUM`
 * picks another binary). Every program comes from a package this one declares (`@murmur/devnet`,
 * `@murmur/service-node`, `@murmur/relay`, `@murmur/desktop`), built first by turbo's `^build`.
 */
export default murmurProject({
  name: 'desktop-e2e',
  // The Retry test runs an in-process daemon on the client's fake network (test support).
  dir: import.meta.dirname,
  include: ['test/**/*.e2e.test.ts'],
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    // expect.poll waits for a state; on a busy machine 1 s (Vitest's default) is not enough. A
    // hang guard only: every poll ends as soon as the state shows.
    expect: { poll: { timeout: 30_000 } },
    // MURMUR_LEDGER_CLI, MURMUR_NODE_CLI, MURMUR_RELAY_CLI, MURMUR_DESKTOP_CLI.
    env: declaredPrograms(import.meta.dirname),
  },
});
