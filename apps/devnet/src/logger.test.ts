import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessLogger } from './logger.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("murmur-devnet's logger", () => {
  it('redacts secrets as murmur-node does', () => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-devnet-log-'));
    const file = join(dir, 'ledger.log');
    const logger = createProcessLogger({ file, pretty: false });
    logger.info({ seed: 'aa'.repeat(32), wallet: { secretKey: 'bb', address: 'cc' } }, 'created');
    const line = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, unknown>;
    expect(line).toMatchObject({
      seed: '[redacted]',
      wallet: { secretKey: '[redacted]', address: 'cc' },
      msg: 'created',
    });
  });
});
