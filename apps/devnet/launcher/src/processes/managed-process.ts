/**
 * One process of the testnet: `node <cli> …` spawned detached (its own process group, so that
 * whatever it starts is signalled with it), stdout and stderr appended to its log file, never
 * through `pnpm run` (which would not pass signals on). A process recorded by another testnet
 * instance (`pids.json`) can be adopted to be stopped or watched.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { sleep } from '@murmur/wire';
import { isRecordedProcessRunning, type RecordedProcess } from './pids-file.js';
import { processGroupAlive, readProcessIdentity, signalProcessGroup } from './proc.js';

/** How a process ended. */
export interface ExitInfo {
  /** Exit code (null when a signal ended it, or unknown for an adopted process). */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What to run. */
export interface ProcessSpec {
  /** `ledger`, `node-01`, … */
  name: string;
  /** The executable (default `process.execPath`). */
  executable?: string | undefined;
  /** Arguments (the CLI file first). */
  args: readonly string[];
  logFile: string;
  env: Record<string, string | undefined>;
  cwd?: string | undefined;
}

/** A started (or adopted) process. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Size of the log file when this run started: its own lines come after. */
  readonly logOffset: number;
  readonly command: readonly string[];
  readonly startTime: string | undefined;
  readonly startedAt: string;
  /** True for a process started by another testnet instance. */
  readonly adopted: boolean;
  /** Resolves when the process (its group leader) has exited. */
  readonly exited: Promise<ExitInfo>;
  /** How it exited, once it has. */
  readonly exitInfo: ExitInfo | undefined;
  /** Its `pids.json` record. */
  record(): RecordedProcess;
  /** Lets this process exit while the child runs on (it keeps running: it is detached). */
  detach(): void;
}

/** A command-line argument as the log header shows it (inline programs are long). */
function shorten(arg: string): string {
  return arg.length <= 200 ? arg : `${arg.slice(0, 60)}…(${arg.length} characters)`;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Spawns `spec` detached, output appended to `spec.logFile` (after a JSON header line naming
 * the run). The child keeps this process's event loop alive until it exits or
 * {@link ManagedProcess.detach} is called.
 */
export function spawnProcess(spec: ProcessSpec): ManagedProcess {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const executable = spec.executable ?? process.execPath;
  const command = [executable, ...spec.args];
  const fd = openSync(spec.logFile, 'a', 0o644);
  let logOffset: number;
  try {
    writeSync(
      fd,
      `${JSON.stringify({ testnet: 'start', name: spec.name, time: new Date().toISOString(), command: command.map(shorten) })}\n`,
    );
    logOffset = fileSize(spec.logFile);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(executable, spec.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: spec.env,
      cwd: spec.cwd,
    });
  } finally {
    closeSync(fd);
  }
  const startedAt = new Date().toISOString();
  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
    child.once('error', () => {
      // A spawn failure (no pid) also ends here; 'exit' may not follow.
      exitInfo ??= { code: null, signal: null };
      resolve(exitInfo);
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`could not start ${spec.name} (${executable} ${spec.args.join(' ')})`);
  }
  const identity = readProcessIdentity(pid);
  return {
    name: spec.name,
    pid,
    logFile: spec.logFile,
    logOffset,
    command,
    startTime: identity.startTime,
    startedAt,
    adopted: false,
    exited,
    get exitInfo() {
      return exitInfo;
    },
    detach() {
      child.unref();
    },
    record() {
      return {
        name: spec.name,
        pid,
        startTime: identity.startTime,
        command,
        logFile: spec.logFile,
        startedAt,
      };
    },
  };
}

/**
 * A process recorded in `pids.json` by another instance (a launcher that has exited). Its exit
 * is found by polling (every `pollMs`, default 100 ms, only while someone waits); its exit code
 * is unknown.
 */
