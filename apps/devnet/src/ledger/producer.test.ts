import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CommittedBlock, DevnetLedger } from './ledger.js';
import { createBlockProducer } from './producer.js';

afterEach(() => {
  vi.useRealTimers();
});

function countingLedger() {
  let blocks = 0;
  const ledger = {
    produceBlock: () => {
      blocks++;
      return { block: { height: blocks, transactions: [] } } as unknown as CommittedBlock;
    },
  } as unknown as DevnetLedger;
  return { ledger, blocks: () => blocks };
}

describe('the block producer', () => {
  it('makes one block per block time', () => {
    vi.useFakeTimers();
    const { ledger, blocks } = countingLedger();
    const producer = createBlockProducer({ blockTimeMs: 100 }, { ledger, now: () => Date.now() });
    producer.start();
    vi.advanceTimersByTime(1_050);
    expect(blocks()).toBe(10);
    producer.stop();
    vi.advanceTimersByTime(1_000);
    expect(blocks()).toBe(10);
  });

  it('makes none while held, and goes on at the same cadence once released', () => {
    vi.useFakeTimers();
    const { ledger, blocks } = countingLedger();
    let held = true;
    const producer = createBlockProducer(
      { blockTimeMs: 100 },
      { ledger, now: () => Date.now(), holdWhile: () => held },
    );
    producer.start();
    vi.advanceTimersByTime(1_050);
    expect(blocks()).toBe(0);
    held = false;
    vi.advanceTimersByTime(300);
    expect(blocks()).toBe(3);
    producer.stop();
  });
});
