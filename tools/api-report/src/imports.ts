/**
 * The import graph of the workspace as the code spells it: every `import`/`export … from`,
 * dynamic `import()`, `require()` and `import('…').T` type in every file of every workspace
 * package (sources, tests, end-to-end tests, scripts and configuration files), read with the
 * TypeScript parser. Two uses:
 *
 * - the boundary check: an import of a workspace package must be declared in the importing
 *   package's `package.json`, and a relative import must stay inside its own workspace (a
 *   workspace never finds another one by walking up directories);
 * - the usage table behind the API reports: which names of which entry point other workspaces
 *   actually import, so a public surface can be as small as its users need.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { root, workspaceDirectories } from '../../config/workspace.ts';

/** Folders never scanned: generated output, caches, dependencies. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  'dist',
  '.turbo',
  'coverage',
  'test-results',
  '.devnet',
  '.murmur',
]);
const SCANNED_FILE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

/**
 * The one place outside a workspace that workspaces may reach by a relative path: the shared
 * build and test configuration of the repository (`tools/config`: the Vitest project factory, the
 * esbuild bundle options, the list of workspace folders). It is not a package and has no
 * dependencies of its own, like `tsconfig.base.json` and `biome.json` beside it.
 */
export const SHARED_CONFIG_DIRS = ['tools/config'] as const;

/** A workspace package: its folder, its name and the packages its manifest declares. */
export interface Workspace {
  dir: string;
  name: string;
  declared: Set<string>;
}

/** One import of one file. */
export interface ImportSite {
  /** Absolute path of the importing file. */
  file: string;
  line: number;
  specifier: string;
  /** `import` declaration, `export … from`, dynamic `import()`/`require()`, or `import('…').T`. */
  kind: 'import' | 'export' | 'dynamic' | 'type';
  /**
   * The names taken from the module (`default` for a default import), or `*` when the code uses
   * the whole module (`export *`, a namespace or dynamic import used as a value).
   */
  names: string[] | '*';
}

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Every workspace package, as `pnpm-workspace.yaml` lists them. */
export function workspaces(): Workspace[] {
  return workspaceDirectories().map((dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.devDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
    ]);
    return { dir, name: manifest.name, declared };
  });
}

/** The workspace whose folder holds `file` (the innermost one, for nested workspaces). */
export function owningWorkspace(file: string, all: readonly Workspace[]): Workspace | undefined {
  let best: Workspace | undefined;
  for (const workspace of all) {
    if (file === workspace.dir || file.startsWith(workspace.dir + sep)) {
      if (best === undefined || workspace.dir.length > best.dir.length) best = workspace;
    }
  }
  return best;
}

/** The files of `workspace`, without those of workspaces nested in its folder. */
export function workspaceFiles(workspace: Workspace, all: readonly Workspace[]): string[] {
  const nested = new Set(all.filter((w) => w !== workspace).map((w) => w.dir));
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !nested.has(path)) walk(path);
      } else if (entry.isFile() && SCANNED_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        files.push(path);
      }
    }
  };
  walk(workspace.dir);
  return files.sort();
}

function scriptKind(file: string): ts.ScriptKind {
  if (file.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (/\.(js|mjs|cjs|jsx)$/.test(file)) return ts.ScriptKind.JSX;
  return ts.ScriptKind.TS;
}

/** Names read from a namespace binding `ns` in `source` (`ns.x`, `ns.X` in types). */
function namespaceNames(source: ts.SourceFile, local: string): string[] | '*' {
  const names = new Set<string>();
  let wholeModule = false;
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      if (node.expression.text === local) names.add(node.name.text);
    } else if (ts.isQualifiedName(node) && ts.isIdentifier(node.left)) {
      if (node.left.text === local) names.add(node.right.text);
    } else if (
      ts.isIdentifier(node) &&
      node.text === local &&
      !ts.isNamespaceImport(node.parent) &&
      !ts.isPropertyAccessExpression(node.parent) &&
      !ts.isQualifiedName(node.parent)
    ) {
      // The namespace itself is passed around: every name may be used.
      wholeModule = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return wholeModule ? '*' : [...names];
}

/** Names a dynamic `import()`/`require()` call takes: its destructuring, else the whole module. */
function dynamicNames(call: ts.CallExpression): string[] | '*' {
  let node: ts.Node = call.parent;
  if (ts.isAwaitExpression(node)) node = node.parent;
  if (ts.isParenthesizedExpression(node)) node = node.parent;
  if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name)) {
    const names: string[] = [];
    for (const element of node.name.elements) {
      const key = element.propertyName ?? element.name;
      if (!ts.isIdentifier(key)) return '*';
      names.push(key.text);
    }
    return names;
  }
  if (ts.isPropertyAccessExpression(node)) return [node.name.text];
  return '*';
}

