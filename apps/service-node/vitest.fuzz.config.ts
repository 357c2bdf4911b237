import { murmurProject } from '../../tools/config/vitest.ts';

/**
 * The long fuzz run (`pnpm --filter @murmur/service-node fuzz`): the suites of
 * `src/fuzz/fuzz.test.ts` with MURMUR_FUZZ_CASES cases per surface (default 100,000; set it in
 * the environment to change it). Prints cases, crashes and 5xx answers per surface.
 */
export default murmurProject({
  name: 'service-node-fuzz',
  dir: import.meta.dirname,
  include: ['src/fuzz/**/*.test.ts'],
  test: {
    env: { MURMUR_FUZZ_CASES: process.env.MURMUR_FUZZ_CASES ?? '100000' },
    testTimeout: 24 * 3_600_000,
    fileParallelism: false,
  },
});
