import { describe, expect, it } from 'vitest';
import { createProgressTracker, type TestnetProgress } from './progress.js';

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('createProgressTracker', () => {
  it('emits start, progress and done with elapsed times, and records timings', () => {
    const events: TestnetProgress[] = [];
    const time = clock();
    const tracker = createProgressTracker((event) => events.push(event), time.now);
    tracker.start('ledger');
    time.advance(120);
    tracker.done('ledger', 'up');
    tracker.start('health', 3);
    tracker.progress('health', 1, 3);
    tracker.progress('health', 1, 3);
    tracker.progress('health', 3, 3);
    time.advance(40);
    tracker.done('health');
    expect(events).toEqual([
      { step: 'ledger', status: 'start' },
      { step: 'ledger', status: 'done', elapsedMs: 120, detail: 'up' },
      { step: 'health', status: 'start', done: 0, total: 3 },
      { step: 'health', status: 'progress', done: 1, total: 3 },
      { step: 'health', status: 'progress', done: 3, total: 3 },
      { step: 'health', status: 'done', elapsedMs: 40 },
    ]);
    expect(tracker.timings).toEqual({ ledger: 120, health: 40 });
  });

  it('fails every unfinished step once', () => {
    const events: TestnetProgress[] = [];
    const tracker = createProgressTracker((event) => events.push(event), clock().now);
    tracker.start('ledger');
    tracker.done('ledger');
    tracker.start('wallets');
    tracker.start('registrations');
    tracker.fail('boom');
    tracker.fail('boom');
    expect(events.filter((event) => event.status === 'failed').map((event) => event.step)).toEqual([
      'wallets',
      'registrations',
    ]);
  });

  it('survives a listener that throws, and no listener', () => {
    const tracker = createProgressTracker(() => {
      throw new Error('broken UI');
    });
    expect(() => tracker.start('ledger')).not.toThrow();
    expect(() => createProgressTracker(undefined).done('ledger')).not.toThrow();
  });
});
