import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cpuSeconds, phaseEnds, readyLauncher, residentKib } from './devnet-run.js';

let procRoot: string;
beforeEach(() => {
  procRoot = mkdtempSync(join(tmpdir(), 'bench-proc-'));
});
afterEach(() => {
  rmSync(procRoot, { recursive: true, force: true });
});

describe('readyLauncher', () => {
  it('gives the record once launcher.json says ready, nothing before or while it is written', () => {
    expect(readyLauncher('{"state":"ready","readyAfterMs":1234,"timings":{"ledger":5}}')).toEqual({
      state: 'ready',
      readyAfterMs: 1234,
      timings: { ledger: 5 },
    });
    expect(readyLauncher('{"state":"starting"}')).toBeUndefined();
    expect(readyLauncher('{"state":"rea')).toBeUndefined();
  });
});

describe('phaseEnds', () => {
  it("puts up's load and every step end on the clock of up's spawn, in the order they ended", () => {
    const spawnedAtMs = Date.parse('2026-12-07T20:00:00.000Z');
    const ends = phaseEnds(
      {
        state: 'ready',
        startedAt: '2026-12-07T20:00:00.700Z',
        stepEnds: { health: 9_000, ledger: 800, relays: 9_300, wallets: 1_500 },
      },
      spawnedAtMs,
      10_100,
    );
    expect(ends).toEqual({
      loaded: 700,
      ledger: 1_500,
      wallets: 2_200,
      health: 9_700,
      relays: 10_000,
      ready: 10_100,
    });
    expect(Object.keys(ends)).toEqual(['loaded', 'ledger', 'wallets', 'health', 'relays', 'ready']);
  });

  it('gives only the ready time for a record of an older up (no start time)', () => {
    expect(phaseEnds({ state: 'ready', timings: { ledger: 5 } }, 0, 1_234)).toEqual({
      ready: 1_234,
    });
  });
});

describe('what /proc says of a process', () => {
  it('reads resident memory and CPU time, even with spaces and parentheses in the name', () => {
    mkdirSync(join(procRoot, '42'));
    writeFileSync(
      join(procRoot, '42', 'status'),
      'Name:\tnode\nVmPeak:\t 9000 kB\nVmRSS:\t  51200 kB\n',
    );
    // Fields after the name: state, ppid, …; utime and stime are the 14th and 15th fields.
    writeFileSync(
      join(procRoot, '42', 'stat'),
      '42 (node (worker) x) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 1000',
    );
    expect(residentKib(42, procRoot)).toBe(51_200);
    expect(cpuSeconds(42, procRoot)).toBe(3);
  });

  it('answers undefined for a process that is gone', () => {
    expect(residentKib(43, procRoot)).toBeUndefined();
    expect(cpuSeconds(43, procRoot)).toBeUndefined();
  });

  it.skipIf(process.platform !== 'linux')('reads this process on Linux', () => {
    expect(residentKib(process.pid)).toBeGreaterThan(0);
    expect(cpuSeconds(process.pid)).toBeGreaterThanOrEqual(0);
  });
});
