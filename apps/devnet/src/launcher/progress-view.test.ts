import { createStyles } from '@murmur/terminal';
import { TESTNET_STEPS } from '@murmur/testnet';
import { describe, expect, it } from 'vitest';
import { captureTerminal } from '../test-support/devnet.js';
import { createProgressView, STEP_LABELS } from './progress-view.js';

describe('the devnet step list', () => {
  it('names every testnet step and prints plain lines when not on a terminal', () => {
    expect(Object.keys(STEP_LABELS).sort()).toEqual([...TESTNET_STEPS].sort());
    const output = captureTerminal(false);
    const view = createProgressView({ output, styles: createStyles(false), now: () => 0 });
    expect(view.steps.map((state) => state.step)).toEqual([...TESTNET_STEPS]);
    view.onProgress({ step: 'processes', status: 'start', total: 4 });
    view.onProgress({ step: 'processes', status: 'done', elapsedMs: 1_500 });
    view.finish();
    expect(output.text).toBe('  … Node processes: 4 to do\n  ✔ Node processes: 4/4 (1.50 s)\n');
  });
});