/** Every import of `file`. */
export function importsOf(file: string): ImportSite[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
  const sites: ImportSite[] = [];
  const add = (
    node: ts.Node,
    kind: ImportSite['kind'],
    specifier: string,
    names: string[] | '*',
  ): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    sites.push({ file, line, specifier, kind, names });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const names: string[] = [];
      let whole: '*' | undefined;
      const clause = node.importClause;
      if (clause?.name !== undefined) names.push('default');
      const bindings = clause?.namedBindings;
      if (bindings !== undefined && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) {
          names.push((element.propertyName ?? element.name).text);
        }
      } else if (bindings !== undefined && ts.isNamespaceImport(bindings)) {
        const used = namespaceNames(source, bindings.name.text);
        if (used === '*') whole = '*';
        else names.push(...used);
      }
      add(node, 'import', node.moduleSpecifier.text, whole ?? names);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const clause = node.exportClause;
      const names =
        clause !== undefined && ts.isNamedExports(clause)
          ? clause.elements.map((element) => (element.propertyName ?? element.name).text)
          : '*';
      add(node, 'export', node.moduleSpecifier.text, names);
    } else if (
      ts.isCallExpression(node) &&
      node.arguments.length >= 1 &&
      ts.isStringLiteralLike(node.arguments[0] as ts.Expression) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      add(node, 'dynamic', (node.arguments[0] as ts.StringLiteralLike).text, dynamicNames(node));
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      const qualifier = node.qualifier;
      const first =
        qualifier === undefined
          ? undefined
          : ts.isIdentifier(qualifier)
            ? qualifier.text
            : ts.isIdentifier(qualifier.left)
              ? qualifier.left.text
              : undefined;
      add(node, 'type', node.argument.literal.text, first === undefined ? '*' : [first]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), else undefined. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) {
    return undefined;
  }
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** A boundary broken by one import. */
export interface BoundaryViolation {
  /** `path:line`, relative to the repository root. */
  where: string;
  specifier: string;
  problem: string;
}

/** One scan of the whole workspace: every workspace and the imports of each of its files. */
export interface ImportGraph {
  workspaces: Workspace[];
  imports: Map<Workspace, ImportSite[]>;
}

export function importGraph(): ImportGraph {
  const all = workspaces();
  const imports = new Map<Workspace, ImportSite[]>();
  for (const workspace of all) {
    imports.set(
      workspace,
      workspaceFiles(workspace, all).flatMap((file) => importsOf(file)),
    );
  }
  return { workspaces: all, imports };
}

/**
 * Imports that cross a workspace boundary without declaring it: a workspace package missing
 * from the importer's `package.json`, or a relative path that leaves the importer's folder.
 */
export function boundaryViolations(graph = importGraph()): BoundaryViolation[] {
  const names = new Map(graph.workspaces.map((w) => [w.name, w]));
  const shared = SHARED_CONFIG_DIRS.map((dir) => join(root, dir));
  const violations: BoundaryViolation[] = [];
  for (const [workspace, sites] of graph.imports) {
    for (const site of sites) {
      const where = `${relative(root, site.file)}:${site.line}`;
      const target = packageOf(site.specifier);
      if (target !== undefined) {
        if (names.has(target) && target !== workspace.name && !workspace.declared.has(target)) {
          violations.push({
            where,
            specifier: site.specifier,
            problem: `${target} is not in ${relative(root, join(workspace.dir, 'package.json'))}`,
          });
        }
        continue;
      }
      if (!site.specifier.startsWith('.')) continue;
      const resolved = resolve(dirname(site.file), site.specifier);
      if (shared.some((dir) => resolved.startsWith(dir + sep))) continue;
      const owner = owningWorkspace(resolved, graph.workspaces);
      if (owner !== workspace) {
        const landing = owner === undefined ? relative(root, resolved) : owner.name;
        violations.push({
          where,
          specifier: site.specifier,
          problem: `relative import leaves ${workspace.name} (into ${landing}); import a declared package instead`,
        });
      }
    }
  }
  return violations;
}

/** Who imports a name: the importing workspaces, by name. */
export type NameUsers = Map<string, Set<string>>;

/**
 * The names other workspaces import from `packageName`, per specifier (`@murmur/wire`,
 * `@murmur/wire/node`, …): name → importing workspaces. `*` stands for "the whole module".
 */
export function externalUsage(packageName: string, graph = importGraph()): Map<string, NameUsers> {
  const usage = new Map<string, NameUsers>();
  for (const [workspace, sites] of graph.imports) {
    if (workspace.name === packageName) continue;
    for (const site of sites) {
      if (packageOf(site.specifier) !== packageName) continue;
      let users = usage.get(site.specifier);
      if (users === undefined) {
        users = new Map();
        usage.set(site.specifier, users);
      }
      for (const name of site.names === '*' ? ['*'] : site.names) {
        let set = users.get(name);
        if (set === undefined) {
          set = new Set();
          users.set(name, set);
        }
        set.add(workspace.name);
      }
    }
  }
  return usage;
}
