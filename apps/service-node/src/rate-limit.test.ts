import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit.js';

describe('the rate limiter', () => {
  it('gives each address a burst, then its rate', () => {
    let clock = 0;
    const limiter = createRateLimiter({ perSecond: 2, burst: 3 }, () => clock);
    const taken = Array.from({ length: 5 }, () => limiter.take('203.0.113.1'));
    expect(taken).toEqual([true, true, true, false, false]);
    clock += 500;
    expect(limiter.take('203.0.113.1')).toBe(true);
    expect(limiter.take('203.0.113.1')).toBe(false);
  });

  it('counts an IPv6 /64 as one client (and IPv4-mapped addresses as their IPv4 address)', () => {
    const limiter = createRateLimiter({ perSecond: 1, burst: 2 }, () => 0);
    expect(limiter.take('2001:db8:0:1::1')).toBe(true);
    expect(limiter.take('2001:db8:0:1::ffff')).toBe(true);
    expect(limiter.take('2001:db8:0:1:abcd::7')).toBe(false);
    expect(limiter.take('2001:db8:0:2::1')).toBe(true);
    expect(limiter.take('::ffff:203.0.113.9')).toBe(true);
    expect(limiter.take('203.0.113.9')).toBe(true);
    expect(limiter.take('203.0.113.9')).toBe(false);
    expect(limiter.size()).toBe(3);
  });

  it('never evicts a throttled address when the table is full: newcomers wait instead', () => {
    let clock = 0;
    const limiter = createRateLimiter({ perSecond: 1, burst: 2, maxClients: 3 }, () => clock);
    // The abuser empties its bucket.
    while (limiter.take('198.51.100.1')) {
      // Two tokens, then empty.
    }
    // A flood of fresh addresses fills the table.
    expect(limiter.take('198.51.100.2')).toBe(true);
    expect(limiter.take('198.51.100.3')).toBe(true);
    for (let i = 10; i < 1_000; i++) expect(limiter.take(`192.0.2.${i % 250}`)).toBe(false);
    expect(limiter.size()).toBe(3);
    // The abuser is still throttled (it did not come back with a full burst).
    expect(limiter.take('198.51.100.1')).toBe(false);
    // Once the least recently used bucket has refilled, a newcomer takes its place.
    clock += 2_000;
    expect(limiter.take('192.0.2.1')).toBe(true);
    expect(limiter.size()).toBe(3);
  });

  // With a scan of the whole table per newcomer (as before), this took 1.9 billion steps and
  // ran into the test timeout.
  it('costs the same per call with a full table (no scan): 200,000 new addresses', () => {
    let clock = 0;
    const limiter = createRateLimiter({}, () => clock);
    let refused = 0;
    for (let i = 0; i < 200_000; i++) {
      clock += 0.01;
      if (!limiter.take(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)) refused += 1;
    }
    expect(limiter.size()).toBe(10_000);
    // Each address came once: the least recently used had always refilled.
    expect(refused).toBe(0);
  });
});
