import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '@murmur/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isRecordedProcessRunning,
  parsePidsFile,
  pidsFilePath,
  type RecordedProcess,
  readPidsFile,
  runningRecordedProcesses,
  writePidsFile,
} from './pids-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'testnet-pids-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const ledger: RecordedProcess = {
  name: 'ledger',
  pid: 4242,
  startTime: '1000',
  command: ['/usr/bin/node', '/x/apps/devnet/dist/cli.js', 'ledger'],
  logFile: '/tmp/t/logs/ledger.log',
  startedAt: '2026-11-26T16:00:00.000Z',
};

describe('pids file', () => {
  it('is empty when absent and round-trips what is written', () => {
    expect(readPidsFile(dir)).toEqual({ version: 1, processes: [] });
    writePidsFile(dir, [ledger]);
    expect(readPidsFile(dir)).toEqual({ version: 1, processes: [ledger] });
    expect(JSON.parse(readFileSync(pidsFilePath(dir), 'utf8')).version).toBe(1);
  });

  it('refuses malformed files with the reason', () => {
    expect(() => parsePidsFile('{')).toThrow(/not JSON/);
    expect(() => parsePidsFile('{"version":2,"processes":[]}')).toThrow(/version 1/);
    expect(() => parsePidsFile('{"version":1,"processes":[{"name":"x","pid":1}]}')).toThrow(
      /processes\[0\]/,
    );
    writeFileSync(pidsFilePath(dir), '[]');
    expect(() => readPidsFile(dir)).toThrow(/pids\.json/);
  });

  it('names the file and the bad field, as an InvalidInputError, and leaves the file alone', () => {
    const bad =
      '{"version":1,"processes":[{"name":"ledger","pid":"4242","logFile":"l","startedAt":"t"}]}';
    writeFileSync(pidsFilePath(dir), bad);
    let caught: unknown;
    try {
      readPidsFile(dir);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as InvalidInputError).code).toBe('INVALID_INPUT');
    expect((caught as InvalidInputError).message).toContain(pidsFilePath(dir));
    expect((caught as InvalidInputError).message).toMatch(/processes\[0\].*`pid`/);
    expect((caught as InvalidInputError).details).toEqual({ field: 'processes[0].pid' });
    expect(readFileSync(pidsFilePath(dir), 'utf8')).toBe(bad);
    expect(() =>
      parsePidsFile(
        '{"version":1,"processes":[{"name":"x","pid":5,"logFile":"l","startedAt":"t","command":[1]}]}',
      ),
    ).toThrow(/processes\[0\].*`command\[0\]`/);
  });
});

describe('running recorded processes', () => {
  const alive = () => true;

  it('keeps a process whose pid still has its start time and command line', () => {
    const read = () => ({ startTime: '1000', command: ledger.command });
    expect(isRecordedProcessRunning(ledger, read, alive)).toBe(true);
  });

  it('drops a recycled pid (another start time or command line) and a dead one', () => {
    const recycled = () => ({ startTime: '2000', command: ledger.command });
    const otherProgram = () => ({ startTime: '1000', command: ['sleep', '100'] });
    expect(isRecordedProcessRunning(ledger, recycled, alive)).toBe(false);
    expect(isRecordedProcessRunning(ledger, otherProgram, alive)).toBe(false);
    expect(
      isRecordedProcessRunning(
        ledger,
        () => ({}),
        () => false,
      ),
    ).toBe(false);
    const file = {
      version: 1 as const,
      processes: [ledger, { ...ledger, name: 'node-01', pid: 4343 }],
    };
    expect(
      runningRecordedProcesses(
        file,
        (pid) => (pid === 4242 ? { startTime: '1000' } : { startTime: '1' }),
        alive,
      ).map((entry) => entry.name),
    ).toEqual(['ledger']);
  });
});
