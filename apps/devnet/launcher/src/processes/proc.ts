/**
 * What the operating system says about processes: whether a pid or a process group is alive,
 * a process's identity (start time and command line from `/proc` on Linux, so that a pid
 * recycled by an unrelated program is never signalled), and which process listens on a port.
 * Outside Linux the identity is unknown and only liveness is checked.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Who a pid belongs to: enough to tell the process we started from a later one with its pid. */
export interface ProcessIdentity {
  /** Start time in clock ticks since boot (`/proc/<pid>/stat` field 22), as decimal text. */
  startTime?: string | undefined;
  /** The command line (`/proc/<pid>/cmdline`). */
  command?: readonly string[] | undefined;
}

interface ProcStat {
  state: string;
  processGroup: number;
  startTime: string;
}

/** Fields of `/proc/<pid>/stat`, or `undefined` when it cannot be read. */
export function readProcStat(pid: number, procRoot = '/proc'): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return parseProcStat(text);
}

/** Parses `/proc/<pid>/stat` (the command name may hold spaces and parentheses). */
export function parseProcStat(text: string): ProcStat | undefined {
  const end = text.lastIndexOf(')');
  if (end < 0) return undefined;
  // Fields after the command name, starting with field 3 (state).
  const fields = text
    .slice(end + 1)
    .trim()
    .split(/\s+/);
  const state = fields[0];
  const processGroup = Number(fields[2]);
  const startTime = fields[19];
  if (state === undefined || startTime === undefined || !Number.isSafeInteger(processGroup)) {
    return undefined;
  }
  return { state, processGroup, startTime };
}

/** The command line of `pid`, or `undefined`. */
export function readCommandLine(pid: number, procRoot = '/proc'): string[] | undefined {
  try {
    const text = readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8');
    if (text === '') return undefined;
    return text.replace(/\0$/, '').split('\0');
  } catch {
    return undefined;
  }
}

/** The identity of a running process (empty fields where the system does not tell). */
export function readProcessIdentity(pid: number, procRoot = '/proc'): ProcessIdentity {
  const stat = readProcStat(pid, procRoot);
  const command = readCommandLine(pid, procRoot);
  const identity: ProcessIdentity = {};
  if (stat !== undefined) identity.startTime = stat.startTime;
  if (command !== undefined) identity.command = command;
  return identity;
}

/**
 * Whether the process now holding `pid` is the one `recorded` describes: every field known on
 * both sides must match. With nothing to compare (not Linux), liveness alone decides.
 */
export function sameProcess(recorded: ProcessIdentity, current: ProcessIdentity): boolean {
  if (recorded.startTime !== undefined && current.startTime !== undefined) {
    if (recorded.startTime !== current.startTime) return false;
  }
  if (recorded.command !== undefined && current.command !== undefined) {
    if (recorded.command.length !== current.command.length) return false;
    for (let i = 0; i < recorded.command.length; i++) {
      if (recorded.command[i] !== current.command[i]) return false;
    }
  }
  return true;
}

/** Whether `pid` is a live process (a zombie waiting to be reaped counts as gone). */
export function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EPERM') return false;
  }
  return readProcStat(pid)?.state !== 'Z';
}

/**
 * The pids of `pids` that are still alive (zombies excluded): for "no orphan left" checks,
 * `processesAlive(recordedPids)` must be `[]` after a stop.
 */
export function processesAlive(pids: Iterable<number>): number[] {
  const alive: number[] = [];
  for (const pid of pids) if (isAlive(pid)) alive.push(pid);
  return alive;
}

/**
 * Whether any process of the process group `pgid` is alive. On Linux the group's members are
 * looked up in `/proc` (so that zombies not yet reaped by their parent count as gone); elsewhere
 * `kill(-pgid, 0)` decides.
 */
export function processGroupAlive(pgid: number, procRoot = '/proc'): boolean {
  if (!Number.isSafeInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EPERM') return false;
  }
  const members = processGroupMembers(pgid, procRoot);
  if (members === undefined) return true;
  return members.some((member) => member.state !== 'Z');
}

/** Members of a process group from `/proc` (`undefined` when `/proc` is not there). */
export function processGroupMembers(
  pgid: number,
  procRoot = '/proc',
): { pid: number; state: string }[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return undefined;
  }
  const members: { pid: number; state: string }[] = [];
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readProcStat(pid, procRoot);
    if (stat !== undefined && stat.processGroup === pgid) members.push({ pid, state: stat.state });
  }
  return members;
}

/** Sends `signal` to the process group `pgid`; false when the group is already gone. */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isSafeInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Whether a socket bound to `local` (the address field of `/proc/net/tcp*`, hex) holds `host`:
 * the same IPv4 address, the wildcard (IPv4 or IPv6), or the IPv4-mapped IPv6 form. A `host`
 * that is not an IPv4 address matches every socket.
 */
export function holdsAddress(localHex: string, host: string | undefined): boolean {
  const octets = host?.split('.').map(Number);
  if (
    octets === undefined ||
    octets.length !== 4 ||
    !octets.every((octet) => Number.isInteger(octet) && octet >= 0 && octet <= 255)
  ) {
    return true;
  }
  // /proc writes an IPv4 address as one little-endian 32-bit word.
  const v4 = octets
    .map((octet) => octet.toString(16).padStart(2, '0'))
    .reverse()
    .join('')
    .toUpperCase();
  const local = localHex.toUpperCase();
  return (
    /^0+$/.test(local) ||
    local === v4 ||
    // ::ffff:a.b.c.d, as four little-endian words.
    local === `0000000000000000FFFF0000${v4}`
  );
}

/**
 * Socket inodes listening on `port` (TCP, IPv4 and IPv6) from `/proc/net/tcp*`; with `host`,
 * only the sockets that hold that address ({@link holdsAddress}: the same port number on another
 * loopback address is another socket).
 */
export function listeningSocketInodes(
  port: number,
  procRoot = '/proc',
  host?: string,
): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['net/tcp', 'net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(`${procRoot}/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const state = fields[3];
      const inode = fields[9];
      if (local === undefined || state !== '0A' || inode === undefined) continue;
      const separator = local.lastIndexOf(':');
      const portHex = local.slice(separator + 1);
      if (Number.parseInt(portHex, 16) !== port) continue;
      if (holdsAddress(local.slice(0, separator), host)) inodes.add(inode);
    }
  }
  return inodes;
}

/**
 * Which process listens on `port` (on `host`, when given), as `pid 1234 (node /x/cli.js ledger
 * …)`, or `undefined` when that cannot be found out (not Linux, or another user's process).
 */
export function describePortHolder(
  port: number,
  procRoot = '/proc',
  host?: string,
): string | undefined {
  const inodes = listeningSocketInodes(port, procRoot, host);
  if (inodes.size === 0) return undefined;
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${procRoot}/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match !== null && inodes.has(match[1] as string)) {
        const command = readCommandLine(Number(entry), procRoot);
        const shown = command === undefined ? '' : ` (${command.join(' ').slice(0, 160)})`;
        return `pid ${entry}${shown}`;
      }
    }
  }
  return undefined;
}
