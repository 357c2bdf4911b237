import { describe, expect, it } from 'vitest';
import { parseCollected, planRuns } from './plan.js';

const COLLECTED = `test_batch.py::test_batch_json
test_batch.py::test_sequence
test_big_retrieve.py::test_retrieve_count
test_big_retrieve.py::test_retrieve_size

4 tests collected in 0.05s
`;

describe('planRuns', () => {
  it('reads the collected test IDs and nothing else', () => {
    expect(parseCollected(COLLECTED)).toEqual([
      'test_batch.py::test_batch_json',
      'test_batch.py::test_sequence',
      'test_big_retrieve.py::test_retrieve_count',
      'test_big_retrieve.py::test_retrieve_size',
    ]);
  });

  it('runs each test alone, except the files whose tests share fixtures, whole and once', () => {
    const runs = planRuns(parseCollected(COLLECTED), (file) => file === 'test_big_retrieve.py');
    expect(runs).toEqual([
      ['test_batch.py::test_batch_json'],
      ['test_batch.py::test_sequence'],
      ['test_big_retrieve.py'],
    ]);
  });
});
