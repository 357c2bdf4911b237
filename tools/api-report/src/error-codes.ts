/**
 * Error codes are part of the API (`@murmur/wire`'s `ErrorCode`): every code the code base can
 * throw must be listed in an error table of the docs, so that an operator or a client author can
 * look it up. This module finds both sides: the codes in the sources and the codes in the
 * tables.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root, workspaceDirectories } from '../../config/workspace.ts';

/** The docs whose tables list the error codes. */
export const ERROR_CODE_DOCS = ['docs/OPERATORS.md', 'docs/CLIENTS.md'] as const;

/** Where a code was found in the sources. */
export interface ThrownCode {
  code: string;
  /** `path:line`, relative to the repository root. */
  where: string;
}

const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.turbo', 'coverage', 'test-results']);
/** A string literal passed as the first argument of a `MurmurError` constructor. */
const SUPER_CODE = /\bsuper\(\s*'([A-Z][A-Z0-9_]+)'/g;
/** A code declared as a class field (`readonly code = 'X'`), as plain `Error` subclasses do. */
const FIELD_CODE = /\breadonly code\s*=\s*'([A-Z][A-Z0-9_]+)'/g;
/** The members of the `ErrorCode` union in `@murmur/wire`. */
const UNION_MEMBER = /^\s*\|\s*'([A-Z][A-Z0-9_]+)'/gm;

function sourceFiles(dir: string, into: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) sourceFiles(join(dir, entry.name), into);
    } else if (
      entry.isFile() &&
      /\.(ts|tsx|mts)$/.test(entry.name) &&
      !/\.test(-d)?\.tsx?$/.test(entry.name) &&
      !entry.name.endsWith('.d.ts')
    ) {
      into.push(join(dir, entry.name));
    }
  }
  return into;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

/** Codes found in one source text (`super('X', …)`, `readonly code = 'X'`, the union). */
export function codesInSource(text: string, file: string): ThrownCode[] {
  const found: ThrownCode[] = [];
  for (const pattern of [SUPER_CODE, FIELD_CODE]) {
    for (const match of text.matchAll(pattern)) {
      found.push({ code: match[1] as string, where: `${file}:${lineOf(text, match.index)}` });
    }
  }
  const union = /export type ErrorCode\s*=([^;]+);/.exec(text);
  if (union !== null) {
    const members = union[1] as string;
    const start = union.index + union[0].indexOf(members);
    for (const match of members.matchAll(UNION_MEMBER)) {
      // The match starts at the newline before the member.
      const at = start + match.index + match[0].indexOf("'");
      found.push({ code: match[1] as string, where: `${file}:${lineOf(text, at)}` });
    }
  }
  return found;
}

/** Every code the workspace's sources (tests excepted) can throw. */
export function thrownCodes(dirs: readonly string[] = workspaceDirectories()): ThrownCode[] {
  const found: ThrownCode[] = [];
  for (const dir of dirs) {
    for (const sub of ['src', 'bin']) {
      const path = join(dir, sub);
      if (!existsSync(path)) continue;
      for (const file of sourceFiles(path, [])) {
        found.push(...codesInSource(readFileSync(file, 'utf8'), relative(root, file)));
      }
    }
  }
  return found;
}

/** The codes named (in backticks) in the rows of the Markdown tables of a text. */
export function codesInTables(markdown: string): Set<string> {
  const codes = new Set<string>();
  for (const line of markdown.split('\n')) {
    if (!line.trimStart().startsWith('|')) continue;
    for (const match of line.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) codes.add(match[1] as string);
  }
  return codes;
}

/** The codes the error tables of {@link ERROR_CODE_DOCS} list. */
export function documentedCodes(docs: readonly string[] = ERROR_CODE_DOCS): Set<string> {
  const codes = new Set<string>();
  for (const doc of docs) {
    for (const code of codesInTables(readFileSync(join(root, doc), 'utf8'))) codes.add(code);
  }
  return codes;
}

/** The thrown codes no table lists, each with the first place it is thrown. */
export function undocumentedCodes(
  thrown: readonly ThrownCode[] = thrownCodes(),
  documented: ReadonlySet<string> = documentedCodes(),
): ThrownCode[] {
  const missing = new Map<string, ThrownCode>();
  for (const entry of thrown) {
    if (!documented.has(entry.code) && !missing.has(entry.code)) missing.set(entry.code, entry);
  }
  return [...missing.values()].sort((a, b) => a.code.localeCompare(b.code));
}
