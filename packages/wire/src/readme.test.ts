/** Runs the README's example, so that it keeps working as the package changes. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
let directory: string | undefined;

afterEach(() => {
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  directory = undefined;
});

describe('README', () => {
  it('runs its example and prints what the comments say', async () => {
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    directory = mkdtempSync(join(tmpdir(), 'murmur-wire-readme-'));
    const file = join(directory, 'example.ts');
    writeFileSync(file, code as string);
    const lines: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args);
    });
    await import(/* @vite-ignore */ file);
    expect(lines).toEqual([
      [{ pubkey: `05${'a1'.repeat(32)}`, namespace: 0, max_size: -5 }],
      [true],
      [
        400,
        'store: `ttl` must be an integer number of milliseconds (a number, or its decimal string)',
      ],
      [[2, 8, 0]],
      ['203.0.113.7'],
      ['final', 29],
    ]);
  });
});
