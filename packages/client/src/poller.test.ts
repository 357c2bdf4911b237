import { AbortError, type AbortOptions, RequestTimeoutError, silentLogger } from '@murmur/wire';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PollerState } from './events.js';
import { createPoller, type PollerComponents } from './poller.js';
import { createWatchdog } from './watchdog.js';

const clock = { now: () => Date.now() };

function setup(
  poll: (options: AbortOptions) => Promise<{ more: boolean }>,
  overrides: Partial<PollerComponents> = {},
  init: { intervalMs?: number; slowIntervalMs?: number } = {},
) {
  const states: PollerState[] = [];
  const wakes: number[] = [];
  const errors: unknown[] = [];
  const pollMock = vi.fn(poll);
  const poller = createPoller(
    { intervalMs: init.intervalMs ?? 1_500, slowIntervalMs: init.slowIntervalMs ?? 30_000 },
    {
      clock,
      logger: silentLogger(),
      poll: (options) => pollMock(options),
      blockedBy: () => undefined,
      pushConnected: () => false,
      onStateChange: (state) => states.push(state),
      onWake: (gap) => wakes.push(gap),
      onError: (error) => errors.push(error),
      ...overrides,
    },
  );
  return { poller, poll: pollMock, states, wakes, errors };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('poller', () => {
  it('polls at once, then every interval, and at once again while there is more', async () => {
    const answers = [false, true, true, false, false];
    const { poller, poll, states } = setup(async () => ({ more: answers.shift() ?? false }));
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(poll).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_499);
    expect(poll).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    // more, more, then caught up: three rounds without waiting.
    expect(poll).toHaveBeenCalledTimes(4);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(poll).toHaveBeenCalledTimes(5);
    expect(states).toContain('polling');
    expect(poller.state).toBe('idle');
    await poller.stop();
    expect(poller.state).toBe('stopped');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('backs off after failures (up to 30 s) and recovers', async () => {
    let failing = true;
    const { poller, poll, errors } = setup(async () => {
      if (failing) throw new RequestTimeoutError('no answer');
      return { more: false };
    });
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(poller.failures).toBe(1);
    // 1.5 s, 3 s, 6 s, 12 s, 24 s, 30 s (capped)
    for (const [wait, calls] of [
      [1_500, 2],
      [3_000, 3],
      [6_000, 4],
      [12_000, 5],
      [24_000, 6],
      [29_999, 6],
      [1, 7],
    ] as const) {
      await vi.advanceTimersByTimeAsync(wait);
      expect(poll).toHaveBeenCalledTimes(calls);
    }
    expect(poller.state).toBe('backing-off');
    expect(errors).toHaveLength(7);
    failing = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(poller.failures).toBe(0);
    expect(poller.state).toBe('idle');
    await poller.stop();
  });

  it('detects a sleep (a timer firing far too late) and catches up at once', async () => {
    const { poller, poll, wakes } = setup(async () => ({ more: false }));
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    // The machine sleeps for an hour: the wall clock jumps, timers fire late.
    vi.setSystemTime(Date.now() + 3_600_000);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(wakes).toHaveLength(1);
    expect(wakes[0]).toBeGreaterThan(3_500_000);
    expect(poll).toHaveBeenCalledTimes(2);
    await poller.stop();
  });

  it('pollNow and caughtUp poll without waiting for the timer', async () => {
    const answers = [false, true, false];
    const { poller, poll } = setup(async () => ({ more: answers.shift() ?? false }));
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    const caughtUp = poller.caughtUp();
    poller.pollNow();
    await vi.advanceTimersByTimeAsync(0);
    await caughtUp;
    expect(poll).toHaveBeenCalledTimes(3);
    const controller = new AbortController();
    const aborted = poller.caughtUp({ signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    await poller.stop();
  });

  it('waits while blocked and says why', async () => {
    let blocked: 'waiting-for-account' | undefined = 'waiting-for-account';
    const { poller, poll, states } = setup(async () => ({ more: false }), {
      blockedBy: () => blocked,
    });
    poller.start();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(poll).not.toHaveBeenCalled();
    expect(states).toEqual(['waiting-for-account']);
    blocked = undefined;
    poller.pollNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(poll).toHaveBeenCalledTimes(1);
    await poller.stop();
  });

  it('slows down while a push source is connected', async () => {
    const { poller, poll } = setup(async () => ({ more: false }), { pushConnected: () => true });
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(poll).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(poll).toHaveBeenCalledTimes(2);
    expect(poller.currentIntervalMs).toBe(30_000);
    await poller.stop();
  });
});

describe('watchdog', () => {
  it('restarts a stalled poller after max(3 × interval, 30 s)', async () => {
    let hang = true;
    const signals: AbortSignal[] = [];
    const { poller, poll } = setup((options) => {
      if (options.signal !== undefined) signals.push(options.signal);
      if (!hang) return Promise.resolve({ more: false });
      // A round that never ends by itself (it only honours its signal).
      return new Promise((_, reject) => {
        options.signal?.addEventListener('abort', () => reject(options.signal?.reason));
      });
    });
    const stalls: number[] = [];
    const watchdog = createWatchdog(
      { checkIntervalMs: 1_000 },
      {
        clock,
        logger: silentLogger(),
        intervalMs: () => poller.currentIntervalMs,
        lastProgressAt: () => poller.lastProgressAt,
        active: () => poller.state === 'polling' || poller.state === 'idle',
        onStall: (quiet) => {
          stalls.push(quiet);
          hang = false;
          poller.restart();
        },
      },
    );
    expect(watchdog.stallAfterMs()).toBe(30_000);
    poller.start();
    watchdog.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(stalls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stalls).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(poll).toHaveBeenCalledTimes(2);
    expect(poller.state).toBe('idle');
    // Healthy again: no more stalls.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(stalls).toHaveLength(1);
    watchdog.stop();
    await poller.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('uses three intervals when that is longer', () => {
    const watchdog = createWatchdog(
      {},
      {
        clock,
        logger: silentLogger(),
        intervalMs: () => 20_000,
        lastProgressAt: () => 0,
        active: () => false,
        onStall: () => undefined,
      },
    );
    expect(watchdog.stallAfterMs()).toBe(60_000);
  });
});
