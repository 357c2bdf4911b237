/**
 * Start-ups that fail: a node that exits (a bad flag), a port held by another process, and a
 * directory whose testnet still runs. Each error names the culprit and leaves no process behind.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  PortInUseError,
  ProcessExitedError,
  processesAlive,
  programsFromEnvironment,
  startTestnet,
  stopTestnetProcesses,
  TestnetBusyError,
  type TestnetProgress,
} from '@murmur/testnet';
import { afterEach, describe, expect, it } from 'vitest';
import { processesMentioning, temporaryDir } from './support.js';

/** The programs under test, from MURMUR_LEDGER_CLI and MURMUR_NODE_CLI (the e2e configuration). */
const programs = programsFromEnvironment(process.env);

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    const left = processesMentioning(dir);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    expect(left, `processes left behind in ${dir}`).toEqual([]);
  }
});

describe('a failing start', () => {
  it('names the node that exited, its exit code and log, and stops everything', async () => {
    const dir = temporaryDir('bad-flag');
    dirs.push(dir);
    const events: TestnetProgress[] = [];
    const error = await startTestnet({
      programs,
      dir,
      nodes: 2,
      blockTimeMs: 250,
      nodeArgs: ['--no-such-flag'],
      onProgress: (event) => events.push(event),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProcessExitedError);
    const exited = error as ProcessExitedError;
    expect(exited.process).toMatch(/^node-0[12]$/);
    expect(exited.logFile).toBe(`${dir}/logs/${exited.process}.log`);
    expect(exited.message).toMatch(/exited with code 2/);
    expect(exited.message).toContain(exited.logFile);
    expect(exited.message).toContain(`logs in ${dir}/logs`);
    expect(exited.message).toMatch(/no-such-flag/);
    expect(events.some((event) => event.status === 'failed')).toBe(true);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('stops what it started when the start is aborted', async () => {
    const dir = temporaryDir('abort');
    dirs.push(dir);
    const controller = new AbortController();
    const error = await startTestnet({
      programs,
      dir,
      nodes: 2,
      blockTimeMs: 250,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.step === 'processes' && event.status === 'done') controller.abort();
      },
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('says which port is taken and by which process', async () => {
    const dir = temporaryDir('port');
    dirs.push(dir);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const error = await startTestnet({
        programs,
        dir,
        nodes: 1,
        basePort: port,
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as PortInUseError).port).toBe(port);
      expect((error as Error).message).toContain(`port ${port} on 127.0.0.1 is in use`);
      if (process.platform === 'linux')
        expect((error as Error).message).toContain(`pid ${process.pid}`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('refuses a directory whose testnet still runs; stopTestnetProcesses stops it from outside', async () => {
    const dir = temporaryDir('busy');
    dirs.push(dir);
    const testnet = await startTestnet({
      programs,
      dir,
      nodes: 1,
      blockTimeMs: 250,
      pooledEvery: 0,
    });
    try {
      await expect(
        startTestnet({
          programs,
          dir,
          nodes: 1,
          fresh: true,
        }),
      ).rejects.toBeInstanceOf(TestnetBusyError);
      const stopped = await stopTestnetProcesses(dir, { graceMs: 5_000 });
      expect(stopped.sort()).toEqual(['ledger', 'node-01', 'reaper']);
      expect(processesMentioning(dir)).toEqual([]);
    } finally {
      await testnet.stop();
    }
  });

  it('stops the network when the process that started it is killed with SIGKILL', async () => {
    const dir = temporaryDir('orphans');
    dirs.push(dir);
    const fixture = fileURLToPath(new URL('./fixtures/start-and-hang.ts', import.meta.url));
    const launcher = spawn(process.execPath, ['--import', 'tsx', fixture, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => launcher.once('exit', resolve));
    let output = '';
    await new Promise<void>((resolve, reject) => {
      launcher.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready')) resolve();
      });
      launcher.once('exit', (code) =>
        reject(new Error(`the launcher exited (${code}) before ready`)),
      );
    });
    const [, ledgerPid, nodePid] = output.trim().split(/\s+/).map(Number);
    expect(processesAlive([ledgerPid as number, nodePid as number])).toHaveLength(2);
    launcher.kill('SIGKILL');
    await exited;
    const deadline = Date.now() + 60_000;
    while (processesMentioning(dir).length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(processesMentioning(dir)).toEqual([]);
    expect(processesAlive([ledgerPid as number, nodePid as number])).toEqual([]);
  });
});
