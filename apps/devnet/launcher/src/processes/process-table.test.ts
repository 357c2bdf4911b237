import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../poll.js';
import { tempDir } from '../test-support/context.js';
import {
  type ManagedProcess,
  processRunning,
  readLogFrom,
  spawnProcess,
  stopProcess,
} from './managed-process.js';
import { pidsFilePath, readPidsFile, writePidsFile } from './pids-file.js';
import { processesAlive } from './proc.js';
import { refreshProcesses, savePids, stopAll, stopTestnetProcesses } from './process-table.js';

let folder: ReturnType<typeof tempDir>;
const started: ManagedProcess[] = [];
beforeEach(() => {
  folder = tempDir('testnet-table');
});
afterEach(async () => {
  for (const proc of started.splice(0)) await stopProcess(proc, { graceMs: 1_000 });
  folder.remove();
});

/** A process that runs until stopped; on SIGTERM it writes when it stopped to its log. */
function long(name: string): ManagedProcess {
  const proc = spawnProcess({
    name,
    args: [
      '-e',
      `process.on('SIGTERM', () => { console.log('stopped ' + process.hrtime.bigint()); process.exit(0); }); console.log('ready'); setInterval(() => undefined, 1000);`,
    ],
    logFile: join(folder.dir, 'logs', `${name}.log`),
    env: { ...process.env },
  });
  started.push(proc);
  return proc;
}

function table(processes: Map<string, ManagedProcess> = new Map()) {
  return { dir: folder.dir, processes, stopTimeoutMs: 2_000 };
}

describe('savePids and refreshProcesses', () => {
  it("records this instance's running processes and keeps another instance's", async () => {
    const other = long('node-02');
    writePidsFile(folder.dir, [other.record()]);
    const mine = long('node-01');
    const finished = spawnProcess({
      name: 'init',
      args: ['-e', ''],
      logFile: join(folder.dir, 'logs', 'init.log'),
      env: { ...process.env },
    });
    await finished.exited;
    savePids(
      table(
        new Map([
          ['node-01', mine],
          ['init', finished],
        ]),
      ),
    );
    const names = readPidsFile(folder.dir)
      .processes.map((entry) => entry.name)
      .sort();
    expect(names).toEqual(['node-01', 'node-02']);
  });

  it('adopts the running processes another instance recorded', () => {
    const other = long('node-03');
    writePidsFile(folder.dir, [other.record()]);
    const seen = table();
    refreshProcesses(seen);
    const adopted = seen.processes.get('node-03');
    expect(adopted?.pid).toBe(other.pid);
    expect(adopted?.adopted).toBe(true);
    expect(adopted !== undefined && processRunning(adopted)).toBe(true);
  });

  it('replaces a damaged pids.json with what it knows', () => {
    const mine = long('node-04');
    writeFileSync(pidsFilePath(folder.dir), '{ not json');
    savePids(table(new Map([['node-04', mine]])));
    expect(readPidsFile(folder.dir).processes.map((entry) => entry.pid)).toEqual([mine.pid]);
  });
});

describe('stopAll', () => {
  it('stops the nodes before the ledger and the guard last, and empties pids.json', async () => {
    const processes = new Map<string, ManagedProcess>();
    for (const name of ['reaper', 'ledger', 'node-01', 'node-02']) processes.set(name, long(name));
    // Each has its SIGTERM handler once it printed its ready line.
    await pollUntil(
      () =>
        [...processes.values()].every((proc) =>
          readLogFrom(proc.logFile, proc.logOffset).includes('ready'),
        )
          ? true
          : undefined,
      { intervalMs: 20, timeoutMs: 20_000, describeTimeout: () => 'the processes did not start' },
    );
    await stopAll(table(processes));
    expect(processes.size).toBe(0);
    const stoppedAt = (name: string) => {
      const proc = started.find((entry) => entry.name === name) as ManagedProcess;
      const line = readFileSync(proc.logFile, 'utf8');
      return BigInt(/stopped (\d+)/.exec(line)?.[1] ?? '0');
    };
    expect(stoppedAt('node-01')).toBeLessThan(stoppedAt('ledger'));
    expect(stoppedAt('node-02')).toBeLessThan(stoppedAt('ledger'));
    expect(stoppedAt('ledger')).toBeLessThan(stoppedAt('reaper'));
    expect(readPidsFile(folder.dir).processes).toEqual([]);
  });
});

describe('stopTestnetProcesses', () => {
  it('stops what pids.json records from another process, and only that', async () => {
    const recorded = [long('ledger'), long('node-01')];
    const bystander = long('bystander');
    writePidsFile(
      folder.dir,
      recorded.map((proc) => proc.record()),
    );
    const stopped = await stopTestnetProcesses(folder.dir, { graceMs: 2_000 });
    expect(stopped.sort()).toEqual(['ledger', 'node-01']);
    expect(processesAlive(recorded.map((proc) => proc.pid))).toEqual([]);
    expect(processRunning(bystander)).toBe(true);
    expect(readPidsFile(folder.dir).processes).toEqual([]);
  });
});
