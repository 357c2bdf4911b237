import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnProcess } from './managed-process.js';
import { writePidsFile } from './pids-file.js';
import { processesAlive, processGroupAlive, readProcessIdentity } from './proc.js';
import { reaperArgs } from './reaper.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'testnet-reaper-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe('the orphan guard', () => {
  it('stops the recorded process groups when its parent dies, and spares the rest', async () => {
    const parent = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    });
    const parentPid = parent.pid as number;
    const member = spawnProcess({
      name: 'node-01',
      args: ['-e', 'setInterval(() => {}, 1000)'],
      logFile: join(dir, 'logs', 'node-01.log'),
      env: { ...process.env },
    });
    const stranger = spawnProcess({
      name: 'stranger',
      args: ['-e', 'setInterval(() => {}, 1000)'],
      logFile: join(dir, 'logs', 'stranger.log'),
      env: { ...process.env },
    });
    // A record whose pid now belongs to another program: must be left alone.
    const recycled = { ...stranger.record(), name: 'old', startTime: '1' };
    writePidsFile(dir, [member.record(), recycled]);
    const guard = spawnProcess({
      name: 'reaper',
      args: reaperArgs(
        parentPid,
        readProcessIdentity(parentPid).startTime,
        join(dir, 'pids.json'),
        2_000,
      ),
      logFile: join(dir, 'logs', 'reaper.log'),
      env: { ...process.env },
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(processesAlive([member.pid, guard.pid])).toHaveLength(2);
      parent.kill('SIGKILL');
      expect(await until(() => !processGroupAlive(member.pid), 30_000)).toBe(true);
      await guard.exited;
      expect(processesAlive([stranger.pid])).toEqual([stranger.pid]);
    } finally {
      for (const proc of [member, stranger, guard]) {
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch {
          // Gone.
        }
      }
      parent.kill('SIGKILL');
    }
  });
});
