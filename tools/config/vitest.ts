/**
 * Shared Vitest settings for every project of the monorepo.
 *
 * Tests import workspace packages by name (`@murmur/wire`, `@murmur/crypto/...`). The aliases built
 * here point those names at each package's TypeScript sources (the `source` condition of its
 * `exports` map), so unit tests run without a build and always see the code under test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';
import { workspaceDirectories } from './workspace.ts';

type ExportsMap = Record<string, string | Record<string, string>>;

/** Aliases from every workspace package's `exports[*].source` to its file under `src/`. */
export function workspaceAliases(): { find: RegExp; replacement: string }[] {
  const aliases: { find: RegExp; replacement: string }[] = [];
  for (const packageDir of workspaceDirectories()) {
    const manifestPath = join(packageDir, 'package.json');
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
        replacement: join(packageDir, target.source),
      });
    }
  }
  return aliases;
}

/**
 * Aliases for another package's test support, `@murmur/<name>/test-support/<file>`, through the
 * importing package's own `node_modules` link: it resolves only for a package that declares
 * `@murmur/<name>` in its `package.json` (a declared edge, never a path into another workspace).
 * Test support is in no package's `exports` and never in its npm `files`; the importing
 * package's `tsconfig.json` maps the same specifier (`paths`) for the type checker.
 */
export function testSupportAliases(packageDir: string): { find: RegExp; replacement: string }[] {
  return [
    {
      find: /^(@murmur\/[^/]+)\/test-support\/([a-z0-9-]+)$/,
      replacement: join(packageDir, 'node_modules', '$1', 'src', 'test-support', '$2.ts'),
    },
  ];
}

export interface MurmurProjectOptions {
  /** Project name shown by Vitest (usually the package's short name). */
  name: string;
  /**
   * The package's folder (`import.meta.dirname`): given, its tests may import the test support
   * of the packages it depends on ({@link testSupportAliases}).
   */
  dir?: string;
  /** Globs of test files, relative to the package. */
  include?: string[];
  /** Extra Vitest test options. */
  test?: UserWorkspaceConfig['test'];
}

/** A Vitest project for one workspace package with the shared defaults. */
export function murmurProject(options: MurmurProjectOptions): UserWorkspaceConfig {
  return defineProject({
    resolve: {
      alias: [
        ...workspaceAliases(),
        ...(options.dir === undefined ? [] : testSupportAliases(options.dir)),
      ],
    },
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

/**
 * The programs the end-to-end suites start, found by the `bin` names their apps declare
 * (`murmur-devnet`, `murmur-node`) in the workspace manifests, as the environment variables the
 * network launcher reads (`MURMUR_LEDGER_CLI`, `MURMUR_NODE_CLI`). Set ones are kept.
 */
export function workspacePrograms(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const bins = new Map<string, string>();
  for (const packageDir of workspaceDirectories()) {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      bin?: Record<string, string>;
    };
    for (const [name, file] of Object.entries(manifest.bin ?? {})) {
      bins.set(name, join(packageDir, file));
    }
  }
  const programs: Record<string, string> = {};
  for (const [variable, bin] of [
    ['MURMUR_LEDGER_CLI', 'murmur-devnet'],
    ['MURMUR_NODE_CLI', 'murmur-node'],
  ] as const) {
    const value = env[variable] ?? bins.get(bin);
    if (value !== undefined) programs[variable] = value;
  }
  return programs;
}
