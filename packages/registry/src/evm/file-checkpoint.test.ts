import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileCheckpointStore } from './file-checkpoint.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('fileCheckpointStore', () => {
  it('has no checkpoint before the first save, then the last one saved (0600, no temporary)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'checkpoint-'));
    dirs.push(dir);
    const path = join(dir, 'evm-checkpoint.json');
    const store = fileCheckpointStore(path);
    expect(await store.load()).toBeUndefined();
    await store.save({ height: 1 });
    await store.save({ height: 2, blocks: ['a'] });
    expect(await store.load()).toEqual({ height: 2, blocks: ['a'] });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['evm-checkpoint.json']);
  });
});
