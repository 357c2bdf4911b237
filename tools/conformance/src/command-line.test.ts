import { UsageError } from '@murmur/wire/program';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './command-line.js';

describe('parseCommandLine', () => {
  it('takes the source path, 20 nodes by default, and pytest arguments after --', () => {
    expect(parseCommandLine(['/src/ss', '--', '-k', 'store'])).toMatchObject({
      source: '/src/ss',
      nodes: 20,
      python: '/usr/bin/python3',
      keep: false,
      pytestArgs: ['-k', 'store'],
    });
    expect(parseCommandLine(['--nodes', '12', '--keep', 'x'])).toMatchObject({
      source: 'x',
      nodes: 12,
      keep: true,
    });
  });

  it('refuses a missing source, a bad node count and unknown options', () => {
    expect(() => parseCommandLine([])).toThrow(UsageError);
    expect(() => parseCommandLine(['x', '--nodes', '0'])).toThrow(/--nodes/);
    expect(() => parseCommandLine(['x', '--fast'])).toThrow(/unknown option --fast/);
  });
});
