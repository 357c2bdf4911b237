import { silentLogger, UpstreamFailedError } from '@murmur/wire';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TimeSyncEvent } from '../events.js';
import { createTimeSync, type TimeSyncComponents } from './time-sync.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const clock = { now: () => Date.now() };

function setup(
  answer: (node: string) => boolean,
  overrides: Partial<TimeSyncComponents<string>> = {},
) {
  const events: TimeSyncEvent[] = [];
  const errors: unknown[] = [];
  const asked: string[] = [];
  const controller = new AbortController();
  const state = { nodes: ['a', 'b', 'c', 'd'], canSend: true };
  const sync = createTimeSync<string>(
    { time: { minSamples: 2 }, resyncIntervalMs: 600_000, resyncNodes: 3 },
    {
      clock,
      logger: silentLogger(),
      randomNodes: (count) => state.nodes.slice(0, count),
      ask: async (node) => {
        asked.push(node);
        if (!answer(node)) throw new UpstreamFailedError(`${node} is down`);
        // As the transport does: every answer's `t` is a sample (the network is 5 s ahead).
        const now = clock.now();
        sync.time.addSample({ node, serverTime: now + 5_000, sentAt: now, receivedAt: now });
      },
      canSend: () => state.canSend,
      signal: () => controller.signal,
      onChange: (event) => events.push(event),
      onError: (error) => errors.push(error),
      ...overrides,
    },
  );
  return { sync, events, errors, asked, state };
}

describe('time sync', () => {
  it('asks resyncNodes nodes, syncs, notifies the change and resyncs every interval', async () => {
    const t = setup(() => true);
    t.sync.start();
    t.sync.loop();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.asked).toEqual(['a', 'b', 'c']);
    expect(t.sync.time.synced).toBe(true);
    expect(t.sync.time.offsetMs).toBe(5_000);
    // Synced on the second sample, then once more for the ended resync.
    expect(t.events.map((event) => event.synced)).toEqual([true, true]);
    expect(t.events.at(-1)).toEqual({ offsetMs: 5_000, samples: 3, synced: true });
    await vi.advanceTimersByTimeAsync(599_999);
    expect(t.asked).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.asked).toHaveLength(6);
    expect(vi.getTimerCount()).toBe(1);
    t.sync.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(t.errors).toEqual([]);
  });

  it('retries with doubling delays while unsynced and reports each failure', async () => {
    let up = false;
    const t = setup(() => up);
    t.sync.start();
    t.sync.loop();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.errors).toHaveLength(1);
    expect((t.errors[0] as Error).message).toBe('no node answered a time request (3 asked)');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(t.errors).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(3_999);
    expect(t.errors).toHaveLength(2);
    up = true;
    await vi.advanceTimersByTimeAsync(1);
    expect(t.sync.time.synced).toBe(true);
    expect(t.errors).toHaveLength(2);
    t.sync.stop();
  });

  it('does nothing while stopped, without a path or without a node', async () => {
    const t = setup(() => true);
    t.sync.loop();
    t.sync.start();
    t.state.canSend = false;
    t.sync.loop();
    t.state.canSend = true;
    t.state.nodes = [];
    t.sync.loop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.asked).toEqual([]);
    await expect(t.sync.resync()).rejects.toThrow(UpstreamFailedError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('shares one resync in flight between callers and exposes it until it ends', async () => {
    const pending: (() => void)[] = [];
    const t = setup(() => true, {
      ask: () => new Promise<void>((resolve) => pending.push(resolve)),
    });
    const first = t.sync.resync();
    const second = t.sync.resync();
    expect(t.sync.running).toBeDefined();
    // One resync: three nodes asked, not six.
    expect(pending).toHaveLength(3);
    for (const resolve of pending) resolve();
    await Promise.all([first, second]);
    expect(t.sync.running).toBeUndefined();
  });
});
