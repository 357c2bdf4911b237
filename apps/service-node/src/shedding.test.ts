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
