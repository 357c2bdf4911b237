import { describe, expect, it } from 'vitest';
import {
  codesInSource,
  codesInTables,
  documentedCodes,
  thrownCodes,
  undocumentedCodes,
} from './error-codes.ts';

describe('error codes', () => {
  it('finds the codes a source can throw', () => {
    const source = [
      "export type ErrorCode =\n  | 'INVALID_INPUT'\n  | 'BRAND_NEW';",
      'class A extends MurmurError {',
      "  constructor(m: string) { super('FROM_SUPER', m, { retryable: false }); }",
      '}',
      'class B extends Error {',
      "  readonly code = 'FROM_FIELD';",
      '}',
      "const notACode = 'NOT_THROWN';",
    ].join('\n');
    expect(codesInSource(source, 'x.ts')).toEqual([
      { code: 'FROM_SUPER', where: 'x.ts:5' },
      { code: 'FROM_FIELD', where: 'x.ts:8' },
      { code: 'INVALID_INPUT', where: 'x.ts:2' },
      { code: 'BRAND_NEW', where: 'x.ts:3' },
    ]);
  });

  it('reads codes only from table rows', () => {
    const markdown = [
      'Prose naming `IN_PROSE` does not count.',
      '| code | means |',
      '|---|---|',
      '| `IN_TABLE` (`SomeError`) | also `SECOND` |',
    ].join('\n');
    expect([...codesInTables(markdown)]).toEqual(['IN_TABLE', 'SECOND']);
  });

  it('reports a thrown code that no table lists', () => {
    const thrown = [
      { code: 'DOCUMENTED', where: 'a.ts:1' },
      { code: 'NEW_CODE', where: 'b.ts:2' },
      { code: 'NEW_CODE', where: 'c.ts:3' },
    ];
    expect(undocumentedCodes(thrown, new Set(['DOCUMENTED']))).toEqual([
      { code: 'NEW_CODE', where: 'b.ts:2' },
    ]);
  });

  it('every code the sources throw is listed in the OPERATORS.md or CLIENTS.md tables', () => {
    const thrown = thrownCodes();
    // The wire union alone holds more than thirty codes: an empty scan would prove nothing.
    expect(new Set(thrown.map((entry) => entry.code)).size).toBeGreaterThanOrEqual(30);
    expect(thrown.map((entry) => entry.code)).toContain('QUORUM_REFUSED');
    expect(documentedCodes().size).toBeGreaterThanOrEqual(30);
    expect(undocumentedCodes(thrown)).toEqual([]);
  });
});
