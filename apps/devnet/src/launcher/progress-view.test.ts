import type { TestnetProgress } from '@murmur/testnet';
import { describe, expect, it } from 'vitest';
import { captureTerminal } from '../test-support/devnet.js';
import { createProgressView, progressBar } from './progress-view.js';
import { createStyles, stripAnsi } from './terminal.js';

const plain = createStyles(false);

function manualTimers() {
  const state = { callback: undefined as (() => void) | undefined, cleared: false };
  return {
    state,
    timers: {
      setInterval(callback: () => void) {
        state.callback = callback;
        return 1;
      },
      clearInterval() {
        state.cleared = true;
      },
    },
  };
}

const START: TestnetProgress[] = [
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
    const output = captureTerminal(false);
    const view = createProgressView({ output, styles: plain, now: () => 0 });
    for (const event of START) view.onProgress(event);
    view.onProgress({ step: 'registrations', status: 'done', elapsedMs: 980 });
    view.onProgress({ step: 'health', status: 'start', total: 20 });
    view.onProgress({
      step: 'health',
      status: 'failed',
      detail: 'node-03 exited\nlast lines',
      elapsedMs: 5,
    });
    view.finish();
    expect(output.text.split('\n')).toEqual([
      '  … Ledger: new chain',
      '  ✔ Ledger: http://127.0.0.1:22100 chain c (1.10 s)',
      '  … Registrations: 20 to register',
      '  ✔ Registrations: 20/20 (0.98 s)',
      '  … Health: 20 to do',
      '  ✖ Health: node-03 exited',
      '',
    ]);
  });

  it('redraws the whole block in place on a terminal and stops its timer at the end', () => {
    const output = captureTerminal(true, 100);
    const { state, timers } = manualTimers();
    let clock = 0;
    const view = createProgressView({ output, styles: plain, now: () => clock, timers });
    for (const event of START) view.onProgress(event);
    expect(state.callback).toBeDefined();
    clock = 2_500;
    output.text = '';
    state.callback?.();
    // One frame: cursor up six lines, then six cleared lines.
    expect(output.text.startsWith('\u001b[6A')).toBe(true);
    const lines = stripAnsi(output.text).split('\n').filter(Boolean);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toContain('✔ Ledger');
    expect(lines[0]).toContain('1.10 s');
    expect(lines[2]).toMatch(/Registrations +█{5}░{15} 5\/20 +20 to register +2\.50 s$/);
    expect(lines[3]).toContain('· Node processes');
    view.finish();
    expect(state.cleared).toBe(true);
    expect(output.text.endsWith('\u001b[?25h')).toBe(true);
    const before = output.text;
    view.onProgress({ step: 'health', status: 'start' });
    view.finish();
    expect(output.text).toBe(before);
  });

  it('never lets a line wrap, even at a narrow width', () => {
    const output = captureTerminal(true, 60);
    const { timers } = manualTimers();
    const view = createProgressView({ output, styles: createStyles(true), now: () => 0, timers });
    view.onProgress({ step: 'ledger', status: 'start', detail: 'x'.repeat(200) });
    view.finish();
    for (const line of stripAnsi(output.text).split('\n')) {
      expect([...line.replace(/\r/g, '')].length).toBeLessThan(60);
    }
  });

  it('keeps a failed step to the first line of its message', () => {
    const output = captureTerminal(true, 100);
    const { timers } = manualTimers();
    const view = createProgressView({ output, styles: plain, now: () => 0, timers });
    view.onProgress({ step: 'health', status: 'start', total: 2 });
    view.onProgress({ step: 'health', status: 'failed', detail: 'first\nsecond', elapsedMs: 3 });
    view.finish();
    const text = stripAnsi(output.text);
    expect(text).toContain('✖ Health');
    expect(text).toContain('first');
    expect(text).not.toContain('second');
  });
});
