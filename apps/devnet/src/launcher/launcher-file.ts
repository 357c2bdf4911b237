/**
 * `<dir>/launcher.json`: the `murmur-devnet up` process that runs a devnet in the foreground —
 * its pid with the start time and command line that identify it (so that a recycled pid is
 * never signalled), and its state (`starting`, `ready`, `stopping`). `down` signals it so that it
 * stops its devnet and exits cleanly; `status` shows it; tests wait for `ready`.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  type RecordedProcess,
  runningRecordedProcesses,
  writeJsonFileAtomic,
} from '@murmur/testnet';
import { createChecker } from '@murmur/wire';
import Type from 'typebox';

/** The file name inside the devnet directory. */
export const LAUNCHER_FILE_NAME = 'launcher.json';

/** What the launcher records about itself. */
export interface LauncherRecord {
  version: 1;
  pid: number;
  /** Start time in clock ticks since boot (`/proc/<pid>/stat` field 22), on Linux. */
  startTime?: string | undefined;
  /** Its command line, on Linux. */
  command?: string[] | undefined;
  /** ISO time it started. */
  startedAt: string;
  state: 'starting' | 'ready' | 'stopping';
  /** ISO time the devnet became ready. */
  readyAt?: string | undefined;
  /** Milliseconds from the start of `up` to all-ready. */
  readyAfterMs?: number | undefined;
  /** How long each start-up step took, ms (`@murmur/testnet`'s timings: ledger, wallets, …). */
  timings?: Readonly<Record<string, number>> | undefined;
  /**
   * When each start-up step ended, ms after `up` started (its own clock, after loading): the
   * steps overlap (relays beside the nodes), so the ends say where the time went.
   */
  stepEnds?: Readonly<Record<string, number>> | undefined;
}

/** `launcher.json`, checked with a compiled TypeBox schema (unknown fields are tolerated). */
const launcherRecordChecker = createChecker(
  Type.Object({
    version: Type.Literal(1),
    pid: Type.Integer({ minimum: 2, maximum: Number.MAX_SAFE_INTEGER }),
    startTime: Type.Optional(Type.String()),
    command: Type.Optional(Type.Array(Type.String())),
    startedAt: Type.String(),
    state: Type.Union([Type.Literal('starting'), Type.Literal('ready'), Type.Literal('stopping')]),
    readyAt: Type.Optional(Type.String()),
    readyAfterMs: Type.Optional(Type.Number()),
    timings: Type.Optional(Type.Record(Type.String(), Type.Number())),
    stepEnds: Type.Optional(Type.Record(Type.String(), Type.Number())),
  }),
);

/** The path of `launcher.json` in `dir`. */
export function launcherFilePath(dir: string): string {
  return join(dir, LAUNCHER_FILE_NAME);
}

/** The identity of process `pid` from `/proc` (empty fields elsewhere). */
export function processIdentity(
  pid: number,
  procRoot = '/proc',
): { startTime?: string; command?: string[] } {
  const identity: { startTime?: string; command?: string[] } = {};
  try {
    const stat = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses) start at field 3.
    const fields = stat
      .slice(stat.lastIndexOf(')') + 1)
      .trim()
      .split(/\s+/);
    const startTime = fields[19];
    if (startTime !== undefined) identity.startTime = startTime;
  } catch {
    // Not Linux, or gone.
  }
  try {
    const text = readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8');
    if (text !== '') identity.command = text.replace(/\0$/, '').split('\0');
  } catch {
    // Not Linux, or gone.
  }
  return identity;
}

/** Writes `launcher.json` atomically. */
export function writeLauncherRecord(dir: string, record: LauncherRecord): void {
  const path = launcherFilePath(dir);
  writeJsonFileAtomic(path, record);
}

/** Reads `launcher.json`; `undefined` when there is none or it is not a launcher record. */
export function readLauncherRecord(dir: string): LauncherRecord | undefined {
  const path = launcherFilePath(dir);
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  return launcherRecordChecker.check(json) ? (json as LauncherRecord) : undefined;
}

/** Whether the recorded launcher still runs (same pid, start time and command line). */
export function launcherRunning(record: LauncherRecord): boolean {
  const entry: RecordedProcess = {
    name: 'launcher',
    pid: record.pid,
    startTime: record.startTime,
    command: record.command,
    logFile: '',
    startedAt: record.startedAt,
  };
  return runningRecordedProcesses({ version: 1, processes: [entry] }).length === 1;
}

/** The launcher of `dir` when it runs, else `undefined`. */
export function runningLauncher(dir: string): LauncherRecord | undefined {
  const record = readLauncherRecord(dir);
  return record !== undefined && launcherRunning(record) ? record : undefined;
}

/** Removes `launcher.json` if it is the record of `pid`. */
export function removeLauncherRecord(dir: string, pid: number): void {
  const record = readLauncherRecord(dir);
  if (record === undefined || record.pid === pid) {
    rmSync(launcherFilePath(dir), { force: true });
  }
}
