import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extractSuite, locateSuite, SuiteNotFoundError } from './suite.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-suite-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  })
    .toString()
    .trim();
}

/** A small repository with a network-tests/ folder, committed. */
function makeRepo(): { work: string; commit: string } {
  const work = tempDir();
  git(work, 'init', '-q');
  mkdirSync(join(work, 'network-tests'));
  writeFileSync(join(work, 'network-tests', 'test_x.py'), 'def test_x():\n    pass\n');
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'suite');
  return { work, commit: git(work, 'rev-parse', 'HEAD') };
}

describe('suite extraction', () => {
  it('extracts network-tests/ from a bare git directory at HEAD, with its commit', async () => {
    const { work, commit } = makeRepo();
    const bare = join(tempDir(), 'repo');
    git(work, 'clone', '-q', '--bare', work, bare);
    const source = locateSuite(bare);
    expect(source.kind).toBe('git');
    const dest = tempDir();
    const suite = await extractSuite(source, dest);
    expect(suite.commit).toBe(commit);
    expect(readFileSync(join(suite.dir, 'test_x.py'), 'utf8')).toContain('def test_x');
  });

  it('copies network-tests/ from a checkout, with the commit of its .git', async () => {
    const { work, commit } = makeRepo();
    const source = locateSuite(work);
    expect(source.kind).toBe('checkout');
    const suite = await extractSuite(source, tempDir());
    expect(suite.commit).toBe(commit);
    expect(readFileSync(join(suite.dir, 'test_x.py'), 'utf8')).toContain('def test_x');
  });

  it('refuses a directory that holds no suite and no repository', () => {
    expect(() => locateSuite(tempDir())).toThrow(SuiteNotFoundError);
    expect(() => locateSuite(join(tempDir(), 'missing'))).toThrow(/not a directory/);
  });
});
