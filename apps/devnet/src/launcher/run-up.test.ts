import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStyles, stripAnsi } from '@murmur/terminal';
import {
  ProcessExitedError,
  type startTestnet,
  type TestnetManifest,
  type TestnetOptions,
} from '@murmur/testnet';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DevnetBusyError } from '../errors.js';
import {
  captureTerminal,
  devnetDirWith,
  fakeManifest,
  fakeState,
  fakeTestnet,
} from '../test-support/devnet.js';
import type { DemoInit } from './demo.js';
import { readDevnetFile } from './devnet-file.js';
import { processIdentity, readLauncherRecord, writeLauncherRecord } from './launcher-file.js';
import { runUp, type UpComponents, type UpOptions } from './run-up.js';

/** vi.waitFor's limits: generous, for a busy machine. */
const WAIT = { timeout: 30_000, interval: 20 };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  components: UpComponents;
  output: ReturnType<typeof captureTerminal>;
  errors: { text: string };
  calls: string[];
  started: TestnetOptions[];
  signal(name?: NodeJS.Signals): void;
  exits: number[];
}

function harness(
  dir: string,
  manifest: TestnetManifest,
  start?: (options: TestnetOptions) => Promise<unknown>,
): Harness {
  const output = captureTerminal(false);
  const errors = { text: '' };
  const calls: string[] = [];
  const started: TestnetOptions[] = [];
  const exits: number[] = [];
  let handler: ((signal: NodeJS.Signals) => void) | undefined;
  const state = fakeState(manifest);
  const fakeStart = (async (options: TestnetOptions) => {
    started.push(options);
    if (start !== undefined) await start(options);
    writeFileSync(join(dir, 'testnet.json'), JSON.stringify(manifest));
    options.onProgress?.({ step: 'ledger', status: 'start', detail: 'new chain' });
    options.onProgress?.({ step: 'ledger', status: 'done', elapsedMs: 500 });
    return fakeTestnet(dir, manifest, state, calls);
  }) as unknown as typeof startTestnet;
  const components: UpComponents = {
    output,
    errors: { write: (text) => (errors.text += text) },
    styles: createStyles(false),
    startTestnet: fakeStart,
    stopTestnetProcesses: async (_dir, options) => {
      calls.push(`stopTestnetProcesses ${options?.graceMs ?? 'default'}`);
      return [];
    },
    onStopSignal(next) {
      handler = next;
      return () => {
        handler = undefined;
      };
    },
    exit: (code) => exits.push(code),
    setInterval: () => 1,
    clearInterval: () => undefined,
  };
  return {
    components,
    output,
    errors,
    calls,
    started,
    exits,
    signal: (name = 'SIGINT') => handler?.(name),
  };
}

function options(dir: string, overrides: Partial<UpOptions> = {}): UpOptions {
  return { dir, nodes: 3, basePort: 22_100, fresh: false, demo: false, ...overrides };
}

