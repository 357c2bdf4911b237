import { defineConfig } from 'vitest/config';
import { murmurProject } from '../../tools/config/vitest.ts';

/**
 * The real-process tests (`pnpm --filter @murmur/devnet test:e2e`): they spawn the built
 * `dist/cli.js`, so build first (the script does; `murmur-devnet up` also needs
 * `apps/service-node` built). Four projects, one after the other so that the devnets do not
 * share the two cores:
 *
 * 1. `devnet-ledger-e2e`: the ledger and wallet commands (a node's staked life, kill -9);
 * 2. `devnet-cli-e2e`: `up`'s failures (port in use, missing build, a node that fails to
 *    start), Ctrl-C, a second `up`, resume — small devnets of their own;
 * 3. `devnet-up-e2e`: one 12-node devnet started by `murmur-devnet up` in a globalSetup and
 *    stopped by `murmur-devnet down`: clients, kill -9, restart, a new node, no orphan.
 * 4. `devnet-circuits-e2e`: another such devnet (a relay beside every node): real-time delivery
 *    over circuits, kill -9 of a circuit's relays, rotation, refused subscriptions.
 */
const common = {
  exclude: ['**/node_modules/**', '**/dist/**'],
  fileParallelism: false,
};

export default defineConfig({
  test: {
    projects: [
      murmurProject({
        name: 'devnet-ledger-e2e',
        include: ['test/e2e/*.e2e.test.ts'],
        test: { ...common, testTimeout: 90_000, hookTimeout: 60_000 },
      }),
      murmurProject({
        name: 'devnet-cli-e2e',
        include: ['test/e2e/launcher/**/*.e2e.test.ts'],
        test: { ...common, sequence: { groupOrder: 1 }, testTimeout: 120_000, hookTimeout: 60_000 },
      }),
      murmurProject({
        name: 'devnet-circuits-e2e',
        include: ['test/e2e/circuits/**/*.e2e.test.ts'],
        test: {
          ...common,
          // A devnet of its own (the same setup): the up suite ends with `down`.
          globalSetup: ['test/e2e/devnet/global-setup.ts'],
          sequence: { groupOrder: 3 },
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      }),
      murmurProject({
        name: 'devnet-up-e2e',
        include: ['test/e2e/devnet/**/*.e2e.test.ts'],
        test: {
          ...common,
          globalSetup: ['test/e2e/devnet/global-setup.ts'],
          sequence: { groupOrder: 2 },
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      }),
    ],
  },
});
