import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNetworkTime, median } from './network-time.js';

const TEN_MINUTES = 10 * 60_000;

/** A fake clock: `now` is settable. */
function fakeClock(start: number) {
  const clock = { value: start, now: () => clock.value };
  return clock;
}

describe('network time', () => {
  it('corrects a local clock 10 minutes slow from node answers', () => {
    const trueNow = 1_732_600_000_000;
    const clock = fakeClock(trueNow - TEN_MINUTES);
    const time = createNetworkTime({ minSamples: 1 }, { clock });
    expect(time.synced).toBe(false);
    expect(time.now()).toBe(trueNow - TEN_MINUTES);

    // A request leaves at local t0, the node answers 40 ms later (its clock is true), the
    // answer arrives 80 ms after t0.
    const sentAt = clock.value;
    clock.value += 80;
    time.addSample({ node: 'a', serverTime: trueNow + 40, sentAt, receivedAt: clock.value });
    expect(time.synced).toBe(true);
    expect(time.offsetMs).toBe(TEN_MINUTES);
    expect(time.now()).toBe(trueNow + 80);
  });

  it('corrects a clock 10 minutes fast too', () => {
    const clock = fakeClock(2_000_000_000_000 + TEN_MINUTES);
    const time = createNetworkTime({}, { clock });
    time.addSample({
      node: 'a',
      serverTime: 2_000_000_000_000,
      sentAt: clock.value,
      receivedAt: clock.value,
    });
    expect(time.offsetMs).toBe(-TEN_MINUTES);
    expect(time.now()).toBe(2_000_000_000_000);
  });

  it('takes the median of distinct nodes, so one wrong node cannot move it', () => {
    const clock = fakeClock(1_000_000);
    const time = createNetworkTime({ minSamples: 3 }, { clock });
    const add = (node: string, offset: number) =>
      time.addSample({
        node,
        serverTime: clock.value + offset,
        sentAt: clock.value,
        receivedAt: clock.value,
      });
    add('a', 5_000);
    add('b', 5_200);
    expect(time.synced).toBe(false);
    add('c', 3_600_000); // a node an hour off
    expect(time.synced).toBe(true);
    expect(time.offsetMs).toBe(5_200);
    // The same node answering again replaces its sample instead of adding weight.
    add('c', 3_600_000);
    add('c', 3_600_000);
    expect(time.sampleCount).toBe(3);
    expect(time.offsetMs).toBe(5_200);
  });

  it('keeps only the newest maxSamples nodes and drops old samples', () => {
    const clock = fakeClock(1_000_000);
    const time = createNetworkTime({ maxSamples: 3, maxSampleAgeMs: 1_000 }, { clock });
    for (const [node, offset] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['d', 4],
    ] as const) {
      time.addSample({
        node,
        serverTime: clock.value + offset,
        sentAt: clock.value,
        receivedAt: clock.value,
      });
    }
    expect(time.sampleCount).toBe(3);
    expect(time.offsetMs).toBe(3);
    clock.value += 1_001;
    expect(time.sampleCount).toBe(0);
    expect(time.synced).toBe(false);
  });

  it('after invalidate, stale samples count only until a fresh one arrives', () => {
    const clock = fakeClock(1_000_000);
    const time = createNetworkTime({}, { clock });
    time.addSample({
      node: 'a',
      serverTime: clock.value + 100,
      sentAt: clock.value,
      receivedAt: clock.value,
    });
    time.addSample({
      node: 'b',
      serverTime: clock.value + 100,
      sentAt: clock.value,
      receivedAt: clock.value,
    });
    time.invalidate();
    expect(time.synced).toBe(true);
    expect(time.offsetMs).toBe(100);
    time.addSample({
      node: 'c',
      serverTime: clock.value + 9_000,
      sentAt: clock.value,
      receivedAt: clock.value,
    });
    expect(time.offsetMs).toBe(9_000);
    time.reset();
    expect(time.synced).toBe(false);
    expect(time.offsetMs).toBe(0);
  });

  it('ignores malformed samples and slow round trips', () => {
    const clock = fakeClock(1_000_000);
    const time = createNetworkTime({ maxRoundTripMs: 1_000 }, { clock });
    expect(time.addSample({ node: 'a', serverTime: 5, sentAt: 10, receivedAt: 5 })).toBe(false);
    expect(time.addSample({ node: 'a', serverTime: 5, sentAt: 0, receivedAt: 2_000 })).toBe(false);
    expect(time.addSample({ node: 'a', serverTime: Number.NaN, sentAt: 0, receivedAt: 1 })).toBe(
      false,
    );
    expect(time.addSample({ node: 'a', serverTime: 0, sentAt: 0, receivedAt: 1 })).toBe(false);
    expect(time.synced).toBe(false);
  });

  it('never runs backwards for small corrections, but takes large ones at once', () => {
    const clock = fakeClock(1_000_000);
    const time = createNetworkTime({}, { clock });
    time.addSample({
      node: 'a',
      serverTime: clock.value + 500,
      sentAt: clock.value,
      receivedAt: clock.value,
    });
    expect(time.now()).toBe(1_000_500);
    // A noisier sample pulls the median 300 ms back: now() holds still instead.
    time.addSample({
      node: 'b',
      serverTime: clock.value - 100,
      sentAt: clock.value,
      receivedAt: clock.value,
    });
    expect(time.offsetMs).toBe(200);
    expect(time.now()).toBe(1_000_500);
    clock.value += 400;
    expect(time.now()).toBe(1_000_600);
    // A resync finds the network 10 minutes behind: that goes through.
    time.reset();
    time.addSample({
      node: 'c',
      serverTime: clock.value - TEN_MINUTES,
      sentAt: clock.value,
      receivedAt: clock.value,
    });
    expect(time.now()).toBe(clock.value - TEN_MINUTES);
  });

  it('checks its options', () => {
    expect(() => createNetworkTime({ minSamples: 0 })).toThrow(/minSamples/);
    expect(() => createNetworkTime({ minSamples: 5, maxSamples: 3 })).toThrow(/must not exceed/);
  });

  it('median is order-free and lies between min and max (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e9, max: 1e9 }), { minLength: 1 }), (values) => {
        const m = median(values);
        expect(m).toBeGreaterThanOrEqual(Math.min(...values));
        expect(m).toBeLessThanOrEqual(Math.max(...values));
        expect(median([...values].reverse())).toBe(m);
      }),
    );
  });
});
