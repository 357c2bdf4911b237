/**
 * How the suite is split into pytest runs. Session's `ss.store_n` fixes its default `now` when
 * `ss` is imported and stores messages that expire 30 s after it, so a test that runs much
 * later than the import stores messages that have already expired. Each test therefore runs in
 * a pytest process of its own, imported right before it; a file that defines fixtures of its
 * own (shared by its tests, such as `big_store`) runs whole in one process.
 */

const TEST_ID = /^(test_[\w-]+\.py)::([\w[\]-]+)$/;

/** The test IDs of `pytest --collect-only -q` output (`file.py::test_name`), in order. */
export function parseCollected(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => TEST_ID.test(line));
}

/**
 * The pytest runs: one per test, except one per file for the files `sharesFixtures` names.
 * Each run is the list of arguments that selects it.
 */
export function planRuns(
  testIds: readonly string[],
  sharesFixtures: (file: string) => boolean,
): string[][] {
  const runs: string[][] = [];
  const wholeFiles = new Set<string>();
  for (const id of testIds) {
    const file = (TEST_ID.exec(id) as RegExpExecArray)[1] as string;
    if (!sharesFixtures(file)) runs.push([id]);
    else if (!wholeFiles.has(file)) {
      wholeFiles.add(file);
      runs.push([file]);
    }
  }
  return runs;
}
