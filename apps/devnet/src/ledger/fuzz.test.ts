/**
 * Fuzz of the devnet ledger's `POST /tx` (issue 10) on a real loopback server: validly signed
 * transactions of every type with one edge-biased field each, random JSON and random bodies
 * (@murmur/registry/test-support/ledger-transactions). 0 connection failures, 0 5xx, and a refused
 * transaction leaves the ledger unchanged (state digest, mempool); an accepted one is put in a
 * block at once, so the next cases meet the new nonces, balances and stakes. Every 250 cases
 * the ledger starts again from its genesis (a deregistered node or a drained wallet ends whole
 * branches of the rules).
 *
 * In `npm test`: a seed-fixed run of 1,000 cases, not the few thousand of the other surfaces:
 * each case is a real HTTP request and every accepted one a block written to SQLite, and 2,000
 * took 82 s on the shared 2-core machine (load average 32); 1,000 keeps the file under a
 * minute there. The long run
 * (`pnpm --filter @murmur/devnet fuzz`, config `vitest.fuzz.config.ts`) sets MURMUR_FUZZ_CASES
 * (default there 100,000) and prints cases, accepted, crashes and 5xx.
 */
import { join } from 'node:path';
import { stateDigest } from '@murmur/registry';
import {
  createLedgerFuzzWorld,
  type LedgerCase,
  ledgerTransactionArbitrary,
} from '@murmur/registry/test-support/ledger-transactions';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, tempDir, testCrypto } from '../test-support/fixtures.js';
import { openDevnetLedger } from './ledger.js';
import { createLedgerApp } from './server.js';
import { openLedgerStore } from './store.js';

const { MURMUR_FUZZ_CASES, MURMUR_FUZZ_SEED } = process.env;
const CASES = Number(MURMUR_FUZZ_CASES ?? 1_000);
const SEED = Number(MURMUR_FUZZ_SEED ?? 20_261_207);
const RESTART_EVERY = 250;

const report = {
  cases: 0,
  accepted: 0,
  crashes: 0,
  fiveHundreds: 0,
  dataChanged: 0,
  examples: [] as string[],
};

afterAll(() => {
  console.log(
    `fuzz ledger-http: ${report.cases} cases, ${report.accepted} accepted, ${report.crashes} crashes, ${report.fiveHundreds} 5xx, ${report.dataChanged} refused-but-changed${report.examples.length > 0 ? `\n  ${report.examples.join('\n  ')}` : ''}`,
  );
});

async function openWorld() {
  const crypto = await testCrypto();
  const clock = new ManualClock();
  const { dir, cleanup } = tempDir('murmur-ledger-fuzz-');
  const world = createLedgerFuzzWorld(crypto, { chainId: 'fuzz-http', timestamp: clock.time });
  const store = openLedgerStore({ path: join(dir, 'ledger.sqlite') });
  const ledger = openDevnetLedger(
    { store, genesis: world.genesis, authority: world.authority.pair },
    { crypto, clock },
  );
  for (const tx of world.setupTransactions) {
    const { result } = ledger.submit(tx);
    if (!result.accepted) throw new Error(`fuzz setup refused: ${result.message}`);
  }
  clock.advance(1_000);
  ledger.produceBlock();
  const app = await createLedgerApp({}, { ledger });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const arbitrary = fc.oneof(
    {
      weight: 9,
      arbitrary: ledgerTransactionArbitrary(world, crypto, () => ({
        state: ledger.state,
        timestamp: clock.now(),
      })).map((c: LedgerCase) => ({ body: () => JSON.stringify(c.build()), shown: c })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', 'null', '[]', '{'))
        .map((text) => ({ body: () => text, shown: text })),
    },
  );
  return {
    crypto,
    clock,
    ledger,
    url,
    arbitrary,
    async close() {
      await app.close();
      store.close();
      cleanup();
    },
  };
}

describe('fuzz: the devnet ledger POST /tx, 0 crashes, 0 5xx, refusals change nothing', () => {
  it('ledger-http', {
    timeout: MURMUR_FUZZ_CASES === undefined ? 180_000 : 24 * 3_600_000,
  }, async () => {
    for (let start = 0; start < CASES; start += RESTART_EVERY) {
      const w = await openWorld();
      try {
        const inputs = fc.sample(w.arbitrary, {
          numRuns: Math.min(RESTART_EVERY, CASES - start),
          seed: SEED + start,
        });
        let digest = stateDigest(w.ledger.state, w.crypto);
        for (const input of inputs) {
          report.cases += 1;
          const mempool = w.ledger.mempoolSize;
          let status: number;
          try {
            const response = await fetch(`${w.url}/tx`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: input.body(),
            });
            await response.arrayBuffer();
            status = response.status;
          } catch (error) {
            status = -1;
            report.crashes += 1;
            if (report.examples.length < 3) report.examples.push(`${String(error)}`);
          }
          if (status >= 500) report.fiveHundreds += 1;
          if (status === 200) {
            report.accepted += 1;
            w.clock.advance(1_000);
            w.ledger.produceBlock();
            digest = stateDigest(w.ledger.state, w.crypto);
          } else if (
            stateDigest(w.ledger.state, w.crypto) !== digest ||
            w.ledger.mempoolSize !== mempool
          ) {
            report.dataChanged += 1;
          }
          if ((status >= 500 || status < 0) && report.examples.length < 3) {
            report.examples.push(`${JSON.stringify(input.shown).slice(0, 300)} -> ${status}`);
          }
        }
      } finally {
        await w.close();
      }
    }
    expect(report.cases).toBe(CASES);
    expect(report.examples).toEqual([]);
    expect(report.accepted).toBeGreaterThan(0);
    expect({
      crashes: report.crashes,
      fiveHundreds: report.fiveHundreds,
      dataChanged: report.dataChanged,
    }).toEqual({ crashes: 0, fiveHundreds: 0, dataChanged: 0 });
  });
});
