import { describe, expect, it } from 'vitest';
import { formatResults, formatTally, parseReport, tally, undocumentedFailures } from './report.js';

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

  it('tells the failures documented as the suite’s own from the others', () => {
    const results = parseReport(LINES);
    const documented = { 'test_a.py::test_two': 'a wrong assertion' };
    expect(formatResults(results, documented)[1]).toBe(
      'FAIL  test_a.py::test_two  (AssertionError: assert 2 == 1)  [documented: a wrong assertion]',
    );
    expect(undocumentedFailures(results, documented)).toEqual([]);
    expect(undocumentedFailures(results, {}).map((r) => r.test)).toEqual(['test_a.py::test_two']);
  });

  it('names the line that is not a result', () => {
    expect(() => parseReport('{"test": "x", "outcome": "passed"}\nnot json')).toThrow(/line 2/);
    expect(() => parseReport('{"test": "x", "outcome": "exploded"}')).toThrow(/line 1/);
  });
});
