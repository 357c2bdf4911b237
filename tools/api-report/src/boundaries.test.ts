import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../../config/workspace.ts';
import {
  boundaryViolations,
  externalUsage,
  type ImportGraph,
  importGraph,
  importsOf,
  packageOf,
  type Workspace,
  workspaceFiles,
} from './imports.ts';
import { reportedPackages, usageTable } from './report.ts';

describe('workspace boundaries', () => {
  const graph = importGraph();

  it('scan every workspace, its tests, scripts and configuration files', () => {
    const names = graph.workspaces.map((w) => w.name);
    expect(names).toEqual(expect.arrayContaining(['@murmur/wire', '@murmur/devnet']));
    const files = graph.workspaces.flatMap((w) => workspaceFiles(w, graph.workspaces));
    const relativeFiles = files.map((file) => file.slice(root.length + 1));
    expect(relativeFiles).toContain('packages/wire/src/index.ts');
    expect(relativeFiles).toContain('packages/wire/vitest.config.ts');
    expect(relativeFiles.some((file) => /^apps\/[a-z-]+\/scripts\/.+\.mjs$/.test(file))).toBe(true);
    expect(relativeFiles.some((file) => /^e2e\/[a-z-]+\/test\/.+\.test\.ts$/.test(file))).toBe(
      true,
    );
    // A nested workspace's files belong to it only.
    const devnet = graph.workspaces.find((w) => w.name === '@murmur/devnet') as Workspace;
    const devnetFiles = workspaceFiles(devnet, graph.workspaces);
    expect(
      devnetFiles.some((file) => file.includes(`${join('apps', 'devnet', 'launcher')}/`)),
    ).toBe(false);
  });

  it('every import of a workspace package is declared, and no relative import leaves its workspace', () => {
    // Each entry names the file and line, the import and what to fix.
    expect(boundaryViolations(graph)).toEqual([]);
  });

  it('no module re-exports another wholesale (`export *`): every export list is explicit', () => {
    const wholesale = [...graph.imports.values()]
      .flat()
      .filter((site) => site.kind === 'export' && site.names === '*')
      .map((site) => `${site.file.slice(root.length + 1)}:${site.line}`);
    expect(wholesale).toEqual([]);
  });

  it("Biome's noBarrelFile is on, and off only for the files a package's exports map names", () => {
    const biome = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8')) as {
      linter: { rules: { performance?: { noBarrelFile?: string } } };
      overrides?: {
        includes: string[];
        linter?: { rules?: { performance?: { noBarrelFile?: string } } };
      }[];
    };
    expect(biome.linter.rules.performance?.noBarrelFile).toBe('error');
    const entries = new Set<string>();
    for (const workspace of graph.workspaces) {
      const manifest = JSON.parse(readFileSync(join(workspace.dir, 'package.json'), 'utf8')) as {
        exports?: Record<string, string | { source?: string }>;
      };
      for (const target of Object.values(manifest.exports ?? {})) {
        if (typeof target === 'object' && target.source !== undefined) {
          entries.add(join(workspace.dir, target.source).slice(root.length + 1));
        }
      }
    }
    const exempt = (biome.overrides ?? [])
      .filter((o) => o.linter?.rules?.performance?.noBarrelFile === 'off')
      .flatMap((o) => o.includes);
    expect(exempt.length).toBeGreaterThan(0);
    for (const pattern of exempt) {
      if (pattern === '**/src/index.ts') continue;
      expect(entries, `${pattern} is exempt from noBarrelFile but is no entry point`).toContain(
        pattern,
      );
    }
  });

  it('the usage table sees what other workspaces import', () => {
    const usage = externalUsage('@murmur/wire', graph);
    const users = usage.get('@murmur/wire');
    expect(users?.get('MurmurError')?.size ?? 0).toBeGreaterThan(1);
    const wire = reportedPackages().filter((entry) => entry.name === '@murmur/wire');
    const table = usageTable(wire, graph);
    expect(table).toMatch(/^## @murmur\/wire: \d+ names, \d+ imported by no other workspace$/m);
    expect(table).toMatch(/^## @murmur\/wire\/server: \d+ names/m);
    expect(table).toMatch(/^\+ MurmurError class: .*@murmur\/service-node/m);
  });
});

describe('the boundary check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-boundaries-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function workspace(name: string, folder: string, declared: string[]): Workspace {
    mkdirSync(join(dir, folder), { recursive: true });
    return { dir: join(dir, folder), name, declared: new Set(declared) };
  }

  function file(path: string, text: string): string {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
    return join(dir, path);
  }

  it('reads every kind of import with the names it takes', () => {
    const path = file(
      'x/src/all.ts',
      [
        "import def, { a, b as c, type T } from '@scope/one';",
        "import * as ns from '@scope/two/sub';",
        "export { e } from '@scope/three';",
        "export * from '@scope/four';",
        "type U = import('@scope/five').Five;",
        'export async function f() {',
        "  const { g, h: k } = await import('@scope/six');",
        "  const whole = await import('@scope/seven');",
        "  const r = require('@scope/eight');",
        '  return [ns.x, ns.y, g, k, whole, r, def, a, c];',
        '}',
        'export type V = T | U | ns.Z;',
      ].join('\n'),
    );
    const sites = importsOf(path).map((site) => [site.specifier, site.kind, site.names, site.line]);
    expect(sites).toEqual([
      ['@scope/one', 'import', ['default', 'a', 'b', 'T'], 1],
      ['@scope/two/sub', 'import', ['x', 'y', 'Z'], 2],
      ['@scope/three', 'export', ['e'], 3],
      ['@scope/four', 'export', '*', 4],
      ['@scope/five', 'type', ['Five'], 5],
      ['@scope/six', 'dynamic', ['g', 'h'], 7],
      ['@scope/seven', 'dynamic', '*', 8],
      ['@scope/eight', 'dynamic', '*', 9],
    ]);
    expect(packageOf('@scope/two/sub')).toBe('@scope/two');
    expect(packageOf('typebox/value')).toBe('typebox');
    expect(packageOf('node:fs')).toBeUndefined();
    expect(packageOf('../x.js')).toBeUndefined();
  });

  it('fails on an undeclared workspace package and on a relative path into another workspace', () => {
    const wire = workspace('@t/wire', 'packages/wire', []);
    const client = workspace('@t/client', 'packages/client', ['@t/wire']);
    const app = workspace('@t/app', 'apps/app', ['@t/wire', 'left-pad']);
    const nested = workspace('@t/launcher', 'apps/app/launcher', []);
    const all = [wire, client, app, nested];
    file('packages/wire/src/index.ts', "export const A = 1;\nexport { B } from './b.js';\n");
    file(
      'packages/client/src/index.ts',
      [
        "import { A } from '@t/wire';",
        "import { self } from '@t/client/sub';",
        "import { run } from '@t/app';",
        "import { B } from '../../wire/src/b.js';",
        "import { local } from './local.js';",
        "import { pad } from 'not-a-workspace';",
      ].join('\n'),
    );
    file('apps/app/test/app.test.ts', "import { L } from '../launcher/src/index.js';\n");
    file('apps/app/launcher/src/index.ts', "export { A } from '@t/wire';\n");
    const graph: ImportGraph = {
      workspaces: all,
      imports: new Map(all.map((w) => [w, workspaceFiles(w, all).flatMap((f) => importsOf(f))])),
    };
    const found = boundaryViolations(graph).map((v) => [v.where.split('/').pop(), v.specifier]);
    expect(found).toEqual([
      ['index.ts:3', '@t/app'],
      ['index.ts:4', '../../wire/src/b.js'],
      ['app.test.ts:1', '../launcher/src/index.js'],
      ['index.ts:1', '@t/wire'],
    ]);
    const problems = boundaryViolations(graph).map((v) => v.problem);
    expect(problems[0]).toMatch(/@t\/app is not in .*packages\/client\/package\.json/);
    expect(problems[1]).toMatch(/relative import leaves @t\/client \(into @t\/wire\)/);
    expect(problems[2]).toMatch(/relative import leaves @t\/app \(into @t\/launcher\)/);
  });
});
