/**
 * The daemon's state files are read through `@murmur/wire`'s checked reader: a damaged
 * `account.json` stops the start with a `ConfigError` naming the file and the field, and
 * nothing on disk is changed (the seed and the account's data are still there to repair).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import type { Logger } from '@murmur/wire';
import { ConfigError } from '@murmur/wire/program';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Daemon, startDaemon } from './daemon.js';

const silent: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};

let crypto: MurmurCrypto;
const dirs: string[] = [];
const daemons: Daemon[] = [];
beforeAll(async () => {
  crypto = await loadCrypto();
});
afterEach(async () => {
  for (const daemon of daemons.splice(0)) await daemon.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<Daemon> {
  const daemon = await startDaemon(
    { dataDir, port: 0, seedLimits: { opsLimit: 1, memLimit: 8192 * 8 } },
    { crypto, logger: silent, fetch: globalThis.fetch },
  );
  daemons.push(daemon);
  return daemon;
}

describe('state files', () => {
  it('a damaged account.json: a ConfigError naming file and field, nothing lost', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'murmur-desktop-state-')), 'data');
    dirs.push(dataDir);
    const daemon = await start(dataDir);
    const created = await fetch(`http://127.0.0.1:${daemon.port}/api/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-murmur-token': daemon.token },
      body: '{}',
    });
    expect(created.status).toBe(200);
    const { account } = (await created.json()) as { account: { id: string } };
    await daemon.close();
    daemons.splice(0);

    const accountDir = join(dataDir, 'accounts', account.id);
    const metaPath = join(accountDir, 'account.json');
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>;
    const damaged = `${JSON.stringify({ ...meta, phraseConfirmed: 'yes' })}\n`;
    writeFileSync(metaPath, damaged);
    const seed = readFileSync(join(accountDir, 'seed.json'), 'utf8');

    const error = await start(dataDir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      code: 'CONFIG_INVALID',
      details: { path: metaPath, field: 'phraseConfirmed' },
    });
    expect((error as Error).message).toContain(metaPath);
    expect(readFileSync(metaPath, 'utf8')).toBe(damaged);
    expect(readFileSync(join(accountDir, 'seed.json'), 'utf8')).toBe(seed);

    // Repaired, the account is back.
    writeFileSync(metaPath, JSON.stringify(meta));
    const again = await start(dataDir);
    const listed = await fetch(`http://127.0.0.1:${again.port}/api/accounts`, {
      headers: { 'x-murmur-token': again.token },
    });
    expect(await listed.json()).toMatchObject({ accounts: [{ id: account.id }] });
  });
});
