/**
 * The workspace's package directories, read from `pnpm-workspace.yaml` (plain Node: used by the
 * Vitest configurations, the API report and the bootstrap scripts' peers).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is `tools/config/workspace.ts`). */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The workspace package directories, as `pnpm-workspace.yaml` lists them (`group/*` entries and
 * single directories): the one declaration of where packages live.
 */
export function workspaceDirectories(): string[] {
  const text = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = /^packages:\n((?:[ \t]+-[^\n]*\n)+)/m.exec(text)?.[1] ?? '';
  const dirs: string[] = [];
  for (const line of block.split('\n')) {
    const entry = /^\s*-\s*["']?([^"'\s]+)["']?\s*$/.exec(line)?.[1];
    if (entry === undefined) continue;
    if (entry.endsWith('/*')) {
      const parent = join(root, entry.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const name of readdirSync(parent)) dirs.push(join(parent, name));
    } else {
      dirs.push(join(root, entry));
    }
  }
  return dirs.filter((dir) => existsSync(join(dir, 'package.json')));
}
