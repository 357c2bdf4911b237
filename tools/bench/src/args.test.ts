import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { numberOption, positiveInteger, positiveNumber, scriptArgs } from './args.js';

describe('scriptArgs', () => {
  it('drops the `--` pnpm 12 passes through, so parseArgs takes the flags after it', () => {
    const args = scriptArgs(['node', 'devnet.ts', '--', '--runs', '2', '--nodes', '4']);
    expect(args).toEqual(['--runs', '2', '--nodes', '4']);
    const { values } = parseArgs({
      args,
      options: { runs: { type: 'string' }, nodes: { type: 'string' } },
    });
    expect(values).toEqual({ runs: '2', nodes: '4' });
  });

  it('leaves arguments without a separator as they are', () => {
    expect(scriptArgs(['node', 'soak.ts', '--minutes', '1'])).toEqual(['--minutes', '1']);
    expect(scriptArgs(['node', 'soak.ts'])).toEqual([]);
  });

  it('is what parseArgs refuses without it', () => {
    expect(() =>
      parseArgs({ args: ['--', '--runs', '2'], options: { runs: { type: 'string' } } }),
    ).toThrow(expect.objectContaining({ code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' }));
  });
});

describe('positiveInteger', () => {
  it('reads positive integers', () => {
    expect(positiveInteger('--runs', '3')).toBe(3);
    expect(positiveInteger('--nodes', '20')).toBe(20);
  });

  it.each(['0', '-1', '2.5', 'abc', '', ' '])('refuses %j, naming the flag', (text) => {
    expect(() => positiveInteger('--runs', text)).toThrow(
      `--runs must be a positive integer, not ${JSON.stringify(text)}`,
    );
  });
});

describe('positiveNumber', () => {
  it('reads positive numbers, fractions too', () => {
    expect(positiveNumber('--rate', '0.5')).toBe(0.5);
    expect(positiveNumber('--minutes', '60')).toBe(60);
  });

  it.each(['0', '-2', 'x', '', 'Infinity'])('refuses %j, naming the flag', (text) => {
    expect(() => positiveNumber('--rate', text)).toThrow(
      `--rate must be a positive number, not ${JSON.stringify(text)}`,
    );
  });
});

describe('numberOption', () => {
  const argv = ['node', 'registry.ts', '--', '--runs', '5', '--poll', '0.5'];
  it('finds the flag anywhere, or answers the fallback', () => {
    expect(numberOption('runs', 15, argv)).toBe(5);
    expect(numberOption('poll', 100, argv)).toBe(0.5);
    expect(numberOption('rounds', 9, argv)).toBe(9);
  });

  it('refuses a missing or bad value instead of falling back', () => {
    expect(() => numberOption('runs', 15, ['node', 'x', '--runs'])).toThrow(
      '--runs must be a positive number, not ""',
    );
    expect(() => numberOption('runs', 15, ['node', 'x', '--runs', 'many'])).toThrow(
      '--runs must be a positive number, not "many"',
    );
  });
});
