import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStyles, stripAnsi } from '@murmur/terminal';
import { afterEach, describe, expect, it } from 'vitest';
import { NoDevnetError } from '../errors.js';
import { devnetDirWith, fakeManifest } from '../test-support/devnet.js';
import { processIdentity } from './launcher-file.js';
import { collectStatus, formatStatus } from './status.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Records this test process as `name` in pids.json (so it counts as running). */
function recordSelfAs(dir: string, names: string[]): void {
  const identity = processIdentity(process.pid);
  const processes = names.map((name) => ({
    name,
    pid: process.pid,
    ...identity,
    logFile: join(dir, 'logs', `${name}.log`),
    startedAt: new Date().toISOString(),
  }));
  writeFileSync(join(dir, 'pids.json'), JSON.stringify({ version: 1, processes }));
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

describe('status', () => {
  it('refuses a directory without a devnet', async () => {
    const dir = devnetDirWith(undefined);
    dirs.push(dir);
    await expect(collectStatus(dir)).rejects.toBeInstanceOf(NoDevnetError);
  });

  it('shows each process: running, ready, swarm, height, and the relays with their circuits', async () => {
    const manifest = fakeManifest(3);
    const dir = devnetDirWith(manifest);
    dirs.push(dir);
    recordSelfAs(dir, ['ledger', 'node-01', 'node-01/relay', 'node-02']);
    const relayPort = manifest.nodes[0]?.relayPort as number;
    const fakeFetch = (async (url: string | URL) => {
      const text = String(url);
      if (text === `http://127.0.1.1:${relayPort}/health`) {
        return json(200, { status: 'ok', relays: 3, circuits: 5 });
      }
      if (text === 'http://127.0.0.1:22100/health') {
        return json(200, { status: 'ok', chainId: 'murmur-devnet-live', height: 42 });
      }
      if (text.startsWith('https://127.0.1.1:')) {
        return json(200, {
          status: 'ready',
          height: 42,
          swarm: '7fffffffffffffff',
          swarmMembers: 2,
        });
      }
      if (text.startsWith('https://127.0.2.1:')) {
        return json(503, { status: 'starting', reason: 'catching up', height: 40 });
      }
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const status = await collectStatus(dir, { fetch: fakeFetch });
    expect(status.chainId).toBe('murmur-devnet-live');
    expect(status.seedUrl).toBe('http://127.0.0.1:22100/json_rpc');
    expect(status.launcher).toBeNull();
    expect(
      status.processes.map((entry) => [
        entry.name,
        entry.running,
        entry.ready,
        entry.health,
        entry.swarm,
        entry.height,
      ]),
    ).toEqual([
      ['ledger', true, true, 'ready', null, 42],
      ['node-01', true, true, 'ready', '7fffffffffffffff', 42],
      ['node-01/relay', true, true, 'ready', null, null],
      ['node-02', true, false, '503 starting (catching up)', null, 40],
      ['node-03', false, false, 'unreachable', null, null],
    ]);
    const text = stripAnsi(formatStatus(status, createStyles(false)));
    expect(text).toMatch(/node-01 +running/);
    expect(text).toMatch(/node-03 +stopped +unreachable +- +- +- +127\.0\.3\.1:22105/);
    // A relay row: its circuits and the URL clients dial; a relay never started has no row.
    expect(text).toMatch(
      new RegExp(`node-01/relay +running \\d+ +yes +- +- +5 +ws://127\\.0\\.1\\.1:${relayPort}/`),
    );
    expect(text).not.toContain('node-02/relay');
    expect(text).toContain('3 of 5 ready.');
  });
});
