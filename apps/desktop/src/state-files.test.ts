/**
 * The daemon's state files are read through `@murmur/wire`'s checked reader: a damaged
 * `account.json`, `seed.json` or `desktop.json` stops the start with a `ConfigError` naming the
 * file and the field, and nothing on disk is changed (the seed and the account's data are still
 * there to repair).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { silentLogger } from '@murmur/wire';
import { ConfigError } from '@murmur/wire/program';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Daemon, startDaemon } from './daemon.js';
import { daemonsAndDirs } from './test-support/daemons.js';

const silent = silentLogger();

let crypto: MurmurCrypto;
const { daemons, dirs } = daemonsAndDirs();
beforeAll(async () => {
  crypto = await loadCrypto();
});
async function start(dataDir: string): Promise<Daemon> {
  const daemon = await startDaemon(
    { dataDir, port: 0, seedLimits: { opsLimit: 1, memLimit: 8192 * 8 } },
    { crypto, logger: silent, fetch: globalThis.fetch },
  );
  daemons.push(daemon);
  return daemon;
}

/** A data directory holding one account made by a daemon that is closed again. */
async function dataDirWithAccount(): Promise<{ dataDir: string; id: string }> {
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
  return { dataDir, id: account.id };
}

async function listedAccounts(daemon: Daemon): Promise<unknown> {
  const listed = await fetch(`http://127.0.0.1:${daemon.port}/api/accounts`, {
    headers: { 'x-murmur-token': daemon.token },
  });
  return listed.json();
}

/** Starts over `dataDir` and returns the ConfigError it must refuse with. */
async function refusedStart(dataDir: string): Promise<ConfigError> {
  const error = await start(dataDir).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('state files', () => {
  it('a damaged account.json: a ConfigError naming file and field, nothing lost', async () => {
    const { dataDir, id } = await dataDirWithAccount();
    const account = { id };
    const accountDir = join(dataDir, 'accounts', account.id);
    const metaPath = join(accountDir, 'account.json');
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>;
    const damaged = `${JSON.stringify({ ...meta, phraseConfirmed: 'yes' })}\n`;
    writeFileSync(metaPath, damaged);
    const seed = readFileSync(join(accountDir, 'seed.json'), 'utf8');

    const error = await refusedStart(dataDir);
    expect(error).toMatchObject({
      code: 'CONFIG_INVALID',
      details: { path: metaPath, field: 'phraseConfirmed' },
    });
    expect(error.message).toContain(metaPath);
    expect(readFileSync(metaPath, 'utf8')).toBe(damaged);
    expect(readFileSync(join(accountDir, 'seed.json'), 'utf8')).toBe(seed);

    // Repaired, the account is back.
    writeFileSync(metaPath, JSON.stringify(meta));
    const again = await start(dataDir);
    expect(await listedAccounts(again)).toMatchObject({ accounts: [{ id: account.id }] });
  });

  it('a damaged seed.json: a ConfigError naming file and field, nothing lost', async () => {
    const { dataDir, id } = await dataDirWithAccount();
    const seedPath = join(dataDir, 'accounts', id, 'seed.json');
    const good = readFileSync(seedPath, 'utf8');
    const seed = JSON.parse(good) as { seed: string };
    const damaged = `${JSON.stringify({ version: 1, sealed: false, seed: `${seed.seed.slice(1)}z` })}\n`;
    writeFileSync(seedPath, damaged);

    const error = await refusedStart(dataDir);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', details: { path: seedPath } });
    expect(error.message).toContain(seedPath);
    expect(readFileSync(seedPath, 'utf8')).toBe(damaged);

    writeFileSync(seedPath, '{"version": 1, "sealed"');
    expect(await refusedStart(dataDir)).toMatchObject({
      code: 'CONFIG_INVALID',
      details: { path: seedPath },
    });

    writeFileSync(seedPath, good);
    const again = await start(dataDir);
    expect(await listedAccounts(again)).toMatchObject({ accounts: [{ id }] });
  });

  it('a damaged desktop.json: a ConfigError naming file and field, the file kept', async () => {
    const { dataDir, id } = await dataDirWithAccount();
    const settingsPath = join(dataDir, 'desktop.json');
    const good = JSON.parse(readFileSync(settingsPath, 'utf8')) as Record<string, unknown>;
    expect(good).toMatchObject({ version: 1, theme: 'system', notifications: false });
    const damaged = `${JSON.stringify({ ...good, theme: 'purple' })}\n`;
    writeFileSync(settingsPath, damaged);

    const error = await refusedStart(dataDir);
    expect(error).toMatchObject({
      code: 'CONFIG_INVALID',
      details: { path: settingsPath, field: 'theme' },
    });
    expect(readFileSync(settingsPath, 'utf8')).toBe(damaged);

    writeFileSync(settingsPath, JSON.stringify({ ...good, theme: 'dark' }));
    const again = await start(dataDir);
    expect(await listedAccounts(again)).toMatchObject({ accounts: [{ id }] });
    const settings = await fetch(`http://127.0.0.1:${again.port}/api/settings`, {
      headers: { 'x-murmur-token': again.token },
    });
    expect(await settings.json()).toMatchObject({ theme: 'dark' });
  });
});
