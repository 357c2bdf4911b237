import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeJsonFileAtomic } from './json-file.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('writeJsonFileAtomic', () => {
  it('writes indented JSON with the mode, replacing the old file, leaving no temporary', () => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-json-'));
    const path = join(dir, 'state.json');
    writeJsonFileAtomic(path, { a: 1 });
    writeJsonFileAtomic(path, { a: 2, b: [true] }, 0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ a: 2, b: [true] });
    expect(readFileSync(path, 'utf8')).toMatch(/^\{\n {2}"a": 2,/);
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('leaves the old file and no temporary when the write fails', () => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-json-'));
    const path = join(dir, 'state.json');
    writeJsonFileAtomic(path, { a: 1 });
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(() => writeJsonFileAtomic(path, cyclic)).toThrow(TypeError);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ a: 1 });
    expect(readdirSync(dir)).toEqual(['state.json']);
  });
});
