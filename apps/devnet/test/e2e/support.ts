/**
 * Real processes for the e2e tests: the built `murmur-devnet` CLI spawned in its own process
 * group (so a kill reaches it and anything it started), each with a log file the failing test
 * prints, and the wallet command run as a child process.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeFetch } from '@murmur/wire/node';
import { onTestFailed } from 'vitest';

/** Ledger (HTTP) and nodes (HTTPS, self-signed: not checked); nothing global changed. */
const nodeFetch = createNodeFetch({ keepAlive: false });

/** The built CLI. */
export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

if (!existsSync(CLI)) {
  throw new Error(`${CLI} is missing: build first (pnpm --filter @murmur/devnet build)`);
}

/** A working directory for one test file: kept when a test failed (its logs), else removed. */
export class Workspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'murmur-devnet-e2e-'));
  readonly logs: string[] = [];
  failed = false;

  /** Prints the log files if the current test fails (call at the start of each test). */
  watch(): void {
    onTestFailed(() => {
      this.failed = true;
      console.error(`process logs (kept):\n${this.logs.map((log) => `  ${log}`).join('\n')}`);
    });
  }

  cleanup(): void {
    if (!this.failed) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The ready line of `murmur-devnet ledger`. */
export interface LedgerReady {
  event: 'ledger-ready';
  url: string;
  port: number;
  height: number;
  chainId: string;
  created: boolean;
  pid: number;
}

/** A spawned ledger process. */
export class LedgerProcess {
  exited = false;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  readonly #exit: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly ready: LedgerReady,
    readonly logFile: string,
    exit: Promise<void>,
  ) {
    this.#exit = exit;
  }

  get url(): string {
    return this.ready.url;
  }

  /**
   * Spawns `node dist/cli.js ledger --dir <dir> --port 0 ...args` in its own process group and
   * resolves when it prints its ready line.
   */
  static async start(
    workspace: Workspace,
    dir: string,
    args: readonly string[],
    name: string,
  ): Promise<LedgerProcess> {
    const logFile = join(workspace.dir, `${name}.log`);
    const stderrFile = join(workspace.dir, `${name}.stderr.log`);
    workspace.logs.push(logFile, stderrFile);
    const stderr = openSync(stderrFile, 'a');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'ledger',
        '--dir',
        dir,
        '--port',
        '0',
        '--log-file',
        logFile,
        '--log-level',
        'debug',
        ...args,
      ],
      { detached: true, stdio: ['ignore', 'pipe', stderr] },
    );
    closeSync(stderr);
    let handle: LedgerProcess | undefined;
    const exit = new Promise<void>((resolveExit) => {
      child.once('exit', (code, signal) => {
        if (handle !== undefined) {
          handle.exited = true;
          handle.exitCode = code;
          handle.exitSignal = signal;
        }
        resolveExit();
      });
    });
    const ready = await new Promise<LedgerReady>((resolveReady, reject) => {
      let buffer = '';
      const timer = setTimeout(
        () => reject(new Error(`${name}: no ready line within 20 s (see ${stderrFile})`)),
        20_000,
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        const line = buffer.split('\n').find((entry) => entry.includes('"ledger-ready"'));
        if (line !== undefined) {
          clearTimeout(timer);
          resolveReady(JSON.parse(line) as LedgerReady);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code} before it was ready (see ${stderrFile})`));
      });
    });
    handle = new LedgerProcess(child, ready, logFile, exit);
    return handle;
  }

  /** Sends `signal` to the whole process group. */
  kill(signal: NodeJS.Signals): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // Already gone.
    }
  }

  /** Resolves when the process has exited. */
  waitForExit(timeoutMs = 10_000): Promise<boolean> {
    return Promise.race([
      this.#exit.then(() => true),
      new Promise<boolean>((resolveTimeout) => setTimeout(() => resolveTimeout(false), timeoutMs)),
    ]);
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exited) return;
    this.kill('SIGTERM');
    if (!(await this.waitForExit(graceMs))) {
      this.kill('SIGKILL');
      await this.waitForExit(graceMs);
    }
  }
}

/** What a wallet command printed. */
export interface WalletRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js wallet ...args` as a child process. */
export function runWallet(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<WalletRun> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [CLI, 'wallet', ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Polls `check` every `intervalMs` until it returns a value other than `undefined`; `timeoutMs`
 * is a hang guard (a busy machine runs these several times slower than an idle one).
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveSleep) => setTimeout(resolveSleep, intervalMs));
  }
}

/** GET `url` as JSON. */
export async function getJson<T = unknown>(url: string): Promise<T> {
  const response = await nodeFetch(url);
  if (response.status !== 200)
    throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** POST JSON to `url`; the status and parsed body. */
export async function postJson<T = Record<string, unknown>>(
  url: string,
  body: unknown,
): Promise<{ status: number; body: T }> {
  const response = await nodeFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}
