import { describe, expect, it } from 'vitest';
import { formatNumber, formatPercent, formatTable } from './table.js';

const table = {
  title: 'Swarms',
  columns: [{ header: 'figure', align: 'left' as const }, { header: 'min' }, { header: 'max' }],
  rows: [
    ['swarms', '1,428', '1,430'],
    ['largest swarm', '8', '10'],
  ],
};

describe('formatTable', () => {
  it('aligns plain columns: text left, figures right, a rule under the header', () => {
    expect(formatTable(table)).toBe(
      [
        'Swarms',
        'figure           min    max',
        '-------------  -----  -----',
        'swarms         1,428  1,430',
        'largest swarm      8     10',
      ].join('\n'),
    );
  });

  it('writes GitHub Markdown with alignment markers', () => {
    expect(formatTable(table, 'markdown')).toBe(
      [
        '**Swarms**\n',
        '| figure        |   min |   max |',
        '| :------------ | ----: | ----: |',
        '| swarms        | 1,428 | 1,430 |',
        '| largest swarm |     8 |    10 |',
      ].join('\n'),
    );
  });

  it('pads short rows, refuses long ones and tables without columns', () => {
    expect(formatTable({ columns: [{ header: 'a' }, { header: 'b' }], rows: [['1']] })).toBe(
      'a  b\n-  -\n1',
    );
    expect(() => formatTable({ columns: [{ header: 'a' }], rows: [['1', '2']] })).toThrow(
      RangeError,
    );
    expect(() => formatTable({ columns: [], rows: [] })).toThrow(RangeError);
  });

  it('every plain line of a column has the same width', () => {
    const lines = formatTable({ ...table, title: undefined }).split('\n');
    const header = lines[0] as string;
    expect(lines.every((line) => line.length <= header.length + 2)).toBe(true);
    expect(lines.slice(2).every((line) => line.endsWith(line.trimEnd()))).toBe(true);
  });
});

describe('formatNumber and formatPercent', () => {
  it('groups thousands and keeps decimals', () => {
    expect(formatNumber(1_000_000)).toBe('1,000,000');
    expect(formatNumber(-12_345)).toBe('-12,345');
    expect(formatNumber(7)).toBe('7');
    expect(formatNumber(1234.5)).toBe('1,234.50');
    expect(formatNumber(0.12345, 3)).toBe('0.123');
    expect(formatNumber(Number.NaN)).toBe('–');
  });

  it('writes shares as percentages', () => {
    expect(formatPercent(0.00533)).toBe('0.533%');
    expect(formatPercent(1)).toBe('100.000%');
    expect(formatPercent(0.5, 1)).toBe('50.0%');
    expect(formatPercent(Number.POSITIVE_INFINITY)).toBe('–');
  });
});
