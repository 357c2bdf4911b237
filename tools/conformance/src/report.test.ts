import { describe, expect, it } from 'vitest';
import { formatResults, formatTally, parseReport, tally } from './report.js';

const LINES = [
  '{"test": "test_a.py::test_one", "outcome": "passed", "message": ""}',
  '{"test": "test_a.py::test_two", "outcome": "failed", "message": "AssertionError: assert 2 == 1"}',
  '',
  '{"test": "test_b.py::test_bt", "outcome": "skipped", "message": "OMQ-only: bencoded body"}',
].join('\n');

describe('report', () => {
  it('reads the plugin lines, one result per test', () => {
    const results = parseReport(LINES);
    expect(results.map((r) => [r.test, r.outcome])).toEqual([
      ['test_a.py::test_one', 'passed'],
      ['test_a.py::test_two', 'failed'],
      ['test_b.py::test_bt', 'skipped'],
    ]);
  });

  it('prints one line per test, the reason beside failures and skips, and the tally last', () => {
    const results = parseReport(LINES);
    expect(formatResults(results)).toEqual([
      'PASS  test_a.py::test_one',
      'FAIL  test_a.py::test_two  (AssertionError: assert 2 == 1)',
      'SKIP  test_b.py::test_bt  (OMQ-only: bencoded body)',
    ]);
    expect(formatTally(tally(results))).toBe('1 passed, 1 failed, 1 skipped');
  });

  it('names the line that is not a result', () => {
    expect(() => parseReport('{"test": "x", "outcome": "passed"}\nnot json')).toThrow(/line 2/);
    expect(() => parseReport('{"test": "x", "outcome": "exploded"}')).toThrow(/line 1/);
  });
});
