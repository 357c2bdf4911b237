import { defineConfig } from 'vitest/config';

/**
 * Runs every workspace project at once (`pnpm vitest`). Each package and app has its own
 * `vitest.config.ts` built with `tools/config/vitest.ts`; `pnpm test` runs them through turbo.
 */
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'apps/devnet/launcher/vitest.config.ts',
      'tools/*/vitest.config.ts',
    ],
  },
});
