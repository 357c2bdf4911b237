/**
 * Shared Vitest settings for every project of the monorepo.
 *
 * Tests import workspace packages by name (`@murmur/wire`, `@murmur/crypto/...`). The aliases built
 * here point those names at each package's TypeScript sources (the `source` condition of its
 * `exports` map), so unit tests run without a build and always see the code under test.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

type ExportsMap = Record<string, string | Record<string, string>>;

/** Aliases from every workspace package's `exports[*].source` to its file under `src/`. */
export function workspaceAliases(): { find: RegExp; replacement: string }[] {
  const aliases: { find: RegExp; replacement: string }[] = [];
  for (const group of ['packages', 'apps', 'tools']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const manifestPath = join(dir, name, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
        name: string;
        exports?: ExportsMap;
      };
      for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
        if (typeof target !== 'object' || typeof target.source !== 'string') continue;
        const specifier = subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`;
        const escaped = specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        aliases.push({
          find: new RegExp(`^${escaped}$`),
          replacement: join(dir, name, target.source),
        });
      }
    }
  }
  return aliases;
}

export interface MurmurProjectOptions {
  /** Project name shown by Vitest (usually the package's short name). */
  name: string;
  /** Globs of test files, relative to the package. */
  include?: string[];
  /** Extra Vitest test options. */
  test?: UserWorkspaceConfig['test'];
}

/** A Vitest project for one workspace package with the shared defaults. */
export function murmurProject(options: MurmurProjectOptions): UserWorkspaceConfig {
  return defineProject({
    resolve: { alias: workspaceAliases() },
    test: {
      name: options.name,
      include: options.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      exclude: ['**/node_modules/**', '**/dist/**', 'test/e2e/**'],
      environment: 'node',
      restoreMocks: true,
      // Hang guards only, never a speed requirement: a loaded 2-core machine (another job, a
      // 20-node devnet) runs tests several times slower than an idle one, and must pass too.
      testTimeout: 60_000,
      hookTimeout: 120_000,
      ...options.test,
    },
  });
}
