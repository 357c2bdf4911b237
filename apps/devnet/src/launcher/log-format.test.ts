import { createStyles } from '@murmur/terminal';
import { describe, expect, it } from 'vitest';
import { formatLogLine } from './log-format.js';

const plain = createStyles(false);

describe('formatLogLine', () => {
  it('shows a pino line as time, level, message and the other fields', () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 10, 26, 16, 36, 59, 273),
      pid: 1,
      app: 'murmur-node',
      component: 'uptime',
      err: { type: 'Error', message: 'the ledger genesis is not known yet', stack: '…' },
      msg: 'could not submit the uptime proof; retrying',
    });
    expect(formatLogLine(line, plain)).toBe(
      '16:36:59.273 WARN  could not submit the uptime proof; retrying component=uptime err="Error: the ledger genesis is not known yet"',
    );
  });

  it('shows a start marker as a separator and anything else as it is', () => {
    const marker = JSON.stringify({
      testnet: 'start',
      name: 'node-01',
      time: '2026-11-26T16:36:51.785Z',
      command: ['/usr/bin/node', '/x/cli.js', 'start', '--port', '1'],
    });
    expect(formatLogLine(marker, plain)).toBe(
      '──── start node-01 /x/cli.js start 16:36:51.785 ────',
    );
    expect(formatLogLine('    at stack (file.js:1:2)', plain)).toBe('    at stack (file.js:1:2)');
    expect(formatLogLine('{not json', plain)).toBe('{not json');
    expect(formatLogLine('{"a":1}', plain)).toBe('{"a":1}');
  });
});
