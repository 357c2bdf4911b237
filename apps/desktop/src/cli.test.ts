/**
 * `murmur-desktop` as a process (run from its sources with tsx), its options and how it opens
 * the UI.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { UsageError } from '@murmur/wire/program';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args.js';
import { createDesktopLogger } from './logger.js';
import { openCommand } from './open-ui.js';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATH: '' },
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, output: () => output, exited };
}

describe('options', () => {
  it('defaults, every option, and usage errors', () => {
    const defaults = parseCliArgs([], { HOME: '/home/me' });
    expect(defaults).toMatchObject({
      dataDir: '/home/me/.local/share/murmur-desktop',
      port: 0,
      host: '127.0.0.1',
      open: true,
      app: false,
    });
    expect(parseCliArgs([], { XDG_DATA_HOME: '/x' }).dataDir).toBe('/x/murmur-desktop');
    const all = parseCliArgs(
      [
        '--data-dir',
        '/d',
        '--port',
        '8080',
        '--network',
        'devnet.json',
        '--no-open',
        '--app',
        '--dev-timers',
      ],
      {},
    );
    expect(all).toMatchObject({
      dataDir: '/d',
      port: 8080,
      network: 'devnet.json',
      open: false,
      app: true,
      devTimers: true,
    });
    expect(() => parseCliArgs(['--port', '70000'], {})).toThrow(UsageError);
    expect(() => parseCliArgs(['--port', 'x'], {})).toThrow(/--port/);
    expect(() => parseCliArgs(['--bogus'], {})).toThrow(UsageError);
    expect(() => parseCliArgs(['stray'], {})).toThrow(UsageError);
    expect(() => parseCliArgs(['--log-level', 'loud'], {})).toThrow(/--log-level/);
  });

  it('opens the default browser, or Chromium as an app window', () => {
    const url = 'http://127.0.0.1:1/#token=t';
    expect(openCommand(url, { app: false, profileDir: '/p' }, {}, 'darwin')).toEqual({
      command: 'open',
      args: [url],
    });
    expect(
      openCommand(url, { app: true, profileDir: '/p' }, { MURMUR_CHROMIUM: '/opt/chromium' }),
    ).toEqual({
      command: '/opt/chromium',
      args: [`--app=${url}`, '--user-data-dir=/p', '--no-first-run'],
    });
    expect(openCommand(url, { app: true, profileDir: '/p' }, { PATH: '' })).toBeUndefined();
    // MURMUR_CHROMIUM_FLAGS adds flags to the app window's browser (not to the default one).
    const flags = {
      MURMUR_CHROMIUM: '/opt/chromium',
      MURMUR_CHROMIUM_FLAGS: ' --headless=new  --no-sandbox ',
    };
    expect(openCommand(url, { app: true, profileDir: '/p' }, flags)?.args).toEqual([
      `--app=${url}`,
      '--user-data-dir=/p',
      '--no-first-run',
      '--headless=new',
      '--no-sandbox',
    ]);
    expect(openCommand(url, { app: false, profileDir: '/p' }, flags, 'darwin')?.args).toEqual([
      url,
    ]);
  });
});

describe('logs', () => {
  it('redact passphrases, tokens, seeds and phrases', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const logger = createDesktopLogger({ level: 'info', destination });
    logger.info(
      {
        passphrase: 'hunter2',
        token: 'abc123',
        seed: 'deadbeef',
        phrase: 'abandon ability',
        body: { passphrase: 'p2' },
      },
      'secret things',
    );
    expect(lines).toHaveLength(1);
    for (const secret of ['hunter2', 'abc123', 'deadbeef', 'abandon ability', 'p2"']) {
      expect(lines[0]).not.toContain(secret);
    }
    expect(lines[0]).toContain('[redacted]');
  });
});

describe('murmur-desktop process', () => {
  it('prints its URL with the token, serves, stops on SIGTERM; data directory 0700', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-desktop-cli-'));
    dirs.push(dir);
    const dataDir = join(dir, 'data');
    const proc = run([
      '--data-dir',
      dataDir,
      '--no-open',
      '--network',
      'http://127.0.0.1:9/json_rpc',
    ]);
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = proc
          .output()
          .match(/serving (http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64})/);
        if (match !== null) {
          clearInterval(timer);
          resolve(match[1] as string);
        }
      }, 50);
      proc.exited.then(() => {
        clearInterval(timer);
        reject(new Error(`exited early: ${proc.output()}`));
      });
    });
    const parsed = new URL(url);
    const token = parsed.hash.slice('#token='.length);
    const health = await fetch(new URL('/health', parsed));
    expect(await health.json()).toEqual({ status: 'ok', accounts: 0, unlocked: 0 });
    expect((await fetch(new URL('/api/accounts', parsed))).status).toBe(401);
    const listed = await fetch(new URL('/api/accounts', parsed), {
      headers: { 'x-murmur-token': token },
    });
    expect(await listed.json()).toEqual({ accounts: [] });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });

  it('refuses a non-loopback address and a bad --network with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-desktop-cli-'));
    dirs.push(dir);
    const open = run(['--data-dir', join(dir, 'a'), '--no-open', '--host', '0.0.0.0']);
    expect(await open.exited).toBe(1);
    expect(open.output()).toMatch(/refusing to listen on 0\.0\.0\.0/);
    const network = run([
      '--data-dir',
      join(dir, 'b'),
      '--no-open',
      '--network',
      join(dir, 'missing.json'),
    ]);
    expect(await network.exited).toBe(1);
    expect(network.output()).toMatch(/neither a seed URL nor a readable devnet\.json/);
    const usage = run(['--port', 'abc']);
    expect(await usage.exited).toBe(2);
  });
});
