/**
 * The built `ledger` command is one bundled file (scripts/bundle.mjs): the ledger process a
 * devnet starts loads it instead of several hundred ES modules. These tests read the built file
 * and run it as `murmur-devnet ledger` does: it must import nothing of this package's own
 * `dist/` (everything is inside), only Node's modules and the native or worker-thread packages
 * kept external, and the ledger it starts must make blocks and serve its API.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getJson, LedgerProcess, Workspace } from './support.js';

const LEDGER_COMMAND = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'dist',
  'commands',
  'ledger.js',
);

/** The specifiers of every static and dynamic import and require() in `source`. */
function importedSpecifiers(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) found.add(match[1] as string);
  }
  return [...found].sort();
}

describe('the bundled ledger command', () => {
  const workspace = new Workspace();
  let ledger: LedgerProcess;

  beforeAll(async () => {
    ledger = await LedgerProcess.start(
      workspace,
      join(workspace.dir, 'chain'),
      ['--block-time-ms', '100'],
      'bundled-ledger',
    );
  });

  afterAll(async () => {
    await ledger?.stop();
    workspace.cleanup();
  });

  it('is one file: no import of another module of dist/, only external packages', () => {
    workspace.watch();
    const specifiers = importedSpecifiers(readFileSync(LEDGER_COMMAND, 'utf8'));
    expect(specifiers.length).toBeGreaterThan(0);
    const relative = specifiers.filter((specifier) => specifier.startsWith('.'));
    expect(relative).toEqual([]);
    const workspacePackages = specifiers.filter((specifier) => specifier.startsWith('@murmur/'));
    expect(workspacePackages).toEqual([]);
    // Fastify and TypeBox are inside the bundle, not loaded from node_modules.
    expect(specifiers).not.toContain('fastify');
    expect(specifiers).not.toContain('typebox');
  });

  it('runs as `murmur-devnet ledger`: makes blocks and serves the genesis and its health', async () => {
    workspace.watch();
    expect(ledger.ready.created).toBe(true);
    const genesis = await getJson<{ chainId: string }>(`${ledger.url}/genesis`);
    expect(genesis.chainId).toBe(ledger.ready.chainId);
    const health = await eventually(async () => {
      const answer = await getJson<{ height: number }>(`${ledger.url}/health`);
      return answer.height >= 2 ? answer : undefined;
    }, 'two blocks from the bundled ledger');
    expect(health.height).toBeGreaterThanOrEqual(2);
  });
});
