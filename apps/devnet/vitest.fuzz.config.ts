import { murmurProject } from '../../tools/config/vitest.ts';

/**
 * The long fuzz run (`pnpm --filter @murmur/devnet fuzz`): the suites of
 * `src/ledger/fuzz.test.ts` with MURMUR_FUZZ_CASES cases per surface (default 100,000; set it in
 * the environment to change it). Prints cases, accepted transactions, crashes and 5xx answers.
 */
export default murmurProject({
  name: 'devnet-fuzz',
  dir: import.meta.dirname,
  include: ['src/ledger/fuzz.test.ts'],
  test: {
    env: { MURMUR_FUZZ_CASES: process.env.MURMUR_FUZZ_CASES ?? '100000' },
    testTimeout: 24 * 3_600_000,
    fileParallelism: false,
  },
});
