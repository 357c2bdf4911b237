import { describe, expect, it } from 'vitest';
import { createProgressBar, formatDuration } from './progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 120, write: (text: string) => writes.push(text) } };
}

describe('formatDuration', () => {
  it('writes m:ss and h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(95_400)).toBe('1:35');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(Number.NaN)).toBe('–');
  });
});

describe('createProgressBar', () => {
  it('writes one line per 10% when not on a terminal', () => {
    const { writes, stream } = fakeStream(false);
    let now = 0;
    const bar = createProgressBar({ total: 200 }, { stream, clock: { now: () => now } });
    for (let done = 1; done <= 200; done++) {
      now += 10;
      bar.update(done, ['active 5']);
    }
    bar.finish();
    expect(writes).toHaveLength(10);
    expect(writes[0]).toBe('20/200 blocks  10%  ETA 0:02  active 5\n');
    expect(writes[9]).toBe('200/200 blocks  100%  took 0:02  active 5\n');
  });

  it('redraws in place on a terminal, at most once per interval', () => {
    const { writes, stream } = fakeStream(true);
    let now = 0;
    const bar = createProgressBar(
      { total: 100, redrawIntervalMs: 100 },
      { stream, clock: { now: () => now } },
    );
    for (let done = 1; done <= 50; done++) {
      now += 10;
      bar.update(done, ['swarms 7']);
    }
    // Drawn at 10, 110, 210, 310 and 410 ms: blocks 1, 11, 21, 31 and 41.
    expect(writes).toHaveLength(5);
    for (const write of writes) {
      expect(write.startsWith('\r[')).toBe(true);
      expect(write.endsWith('\x1b[K')).toBe(true);
    }
    expect(writes.at(-1)).toContain('41/100 blocks  41%  ETA 0:01  swarms 7');
    expect(writes.at(-1)).toContain(`[${'#'.repeat(16)}${'.'.repeat(24)}]`);
    bar.finish();
    bar.finish();
    expect(writes.at(-1)?.endsWith('\n')).toBe(true);
    expect(writes).toHaveLength(6);
    bar.update(60);
    expect(writes).toHaveLength(6);
  });

  it('finishes with a line even when the last update did not reach 100%', () => {
    const { writes, stream } = fakeStream(false);
    const bar = createProgressBar({ total: 10 }, { stream, clock: { now: () => 0 } });
    bar.update(3);
    bar.finish();
    expect(writes.at(-1)).toContain('10/10 blocks  100%');
  });
});
