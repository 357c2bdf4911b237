#!/usr/bin/env node
/**
 * `murmur-conformance <session-storage-server checkout or git dir>` (`pnpm conformance:session`):
 * extracts Session's `network-tests/` into a temporary directory, starts a devnet, runs pytest
 * on the suite with the shim of `../python` first on `PYTHONPATH` (it stands in for `oxenmq`,
 * `oxenc` and `pyonionreq`), prints one line per test and `N passed, N failed, N skipped` last,
 * and stops the devnet.
 *
 * The suite's `ss.store_n` fixes its default `now` when `ss` is imported, and stores messages
 * that expire 30 s after it: pytest is started only once the devnet is ready, and each test runs
 * in a pytest process of its own (a file whose tests share fixtures, whole), so every test runs
 * within seconds of that import (`plan.ts`).
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '@murmur/wire/program';
import { parseCommandLine, USAGE } from './command-line.js';
import { type RunningDevnet, startDevnet, waitForHeight } from './devnet.js';
import { parseCollected, planRuns } from './plan.js';
import { formatResults, formatTally, parseReport, tally, undocumentedFailures } from './report.js';
import { extractSuite, locateSuite, SuiteNotFoundError } from './suite.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SHIM_DIR = resolve(HERE, '..', 'python');
// The devnet program, found through the declared dependency on @murmur/devnet (its `bin`), never
// by walking the monorepo's folders.
const DEVNET_PACKAGE = createRequire(import.meta.url).resolve('@murmur/devnet/package.json');
const DEVNET_CLI = resolve(
  dirname(DEVNET_PACKAGE),
  (JSON.parse(readFileSync(DEVNET_PACKAGE, 'utf8')) as { bin: Record<string, string> }).bin[
    'murmur-devnet'
  ] ?? 'dist/cli.js',
);

function checkPython(python: string): Promise<string | undefined> {
  return new Promise((resolveCheck) => {
    execFile(python, ['-c', 'import nacl, pytest'], (error, _stdout, stderr) => {
      resolveCheck(
        error === null
          ? undefined
          : `${python} cannot import pytest and PyNaCl (${stderr.trim().split('\n').pop() ?? error.message}); on Debian: apt-get install python3-pytest python3-nacl`,
      );
    });
  });
}

function runPytest(
  python: string,
  suiteDir: string,
  env: NodeJS.ProcessEnv,
  args: readonly string[],
  logFile: string,
): Promise<number | null> {
  return new Promise((resolveRun, reject) => {
    const out = openSync(logFile, 'a');
    const child = spawn(
      python,
      ['-m', 'pytest', '-p', 'murmur_report', '-p', 'no:cacheprovider', '-q', ...args],
      { cwd: suiteDir, env, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    child.on('error', reject);
    child.on('exit', (code) => resolveRun(code));
  });
}

/** `pytest --collect-only -q` on the suite: the test IDs. */
function collectTests(
  python: string,
  suiteDir: string,
  env: NodeJS.ProcessEnv,
  args: readonly string[],
): Promise<string[]> {
  return new Promise((resolveRun, reject) => {
    execFile(
      python,
      ['-m', 'pytest', '-p', 'no:cacheprovider', '--collect-only', '-q', ...args],
      { cwd: suiteDir, env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const ids = parseCollected(stdout);
        if (ids.length === 0) {
          reject(
            new Error(`pytest collected no test (${error?.message ?? ''}):\n${stdout}${stderr}`),
          );
        } else resolveRun(ids);
      },
    );
  });
}

const { PYTHONPATH: inheritedPythonPath } = process.env;

