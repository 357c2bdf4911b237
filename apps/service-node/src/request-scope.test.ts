import { describe, expect, it } from 'vitest';
import { DeadlineList, RequestScope } from './request-scope.js';

describe('RequestScope', () => {
  it('makes no AbortController until its signal is asked for', () => {
    const scope = new RequestScope();
    expect(scope.signalled).toBe(false);
    scope.abort(new Error('gone'));
    expect(scope.aborted).toBe(true);
    // Still none: nothing asked.
    expect(scope.signalled).toBe(false);
  });

  it('gives a signal already aborted, with the reason, when asked after the abort', () => {
    const scope = new RequestScope();
    const reason = new Error('request deadline');
    scope.abort(reason);
    const signal = scope.signal;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
  });

  it('aborts a signal made before the abort, once, with the first reason', () => {
    const scope = new RequestScope(30);
    const signal = scope.signal;
    expect(scope.signal).toBe(signal);
    let heard = 0;
    signal.addEventListener('abort', () => {
      heard += 1;
    });
    const first = new Error('first');
    scope.abort(first);
    scope.abort(new Error('second'));
    expect(heard).toBe(1);
    expect(signal.reason).toBe(first);
    expect(scope.reason).toBe(first);
  });
});

describe('DeadlineList', () => {
  function manual() {
    let now = 0;
    return {
      clock: () => now,
      set(ms: number) {
        now = ms;
      },
    };
  }

  it('expires live entries in deadline order, skips finished ones, and fires each once', async () => {
    const time = manual();
    const list = new DeadlineList({ now: time.clock, resolutionMs: 1 });
    const fired: string[] = [];
    list.add(30, () => fired.push('c'));
    const b = list.add(20, () => fired.push('b'));
    list.add(10, () => fired.push('a'));
    list.add(25, () => fired.push('b2'));
    b.done = true;
    // All past due: the timer (set for the earliest) fires them in order of deadline.
    time.set(100);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toEqual(['a', 'b2', 'c']);
    expect(list.size).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toEqual(['a', 'b2', 'c']);
    list.close();
  });

  it('leaves entries that are not due for a later turn', async () => {
    const time = manual();
    const list = new DeadlineList({ now: time.clock, resolutionMs: 1 });
    const fired: number[] = [];
    list.add(5, () => fired.push(5));
    list.add(1_000_000, () => fired.push(1_000_000));
    time.set(10);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toEqual([5]);
    expect(list.size).toBe(1);
    list.close();
    expect(list.size).toBe(0);
  });

  it('fires nothing after close, and an entry added after close is done already', async () => {
    const time = manual();
    const list = new DeadlineList({ now: time.clock, resolutionMs: 1 });
    let fired = 0;
    list.add(1, () => {
      fired += 1;
    });
    list.close();
    const late = list.add(1, () => {
      fired += 1;
    });
    expect(late.done).toBe(true);
    time.set(50);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toBe(0);
  });
});
