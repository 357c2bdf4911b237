import {
  colorsWanted,
  createStyles,
  formatSeconds,
  padVisible,
  stripAnsi,
  truncateVisible,
  visibleWidth,
} from '@murmur/terminal';
import { describe, expect, it } from 'vitest';
import { formatTable } from './terminal.js';

describe('colours', () => {
  it('only on a terminal, without NO_COLOR, and not on TERM=dumb', () => {
    expect(colorsWanted(true, {})).toBe(true);
    expect(colorsWanted(false, {})).toBe(false);
    expect(colorsWanted(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorsWanted(true, { NO_COLOR: '' })).toBe(true);
    expect(colorsWanted(true, { TERM: 'dumb' })).toBe(false);
  });

  it('plain styles change nothing; coloured ones wrap in ANSI escapes', () => {
    expect(createStyles(false).red('x')).toBe('x');
    const red = createStyles(true).red('x');
    expect(red).toBe('\u001b[31mx\u001b[39m');
    expect(stripAnsi(red)).toBe('x');
  });
});

describe('widths', () => {
  const styles = createStyles(true);

  it('counts visible columns, not escapes', () => {
    expect(visibleWidth(styles.green('✔ ready'))).toBe(7);
    expect(padVisible(styles.dim('ab'), 4)).toBe(`${styles.dim('ab')}  `);
  });

  it('cuts a styled line to its width with an ellipsis and a reset', () => {
    const line = `${styles.cyan('abcdef')}ghij`;
    const cut = truncateVisible(line, 5);
    expect(stripAnsi(cut)).toBe('abcd…');
    expect(cut.endsWith('\u001b[0m')).toBe(true);
    expect(truncateVisible('short', 10)).toBe('short');
    expect(truncateVisible('anything', 0)).toBe('');
  });

  it('lines up table columns on visible text', () => {
    const lines = formatTable(
      ['a', 'b', 'c'],
      [
        [styles.green('x'), 'long cell', 'end'],
        ['yy', 'z', 'end'],
      ],
      createStyles(false),
    ).map(stripAnsi);
    expect(lines).toEqual(['  a   b          c', '  x   long cell  end', '  yy  z          end']);
  });

  it('formats seconds for people', () => {
    expect(formatSeconds(840)).toBe('0.84 s');
    expect(formatSeconds(12_430)).toBe('12.4 s');
  });
});
