import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto } from '@murmur/crypto';
import { silentLogger } from '@murmur/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { type StartedDesktop, startDesktops } from './devnet-desktops.js';

const silent = silentLogger();
const started: StartedDesktop[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const desktop of started.splice(0)) await desktop.daemon.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('desktops on a devnet', () => {
  it('N daemons whose accounts know each other; a second start resumes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-desktops-'));
    dirs.push(dir);
    const init = { count: 3, dir, network: { seeds: ['http://127.0.0.1:9/json_rpc'] } };
    const components = { crypto: await loadCrypto(), logger: silent, fetch: globalThis.fetch };
    const first = await startDesktops(init, components);
    started.push(...first);
    expect(first.map((desktop) => desktop.name)).toEqual(['Desktop 1', 'Desktop 2', 'Desktop 3']);
    expect(new Set(first.map((desktop) => desktop.sessionId)).size).toBe(3);
    for (const desktop of first) {
      const account = desktop.daemon.accounts.list()[0];
      expect(account).toMatchObject({ displayName: desktop.name, phraseConfirmed: true });
      const conversations = await desktop.daemon.accounts.conversations(account?.id as string);
      expect(conversations.map((c) => [c.sessionId, c.nickname]).sort()).toEqual(
        first
          .filter((other) => other !== desktop)
          .map((other) => [other.sessionId, other.name])
          .sort(),
      );
      expect(desktop.daemon.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=/);
    }
    const ids = first.map((desktop) => desktop.sessionId);
    for (const desktop of started.splice(0)) await desktop.daemon.close();
    const again = await startDesktops(init, components);
    started.push(...again);
    expect(again.map((desktop) => desktop.sessionId)).toEqual(ids);
  });
});
