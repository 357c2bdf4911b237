/** viem stays out of `@murmur/registry`'s main entry: only `@murmur/registry/evm` brings it in. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every module specifier reachable from `entry` through relative imports. */
function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:import|export)[^'";]*?from\s+'([^']+)'/g)) {
      const specifier = match[1] as string;
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('entry isolation', () => {
  it('the main entry reaches neither viem, nor the contracts, nor the evm folder', () => {
    const { files, packages } = reachable(join(src, 'index.ts'));
    expect(files.size).toBeGreaterThan(10);
    expect(
      [...packages].filter(
        (name) => name.startsWith('viem') || name.startsWith('@murmur/contracts'),
      ),
    ).toEqual([]);
    expect([...files].filter((file) => file.includes(`${join(src, 'evm')}`))).toEqual([]);
  });

  it('the evm entry is where viem comes in', () => {
    const { packages } = reachable(join(src, 'evm', 'index.ts'));
    expect(packages.has('viem')).toBe(true);
  });
});
