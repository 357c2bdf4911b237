/**
 * Opens the UI: in the default browser (`xdg-open`, `open`, `start`), or with `--app` as a
 * chromeless window of the installed Chromium or Chrome (`--app=<url>` with its own profile in
 * the data directory, so it does not mix with the person's browsing). `MURMUR_CHROMIUM_FLAGS`
 * adds flags to that browser (space-separated, e.g. `--headless=new --no-sandbox` for a machine
 * without a display). The app window belongs to the daemon: it runs in its own process group,
 * which the daemon ends when it stops.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { CliEnv } from './cli-args.js';

const BROWSERS = [
  'chromium',
  'chromium-browser',
  'google-chrome',
  'google-chrome-stable',
  'chrome',
];

/** The first executable of `names` on `PATH`. */
export function findOnPath(names: readonly string[], path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const name of names) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {}
    }
  }
  return undefined;
}

/** The Chromium/Chrome to use for `--app` (`MURMUR_CHROMIUM` first). */
export function findChromium(env: CliEnv): string | undefined {
  const chosen = env.MURMUR_CHROMIUM;
  if (chosen !== undefined && chosen !== '') return chosen;
  return findOnPath(BROWSERS, env.PATH);
}

/** The command that opens `url`; `undefined` when none is found. */
export function openCommand(
  url: string,
  options: { app: boolean; profileDir: string },
  env: CliEnv,
  platform: NodeJS.Platform = process.platform,
): { command: string; args: string[] } | undefined {
  if (options.app) {
    const chromium = findChromium(env);
    if (chromium === undefined) return undefined;
    const extra = (env.MURMUR_CHROMIUM_FLAGS ?? '').split(/\s+/).filter((flag) => flag !== '');
    return {
      command: chromium,
      args: [`--app=${url}`, `--user-data-dir=${options.profileDir}`, '--no-first-run', ...extra],
    };
  }
  if (platform === 'darwin') return { command: 'open', args: [url] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '', url] };
  const opener = findOnPath(['xdg-open'], env.PATH);
  return opener === undefined ? undefined : { command: opener, args: [url] };
}

/** A started browser. */
export interface Launched {
  /** The process ID (the leader of its own process group). */
  readonly pid: number;
  /**
   * Ends the process group (SIGTERM, then SIGKILL after `graceMs`) and resolves once the leader
   * has exited.
   */
  close(graceMs?: number): Promise<void>;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {}
}

/**
 * Starts the command detached, in its own process group; resolves `undefined` when it could not
 * start.
 */
export function launch(command: {
  command: string;
  args: string[];
}): Promise<Launched | undefined> {
  return new Promise((resolve) => {
    const child = spawn(command.command, command.args, { detached: true, stdio: 'ignore' });
    let exited = child.exitCode !== null;
    const exit = new Promise<void>((done) =>
      child.once('exit', () => {
        exited = true;
        done();
      }),
    );
    child.once('error', () => resolve(undefined));
    child.once('spawn', () => {
      child.unref();
      const pid = child.pid as number;
      resolve({
        pid,
        async close(graceMs = 5_000) {
          if (!exited) signalGroup(pid, 'SIGTERM');
          const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
          await exit;
          clearTimeout(timer);
          // Helpers (renderers, zygotes) that outlived the leader go with the group.
          signalGroup(pid, 'SIGKILL');
        },
      });
    });
  });
}
