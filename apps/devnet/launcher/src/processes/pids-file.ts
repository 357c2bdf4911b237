/**
 * `<dir>/pids.json`: the processes a testnet started, so that another process (`murmur-devnet
 * down`, a test's clean-up, the next start on the same directory) can find them, check that a
 * pid still belongs to them (start time and command line) and stop their process groups.
 *
 * ```json
 * {"version": 1, "processes": [
 *   {"name": "ledger", "pid": 4242, "startTime": "912345", "command": ["/usr/bin/node", "…/cli.js", "ledger", …],
 *    "logFile": "/tmp/t/logs/ledger.log", "startedAt": "2026-11-26T16:00:00.000Z"}
 * ]}
 * ```
 *
 * Written atomically (temporary file and rename).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createChecker, InvalidInputError } from '@murmur/wire';
import Type from 'typebox';
import { writeJsonFileAtomic } from '../json-file.js';
import { isAlive, type ProcessIdentity, readProcessIdentity, sameProcess } from './proc.js';

/** The file name inside the testnet directory. */
export const PIDS_FILE_NAME = 'pids.json';

/** One recorded process. Its pid is also its process group ID (it was started detached). */
export interface RecordedProcess {
  /** `ledger` or a node name (`node-01`). */
  name: string;
  pid: number;
  /** Start time in clock ticks since boot (Linux), to detect a recycled pid. */
  startTime?: string | undefined;
  /** Its command line, to detect a recycled pid. */
  command?: string[] | undefined;
  /** Where its output goes. */
  logFile: string;
  /** ISO time of the start. */
  startedAt: string;
}

/** The file's content. */
export interface PidsFile {
  version: 1;
  processes: RecordedProcess[];
}

/** The path of the pids file in `dir`. */
export function pidsFilePath(dir: string): string {
  return join(dir, PIDS_FILE_NAME);
}

/** One entry of the pids file (more fields are tolerated, for files a newer launcher wrote). */
const RecordedProcessSchema = Type.Object({
  name: Type.String({ description: 'the process name, a string' }),
  pid: Type.Integer({
    minimum: 2,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'a process id above 1',
  }),
  startTime: Type.Optional(Type.String({ description: 'a start time in clock ticks, a string' })),
  command: Type.Optional(
    Type.Array(Type.String(), { description: 'the command line, a list of strings' }),
  ),
  logFile: Type.String({ description: 'the log file path, a string' }),
  startedAt: Type.String({ description: 'an ISO time, a string' }),
});
const recordedProcessChecker = createChecker(RecordedProcessSchema);
const pidsFileChecker = createChecker(
  Type.Object({ version: Type.Literal(1), processes: Type.Array(Type.Unknown()) }),
);

/**
 * Parses the pids file's text, checked with a compiled TypeBox schema.
 * @throws {@link InvalidInputError} naming the file and the field.
 */
export function parsePidsFile(text: string, path = PIDS_FILE_NAME): PidsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InvalidInputError(`${path} is not JSON`, { cause });
  }
  if (!pidsFileChecker.check(json)) {
    const problem = pidsFileChecker.firstProblem(json);
    throw new InvalidInputError(`${path} is not a version 1 pids file`, {
      details: { field: problem?.field ?? '' },
    });
  }
  const processes: RecordedProcess[] = [];
  for (const [index, entry] of json.processes.entries()) {
    if (!recordedProcessChecker.check(entry)) {
      const problem = recordedProcessChecker.firstProblem(entry);
      const field = problem?.field ? `processes[${index}].${problem.field}` : `processes[${index}]`;
      throw new InvalidInputError(
        `${path}: processes[${index}] is not a recorded process: ${problem?.text ?? 'it is invalid'}`,
        { details: { field } },
      );
    }
    processes.push(entry);
  }
  return { version: 1, processes };
}

/** Reads `<dir>/pids.json` (an empty list when there is none). */
export function readPidsFile(dir: string): PidsFile {
  const path = pidsFilePath(dir);
  if (!existsSync(path)) return { version: 1, processes: [] };
  return parsePidsFile(readFileSync(path, 'utf8'), path);
}

/** Writes `<dir>/pids.json` atomically. */
export function writePidsFile(dir: string, processes: readonly RecordedProcess[]): void {
  const path = pidsFilePath(dir);
  const file: PidsFile = { version: 1, processes: [...processes] };
  writeJsonFileAtomic(path, file);
}

/** The identity fields of a record. */
export function identityOf(entry: RecordedProcess): ProcessIdentity {
  return { startTime: entry.startTime, command: entry.command };
}

/**
 * Whether the recorded process is still running: its pid is alive and still belongs to it
 * (same start time and command line where the system tells them).
 */
export function isRecordedProcessRunning(
  entry: RecordedProcess,
  read: (pid: number) => ProcessIdentity = readProcessIdentity,
  alive: (pid: number) => boolean = isAlive,
): boolean {
  if (!alive(entry.pid)) return false;
  return sameProcess(identityOf(entry), read(entry.pid));
}

/** The records of `file` whose processes still run. */
export function runningRecordedProcesses(
  file: PidsFile,
  read: (pid: number) => ProcessIdentity = readProcessIdentity,
  alive: (pid: number) => boolean = isAlive,
): RecordedProcess[] {
  return file.processes.filter((entry) => isRecordedProcessRunning(entry, read, alive));
}
