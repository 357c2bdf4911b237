import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { processNameArg } from '../launcher/node-name.js';
import { describeNames } from '../launcher/processes.js';
import { cli } from '../test-support/cli.js';
import { devnetDirWith, fakeManifest } from '../test-support/devnet.js';
import { parseSignal } from './kill.js';
import { lastLines } from './logs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function devnetWithLogs(): string {
  const dir = devnetDirWith(fakeManifest(2));
  dirs.push(dir);
  mkdirSync(join(dir, 'logs'));
  const lines = Array.from({ length: 60 }, (_unused, i) =>
    JSON.stringify({ level: 30, time: Date.UTC(2026, 10, 26, 16, 0, i), msg: `line ${i + 1}` }),
  );
  writeFileSync(join(dir, 'logs', 'node-01.log'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'logs', 'ledger.log'), 'plain\n');
  return dir;
}

describe('the devnet commands', () => {
  it('are listed by --help', async () => {
    const { stdout } = await cli(['--help']);
    for (const name of [
      'up',
      'status',
      'down',
      'logs',
      'kill',
      'restart',
      'add-node',
      'ledger',
      'wallet',
    ]) {
      expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
  });

  it('take a process as ledger, node-07, node7 or 7', () => {
    expect(processNameArg('7', 'kill')).toBe('node-07');
    expect(processNameArg('node7', 'kill')).toBe('node-07');
    expect(processNameArg('node-120', 'kill')).toBe('node-120');
    expect(processNameArg('ledger', 'kill')).toBe('ledger');
    // A node's relay.
    expect(processNameArg('node-07/relay', 'kill')).toBe('node-07/relay');
    expect(processNameArg('7/relay', 'restart')).toBe('node-07/relay');
    expect(() => processNameArg('../x/relay', 'kill')).toThrow(/not a process name/);
    expect(() => processNameArg(undefined, 'kill')).toThrow(/kill needs a process/);
    expect(() => processNameArg('../etc', 'kill')).toThrow(/not a process name/);
  });

  it('name what was stopped: nodes, their relays, single relays', () => {
    const nodes = ['node-01', 'node-02', 'node-03', 'node-04'];
    const relays = nodes.map((name) => `${name}/relay`);
    expect(describeNames(['ledger', ...nodes, ...relays, 'reaper'])).toBe(
      'the ledger and 4 nodes (node-01 … node-04) and their 4 relays',
    );
    expect(describeNames(['node-07/relay'])).toBe('node-07/relay');
    expect(describeNames(['ledger', 'node-01', 'node-02'])).toBe('the ledger and node-01, node-02');
  });

  it('take a signal with or without SIG', () => {
    expect(parseSignal('KILL')).toBe('SIGKILL');
    expect(parseSignal('sigterm')).toBe('SIGTERM');
    expect(() => parseSignal('STOP')).toThrow(/--signal must be one of/);
  });

  it('logs: the last lines for people, raw, or all of them', async () => {
    const dir = devnetWithLogs();
    const shown = await cli(['logs', '1', '-n', '2', '--dir', dir]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe('16:00:58.000 INFO  line 59\n16:00:59.000 INFO  line 60\n');
    const raw = await cli(['logs', 'node-01', '--raw', '--dir', dir]);
    expect(raw.stdout.trim().split('\n')).toHaveLength(40);
    expect(raw.stdout).toContain('"msg":"line 60"');
    expect(lastLines(join(dir, 'logs', 'node-01.log'), 0).lines).toHaveLength(60);
    const missing = await cli(['logs', 'node-09', '--dir', dir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no log for node-09');
    expect(missing.stderr).toContain('(logs: ledger, node-01)');
  });

  it('logs -f prints what is appended until interrupted', async () => {
    const dir = devnetWithLogs();
    const { runCli } = await import('../cli/dispatch.js');
    const controller = new AbortController();
    let stdout = '';
    const running = runCli(['logs', 'ledger', '-f', '--dir', dir], {
      stdout: (text) => {
        stdout += text;
      },
      stderr: () => undefined,
      env: {},
      interrupt: controller.signal,
    });
    await vi.waitFor(() => expect(stdout).toBe('plain\n'), { timeout: 30_000 });
    writeFileSync(join(dir, 'logs', 'ledger.log'), 'plain\nmore\n');
    await vi.waitFor(() => expect(stdout).toContain('more'), { timeout: 30_000 });
    controller.abort();
    expect(await running).toBe(0);
    expect(stdout).toBe('plain\nmore\n');
  });

  it('status, kill, restart and add-node refuse a directory without a devnet', async () => {
    const dir = devnetDirWith(undefined);
    dirs.push(dir);
    for (const argv of [['status'], ['kill', '1'], ['restart', '1'], ['add-node']]) {
      const result = await cli([...argv, '--dir', dir]);
      expect(result.code, argv.join(' ')).toBe(1);
      expect(result.stderr).toContain('holds no devnet');
    }
  });

  it('down says so when nothing runs', async () => {
    const dir = devnetDirWith(fakeManifest(2));
    dirs.push(dir);
    const result = await cli(['down', '--dir', dir]);
    expect(result).toMatchObject({ code: 0, stdout: `No devnet process runs in ${dir}.\n` });
  });
});
