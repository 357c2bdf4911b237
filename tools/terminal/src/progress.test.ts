import { describe, expect, it } from 'vitest';
import {
  createProgressBar,
  createStepList,
  formatDuration,
  progressBar,
  type StepEvent,
} from './progress.js';
import { createStyles, stripAnsi } from './text.js';

function fakeStream(isTTY: boolean, columns = 120) {
  const writes: string[] = [];
  const stream = {
    isTTY,
    columns,
    write: (text: string) => {
      writes.push(text);
      return true;
    },
  };
  return { writes, stream, text: () => writes.join('') };
}

/** The text written after the last match of `marker` (the start of the last frame). */
function after(text: string, marker: RegExp): string {
  const last = [...text.matchAll(marker)].at(-1);
  return last === undefined ? text : text.slice((last.index ?? 0) + last[0].length);
}

/** The lines of a step list's last frame: what follows the last move of the cursor up. */
function lastLines(text: string, count: number): string[] {
  return stripAnsi(after(text, CURSOR_UP)).split('\n').slice(0, count);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC.
const CURSOR_UP = /\u001b\[\d+A/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC.
const LINE_START = /\u001b\[1G/g;

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

  it('finishes with a line even when the last update did not reach 100%', () => {
    const { writes, stream } = fakeStream(false);
    const bar = createProgressBar({ total: 10 }, { stream, clock: { now: () => 0 } });
    bar.update(3);
    bar.finish();
    expect(writes.at(-1)).toContain('10/10 blocks  100%');
  });

  it('redraws one line in place on a terminal, and stops cleanly', () => {
    const { stream, text, writes } = fakeStream(true, 100);
    let now = 0;
    const bar = createProgressBar({ total: 100 }, { stream, clock: { now: () => now } });
    for (let done = 1; done <= 41; done++) {
      now += 10;
      bar.update(done, ['swarms 7']);
    }
    const drawn = stripAnsi(text());
    expect(drawn).toContain('[');
    expect(drawn).not.toContain('\n');
    bar.finish(['swarms 7']);
    bar.finish();
    expect(text().endsWith('\n')).toBe(true);
    expect(stripAnsi(after(text(), LINE_START)).trimEnd()).toMatch(
      /^\[#{40}\] 100\/100 blocks {2}100% {2}took 0:00 {2}swarms 7$/,
    );
    // The cursor is hidden while drawing and shown again at the end.
    expect(text()).toContain('\u001b[?25l');
    expect(text()).toContain('\u001b[?25h');
    const count = writes.length;
    bar.update(60);
    expect(writes).toHaveLength(count);
  });
});

const plain = createStyles(false);
const NAMED = [
  ['ledger', 'Ledger'],
  ['wallets', 'Wallets'],
  ['registrations', 'Registrations'],
  ['processes', 'Node processes'],
  ['swarms', 'Swarms formed'],
  ['health', 'Health'],
] as const;
type Step = (typeof NAMED)[number][0];
const STEPS = NAMED.map(([step]) => step);
const LABELS = Object.fromEntries(NAMED) as Record<Step, string>;

/** A step list of the six steps above. */
function steps(stream: ReturnType<typeof fakeStream>['stream'], now: () => number, styles = plain) {
  return createStepList({ steps: STEPS, labels: LABELS, output: stream, styles, now });
}
const START: StepEvent<Step>[] = [
  { step: 'ledger', status: 'start', detail: 'new chain' },
  { step: 'ledger', status: 'done', detail: 'http://127.0.0.1:22100 chain c', elapsedMs: 1_100 },
  { step: 'registrations', status: 'start', done: 0, total: 20, detail: '20 to register' },
  { step: 'registrations', status: 'progress', done: 5, total: 20 },
];

describe('progressBar', () => {
  it('fills in proportion and stays within its width', () => {
    expect(progressBar(0, 20, 10)).toBe('░'.repeat(10));
    expect(progressBar(10, 20, 10)).toBe(`${'█'.repeat(5)}${'░'.repeat(5)}`);
    expect(progressBar(30, 20, 10)).toBe('█'.repeat(10));
    expect(progressBar(0, 0, 4)).toBe('████');
  });
});

describe('the step list', () => {
  it('prints plain start and end lines when not on a terminal', () => {
    const { stream, text } = fakeStream(false);
    const list = steps(stream, () => 0);
    for (const event of START) list.onProgress(event);
    list.onProgress({ step: 'registrations', status: 'done', elapsedMs: 980 });
    list.onProgress({ step: 'health', status: 'start', total: 20 });
    list.onProgress({
      step: 'health',
      status: 'failed',
      detail: 'node-03 exited\nlast lines',
      elapsedMs: 5,
    });
    list.finish();
    expect(text().split('\n')).toEqual([
      '  … Ledger: new chain',
      '  ✔ Ledger: http://127.0.0.1:22100 chain c (1.10 s)',
      '  … Registrations: 20 to register',
      '  ✔ Registrations: 20/20 (0.98 s)',
      '  … Health: 20 to do',
      '  ✖ Health: node-03 exited',
      '',
    ]);
  });

  it('draws every step in place on a terminal, and its last frame at the end', () => {
    const { stream, text } = fakeStream(true, 100);
    let clock = 0;
    const list = steps(stream, () => clock);
    for (const event of START) list.onProgress(event);
    clock = 2_500;
    list.finish();
    const lines = lastLines(text(), 6);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toContain('✔ Ledger');
    expect(lines[0]).toContain('1.10 s');
    expect(lines[2]).toMatch(/Registrations +█{5}░{15} 5\/20 +20 to register +2\.50 s$/);
    expect(lines[3]).toContain('· Node processes');
    const before = text();
    list.onProgress({ step: 'health', status: 'start' });
    list.finish();
    expect(text()).toBe(before);
  });

  it('never lets a line wrap, even at a narrow width', () => {
    const { stream, text } = fakeStream(true, 60);
    const list = steps(stream, () => 0, createStyles(true));
    list.onProgress({ step: 'ledger', status: 'start', detail: 'x'.repeat(200) });
    list.finish();
    // Every line of every frame (frames start where the cursor moves back up).
    const lines = text()
      .split(CURSOR_UP)
      .flatMap((frame) => stripAnsi(frame).split('\n'));
    expect(lines.length).toBeGreaterThan(6);
    for (const line of lines) expect([...line.replace(/\r/g, '')].length).toBeLessThan(60);
  });

  it('keeps the end of styled lines in the last frame', () => {
    const { stream, text } = fakeStream(true, 100);
    const list = steps(stream, () => 0, createStyles(true));
    list.onProgress({ step: 'ledger', status: 'start', detail: 'h'.repeat(60) });
    list.onProgress({ step: 'ledger', status: 'done', detail: 'h'.repeat(60), elapsedMs: 4_480 });
    list.finish();
    const [first] = lastLines(text(), 6);
    expect(first).toMatch(/✔ Ledger +h{60} {2}4\.48 s$/);
    expect(after(text(), CURSOR_UP)).toContain('4.48 s\u001b[22m');
  });

  it('keeps a failed step to the first line of its message', () => {
    const { stream, text } = fakeStream(true, 100);
    const list = steps(stream, () => 0);
    list.onProgress({ step: 'health', status: 'start', total: 2 });
    list.onProgress({ step: 'health', status: 'failed', detail: 'first\nsecond', elapsedMs: 3 });
    list.finish();
    const drawn = stripAnsi(text());
    expect(drawn).toContain('✖ Health');
    expect(drawn).toContain('first');
    expect(drawn).not.toContain('second');
  });
});
