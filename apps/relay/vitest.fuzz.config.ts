import { murmurProject } from '../../tools/config/vitest.ts';

/**
 * The long fuzz run of real relay processes (`pnpm --filter @murmur/relay run fuzz`, part of
 * `pnpm run fuzz` at the root): `test/process/fuzz.test.ts` with MURMUR_FUZZ_CASES cases (default
 * 100,000). Prints cases, crashes and 5xx answers of `/health`.
 */
export default murmurProject({
  name: 'relay-fuzz',
  include: ['test/process/fuzz.test.ts'],
  test: {
    env: { MURMUR_FUZZ_CASES: process.env.MURMUR_FUZZ_CASES ?? '100000' },
    testTimeout: 24 * 3_600_000,
  },
});
