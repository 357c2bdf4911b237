import { murmurProject } from '../../tools/config/vitest.ts';

/**
 * The long fuzz run of the circuit codecs (`pnpm --filter @murmur/circuits run fuzz`, part of
 * `pnpm run fuzz` at the root): `src/fuzz.test.ts` with MURMUR_FUZZ_CASES cases per surface (default
 * 100,000). Prints cases, accepted inputs, crashes and non-canonical decodes per surface.
 */
export default murmurProject({
  name: 'circuits-fuzz',
  include: ['src/fuzz.test.ts'],
  test: {
    env: { MURMUR_FUZZ_CASES: process.env.MURMUR_FUZZ_CASES ?? '100000' },
    testTimeout: 24 * 3_600_000,
  },
});
