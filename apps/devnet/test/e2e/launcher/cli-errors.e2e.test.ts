/**
 * `murmur-devnet up` as people meet it when something goes wrong, with real processes: a port
 * in use, a program not built, a node that fails to start — each a clear message naming the
 * culprit (and its log), exit code 1, nothing left running — and, on a small devnet, Ctrl-C
 * during the start, a second `up` on a running devnet, Ctrl-C once ready, and a resume.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { leftovers, NODE_CLI, recordedPids, runCli, UpProcess } from '../launcher-support.js';

const root = mkdtempSync(join(tmpdir(), 'murmur-devnet-cli-e2e-'));
let failed = false;
const ups: UpProcess[] = [];

function watch(dir: string): void {
  onTestFailed(() => {
    failed = true;
    console.error(`logs kept: ${dir}/logs (and ${root})`);
  });
}

afterAll(async () => {
  for (const up of ups) {
    if (up.exitCode === undefined) {
      up.signal('SIGTERM');
      await up.waitForExit(20_000).catch(() => undefined);
    }
  }
  if (!failed) rmSync(root, { recursive: true, force: true });
});

async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

describe('murmur-devnet up when something is wrong', () => {
  it('the bundled up (dist/commands/up.js) refuses a bad flag with exit code 2', async () => {
    const dir = join(root, 'usage');
    const result = await runCli(['up', '--nodes', 'many', '--dir', dir]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(
      /^murmur-devnet up: --nodes .*\nRun `murmur-devnet up --help`\.\n$/,
    );
    const help = await runCli(['up', '--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: murmur-devnet up [options]');
  });

  it('names the program that is not built and how to build it', async () => {
    const dir = join(root, 'missing');
    const result = await runCli(['up', '--nodes', '2', '--base-port', '0', '--dir', dir], {
      env: { MURMUR_NODE_CLI: join(root, 'nowhere', 'apps', 'service-node', 'dist', 'cli.js') },
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('apps/service-node is not built (missing ');
    expect(result.stderr).toContain('run `npm run devnet` (it builds) or `pnpm build`');
    expect(await leftovers(dir, recordedPids(dir))).toEqual([]);
  });

  it('names a port in use, the process that holds it, and suggests --base-port', async () => {
    const dir = join(root, 'port');
    watch(dir);
    const { server, port } = await holdPort();
    try {
      const result = await runCli([
        'up',
        '--nodes',
        '2',
        '--base-port',
        String(port),
        '--dir',
        dir,
      ]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is in use by pid ${process.pid}`);
      expect(result.stderr).toContain('--base-port <n> (or --base-port 0 for free ports)');
      expect(result.stderr).toContain('no devnet process is left');
      expect(await leftovers(dir, recordedPids(dir))).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('names a node that fails to start and its log file, and stops everything else', async () => {
    const dir = join(root, 'failing');
    watch(dir);
    const result = await runCli(['up', '--nodes', '3', '--base-port', '0', '--dir', dir], {
      env: {
        MURMUR_NODE_CLI: join(import.meta.dirname, '..', 'fixtures', 'failing-node.mjs'),
        MURMUR_REAL_NODE_CLI: NODE_CLI,
        FAIL_NODE: 'node-02',
      },
    });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const log = join(dir, 'logs', 'node-02.log');
    expect(result.stderr).toContain('node-02 failed to start: node-02 exited with code 3');
    expect(result.stderr).toContain(`log: ${log}`);
    expect(result.stderr).toContain('cannot open its message database (simulated failure)');
    expect(result.stderr).toContain(
      'Everything it had started is stopped; no devnet process is left',
    );
    expect(readFileSync(log, 'utf8')).toContain('simulated failure');
    expect(await leftovers(dir, recordedPids(dir))).toEqual([]);
  });
});

describe('murmur-devnet up in the foreground', () => {
  it('stops what it started when Ctrl-C comes during the start', async () => {
    const dir = join(root, 'interrupted');
    watch(dir);
    const up = UpProcess.start(
      ['--nodes', '5', '--base-port', '0', '--dir', dir],
      join(root, 'interrupted.out'),
    );
    ups.push(up);
    await up.waitForOutput(/Node processes|Swarms formed/, 60_000);
    const pids = recordedPids(dir);
    up.signal('SIGINT');
    expect(await up.waitForExit(), up.output()).toBe(0);
    expect(up.output()).toContain('Stopped before the devnet was ready; no devnet process is left');
    expect(await leftovers(dir, [...pids, up.pid])).toEqual([]);
  });

  it('runs until Ctrl-C, refuses a second up on the same directory, and resumes from disk', async () => {
    const dir = join(root, 'small');
    watch(dir);
    const first = UpProcess.start(
      ['--nodes', '5', '--base-port', '0', '--dir', dir],
      join(root, 'small-1.out'),
    );
    ups.push(first);
    await first.waitForOutput(/Press Ctrl-C/);
    expect(first.output()).toMatch(/Devnet ready in [0-9.]+ s: 5 nodes in 1 swarm/);

    const second = await runCli(['up', '--nodes', '5', '--dir', dir]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      `a devnet already runs in ${dir} (murmur-devnet up, pid ${first.pid}, ready)`,
    );

    const pids = recordedPids(dir);
    first.signal('SIGINT');
    expect(await first.waitForExit(), first.output()).toBe(0);
    expect(first.output()).toMatch(/Stopped the ledger and 5 nodes \(node-01 … node-05\)/);
    expect(await leftovers(dir, [...pids, first.pid])).toEqual([]);

    const again = UpProcess.start(['--nodes', '5', '--dir', dir], join(root, 'small-2.out'));
    ups.push(again);
    const text = await again.waitForOutput(/Press Ctrl-C/);
    expect(text).toContain('resuming the devnet');
    expect(text).toContain('resumed from disk');
    expect(text).toContain('Registrations: 0 registered, 5 already');
    const resumedPids = recordedPids(dir);
    again.signal('SIGTERM');
    expect(await again.waitForExit()).toBe(0);
    expect(await leftovers(dir, [...resumedPids, again.pid])).toEqual([]);
  });
});
