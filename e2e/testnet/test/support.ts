/**
 * Helpers of the e2e files: temporary directories and an orphan check that looks at every
 * process on the machine, not only at what the testnet recorded.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new temporary directory for one testnet. */
export function temporaryDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `murmur-testnet-${label}-`));
}

/** Pids of live processes (zombies excluded) whose command line mentions `text` (Linux). */
export function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (command.includes(text) && state !== 'Z') found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** A detached process that has nothing to do with any testnet (to check stop() spares it). */
export function bystander(): { pid: number; kill(): void } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  const pid = child.pid as number;
  return {
    pid,
    kill() {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}
