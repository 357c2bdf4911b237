import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  describePortHolder,
  holdsAddress,
  isAlive,
  parseProcStat,
  processesAlive,
  processGroupAlive,
  readProcessIdentity,
  sameProcess,
} from './proc.js';

const linux = process.platform === 'linux';

describe('parseProcStat', () => {
  it('reads state, process group and start time past a command name with spaces and parentheses', () => {
    const fields = [
      'S',
      '1',
      '4242',
      '4242',
      ...Array.from({ length: 15 }, () => '0'),
      '987654',
      '0',
    ];
    const stat = parseProcStat(`4242 (node (weird) name) ${fields.join(' ')}`);
    expect(stat).toEqual({ state: 'S', processGroup: 4242, startTime: '987654' });
  });

  it('gives undefined for garbage', () => {
    expect(parseProcStat('nonsense')).toBeUndefined();
  });
});

describe('sameProcess', () => {
  it('compares every field both sides know', () => {
    const recorded = { startTime: '5', command: ['node', 'a.js'] };
    expect(sameProcess(recorded, { startTime: '5', command: ['node', 'a.js'] })).toBe(true);
    expect(sameProcess(recorded, { startTime: '6', command: ['node', 'a.js'] })).toBe(false);
    expect(sameProcess(recorded, { startTime: '5', command: ['bash'] })).toBe(false);
    expect(sameProcess(recorded, {})).toBe(true);
  });
});

describe('liveness', () => {
  it('knows this process is alive and a reaped child is not', async () => {
    expect(isAlive(process.pid)).toBe(true);
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid as number;
    await new Promise((resolve) => child.once('exit', resolve));
    expect(processesAlive([process.pid, pid])).toEqual([process.pid]);
    expect(isAlive(-1)).toBe(false);
  });

  it.runIf(linux)('reads this process identity', () => {
    const identity = readProcessIdentity(process.pid);
    expect(identity.startTime).toMatch(/^\d+$/);
    expect(identity.command?.[0]).toBe(process.execPath);
  });

  it('sees a detached group until its processes are gone', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      detached: true,
      stdio: 'ignore',
    });
    const pid = child.pid as number;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    expect(processGroupAlive(pid)).toBe(true);
    process.kill(-pid, 'SIGKILL');
    await exited;
    expect(processGroupAlive(pid)).toBe(false);
    expect(processGroupAlive(1)).toBe(false);
  });
});

describe('holdsAddress', () => {
  it('matches the same IPv4 address, the wildcards and the IPv4-mapped form, not another address', () => {
    // 127.0.0.1 and 127.0.9.1 as /proc/net/tcp writes them (little-endian words).
    expect(holdsAddress('0100007F', '127.0.0.1')).toBe(true);
    expect(holdsAddress('0109007F', '127.0.0.1')).toBe(false);
    expect(holdsAddress('0109007F', '127.0.9.1')).toBe(true);
    expect(holdsAddress('00000000', '127.0.9.1')).toBe(true);
    expect(holdsAddress('00000000000000000000000000000000', '127.0.0.1')).toBe(true);
    expect(holdsAddress('0000000000000000FFFF00000100007F', '127.0.0.1')).toBe(true);
    expect(holdsAddress('0000000000000000FFFF00000109007F', '127.0.0.1')).toBe(false);
    // Not an IPv4 address: every socket on the port.
    expect(holdsAddress('0109007F', 'localhost')).toBe(true);
    expect(holdsAddress('0109007F', undefined)).toBe(true);
  });
});

describe.runIf(linux)('describePortHolder', () => {
  it('names the holder of the given address when another address holds the same port', async () => {
    const listen = (server: Server, port: number, host: string) =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, resolve);
      });
    const mine = createServer();
    await listen(mine, 0, '127.0.0.1');
    const address = mine.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    // A child process holds the same port number on another loopback address.
    const other = spawn(
      process.execPath,
      [
        '-e',
        `require('node:net').createServer().listen(${port}, '127.0.9.1', () => console.log('up'))`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve) => other.stdout?.once('data', () => resolve()));
      expect(describePortHolder(port, '/proc', '127.0.0.1')).toMatch(
        new RegExp(`^pid ${process.pid} \\(`),
      );
      expect(describePortHolder(port, '/proc', '127.0.9.1')).toMatch(
        new RegExp(`^pid ${other.pid} \\(`),
      );
    } finally {
      other.kill('SIGKILL');
      await new Promise((resolve) => mine.close(resolve));
    }
  });

  it('names the process listening on a port', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      expect(describePortHolder(port)).toMatch(new RegExp(`^pid ${process.pid} \\(`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(describePortHolder(port)).toBeUndefined();
  });
});
