import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  adoptProcess,
  logTail,
  processRunning,
  readLogFrom,
  spawnProcess,
  stopProcess,
} from './managed-process.js';
import { processesAlive, processGroupAlive } from './proc.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'testnet-process-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function run(name: string, source: string) {
  return spawnProcess({
    name,
    args: ['-e', source],
    logFile: join(dir, 'logs', `${name}.log`),
    env: { ...process.env },
  });
}

describe('spawnProcess', () => {
  it('appends output to the log after a header line and reports the exit', async () => {
    const first = run('echo', 'console.log("one"); console.error("two"); process.exit(3)');
    expect(await first.exited).toEqual({ code: 3, signal: null });
    const second = run('echo', 'console.log("three")');
    await second.exited;
    const log = readFileSync(join(dir, 'logs', 'echo.log'), 'utf8')
      .trim()
      .split('\n');
    expect(log.filter((line) => line.startsWith('{"testnet":"start"'))).toHaveLength(2);
    expect(log.filter((line) => !line.startsWith('{'))).toEqual(['one', 'two', 'three']);
    expect(logTail(second.logFile, second.logOffset)).toEqual(['three']);
    expect(readLogFrom(first.logFile, first.logOffset)).toContain('one\ntwo\n');
    expect(first.record()).toMatchObject({ name: 'echo', pid: first.pid, logFile: first.logFile });
  });

  it('keeps the last lines only', async () => {
    const proc = run('many', 'for (let i = 0; i < 50; i++) console.log("line " + i)');
    await proc.exited;
    const tail = logTail(proc.logFile, proc.logOffset, 20);
    expect(tail).toHaveLength(20);
    expect(tail.at(-1)).toBe('line 49');
  });
});

describe('stopProcess', () => {
  it('stops the whole process group, grandchildren included', async () => {
    const proc = run(
      'parent',
      `const { spawn } = require('node:child_process');
       const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
       console.log('child ' + child.pid);
       setInterval(() => {}, 1000);`,
    );
    let grandchild = 0;
    // Up to 30 s (a hang guard: two node start-ups on a busy machine can take seconds).
    for (let i = 0; i < 600 && grandchild === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const match = /child (\d+)/.exec(readLogFrom(proc.logFile, proc.logOffset));
      if (match !== null) grandchild = Number(match[1]);
    }
    expect(grandchild).toBeGreaterThan(0);
    expect(processesAlive([proc.pid, grandchild])).toHaveLength(2);
    const exit = await stopProcess(proc, { graceMs: 5_000 });
    expect(exit.signal).toBe('SIGTERM');
    expect(processGroupAlive(proc.pid)).toBe(false);
    expect(processesAlive([proc.pid, grandchild])).toEqual([]);
    expect(processRunning(proc)).toBe(false);
    await expect(stopProcess(proc)).resolves.toEqual(exit);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const proc = run(
      'stubborn',
      `process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000);`,
    );
    // Its SIGTERM handler is installed once it printed 'up': wait for that (30 s hang guard),
    // or a slow start-up would take the default SIGTERM and pass for a stop without SIGKILL.
    for (let i = 0; i < 600 && !readLogFrom(proc.logFile, proc.logOffset).includes('up'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(readLogFrom(proc.logFile, proc.logOffset)).toContain('up');
    const exit = await stopProcess(proc, { graceMs: 300 });
    expect(exit.signal).toBe('SIGKILL');
    expect(processGroupAlive(proc.pid)).toBe(false);
  });

  it('stops a process it adopted from a record', async () => {
    const proc = run('adopted', 'setInterval(() => {}, 1000)');
    const adopted = adoptProcess(proc.record(), 20);
    expect(adopted.adopted).toBe(true);
    expect(processRunning(adopted)).toBe(true);
    await stopProcess(adopted, { graceMs: 5_000 });
    expect(processGroupAlive(proc.pid)).toBe(false);
    await proc.exited;
  });
});
