/**
 * The results of a suite run: read from the JSON lines the shim's pytest plugin
 * (`python/murmur_report.py`) appends, one per test, and printed one line per test with the
 * `N passed, N failed, N skipped` line last.
 */

/** One test's outcome. */
export interface TestResult {
  test: string;
  outcome: 'passed' | 'failed' | 'skipped';
  message: string;
}

/** The counts of a run. */
export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

const OUTCOMES = new Set(['passed', 'failed', 'skipped']);

/** Parses the plugin's JSON lines; a line that is not a result is an error naming it. */
export function parseReport(text: string): TestResult[] {
  const results: TestResult[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`report line ${index + 1} is not JSON: ${line.slice(0, 80)}`);
    }
    const entry = value as Partial<TestResult>;
    if (
      typeof entry.test !== 'string' ||
      typeof entry.outcome !== 'string' ||
      !OUTCOMES.has(entry.outcome)
    ) {
      throw new Error(`report line ${index + 1} is not a test result: ${line.slice(0, 80)}`);
    }
    results.push({
      test: entry.test,
      outcome: entry.outcome,
      message: typeof entry.message === 'string' ? entry.message : '',
    });
  });
  return results;
}

/** How many passed, failed and were skipped. */
export function tally(results: readonly TestResult[]): Tally {
  const counts: Tally = { passed: 0, failed: 0, skipped: 0 };
  for (const result of results) counts[result.outcome] += 1;
  return counts;
}

const LABEL: Record<TestResult['outcome'], string> = {
  passed: 'PASS',
  failed: 'FAIL',
  skipped: 'SKIP',
};

/**
 * Failures of the suite's own making, documented in docs/PROTOCOL.md: the test and why Murmur is
 * not bent to it.
 */
export const DOCUMENTED_FAILURES: Readonly<Record<string, string>> = Object.freeze({
  'test_expire.py::test_expire_shorten_extend':
    'its last assertion contradicts its own retrieve; Session’s server fails it too (docs/PROTOCOL.md)',
});

/** One line per test (`PASS test_x.py::test_y`, with the reason for failures and skips). */
export function formatResults(
  results: readonly TestResult[],
  documented: Readonly<Record<string, string>> = DOCUMENTED_FAILURES,
): string[] {
  return results.map((result) => {
    const head = `${LABEL[result.outcome]}  ${result.test}`;
    const note =
      result.outcome === 'failed' && documented[result.test] !== undefined
        ? `  [documented: ${documented[result.test]}]`
        : '';
    return result.message === '' || result.outcome === 'passed'
      ? head
      : `${head}  (${result.message})${note}`;
  });
}

/** The failures that are not documented as the suite's own. */
export function undocumentedFailures(
  results: readonly TestResult[],
  documented: Readonly<Record<string, string>> = DOCUMENTED_FAILURES,
): TestResult[] {
  return results.filter(
    (result) => result.outcome === 'failed' && documented[result.test] === undefined,
  );
}

/** The closing line: `N passed, N failed, N skipped`. */
export function formatTally(counts: Tally): string {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
}
