import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PortInUseError, ProcessExitedError } from '../errors.js';
import { tempDir } from '../test-support/context.js';
import { anyExit, ensurePortFree, exitedError, exitWatch } from './exits.js';
import { spawnProcess, stopProcess } from './managed-process.js';

let folder: ReturnType<typeof tempDir>;
beforeEach(() => {
  folder = tempDir('testnet-exits');
});
afterEach(() => {
  folder.remove();
});

function run(name: string, source: string) {
  return spawnProcess({
    name,
    args: ['-e', source],
    logFile: join(folder.dir, 'logs', `${name}.log`),
    env: { ...process.env },
  });
}

describe('exitedError', () => {
  it('names the process, how it exited and quotes the end of its log', async () => {
    const proc = run(
      'node-01',
      'console.log("opening the database"); console.error("disk full"); process.exit(3)',
    );
    await proc.exited;
    const error = exitedError(proc, 'while it was starting');
    expect(error).toBeInstanceOf(ProcessExitedError);
    expect(error.process).toBe('node-01');
    expect(error.logFile).toBe(proc.logFile);
    expect(error.message).toContain('node-01 exited with code 3 while it was starting');
    expect(error.message).toContain('  opening the database\n  disk full');
    expect(error.details).toMatchObject({ code: 3, signal: null });
  });

  it('says which signal killed it, and (empty) for a silent log', async () => {
    const proc = run('node-02', 'setInterval(() => undefined, 1000)');
    await stopProcess(proc, { signal: 'SIGKILL', graceMs: 1_000 });
    const error = exitedError(proc, 'after it was started');
    expect(error.message).toContain('node-02 was killed by SIGKILL after it was started');
    expect(error.message).toContain('  (empty)');
  });
});

describe('anyExit', () => {
  it('rejects with the first process of the group that exits', async () => {
    const stays = run('ledger', 'setInterval(() => undefined, 1000)');
    const dies = run('node-03', 'console.error("listen EADDRINUSE"); process.exit(1)');
    try {
      const error = await anyExit(
        [stays, dies],
        'while the testnet was starting',
        new Map([['node-03', 9]]),
      ).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProcessExitedError);
      expect((error as ProcessExitedError).process).toBe('node-03');
      expect((error as Error).message).toContain('port 9 is in use');
    } finally {
      await stopProcess(stays, { graceMs: 1_000 });
    }
  });
});

describe('exitWatch', () => {
  it('rejects when a process added after the watch began exits', async () => {
    const stays = run('ledger', 'setInterval(() => undefined, 1000)');
    const watch = exitWatch([stays], 'while the testnet was starting', new Map([['x', 1]]));
    let settled = false;
    watch.failure.catch(() => {
      settled = true;
    });
    const later = run('node-04/relay', 'setInterval(() => undefined, 1000)');
    watch.add(later, 7);
    try {
      await stopProcess(later, { signal: 'SIGKILL', graceMs: 1_000 });
      const error = await watch.failure.catch((caught: unknown) => caught);
      expect(settled).toBe(true);
      expect(error).toBeInstanceOf(ProcessExitedError);
      expect((error as ProcessExitedError).process).toBe('node-04/relay');
      expect((error as Error).message).toContain(
        'node-04/relay was killed by SIGKILL while the testnet was starting',
      );
    } finally {
      await stopProcess(stays, { graceMs: 1_000 });
    }
  });
});

describe('ensurePortFree', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((done) => (server === undefined ? done(undefined) : server.close(done)));
    server = undefined;
  });

  it('passes for a free port and refuses a held one with PortInUseError', async () => {
    server = createServer();
    await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
    const port = (server.address() as { port: number }).port;
    const error = await ensurePortFree('127.0.0.1', port, 'node-04').catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as Error).message).toContain(
      `node-04 cannot start: port ${port} on 127.0.0.1 is in use`,
    );
    await new Promise((done) => server?.close(done));
    server = undefined;
    await expect(ensurePortFree('127.0.0.1', port, 'node-04')).resolves.toBeUndefined();
  });
});