export function adoptProcess(entry: RecordedProcess, pollMs = 100): ManagedProcess {
  let exitInfo: ExitInfo | undefined;
  let exited: Promise<ExitInfo> | undefined;
  const watch = (): Promise<ExitInfo> => {
    exited ??= new Promise<ExitInfo>((resolve) => {
      const check = () => {
        if (!isRecordedProcessRunning(entry)) {
          exitInfo = { code: null, signal: null };
          resolve(exitInfo);
          return;
        }
        setTimeout(check, pollMs);
      };
      check();
    });
    return exited;
  };
  return {
    name: entry.name,
    pid: entry.pid,
    logFile: entry.logFile,
    logOffset: fileSize(entry.logFile),
    command: entry.command ?? [],
    startTime: entry.startTime,
    startedAt: entry.startedAt,
    adopted: true,
    get exited() {
      return watch();
    },
    get exitInfo() {
      if (exitInfo === undefined && !isRecordedProcessRunning(entry)) {
        exitInfo = { code: null, signal: null };
      }
      return exitInfo;
    },
    record() {
      return { ...entry };
    },
    detach() {
      // Not a child of this process: nothing holds the event loop.
    },
  };
}

/** Whether the process or anything left in its group still runs. */
export function processRunning(proc: ManagedProcess): boolean {
  return proc.exitInfo === undefined || processGroupAlive(proc.pid);
}

/**
 * Waits until the process has exited and its whole process group is gone; false after
 * `timeoutMs`.
 */
export async function waitForGroupExit(proc: ManagedProcess, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  const leader = await Promise.race([proc.exited, sleep(timeoutMs).then(() => undefined)]);
  if (leader === undefined) return false;
  while (processGroupAlive(proc.pid)) {
    if (performance.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Options of {@link stopProcess}. */
export interface StopProcessOptions {
  /** First signal (default SIGTERM). */
  signal?: NodeJS.Signals | undefined;
  /** How long to wait after the first signal before SIGKILL, ms (default 10 s). */
  graceMs?: number | undefined;
}

/**
 * Signals the process group, waits until the leader has exited and the group is gone, and
 * escalates to SIGKILL after `graceMs`. Resolves how the leader exited.
 *
 * @throws Error when the group survives SIGKILL for 10 s (a process stuck in the kernel).
 */
export async function stopProcess(
  proc: ManagedProcess,
  options: StopProcessOptions = {},
): Promise<ExitInfo> {
  const signal = options.signal ?? 'SIGTERM';
  if (!processRunning(proc)) return proc.exitInfo ?? { code: null, signal: null };
  signalProcessGroup(proc.pid, signal);
  if (await waitForGroupExit(proc, signal === 'SIGKILL' ? 10_000 : (options.graceMs ?? 10_000))) {
    return proc.exitInfo ?? { code: null, signal };
  }
  if (signal !== 'SIGKILL') {
    signalProcessGroup(proc.pid, 'SIGKILL');
    if (await waitForGroupExit(proc, 10_000))
      return proc.exitInfo ?? { code: null, signal: 'SIGKILL' };
  }
  throw new Error(`${proc.name} (process group ${proc.pid}) survived SIGKILL for 10 s`);
}

/** The last `count` lines `proc` wrote in this run (at most the last 64 KiB are read). */
export function logTail(logFile: string, offset: number, count = 20): string[] {
  const size = fileSize(logFile);
  const start = Math.max(offset, size - 65_536);
  if (size <= start) return [];
  const buffer = Buffer.alloc(size - start);
  let fd: number;
  try {
    fd = openSync(logFile, 'r');
  } catch {
    return [];
  }
  try {
    readSync(fd, buffer, 0, buffer.length, start);
  } finally {
    closeSync(fd);
  }
  const lines = buffer.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-count);
}

/** Reads what `logFile` holds from `offset` (at most `limit` bytes). */
export function readLogFrom(logFile: string, offset: number, limit = 1_048_576): string {
  const size = fileSize(logFile);
  if (size <= offset) return '';
  const length = Math.min(size - offset, limit);
  const buffer = Buffer.alloc(length);
  const fd = openSync(logFile, 'r');
  try {
    readSync(fd, buffer, 0, length, offset);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}
