/**
 * `murmur-desktop --app` for real: the built daemon (`MURMUR_DESKTOP_CLI`) starts Debian's Chromium
 * (`MURMUR_CHROMIUM`, default /usr/bin/chromium) as its app window, headless here through
 * `MURMUR_CHROMIUM_FLAGS`, with a DevTools port so the test can see the window's page. Checked:
 * the window opened the UI at the URL with the launch token, the page is the UI (its title), the
 * daemon saw the UI's authenticated API request (a 200, not the 401 a request without the token
 * gets), and stopping the daemon ends the browser's whole process group.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The built daemon, from the declared @murmur/desktop (vitest.config.ts: declaredPrograms).
const CLI = process.env['MURMUR_DESKTOP_CLI'] ?? '';
if (CLI === '') {
  throw new Error(
    'MURMUR_DESKTOP_CLI is not set: run this suite with e2e/desktop/vitest.config.ts',
  );
}
const CHROMIUM = process.env['MURMUR_CHROMIUM'] ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--remote-debugging-address=127.0.0.1',
  '--remote-debugging-port=0',
].join(' ');

const dir = mkdtempSync(join(tmpdir(), 'murmur-desktop-app-'));
let daemon: ChildProcess | undefined;

afterAll(() => {
  if (daemon !== undefined && daemon.exitCode === null) daemon.kill('SIGKILL');
  // After a failure, no browser of this test outlives it.
  for (const pid of processesNaming(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Polls `check` every 100 ms until it returns a value (hang guard: `timeoutMs`). */
async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** PIDs of the processes whose command line names `needle` (the app window's profile). */
function processesNaming(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

describe('murmur-desktop --app', () => {
  it('opens the UI with the token in a real Chromium window and ends it when the daemon stops', async () => {
    expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium)`).toBe(
      true,
    );
    const dataDir = join(dir, 'data');
    const logFile = join(dir, 'desktop.log');
    const profileDir = join(dataDir, 'app-profile');
    const child = spawn(
      process.execPath,
      [CLI, '--data-dir', dataDir, '--app', '--log-level', 'debug', '--log-file', logFile],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, MURMUR_CHROMIUM: CHROMIUM, MURMUR_CHROMIUM_FLAGS: FLAGS },
      },
    );
    daemon = child;
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const url = await until(
      'the URL',
      () => output.match(/serving (http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64})/)?.[1],
      30_000,
    );
    expect(output).not.toMatch(/no Chromium or Chrome found/);

    // The window's page, seen through the DevTools port Chromium writes into the profile.
    const devtoolsPort = await until('the DevTools port', () => {
      const file = join(profileDir, 'DevToolsActivePort');
      return existsSync(file) ? readFileSync(file, 'utf8').split('\n')[0] || undefined : undefined;
    });
    const page = await until('the UI page', async () => {
      const response = await fetch(`http://127.0.0.1:${devtoolsPort}/json/list`);
      const targets = (await response.json()) as { type: string; url: string; title: string }[];
      return targets.find((target) => target.type === 'page' && target.title === 'Murmur');
    });
    // Opened at the printed URL; the UI takes the token out of the address bar once it has read
    // it, so the page may already show the bare origin.
    expect([url, url.slice(0, url.indexOf('#'))]).toContain(page.url);

    // The daemon saw the UI's API request with the token (without it: 401).
    const requests = await until('an authenticated API request', () => {
      if (!existsSync(logFile)) return undefined;
      const lines = readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"desktop: request"'))
        .map((line) => JSON.parse(line) as { url: string; status: number });
      return lines.some((line) => line.url === '/api/accounts' && line.status === 200)
        ? lines
        : undefined;
    });
    expect(requests.filter((line) => line.url.startsWith('/api/') && line.status === 401)).toEqual(
      [],
    );
    const browsers = processesNaming(profileDir);
    expect(browsers.length).toBeGreaterThan(0);

    // Stopping the daemon closes its window: no process of that profile is left.
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await until(
      'the browser to end',
      () => (processesNaming(profileDir).length === 0 ? true : undefined),
      30_000,
    );
    expect(processesNaming(profileDir)).toEqual([]);
  });
});