async function main(argv: readonly string[]): Promise<number> {
  let commandLine: ReturnType<typeof parseCommandLine>;
  try {
    commandLine = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`murmur-conformance: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (commandLine.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!existsSync(DEVNET_CLI)) {
    process.stderr.write(`murmur-conformance: ${DEVNET_CLI} is missing: run pnpm build first\n`);
    return 1;
  }
  const pythonProblem = await checkPython(commandLine.python);
  if (pythonProblem !== undefined) {
    process.stderr.write(`murmur-conformance: ${pythonProblem}\n`);
    return 1;
  }

  const runDir = mkdtempSync(join(tmpdir(), 'murmur-conformance-'));
  let devnet: RunningDevnet | undefined;
  const onSignal = () => {
    void devnet?.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const suite = await extractSuite(locateSuite(commandLine.source), runDir);
    process.stdout.write(
      `Session network-tests${suite.commit === undefined ? '' : ` at ${suite.commit}`} in ${suite.dir}\n`,
    );
    process.stdout.write(`Starting a devnet of ${commandLine.nodes} nodes…\n`);
    devnet = await startDevnet({
      cli: DEVNET_CLI,
      dir: runDir,
      nodes: commandLine.nodes,
      blockTimeMs: commandLine.blockTimeMs,
      timeoutMs: 240_000,
    });
    if (commandLine.minHeight > 0) {
      const seed = (JSON.parse(readFileSync(devnet.file, 'utf8')) as { seed: { url: string } }).seed
        .url;
      process.stdout.write(`Waiting for the chain to reach height ${commandLine.minHeight}…\n`);
      const height = await waitForHeight(
        seed,
        commandLine.minHeight,
        Math.max(120_000, commandLine.minHeight * commandLine.blockTimeMs * 4),
      );
      process.stdout.write(`Chain at height ${height}.\n`);
    }
    const reportFile = join(runDir, 'report.jsonl');
    const pytestLog = join(runDir, 'pytest.log');
    const env = {
      ...process.env,
      PYTHONPATH: [SHIM_DIR, inheritedPythonPath].filter(Boolean).join(':'),
      PYTHONDONTWRITEBYTECODE: '1',
      MURMUR_DEVNET_JSON: devnet.file,
      MURMUR_REPORT: reportFile,
    };
    const suiteDir = suite.dir;
    const runs = planRuns(
      await collectTests(commandLine.python, suiteDir, env, commandLine.pytestArgs),
      (file) => readFileSync(join(suiteDir, file), 'utf8').includes('@pytest.fixture'),
    );
    process.stdout.write(
      `Devnet ready (${devnet.file}); running pytest (${runs.length} runs, one per test or per file whose tests share fixtures)…\n\n`,
    );
    let code: number | null = 0;
    for (const run of runs) {
      const exit = await runPytest(
        commandLine.python,
        suiteDir,
        env,
        [...commandLine.pytestArgs, ...run],
        pytestLog,
      );
      if (exit !== 0) code = exit;
    }
    const results = existsSync(reportFile) ? parseReport(readFileSync(reportFile, 'utf8')) : [];
    if (results.length === 0) {
      process.stdout.write(
        `pytest (exit ${code}) reported no test; its output:\n${readFileSync(pytestLog, 'utf8')}\n`,
      );
      return 1;
    }
    for (const line of formatResults(results)) process.stdout.write(`${line}\n`);
    const counts = tally(results);
    const unexplained = undocumentedFailures(results);
    if (counts.failed > unexplained.length) {
      process.stdout.write(
        `\n${counts.failed - unexplained.length} failure(s) documented as the suite's own in docs/PROTOCOL.md; ${unexplained.length} other(s).\n`,
      );
    }
    process.stdout.write(`\n${formatTally(counts)}\n`);
    return unexplained.length === 0 ? 0 : 1;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `murmur-conformance: ${message}${error instanceof SuiteNotFoundError ? `\n\n${USAGE}` : ''}\n`,
    );
    return error instanceof SuiteNotFoundError ? 2 : 1;
  } finally {
    await devnet?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (commandLine.keep) process.stdout.write(`Kept ${runDir}\n`);
    else rmSync(runDir, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));