describe('murmur-devnet up', () => {
  it('starts, prints the summary, writes devnet.json, and stops everything on Ctrl-C', async () => {
    const dir = devnetDirWith(undefined);
    dirs.push(dir);
    const manifest = fakeManifest(3);
    const test = harness(dir, manifest);
    const done = runUp(options(dir, { fresh: true }), test.components);
    await vi.waitFor(() => expect(test.output.text).toContain('Press Ctrl-C'), WAIT);
    expect(readLauncherRecord(dir)).toMatchObject({ pid: process.pid, state: 'ready' });
    const file = readDevnetFile(dir);
    expect(file?.seed.url).toBe('http://127.0.0.1:22100/json_rpc');
    expect(file?.nodes.map((node) => node.name)).toEqual(['node-01', 'node-02', 'node-03']);
    expect(test.started[0]).toMatchObject({ dir, nodes: 3, basePort: 22_100, fresh: false });
    test.signal('SIGINT');
    expect(await done).toBe(0);
    expect(test.calls).toContain('stop');
    expect(readLauncherRecord(dir)).toBeUndefined();
    const text = stripAnsi(test.output.text);
    expect(text).toContain('starting a devnet of 3 nodes');
    expect(text).toContain('✔ Ledger (0.50 s)');
    expect(text).toContain('Devnet ready in');
    expect(text).toMatch(/node-03 +127\.0\.3\.1:22105 +00000000 +100 +yes \(2 wallets\) +ready/);
    expect(text).toContain(`devnet.json    ${dir}/devnet.json`);
    expect(text).toContain('SIGINT: stopping the devnet');
    expect(text).toContain('Stopped');
  });

  it('names the node that failed, its log, and leaves nothing running', async () => {
    const dir = devnetDirWith(undefined);
    dirs.push(dir);
    const test = harness(dir, fakeManifest(3), async () => {
      throw new ProcessExitedError(
        'node-02',
        `${dir}/logs/node-02.log`,
        `node-02 exited with code 1 while the testnet was starting\nlast lines of ${dir}/logs/node-02.log:\n  boom`,
      );
    });
    expect(await runUp(options(dir), test.components)).toBe(1);
    expect(test.errors.text).toContain('node-02 failed to start: node-02 exited with code 1');
    expect(test.errors.text).toContain(`log: ${dir}/logs/node-02.log`);
    expect(test.errors.text).toContain('no devnet process is left');
    expect(readLauncherRecord(dir)).toBeUndefined();
  });

  it('stops the start on Ctrl-C and exits 0', async () => {
    const dir = devnetDirWith(undefined);
    dirs.push(dir);
    const test = harness(dir, fakeManifest(3), (startOptions) => {
      return new Promise((_resolve, reject) => {
        startOptions.signal?.addEventListener('abort', () => reject(new Error('aborted')));
      });
    });
    const done = runUp(options(dir), test.components);
    await vi.waitFor(() => expect(test.started).toHaveLength(1), WAIT);
    test.signal('SIGTERM');
    expect(await done).toBe(0);
    expect(stripAnsi(test.output.text)).toContain('Stopped before the devnet was ready');
  });

  it('forces with a second Ctrl-C', async () => {
    const dir = devnetDirWith(undefined);
    dirs.push(dir);
    const test = harness(dir, fakeManifest(3));
    const done = runUp(options(dir), test.components);
    await vi.waitFor(() => expect(test.output.text).toContain('Press Ctrl-C'), WAIT);
    test.signal();
    test.signal();
    await vi.waitFor(() => expect(test.exits).toEqual([130]), WAIT);
    expect(test.calls).toContain('stopTestnetProcesses 0');
    await done;
  });

  it('refuses a directory another launcher runs, or one that holds something else', async () => {
    const dir = devnetDirWith(fakeManifest(3));
    dirs.push(dir);
    writeLauncherRecord(dir, {
      version: 1,
      pid: process.pid,
      ...processIdentity(process.pid),
      startedAt: new Date().toISOString(),
      state: 'ready',
    });
    const test = harness(dir, fakeManifest(3));
    await expect(runUp(options(dir), { ...test.components, pid: process.pid + 1 })).rejects.toThrow(
      /a devnet already runs in .*pid \d+, ready/,
    );

    const home = devnetDirWith(undefined);
    dirs.push(home);
    writeFileSync(join(home, 'notes.txt'), 'mine');
    await expect(runUp(options(home, { fresh: true }), test.components)).rejects.toBeInstanceOf(
      DevnetBusyError,
    );
    expect(existsSync(join(home, 'notes.txt'))).toBe(true);
  });

  it('resumes the recorded nodes first, then adds the extra ones', async () => {
    const manifest = fakeManifest(2);
    const dir = devnetDirWith(manifest);
    dirs.push(dir);
    mkdirSync(join(dir, 'ledger'));
    writeFileSync(join(dir, 'ledger', 'ledger.sqlite'), '');
    const test = harness(dir, manifest);
    const done = runUp(options(dir, { nodes: 3 }), test.components);
    await vi.waitFor(() => expect(test.output.text).toContain('Press Ctrl-C'), WAIT);
    test.signal();
    expect(await done).toBe(0);
    expect(test.started[0]?.nodes).toBe(2);
    expect(test.calls.slice(0, 3)).toEqual(['state', 'waitForHeight 13', 'addNode']);
    const text = stripAnsi(test.output.text);
    expect(text).toContain('resuming the devnet');
    expect(text).toContain('1 more nodes will be added');
    expect(text).toContain('✔ node-03 registered and ready');
    expect(text).toContain('resumed from disk');
  });

  it('runs the demo against the seed endpoint once ready', async () => {
    const dir = devnetDirWith(undefined);
    dirs.push(dir);
    const test = harness(dir, fakeManifest(3));
    const demos: DemoInit[] = [];
    const done = runUp(options(dir, { demo: true }), {
      ...test.components,
      runDemo: async (init) => {
        demos.push(init);
        return { ok: true, deliveries: [] };
      },
    });
    await vi.waitFor(() => expect(demos).toHaveLength(1), WAIT);
    expect(demos[0]?.bootstrap).toEqual({
      kind: 'seed',
      seedUrl: 'http://127.0.0.1:22100/json_rpc',
    });
    expect(demos[0]?.nodeNames?.size).toBe(3);
    test.signal();
    expect(await done).toBe(0);
  });

  it("runs the demo against the staking contract of devnet.json's evm section on an EVM devnet", async () => {
    const dir = devnetDirWith(undefined);
    dirs.push(dir);
    const contract = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
    const manifest: TestnetManifest = {
      ...fakeManifest(3, 8545),
      ledger: 'evm',
      evm: {
        chainId: 31_337,
        token: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
        staking: contract,
        deploymentBlock: '7',
      },
    };
    const test = harness(dir, manifest);
    const demos: DemoInit[] = [];
    const done = runUp(options(dir, { demo: true, ledger: 'evm' }), {
      ...test.components,
      runDemo: async (init) => {
        demos.push(init);
        return { ok: true, deliveries: [] };
      },
    });
    await vi.waitFor(() => expect(demos).toHaveLength(1), WAIT);
    expect(demos[0]?.bootstrap).toEqual({
      kind: 'evm',
      rpcUrl: 'http://127.0.0.1:8545',
      contract,
      deploymentBlock: 7n,
    });
    expect(test.started[0]?.ledger).toBe('evm');
    test.signal();
    expect(await done).toBe(0);
  });

  it('says why it starts no desktops on an EVM devnet, and keeps the devnet running', async () => {
    const dir = devnetDirWith(undefined);
    dirs.push(dir);
    const manifest: TestnetManifest = {
      ...fakeManifest(3, 8545),
      ledger: 'evm',
      evm: {
        chainId: 31_337,
        token: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
        staking: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
        deploymentBlock: '7',
      },
    };
    const test = harness(dir, manifest);
    let calls = 0;
    const done = runUp(options(dir, { desktop: 2, ledger: 'evm' }), {
      ...test.components,
      startDesktops: async () => {
        calls++;
        return { lines: [], stop: async () => undefined };
      },
    });
    await vi.waitFor(
      () => expect(stripAnsi(test.output.text)).toContain('the desktops did not start: --desktop'),
      WAIT,
    );
    expect(stripAnsi(test.output.text)).toContain('--ledger evm');
    expect(calls).toBe(0);
    test.signal();
    expect(await done).toBe(0);
  });

  it('starts the desktops once ready, prints their lines, and stops them before the devnet', async () => {
    const dir = devnetDirWith(undefined);
    dirs.push(dir);
    const test = harness(dir, fakeManifest(3));
    const calls: { count: number; dir: string; seedUrl: string }[] = [];
    let stopped = 0;
    const done = runUp(options(dir, { desktop: 2 }), {
      ...test.components,
      startDesktops: async (init) => {
        calls.push(init);
        return {
          lines: [
            'Desktop 1   05aa…  http://127.0.0.1:1/#token=x',
            'Desktop 2   05bb…  http://127.0.0.1:2/#token=y',
          ],
          stop: async () => {
            stopped++;
          },
        };
      },
    });
    await vi.waitFor(() => expect(calls).toHaveLength(1), WAIT);
    expect(calls[0]).toMatchObject({
      count: 2,
      dir: join(dir, 'desktop'),
      seedUrl: 'http://127.0.0.1:22100/json_rpc',
    });
    await vi.waitFor(
      () => expect(stripAnsi(test.output.text)).toContain('Desktop 2   05bb…'),
      WAIT,
    );
    test.signal();
    expect(await done).toBe(0);
    expect(stopped).toBe(1);
  });
});
