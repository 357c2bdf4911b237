import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPoolRefresh } from './pool-refresh.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('pool refresh', () => {
  it('refreshes every interval after start, and never after stop', async () => {
    const refresh = vi.fn();
    const pool = createPoolRefresh({ intervalMs: 60_000 }, { refresh });
    pool.start();
    pool.start(); // a second start does not add a timer
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(refresh).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(refresh).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(refresh).toHaveBeenCalledTimes(3);
    pool.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(refresh).toHaveBeenCalledTimes(3);
    pool.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(refresh).toHaveBeenCalledTimes(4);
    pool.stop();
  });
});
