/**
 * The fuzz suites (issue 10). In `npm test`: a seed-fixed run of a few thousand cases per
 * surface (2,000 to 3,000; about a minute for the five on the shared 2-core machine at a load
 * average near 30, the onion surface, which builds real onion requests, the slowest per case:
 * 2,000 of them took 8 to 27 s there). The devnet ledger's `POST /tx` has its own suite
 * (apps/devnet/src/ledger/fuzz.test.ts). The long run (`pnpm --filter @murmur/service-node
 * fuzz`, config `vitest.fuzz.config.ts`) sets MURMUR_FUZZ_CASES (default there 100,000) and
 * prints, per surface, the cases, crashes and 5xx answers (and the accepted ledger
 * transactions).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type FuzzReport, runSurface, SURFACES } from '../test-support/fuzz-surfaces.js';

const { MURMUR_FUZZ_CASES, MURMUR_FUZZ_SEED } = process.env;
const longRun = MURMUR_FUZZ_CASES !== undefined;
const SEED = Number(MURMUR_FUZZ_SEED ?? 20_261_207);
/** Cases per surface in `npm test`. */
const QUICK: Record<keyof typeof SURFACES, number> = {
  'storage-rpc': 2_500,
  onion: 2_000,
  bencode: 3_000,
  'peer-frames': 3_000,
  'ledger-tx': 2_500,
};

const reports: FuzzReport[] = [];

afterAll(() => {
  for (const r of reports) {
    // The long run's output: one line per surface.
    console.log(
      `fuzz ${r.surface}: ${r.cases} cases, ${r.surface === 'ledger-tx' ? `${r.accepted} accepted, ` : ''}${r.crashes} crashes, ${r.fiveHundreds} 5xx, ${r.dataChanged} refused-but-changed${r.examples.length > 0 ? `\n  ${r.examples.join('\n  ')}` : ''}`,
    );
  }
});

describe('fuzz: every input surface, 0 crashes, 0 5xx, data unchanged by refusals', () => {
  for (const name of Object.keys(SURFACES) as (keyof typeof SURFACES)[]) {
    it(name, { timeout: longRun ? 24 * 3_600_000 : 120_000 }, async () => {
      const cases = longRun ? Number(MURMUR_FUZZ_CASES) : QUICK[name];
      const surface = await SURFACES[name]();
      try {
        const report = await runSurface(surface, { cases, seed: SEED });
        reports.push(report);
        expect(report.cases).toBe(cases);
        // Ledger transactions reach the ledger's rules: some are valid and accepted.
        if (name === 'ledger-tx') expect(report.accepted).toBeGreaterThan(0);
        expect(report.examples).toEqual([]);
        expect({
          crashes: report.crashes,
          fiveHundreds: report.fiveHundreds,
          dataChanged: report.dataChanged,
        }).toEqual({
          crashes: 0,
          fiveHundreds: 0,
          dataChanged: 0,
        });
      } finally {
        await surface.close();
      }
    });
  }
});
