import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { devnetDirWith } from '../test-support/devnet.js';
import {
  launcherFilePath,
  launcherRunning,
  processIdentity,
  readLauncherRecord,
  removeLauncherRecord,
  runningLauncher,
  writeLauncherRecord,
} from './launcher-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function record(pid: number, identity = processIdentity(pid)) {
  return {
    version: 1 as const,
    pid,
    ...identity,
    startedAt: new Date().toISOString(),
    state: 'ready' as const,
  };
}

describe('launcher.json', () => {
  it('identifies this process by its start time and command line', () => {
    const identity = processIdentity(process.pid);
    if (process.platform === 'linux') {
      expect(identity.startTime).toMatch(/^[0-9]+$/);
      expect(identity.command?.[0]).toContain('node');
    }
    expect(launcherRunning(record(process.pid))).toBe(true);
  });

  it('does not take a recycled pid for the launcher', () => {
    if (process.platform !== 'linux') return;
    const identity = processIdentity(process.pid);
    const other = { ...identity, startTime: String(Number(identity.startTime) + 1) };
    expect(launcherRunning(record(process.pid, other))).toBe(false);
    expect(launcherRunning(record(2 ** 22 + 12_345, {}))).toBe(false);
  });

  it('is written, read, found running and removed only by its own launcher', () => {
    const dir = devnetDirWith(undefined);
    dirs.push(dir);
    expect(readLauncherRecord(dir)).toBeUndefined();
    writeLauncherRecord(dir, record(process.pid));
    expect(readLauncherRecord(dir)?.pid).toBe(process.pid);
    expect(runningLauncher(dir)?.state).toBe('ready');
    removeLauncherRecord(dir, process.pid + 1);
    expect(readLauncherRecord(dir)).toBeDefined();
    removeLauncherRecord(dir, process.pid);
    expect(readLauncherRecord(dir)).toBeUndefined();
  });

  it('ignores a damaged file', () => {
    const dir = devnetDirWith(undefined);
    dirs.push(dir);
    writeFileSync(launcherFilePath(dir), '{"version":1,"pid":"12"}');
    expect(readLauncherRecord(dir)).toBeUndefined();
    writeFileSync(launcherFilePath(dir), 'garbage');
    expect(runningLauncher(dir)).toBeUndefined();
    const badState = JSON.stringify({ ...record(process.pid), state: 'sleeping' });
    writeFileSync(launcherFilePath(dir), badState);
    expect(readLauncherRecord(dir)).toBeUndefined();
    const badTimings = JSON.stringify({ ...record(process.pid), timings: { ledger: 'fast' } });
    writeFileSync(launcherFilePath(dir), badTimings);
    expect(runningLauncher(dir)).toBeUndefined();
    expect(readFileSync(launcherFilePath(dir), 'utf8')).toBe(badTimings);
  });
});
