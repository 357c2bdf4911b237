import { describe, expect, it } from 'vitest';
import { COIN, ManualClock, openTestLedger } from '../test-support/fixtures.js';
import { createResumeHold } from './resume-hold.js';

// Only the fields the hold reads; the rules' own tests cover the transactions.
interface FakeNode {
  status: 'active' | 'decommissioned';
}

function fakeLedger(options: { timestamp: number; nodes: [string, FakeNode][]; height?: number }) {
  const mempool: { type: string; node?: string; timestamp?: number }[] = [];
  return {
    mempool,
    ledger: {
      get mempool() {
        return mempool as never;
      },
      state: {
        height: options.height ?? 30,
        timestamp: options.timestamp,
        params: {
          blockTimeMs: 1_000,
          uptimeProofValidityMs: 11_000,
          uptimeProofTimestampToleranceMs: 5_000,
        },
        nodes: new Map(options.nodes),
      } as never,
    },
  };
}

describe('the resumed ledger hold', () => {
  const nodes: [string, FakeNode][] = [
    ['a', { status: 'active' }],
    ['b', { status: 'active' }],
    ['c', { status: 'decommissioned' }],
  ];

  it('is not needed for a recent chain, a chain without active nodes, a new chain or grace 0', () => {
    const now = () => 100_000;
    expect(
      createResumeHold({ graceMs: 30_000 }, { ...fakeLedger({ timestamp: 95_000, nodes }), now }),
    ).toBeUndefined();
    expect(
      createResumeHold(
        { graceMs: 30_000 },
        { ...fakeLedger({ timestamp: 0, nodes: [['c', { status: 'decommissioned' }]] }), now },
      ),
    ).toBeUndefined();
    expect(
      createResumeHold(
        { graceMs: 30_000 },
        { ...fakeLedger({ timestamp: 0, nodes, height: 0 }), now },
      ),
    ).toBeUndefined();
    expect(
      createResumeHold({ graceMs: 0 }, { ...fakeLedger({ timestamp: 0, nodes }), now }),
    ).toBeUndefined();
  });

  it('holds until every active node has a fresh proof waiting', () => {
    let time = 100_000;
    const fake = fakeLedger({ timestamp: 50_000, nodes });
    const hold = createResumeHold({ graceMs: 30_000 }, { ledger: fake.ledger, now: () => time });
    expect(hold).toBeDefined();
    expect(hold?.()).toBe(true);
    fake.mempool.push({ type: 'uptime-proof', node: 'a', timestamp: 99_000 });
    expect(hold?.()).toBe(true);
    // A stale proof of b does not count.
    fake.mempool.push({ type: 'uptime-proof', node: 'b', timestamp: 90_000 });
    expect(hold?.()).toBe(true);
    time = 101_000;
    fake.mempool.push({ type: 'uptime-proof', node: 'b', timestamp: 100_500 });
    expect(hold?.()).toBe(false);
    // Once released, it stays released.
    fake.mempool.length = 0;
    expect(hold?.()).toBe(false);
  });

  it('ends at once when another transaction waits, and at the latest after the grace', () => {
    let time = 100_000;
    const fake = fakeLedger({ timestamp: 50_000, nodes });
    const hold = createResumeHold({ graceMs: 30_000 }, { ledger: fake.ledger, now: () => time });
    fake.mempool.push({ type: 'transfer' });
    expect(hold?.()).toBe(false);

    const other = fakeLedger({ timestamp: 50_000, nodes });
    const timed = createResumeHold({ graceMs: 30_000 }, { ledger: other.ledger, now: () => time });
    time = 129_999;
    expect(timed?.()).toBe(true);
    time = 130_000;
    expect(timed?.()).toBe(false);
  });

  it('releases within seconds when 21 nodes prove every 5 s at random phases', () => {
    const keys = Array.from({ length: 21 }, (_unused, i) => `node-${i}`);
    const fake = fakeLedger({
      timestamp: 0,
      nodes: keys.map((key) => [key, { status: 'active' }] as [string, FakeNode]),
    });
    let time = 100_000;
    const hold = createResumeHold({ graceMs: 30_000 }, { ledger: fake.ledger, now: () => time });
    // Deterministic phases: each node's first proof within the first 10 s (processes start
    // one after the other), then one every 5 s plus a few ms of submission latency.
    const next = keys.map((_key, i) => 100_000 + ((i * 7_919) % 10_000));
    let released: number | undefined;
    for (let tick = 0; tick < 30 && released === undefined; tick++) {
      const until = 100_000 + (tick + 1) * 1_000;
      for (;;) {
        const earliest = Math.min(...next);
        if (earliest > until) break;
        const index = next.indexOf(earliest);
        time = earliest;
        fake.mempool.push({
          type: 'uptime-proof',
          node: keys[index] as string,
          timestamp: earliest,
        });
        next[index] = earliest + 5_000 + 7;
      }
      time = until;
      if (hold?.() === false) released = time;
    }
    expect(released).toBeDefined();
    expect((released as number) - 100_000).toBeLessThan(15_000);
  });

  it('keeps a node active across a long stop of a real ledger', async () => {
    const clock = new ManualClock();
    const test = await openTestLedger({ clock });
    try {
      const { ledger } = test;
      test.fund({ operator: 200n * COIN });
      test.accept(test.register('node', 'operator', 100n * COIN));
      clock.advance(1_000);
      ledger.produceBlock();
      test.accept(test.proof('node', clock.now()));
      clock.advance(1_000);
      ledger.produceBlock();
      const key = test.address('node');
      expect(ledger.state.nodes.get(key)?.status).toBe('active');

      // The ledger was stopped for a minute.
      clock.advance(60_000);
      const hold = createResumeHold({ graceMs: 30_000 }, { ledger, now: () => clock.now() });
      expect(hold?.()).toBe(true);
      test.accept(test.proof('node', clock.now()));
      expect(hold?.()).toBe(false);
      ledger.produceBlock();
      expect(ledger.state.nodes.get(key)?.status).toBe('active');

      // Without the hold, the first block after a stop judges the old proof.
      clock.advance(60_000);
      ledger.produceBlock();
      expect(ledger.state.nodes.get(key)?.status).toBe('decommissioned');
    } finally {
      await test.dispose();
    }
  });
});
