/**
 * Runs the README's first example against the in-process fake network (its seed URL and the
 * global fetch replaced), so that the example keeps working as the package changes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCrypto } from '@murmur/crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeNetwork } from './test-support/fake-network.js';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
let directory: string | undefined;

afterEach(() => {
  vi.unstubAllGlobals();
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  directory = undefined;
});

describe('README', () => {
  it('runs its example and prints what the comments say', async () => {
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    const network = createFakeNetwork({
      crypto: await loadCrypto(),
      seedUrl: 'http://127.0.0.1:38157/json_rpc',
    });
    vi.stubGlobal('fetch', network.fetch);
    directory = mkdtempSync(join(tmpdir(), 'murmur-client-readme-'));
    const file = join(directory, 'example.ts');
    writeFileSync(file, code as string);
    const lines: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args);
    });
    await import(/* @vite-ignore */ file);
    expect(lines).toEqual([[24], ['Alice: hello Bob']]);
  });
});
