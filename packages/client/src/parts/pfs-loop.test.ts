import { UpstreamFailedError } from '@murmur/wire';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPfsLoop, PFS_MAX_BACKOFF_MS, PFS_NOT_READY_RECHECK_MS } from './pfs-loop.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

function fakePfs(fail: () => boolean = () => false) {
  const calls = { prune: 0, tick: 0 };
  return {
    calls,
    pfs: {
      checkIntervalMs: 10_000,
      prune: () => {
        calls.prune++;
        return 0;
      },
      tick: async () => {
        calls.tick++;
        if (fail()) throw new UpstreamFailedError('swarm down');
      },
    },
  };
}

describe('pfs loop', () => {
  it('prunes even while not ready, ticks once ready, then every checkIntervalMs', async () => {
    const { pfs, calls } = fakePfs();
    let ready = false;
    const errors: unknown[] = [];
    const loop = createPfsLoop({ pfs, ready: () => ready, onError: (e) => errors.push(e) });
    const controller = new AbortController();
    loop.start(controller.signal);
    expect(calls).toEqual({ prune: 1, tick: 0 });
    await vi.advanceTimersByTimeAsync(PFS_NOT_READY_RECHECK_MS * 3);
    expect(calls).toEqual({ prune: 4, tick: 0 });
    ready = true;
    await vi.advanceTimersByTimeAsync(PFS_NOT_READY_RECHECK_MS);
    expect(calls.tick).toBe(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls.tick).toBe(4);
    expect(errors).toEqual([]);
    await loop.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(100_000);
    expect(calls.tick).toBe(4);
  });

  it('reports failed ticks and backs off 1 s doubling up to 1 min, then recovers', async () => {
    let failing = true;
    const { pfs, calls } = fakePfs(() => failing);
    const errors: string[] = [];
    const loop = createPfsLoop({
      pfs,
      ready: () => true,
      onError: (e) => errors.push((e as UpstreamFailedError).code),
    });
    loop.start(new AbortController().signal);
    await vi.advanceTimersByTimeAsync(0);
    const ticksAt: number[] = [];
    let last = calls.tick;
    for (let ms = 0; ms < 200_000; ms += 500) {
      await vi.advanceTimersByTimeAsync(500);
      if (calls.tick !== last) {
        ticksAt.push(ms + 500);
        last = calls.tick;
      }
    }
    const gaps = ticksAt.map((at, i) => at - (i === 0 ? 0 : (ticksAt[i - 1] as number)));
    expect(gaps.slice(0, 6)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000]);
    expect(Math.max(...gaps)).toBe(PFS_MAX_BACKOFF_MS);
    expect(errors.every((code) => code === 'UPSTREAM_FAILED')).toBe(true);
    expect(errors.length).toBe(calls.tick);
    failing = false;
    await vi.advanceTimersByTimeAsync(PFS_MAX_BACKOFF_MS);
    const recovered = calls.tick;
    await vi.advanceTimersByTimeAsync(pfs.checkIntervalMs);
    expect(calls.tick).toBe(recovered + 1);
    await loop.stop();
  });

  it('stop waits for a running tick, and a stopped round schedules nothing', async () => {
    let release: () => void = () => undefined;
    const pfs = {
      checkIntervalMs: 1_000,
      prune: () => 0,
      tick: vi.fn(() => new Promise<void>((resolve) => (release = resolve))),
    };
    const loop = createPfsLoop({ pfs, ready: () => true, onError: () => undefined });
    const controller = new AbortController();
    loop.start(controller.signal);
    let stopped = false;
    const stopping = loop.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(pfs.tick).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
