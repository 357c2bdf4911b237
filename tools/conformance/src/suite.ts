/**
 * Getting Session's `network-tests/` out of a copy of its storage-server repository: a checkout
 * (a directory holding `network-tests/`, with or without its `.git`) or a bare git directory.
 * The suite is GPL-licensed: it is extracted into a temporary directory for the run and never
 * into this repository.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@murmur/wire/program';

/** The suite's folder in Session's storage-server repository. */
export const SUITE_DIR = 'network-tests';

/** Where the suite comes from. */
export type SuiteSource =
  | { kind: 'checkout'; dir: string; gitDir?: string | undefined }
  | { kind: 'git'; gitDir: string };

/** A source that holds no suite: the `--suite` value is not valid (`CONFIG_INVALID`). */
export class SuiteNotFoundError extends ConfigError {}

function isGitDir(dir: string): boolean {
  return (
    existsSync(join(dir, 'HEAD')) &&
    existsSync(join(dir, 'objects')) &&
    existsSync(join(dir, 'refs'))
  );
}

/** What `path` is: a checkout with `network-tests/`, or a (bare) git directory. */
export function locateSuite(path: string): SuiteSource {
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new SuiteNotFoundError(`${path} is not a directory`);
  }
  if (existsSync(join(path, SUITE_DIR))) {
    const gitDir = join(path, '.git');
    return { kind: 'checkout', dir: path, gitDir: existsSync(gitDir) ? gitDir : undefined };
  }
  if (isGitDir(path)) return { kind: 'git', gitDir: path };
  throw new SuiteNotFoundError(
    `${path} holds neither ${SUITE_DIR}/ nor a git repository: give a checkout of session-storage-server or its git directory`,
  );
}

function git(gitDir: string, args: readonly string[]): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile('git', [`--git-dir=${gitDir}`, ...args], (error, stdout, stderr) => {
      if (error)
        reject(new Error(`git ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
      else resolveRun(stdout.trim());
    });
  });
}

/** `git archive HEAD network-tests | tar -x -C dest`. */
function archive(gitDir: string, dest: string): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const gitProcess = spawn('git', [`--git-dir=${gitDir}`, 'archive', 'HEAD', SUITE_DIR], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tar = spawn('tar', ['-x', '-C', dest], { stdio: ['pipe', 'ignore', 'pipe'] });
    let errors = '';
    gitProcess.stderr.on('data', (chunk) => {
      errors += chunk;
    });
    tar.stderr.on('data', (chunk) => {
      errors += chunk;
    });
    gitProcess.stdout.pipe(tar.stdin);
    let pending = 2;
    let failed = false;
    const done = (what: string) => (code: number | null) => {
      if (code !== 0 && !failed) {
        failed = true;
        reject(new Error(`${what} exited ${code} extracting ${SUITE_DIR}/: ${errors.trim()}`));
      }
      if (--pending === 0 && !failed) resolveRun();
    };
    gitProcess.on('error', reject);
    tar.on('error', reject);
    gitProcess.on('exit', done('git archive'));
    tar.on('exit', done('tar'));
  });
}

/** The extracted suite: its directory and the commit it came from (when known). */
export interface ExtractedSuite {
  dir: string;
  commit: string | undefined;
}

/**
 * Copies the suite of `source` into `dest` (created if missing): from a checkout's working tree
 * when it has one, else from the git directory's `HEAD`.
 */
export async function extractSuite(source: SuiteSource, dest: string): Promise<ExtractedSuite> {
  mkdirSync(dest, { recursive: true });
  const target = join(dest, SUITE_DIR);
  if (source.kind === 'checkout') {
    cpSync(join(source.dir, SUITE_DIR), target, { recursive: true });
    const commit =
      source.gitDir === undefined
        ? undefined
        : await git(source.gitDir, ['rev-parse', 'HEAD']).catch(() => undefined);
    return { dir: target, commit };
  }
  await archive(source.gitDir, dest);
  if (!existsSync(target)) {
    throw new SuiteNotFoundError(`${source.gitDir}: HEAD has no ${SUITE_DIR}/`);
  }
  return { dir: target, commit: await git(source.gitDir, ['rev-parse', 'HEAD']) };
}
