import { describe, expect, it } from 'vitest';
import { formatTable } from './table.js';
import { stripAnsi } from './text.js';

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

describe('the list style', () => {
  it('lines up columns on visible text, indented, header styled, no rule', () => {
    const green = (text: string) => `\u001b[32m${text}\u001b[39m`;
    const text = formatTable(
      {
        columns: ['a', 'b', 'c'].map((header) => ({ header, align: 'left' as const })),
        rows: [
          [green('x'), 'long cell', 'end'],
          ['yy', 'z', 'end'],
        ],
      },
      'list',
      { header: (cell) => `<${cell}>` },
    );
    expect(stripAnsi(text).split('\n')).toEqual([
      '  <a>  <b>        <c>',
      '  x    long cell  end',
      '  yy   z          end',
    ]);
  });
});
