import type { OnionNode } from '@murmur/onion';
import { AbortError, type AbortOptions, silentLogger, UpstreamFailedError } from '@murmur/wire';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBootstrap } from './bootstrap.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const node = (n: number) => ({ ed25519: `${n}`.padStart(64, '0') }) as unknown as OnionNode;

function setup(answers: (() => Promise<OnionNode[]>)[]) {
  const applied: OnionNode[][] = [];
  const errors: unknown[] = [];
  const refresh = vi.fn(async (_options?: AbortOptions) => {
    const next = answers.shift();
    if (next === undefined) throw new Error('no answer left');
    return next();
  });
  let loaded = 0;
  const bootstrap = createBootstrap({
    directory: { kind: 'seeds', refresh },
    applyPool: (nodes) => applied.push(nodes),
    onLoaded: () => loaded++,
    onError: (error) => errors.push(error),
    random: () => 1, // no jitter below the full delay
    logger: silentLogger(),
  });
  return { bootstrap, refresh, applied, errors, loaded: () => loaded };
}

describe('bootstrap', () => {
  it('loads and applies the node list, one load at a time, with the lifecycle signal', async () => {
    let release: (nodes: OnionNode[]) => void = () => {};
    const t = setup([() => new Promise((resolve) => (release = resolve))]);
    const controller = new AbortController();
    t.bootstrap.start(controller.signal);
    t.bootstrap.run();
    t.bootstrap.run(); // in flight: not a second load
    expect(t.refresh).toHaveBeenCalledTimes(1);
    expect(t.refresh.mock.calls[0]?.[0]?.signal).toBe(controller.signal);
    release([node(1), node(2)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.applied).toEqual([[node(1), node(2)]]);
    expect(t.loaded()).toBe(1);
    expect(t.errors).toEqual([]);
    await t.bootstrap.stop();
  });

  it('does nothing before start or after stop', async () => {
    const t = setup([async () => [node(1)]]);
    t.bootstrap.run();
    t.bootstrap.start(new AbortController().signal);
    await t.bootstrap.stop();
    t.bootstrap.run();
    expect(t.refresh).not.toHaveBeenCalled();
  });

  it('retries an empty or failed load with doubling delays and resets after a success', async () => {
    const t = setup([
      async () => [],
      async () => {
        throw new UpstreamFailedError('seed down');
      },
      async () => [node(1)],
    ]);
    t.bootstrap.start(new AbortController().signal);
    t.bootstrap.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.errors).toHaveLength(1);
    expect((t.errors[0] as Error).message).toBe('the node list is empty');
    await vi.advanceTimersByTimeAsync(999);
    expect(t.refresh).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.refresh).toHaveBeenCalledTimes(2);
    expect(t.errors[1]).toBeInstanceOf(UpstreamFailedError);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(t.refresh).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.refresh).toHaveBeenCalledTimes(3);
    expect(t.applied).toEqual([[node(1)]]);
    expect(vi.getTimerCount()).toBe(0);
    await t.bootstrap.stop();
  });

  it('stop clears the retry timer, waits for the load in flight and reports no abort', async () => {
    const controller = new AbortController();
    const t = setup([
      async () => {
        throw new UpstreamFailedError('seed down');
      },
      () =>
        new Promise((_, reject) =>
          controller.signal.addEventListener('abort', () => reject(new AbortError('stopped'))),
        ),
    ]);
    t.bootstrap.start(controller.signal);
    t.bootstrap.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(t.refresh).toHaveBeenCalledTimes(2);
    controller.abort();
    await t.bootstrap.stop();
    expect(t.errors).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    // A stop with a retry pending clears it.
    const u = setup([
      async () => {
        throw new UpstreamFailedError('seed down');
      },
    ]);
    u.bootstrap.start(new AbortController().signal);
    u.bootstrap.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    await u.bootstrap.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(u.refresh).toHaveBeenCalledTimes(1);
  });
});
