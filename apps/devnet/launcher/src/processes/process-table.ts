/**
 * The processes of a testnet as a table: the running ones recorded in `pids.json` (so another
 * process — `murmur-devnet down`, an {@link openTestnet} — can find, adopt and stop them),
 * and stopping them in order (nodes, then the ledger, then the guard).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Context, DEFAULT_STOP_TIMEOUT_MS, LEDGER, REAPER } from '../context.js';
import {
  adoptProcess,
  type ManagedProcess,
  processRunning,
  stopProcess,
} from './managed-process.js';
import {
  type RecordedProcess,
  readPidsFile,
  runningRecordedProcesses,
  writePidsFile,
} from './pids-file.js';

/** The part of a {@link Context} the process table uses. */
export type ProcessTable = Pick<Context, 'dir' | 'processes' | 'stopTimeoutMs'>;

/**
 * Writes `pids.json`: this instance's running processes, plus the running ones another
 * instance on the same directory recorded (an {@link openTestnet} that restarted a node).
 */
export function savePids(table: Pick<ProcessTable, 'dir' | 'processes'>): void {
  const records: RecordedProcess[] = [];
  const mine = new Set<string>();
  for (const proc of table.processes.values()) {
    if (!processRunning(proc)) continue;
    records.push(proc.record());
    mine.add(proc.name);
  }
  let others: RecordedProcess[] = [];
  try {
    others = runningRecordedProcesses(readPidsFile(table.dir)).filter(
      (entry) => !mine.has(entry.name) && !table.processes.has(entry.name),
    );
  } catch {
    // A damaged file is replaced by what this instance knows.
  }
  writePidsFile(table.dir, [...others, ...records]);
}

/**
 * Adopts the processes another instance on the same directory started (recorded in
 * `pids.json`, still running) for names this instance has no running process for.
 */
export function refreshProcesses(table: Pick<ProcessTable, 'dir' | 'processes'>): void {
  let recorded: RecordedProcess[];
  try {
    recorded = readPidsFile(table.dir).processes;
  } catch {
    return;
  }
  for (const entry of recorded) {
    const own = table.processes.get(entry.name);
    if (own !== undefined && (own.pid === entry.pid || processRunning(own))) continue;
    const adopted = adoptProcess(entry);
    if (processRunning(adopted)) table.processes.set(entry.name, adopted);
  }
}

/**
 * Stops every process of the table (and those another instance recorded): the nodes at once,
 * then the ledger, then the guard; SIGKILL after `stopTimeoutMs`. Throws the first failure
 * after trying them all.
 */
export async function stopAll(table: ProcessTable): Promise<void> {
  refreshProcesses(table);
  const { processes } = table;
  const nodes = [...processes.values()].filter(
    (proc) => proc.name !== LEDGER && proc.name !== REAPER,
  );
  const errors: unknown[] = [];
  const stopOne = async (proc: ManagedProcess) => {
    try {
      await stopProcess(proc, { graceMs: table.stopTimeoutMs });
      processes.delete(proc.name);
    } catch (error) {
      errors.push(error);
    }
  };
  await Promise.all(nodes.map(stopOne));
  const ledger = processes.get(LEDGER);
  if (ledger !== undefined) await stopOne(ledger);
  const guard = processes.get(REAPER);
  if (guard !== undefined) await stopOne(guard);
  savePids(table);
  if (errors.length > 0) throw errors[0];
}

/**
 * Stops the processes recorded in `<dir>/pids.json` that still run (pids checked against their
 * recorded start time and command line, so a recycled pid is left alone): SIGTERM to each
 * process group, SIGKILL after `graceMs` (default 10 s). Resolves the names stopped. Needs
 * neither the ledger nor the built programs.
 */
export async function stopTestnetProcesses(
  dir: string,
  options: { graceMs?: number | undefined } = {},
): Promise<string[]> {
  const root = resolve(dir);
  const running = runningRecordedProcesses(readPidsFile(root));
  const nodes = running.filter((entry) => entry.name !== LEDGER);
  const stopped: string[] = [];
  const stopOne = async (entry: RecordedProcess) => {
    await stopProcess(adoptProcess(entry, 50), {
      graceMs: options.graceMs ?? DEFAULT_STOP_TIMEOUT_MS,
    });
    stopped.push(entry.name);
  };
  await Promise.all(nodes.map(stopOne));
  for (const entry of running) if (entry.name === LEDGER) await stopOne(entry);
  if (existsSync(root)) writePidsFile(root, runningRecordedProcesses(readPidsFile(root)));
  return stopped;
}
