/**
 * Opens the UI: in the default browser (`xdg-open`, `open`, `start`), or with `--app` as a
 * chromeless window of the installed Chromium or Chrome (`--app=<url>` with its own profile in
 * the data directory, so it does not mix with the person's browsing).
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
    return {
      command: chromium,
      args: [`--app=${url}`, `--user-data-dir=${options.profileDir}`, '--no-first-run'],
    };
  }
  if (platform === 'darwin') return { command: 'open', args: [url] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '', url] };
  const opener = findOnPath(['xdg-open'], env.PATH);
  return opener === undefined ? undefined : { command: opener, args: [url] };
}

/** Starts the command detached; resolves false when it could not start. */
export function launch(command: { command: string; args: string[] }): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command.command, command.args, { detached: true, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}
