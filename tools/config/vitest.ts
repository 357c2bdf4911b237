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
 * What a program an end-to-end suite starts is called in the environment, and where it comes
 * from: the `bin` of a workspace package the suite declares.
 */
const PROGRAMS = [
  { variable: 'MURMUR_LEDGER_CLI', packageName: '@murmur/devnet', bin: 'murmur-devnet' },
  { variable: 'MURMUR_NODE_CLI', packageName: '@murmur/service-node', bin: 'murmur-node' },
  { variable: 'MURMUR_RELAY_CLI', packageName: '@murmur/relay', bin: 'murmur-relay' },
  { variable: 'MURMUR_DESKTOP_CLI', packageName: '@murmur/desktop', bin: 'murmur-desktop' },
] as const;

/**
 * The programs an end-to-end suite (the package in `packageDir`) starts, as the environment
 * variables the network launcher and the suites read (`MURMUR_LEDGER_CLI`, `MURMUR_NODE_CLI`,
 * `MURMUR_RELAY_CLI`, `MURMUR_DESKTOP_CLI`). Each comes from the `bin` of a package the suite
 * declares in its `package.json`, through its own `node_modules` link (a declared edge, which
 * turbo's `^build` builds first; never a path into another workspace); a program of a package
 * it does not declare is not named. Variables already set are kept.
 *
 * This writes the variables; `@murmur/testnet`'s `programOverridesFromEnvironment` /
 * `programsFromEnvironment` (apps/devnet/launcher/src/cli-paths.ts) stays their one reader, which
 * resolves and checks them. It cannot be used here: this file is not a workspace package (it can
 * declare no dependency), every package's Vitest configuration loads it (`@murmur/wire`'s too,
 * below the launcher in the package graph), and it runs before anything is built. It only looks
 * whether a variable is set, to keep it; the names of the launcher's three are the same
 * (`PROGRAM_VARIABLES`), and `MURMUR_DESKTOP_CLI` is read by the desktop suites alone.
 */
export function declaredPrograms(
  packageDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const declared = { ...manifest.dependencies, ...manifest.devDependencies };
  const programs: Record<string, string> = {};
  for (const { variable, packageName, bin } of PROGRAMS) {
    const set = env[variable];
    if (set !== undefined) {
      programs[variable] = set;
      continue;
    }
    if (declared[packageName] === undefined) continue;
    const linked = join(packageDir, 'node_modules', packageName);
    const file = (
      JSON.parse(readFileSync(join(linked, 'package.json'), 'utf8')) as {
        bin?: Record<string, string>;
      }
    ).bin?.[bin];
    if (file === undefined) throw new Error(`${packageName} declares no \`${bin}\` program`);
    programs[variable] = join(linked, file);
  }
  return programs;
}
