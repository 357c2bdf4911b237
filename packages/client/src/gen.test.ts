/**
 * `src/gen/` is generated from `proto/` (`pnpm generate`: buf + protoc-gen-es, both pinned in
 * devDependencies). This test generates it again into a temporary folder and compares, so that a
 * change to the schema cannot land without the code, nor a hand edit of the code without the
 * schema.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
let output: string | undefined;

afterEach(() => {
  if (output !== undefined) rmSync(output, { recursive: true, force: true });
  output = undefined;
});

describe('generated protobuf code', () => {
  it('is what buf generate writes from proto/', () => {
    output = mkdtempSync(join(tmpdir(), 'murmur-gen-'));
    const bin = join(packageDir, 'node_modules', '.bin');
    const { PATH = '' } = process.env;
    execFileSync(join(bin, 'buf'), ['generate', '--output', output], {
      cwd: packageDir,
      env: { ...process.env, PATH: `${bin}${delimiter}${PATH}` },
      stdio: 'pipe',
      timeout: 60_000,
    });
    const committed = readdirSync(join(packageDir, 'src', 'gen')).sort();
    const fresh = readdirSync(join(output, 'src', 'gen')).sort();
    expect(fresh).toEqual(committed);
    expect(committed.length).toBeGreaterThan(0);
    for (const name of committed) {
      expect(readFileSync(join(output, 'src', 'gen', name), 'utf8')).toBe(
        readFileSync(join(packageDir, 'src', 'gen', name), 'utf8'),
      );
    }
  }, 60_000);
});
