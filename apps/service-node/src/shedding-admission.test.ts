import { describe, expect, it } from 'vitest';
import { createLoadShedder } from './shedding.js';

describe('the load shedder', () => {
  it('counts requests in flight against the limit', () => {
    const shedder = createLoadShedder({ maxInFlight: 2 });
    const first = shedder.enter();
    expect(shedder.check()).toBeUndefined();
    const second = shedder.enter();
    expect(shedder.check()).toBe('in-flight');
    first();
    first();
    expect(shedder.inFlight()).toBe(1);
    expect(shedder.check()).toBeUndefined();
    second();
  });

  it('sees the whole queue: requests the server holds (bodies being read) count too', () => {
    let held = 0;
    const shedder = createLoadShedder({ maxInFlight: 3, queued: () => held });
    expect(shedder.check()).toBeUndefined();
    held = 3;
    expect(shedder.inFlight()).toBe(0);
    expect(shedder.check()).toBe('in-flight');
    held = 2;
    expect(shedder.check()).toBeUndefined();
  });
});

describe('standing queues', () => {
  it('sheds while even the quickest request of the last interval waited longer than the target', () => {
    let clock = 0;
    const shedder = createLoadShedder({
      maxQueueDelayMs: 100,
      queueIntervalMs: 500,
      now: () => clock,
    });
    // Interval 1: requests take 300 ms (a queue).
    for (let i = 0; i < 5; i++) {
      const leave = shedder.enter();
      clock += 300;
      leave();
    }
    expect(shedder.check()).toBe('queue-delay');
    // A quick one in the next interval is not enough while it lasts…
    const quick = shedder.enter();
    clock += 10;
    quick();
    expect(shedder.check()).toBe('queue-delay');
    // …but once that interval ends with a quick minimum, admission opens again.
    clock += 500;
    expect(shedder.check()).toBeUndefined();
  });

  it('judges the wait before the handler, not the handler’s own time (a slow swarm member)', () => {
    let clock = 0;
    const shedder = createLoadShedder({
      maxQueueDelayMs: 100,
      queueIntervalMs: 500,
      now: () => clock,
    });
    for (let i = 0; i < 5; i++) {
      const leave = shedder.enter();
      clock += 5;
      leave.started?.();
      // The store waits 5 s for a member that hangs.
      clock += 5_000;
      leave();
    }
    expect(shedder.check()).toBeUndefined();
  });

  it('does not shed for one slow request among quick ones', () => {
    let clock = 0;
    const shedder = createLoadShedder({
      maxQueueDelayMs: 100,
      queueIntervalMs: 500,
      now: () => clock,
    });
    const slow = shedder.enter();
    for (let i = 0; i < 10; i++) {
      const leave = shedder.enter();
      clock += 20;
      leave();
    }
    clock += 400;
    slow();
    clock += 100;
    expect(shedder.check()).toBeUndefined();
  });
});

describe('the wait since arrival', () => {
  it('sheds a request that already waited longer than maxWaitMs since its arrival, not one that did not', () => {
    let clock = 10_000;
    const shedder = createLoadShedder({ maxWaitMs: 1_000, now: () => clock });
    expect(shedder.check(clock - 1_500)).toBe('queue-wait');
    expect(shedder.check(clock - 500)).toBeUndefined();
    // Without an arrival (a request the guard did not see) the wait is not judged.
    expect(shedder.check()).toBeUndefined();
    clock += 1;
    expect(shedder.retryAfterSeconds()).toBeGreaterThanOrEqual(1);
  });

  it('sheds every new request while the crypto backlog’s oldest job waited over half the bound', () => {
    let backlog = 0;
    const shedder = createLoadShedder({ maxWaitMs: 1_000, backlogWaitMs: () => backlog });
    expect(shedder.check(shedder.now())).toBeUndefined();
    backlog = 600;
    expect(shedder.check(shedder.now())).toBe('queue-wait');
    backlog = 400;
    expect(shedder.check(shedder.now())).toBeUndefined();
  });
});
