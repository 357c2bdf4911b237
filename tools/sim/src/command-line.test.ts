import { InvalidInputError } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { CLI_DEFAULTS, parseCommandLine, USAGE } from './command-line.js';

describe('parseCommandLine', () => {
  it('gives the defaults with no arguments', () => {
    const parsed = parseCommandLine([]);
    expect(parsed).toEqual({
      help: false,
      scenario: {
        nodes: CLI_DEFAULTS.nodes,
        blocks: CLI_DEFAULTS.blocks,
        churnPercent: 0.5,
        failPercent: 1,
        pubkeys: 1_000_000,
        params: 'oxen',
        seed: 'murmur',
        unlockBlocks: undefined,
        joinBatch: undefined,
        pooledPercent: undefined,
      },
      svg: undefined,
      png: undefined,
      json: undefined,
      markdown: false,
      quiet: false,
    });
  });

  it('reads every option', () => {
    const parsed = parseCommandLine([
      '--nodes=2000',
      '--blocks',
      '100',
      '--churn',
      '2',
      '--fail',
      '0',
      '--pubkeys',
      '1_000',
      '--params',
      'devnet',
      '--seed',
      'abc',
      '--unlock-blocks',
      '5',
      '--join-batch',
      '100',
      '--pooled',
      '25',
      '--svg',
      'out.svg',
      '--png',
      'out.png',
      '--json',
      'out.json',
      '--markdown',
      '--quiet',
      '-h',
    ]);
    expect(parsed).toEqual({
      help: true,
      scenario: {
        nodes: 2000,
        blocks: 100,
        churnPercent: 2,
        failPercent: 0,
        pubkeys: 1000,
        params: 'devnet',
        seed: 'abc',
        unlockBlocks: 5,
        joinBatch: 100,
        pooledPercent: 25,
      },
      svg: 'out.svg',
      png: 'out.png',
      json: 'out.json',
      markdown: true,
      quiet: true,
    });
  });

  it('refuses unknown options, positionals, bad numbers and unknown parameter sets', () => {
    expect(() => parseCommandLine(['--nodez', '5'])).toThrow(InvalidInputError);
    expect(() => parseCommandLine(['extra'])).toThrow(InvalidInputError);
    expect(() => parseCommandLine(['--nodes', 'ten'])).toThrow(/--nodes needs a number/);
    expect(() => parseCommandLine(['--churn', ''])).toThrow(InvalidInputError);
    expect(() => parseCommandLine(['--params', 'mainnet'])).toThrow(/oxen or devnet/);
    expect(() => parseCommandLine(['--nodes'])).toThrow(InvalidInputError);
  });

  it('documents every option in the usage text', () => {
    for (const option of [
      '--nodes',
      '--blocks',
      '--churn',
      '--fail',
      '--pubkeys',
      '--params',
      '--seed',
      '--unlock-blocks',
      '--join-batch',
      '--pooled',
      '--png',
      '--json',
      '--markdown',
      '--quiet',
      '--help',
    ]) {
      expect(USAGE).toContain(option);
    }
  });
});
