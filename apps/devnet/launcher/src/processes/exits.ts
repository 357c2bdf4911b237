/**
 * What a process that stopped too early left behind: an error naming it, how it exited and the
 * last lines of its log ({@link exitedError}), a promise that rejects so when any of a group
 * exits ({@link anyExit}, raced against the waits), and a port check that names the holder.
 */
import { dirname } from 'node:path';
import { PortInUseError, ProcessExitedError } from '../errors.js';
import { isPortFree } from '../ports.js';
import { logTail, type ManagedProcess } from './managed-process.js';
import { describePortHolder } from './proc.js';

/** Lines of a log an exit error quotes. */
const TAIL_LINES = 20;

/**
 * The error for a process that exited while it was expected to run (`what`: when, as
 * "while it was starting"). With `port`, a log that says the address was in use adds who holds
 * the port.
 */
export function exitedError(proc: ManagedProcess, what: string, port?: number): ProcessExitedError {
  const info = proc.exitInfo;
  const how =
    info === undefined
      ? 'exited'
      : info.signal !== null
        ? `was killed by ${info.signal}`
        : info.code === null
          ? 'exited'
          : `exited with code ${info.code}`;
  const tail = logTail(proc.logFile, proc.logOffset, TAIL_LINES);
  let holder = '';
  if (port !== undefined && tail.some((line) => /EADDRINUSE|already in use/i.test(line))) {
    const who = describePortHolder(port);
    holder = `\nport ${port} is in use${who === undefined ? '' : ` by ${who}`}`;
  }
  return new ProcessExitedError(
    proc.name,
    proc.logFile,
    `${proc.name} ${how} ${what}${holder}\nlast lines of ${proc.logFile}:\n${tail.map((line) => `  ${line}`).join('\n') || '  (empty)'}\nlogs in ${dirname(proc.logFile)}`,
    { details: { code: info?.code ?? null, signal: info?.signal ?? null } },
  );
}

/**
 * Rejects with {@link exitedError} when any of `procs` exits (for racing against a wait);
 * `ports` gives each process's port by name, for the "in use" hint.
 */
export function anyExit(
  procs: readonly ManagedProcess[],
  what: string,
  ports: ReadonlyMap<string, number> = new Map(),
): Promise<never> {
  const failure = new Promise<never>((_resolve, reject) => {
    for (const proc of procs) {
      void proc.exited.then(() => reject(exitedError(proc, what, ports.get(proc.name))));
    }
  });
  failure.catch(() => undefined);
  return failure;
}

/** A group of processes watched for an early exit, to which more can be added. */
export interface ExitWatch {
  /** Rejects with {@link exitedError} when any process added so far, or later, exits. */
  readonly failure: Promise<never>;
  /** Watches `proc` too (`port`: its port, for the "in use" hint). */
  add(proc: ManagedProcess, port?: number): void;
}

/**
 * {@link anyExit} for a group that grows while the wait runs (relays spawned once their node
 * listens): `failure` rejects when any process of `procs` or added later exits.
 */
export function exitWatch(
  procs: readonly ManagedProcess[],
  what: string,
  ports: ReadonlyMap<string, number> = new Map(),
): ExitWatch {
  let fail: (error: unknown) => void = () => undefined;
  const failure = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  failure.catch(() => undefined);
  const add = (proc: ManagedProcess, port?: number) => {
    void proc.exited.then(() => fail(exitedError(proc, what, port ?? ports.get(proc.name))));
  };
  for (const proc of procs) add(proc);
  return { failure, add };
}

/**
 * Checks that `host:port` is free before `who` starts on it.
 *
 * @throws {@link PortInUseError} naming the process that holds it, when that can be found out.
 */
export async function ensurePortFree(host: string, port: number, who: string): Promise<void> {
  if (await isPortFree(host, port)) return;
  const holder = describePortHolder(port, '/proc', host);
  throw new PortInUseError(
    host,
    port,
    `${who} cannot start: port ${port} on ${host} is in use${holder === undefined ? '' : ` by ${holder}`}`,
  );
}
