/**
 * Real processes for the launcher's e2e tests: the built `murmur-devnet` CLI run as a child
 * (`status`, `down`, …) or spawned as a long-running `up` in its own process group with its
 * output in a file, and the "no process left" check (pids.json, the launcher, and a /proc scan
 * for anything whose command line names the devnet directory).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '@murmur/wire';

/** The built CLI. */
export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');
/** The built murmur-node the devnet runs. */
export const NODE_CLI = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'service-node',
  'dist',
  'cli.js',
);

for (const file of [CLI, NODE_CLI]) {
  if (!existsSync(file)) {
    throw new Error(
      `${file} is missing: build first (pnpm --filter @murmur/service-node build && pnpm --filter @murmur/devnet build)`,
    );
  }
}

/** The environment of the programs under test: this one without a test runner's loader hooks. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _hooks, ...env } = process.env;
  return { ...env, NO_COLOR: '1', ...extra };
}

/** What a command printed. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js ...args` to its end. */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: childEnv(options.env), timeout: options.timeoutMs ?? 120_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}

/** A `murmur-devnet up` running in its own process group. */
export class UpProcess {
  exitCode: number | null | undefined;
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly outFile: string,
  ) {
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal === null ? null : 128);
        resolveExit(this.exitCode);
      });
    });
  }

  /** Spawns `node dist/cli.js up ...args`; stdout and stderr go to `outFile`. */
  static start(
    args: readonly string[],
    outFile: string,
    env: Record<string, string> = {},
  ): UpProcess {
    const out = openSync(outFile, 'a');
    const child = spawn(process.execPath, [CLI, 'up', ...args], {
      detached: true,
      stdio: ['ignore', out, out],
      env: childEnv(env),
    });
    closeSync(out);
    return new UpProcess(child, outFile);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** What it printed so far. */
  output(): string {
    return existsSync(this.outFile) ? readFileSync(this.outFile, 'utf8') : '';
  }

  /** Resolves once its output matches `pattern`; rejects if it exits first or time runs out. */
  async waitForOutput(pattern: RegExp, timeoutMs = 120_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.output();
      if (pattern.test(text)) return text;
      if (this.exitCode !== undefined) {
        throw new Error(
          `murmur-devnet up exited (${this.exitCode}) before ${pattern}; its output:\n${text}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `murmur-devnet up printed no ${pattern} within ${timeoutMs} ms; its output:\n${text}`,
        );
      }
      await sleep(100);
    }
  }

  /** Sends `signal` to the launcher alone (as a terminal's Ctrl-C reaches it). */
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {
      // Gone.
    }
  }

  /** Waits for its exit (SIGKILL to its group after `timeoutMs`); resolves the exit code. */
  async waitForExit(timeoutMs = 30_000): Promise<number | null> {
    const timer = sleep(timeoutMs).then(() => 'timeout' as const);
    const result = await Promise.race([this.exited, timer]);
    if (result !== 'timeout') return result;
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // Gone.
    }
    throw new Error(
      `murmur-devnet up did not exit within ${timeoutMs} ms; output:\n${this.output()}`,
    );
  }
}

/** Whether `pid` is a live process (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The pids recorded in `<dir>/pids.json`. */
export function recordedPids(dir: string): number[] {
  const file = join(dir, 'pids.json');
  if (!existsSync(file)) return [];
  const json = JSON.parse(readFileSync(file, 'utf8')) as { processes: { pid: number }[] };
  return json.processes.map((entry) => entry.pid);
}

/** Live processes (not this one) whose command line mentions `text`. */
export function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (command.includes(text) && alive(Number(entry)))
        found.push(`${entry} ${command.slice(0, 160)}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/**
 * Waits (up to `timeoutMs`, a hang guard) until none of `pids` is alive and no process mentions `dir`;
 * resolves what is still there (empty when clean).
 */
export async function leftovers(
  dir: string,
  pids: readonly number[],
  timeoutMs = 60_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = [
      ...pids.filter(alive).map((pid) => `pid ${pid} (recorded)`),
      ...processesMentioning(dir),
    ];
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(200);
  }
}
