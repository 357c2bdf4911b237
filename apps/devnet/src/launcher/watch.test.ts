import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StateResponse } from '@murmur/registry/ledger-http';
import { createStyles } from '@murmur/terminal';
import { afterEach, describe, expect, it } from 'vitest';
import { devnetDirWith, fakeManifest, fakeState } from '../test-support/devnet.js';
import { processIdentity } from './launcher-file.js';
import { createDevnetWatcher } from './watch.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function recordSelfAs(dir: string, names: string[]): void {
  const identity = processIdentity(process.pid);
  writeFileSync(
    join(dir, 'pids.json'),
    JSON.stringify({
      version: 1,
      processes: names.map((name) => ({
        name,
        pid: process.pid,
        ...identity,
        logFile: `${name}.log`,
        startedAt: new Date().toISOString(),
      })),
    }),
  );
}

describe('the running devnet watcher', () => {
  it('reports stopped and restarted processes, registry and swarm changes, and rewrites devnet.json', async () => {
    const manifest = fakeManifest(3);
    const dir = devnetDirWith(manifest);
    dirs.push(dir);
    recordSelfAs(dir, ['ledger', 'node-01', 'node-02', 'node-03', 'reaper']);
    let state: StateResponse = fakeState(manifest);
    let ledgerUp = true;
    const lines: string[] = [];
    const watcher = createDevnetWatcher({
      dir,
      state: async () => {
        if (!ledgerUp) throw new TypeError('fetch failed');
        return state;
      },
      write: (line) => lines.push(line.replace(/^ {2}\d\d:\d\d:\d\d {2}/, '')),
      styles: createStyles(false),
      date: () => new Date('2026-11-26T16:00:00Z'),
    });
    await watcher.tick();
    expect(lines).toEqual([]);

    recordSelfAs(dir, ['ledger', 'node-01', 'node-03']);
    const nodes = state.nodes.map((node, index) =>
      index === 1
        ? { ...node, status: 'decommissioned' as const, swarmId: 'ffffffffffffffff' }
        : node,
    );
    state = {
      ...state,
      height: 20,
      nodes,
      swarms: [
        {
          id: '0000000000000000',
          members: [nodes[0]?.ed25519 as string, nodes[2]?.ed25519 as string],
        },
      ],
    };
    await watcher.tick();
    expect(lines).toEqual([
      `node-02 stopped (log: ${dir}/logs/node-02.log)`,
      'node-02: active → decommissioned at height 20',
      'swarms now: 00000000 (2)',
    ]);
    const file = JSON.parse(readFileSync(join(dir, 'devnet.json'), 'utf8')) as {
      nodes: { name: string; swarm: string | null }[];
    };
    expect(file.nodes.find((node) => node.name === 'node-02')?.swarm).toBeNull();

    lines.length = 0;
    ledgerUp = false;
    await watcher.tick();
    await watcher.tick();
    ledgerUp = true;
    recordSelfAs(dir, ['ledger', 'node-01', 'node-02', 'node-03']);
    await watcher.tick();
    expect(lines).toEqual([
      `the ledger does not answer (log: ${dir}/logs/ledger.log)`,
      'node-02 running',
      'the ledger answers again at height 20',
    ]);
  });
});
