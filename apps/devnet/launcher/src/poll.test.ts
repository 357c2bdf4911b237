import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TestnetTimeoutError } from './errors.js';
import { mapLimit, pollUntil } from './poll.js';

describe('pollUntil', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves the first defined value', async () => {
    let calls = 0;
    const result = pollUntil(() => (++calls === 3 ? 'ready' : undefined), {
      intervalMs: 100,
      timeoutMs: 10_000,
      describeTimeout: () => 'never',
    });
    await vi.advanceTimersByTimeAsync(250);
    await expect(result).resolves.toBe('ready');
    expect(calls).toBe(3);
  });

  it('times out with the described message', async () => {
    const result = pollUntil(() => undefined, {
      intervalMs: 100,
      timeoutMs: 1_000,
      describeTimeout: () => 'node-03 not healthy; log: /t/logs/node-03.log',
    });
    const settled = expect(result).rejects.toThrow(TestnetTimeoutError);
    await vi.advanceTimersByTimeAsync(1_100);
    await settled;
    await expect(result).rejects.toThrow(/node-03 not healthy/);
  });

  it('stops at once on a failure or an abort', async () => {
    let fail: (error: Error) => void = () => undefined;
    const failure = new Promise<never>((_resolve, reject) => {
      fail = reject;
    });
    const failing = pollUntil(() => undefined, {
      timeoutMs: 60_000,
      failure,
      describeTimeout: () => '',
    });
    const failed = expect(failing).rejects.toThrow(/node-01 exited/);
    fail(new Error('node-01 exited'));
    await vi.advanceTimersByTimeAsync(1);
    await failed;

    const controller = new AbortController();
    const aborting = pollUntil(() => undefined, {
      timeoutMs: 60_000,
      signal: controller.signal,
      describeTimeout: () => '',
    });
    const aborted = expect(aborting).rejects.toMatchObject({ code: 'ABORTED' });
    controller.abort();
    await vi.advanceTimersByTimeAsync(1);
    await aborted;
  });

  it('ends with the error a check throws', async () => {
    await expect(
      pollUntil(
        () => {
          throw new Error('bad answer');
        },
        { timeoutMs: 1_000, describeTimeout: () => '' },
      ),
    ).rejects.toThrow('bad answer');
  });
});

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapLimit([5, 1, 4, 2, 3], 2, async (value) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, value));
      running--;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('rejects with the first error and starts nothing more', async () => {
    const started: number[] = [];
    await expect(
      mapLimit([1, 2, 3, 4], 1, async (value) => {
        started.push(value);
        if (value === 2) throw new Error('two');
        return value;
      }),
    ).rejects.toThrow('two');
    expect(started).toEqual([1, 2]);
  });
});
