import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { murmurProject, workspacePrograms } from '../../tools/config/vitest.ts';

// Relays beside the nodes (built `murmur-relay`), so messages can arrive over circuits.
const RELAY_CLI = fileURLToPath(new URL('../relay/dist/cli.js', import.meta.url));

/**
 * The desktop client in a real browser (`pnpm --filter @murmur/desktop test:e2e`): a devnet
 * (ledger + murmur-node processes from `@murmur/testnet`) started once in `global-setup.ts`,
 * two `murmur-desktop` processes (the built `dist/cli.js`: build first) and Debian's Chromium
 * driven by playwright-core (never `playwright install`; `.ci/run` installs `chromium`;
 * `MURMUR_CHROMIUM` picks another binary). With `murmur-relay` built, every node gets a relay
 * (`MURMUR_RELAY_CLI`): the daemons' clients then receive over relay circuits too.
 */
export default murmurProject({
  name: 'desktop-e2e',
  // The Retry test runs an in-process daemon on the client's fake network (test support).
  dir: import.meta.dirname,
  include: ['test/e2e/**/*.e2e.test.ts'],
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    env: {
      ...workspacePrograms(),
      ...(process.env['MURMUR_RELAY_CLI'] === undefined && existsSync(RELAY_CLI)
        ? { MURMUR_RELAY_CLI: RELAY_CLI }
        : {}),
    },
  },
});
