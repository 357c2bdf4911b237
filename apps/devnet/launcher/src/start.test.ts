import { mkdirSync } from 'node:fs';
import { loadCrypto } from '@murmur/crypto';
import { createWalletFile } from '@murmur/registry/key-files';
import { InvalidInputError } from '@murmur/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MissingBuildError, TestnetBusyError } from './errors.js';
import { testnetLayout, writeManifest } from './manifest.js';
import { type ManagedProcess, spawnProcess, stopProcess } from './processes/managed-process.js';
import { writePidsFile } from './processes/pids-file.js';
import { checkOptions, openTestnet, startTestnet } from './start.js';
import { manifestNode, tempDir, writeProgram } from './test-support/context.js';
import type { TestnetOptions } from './types.js';

let folder: ReturnType<typeof tempDir>;
let programs: TestnetOptions['programs'];
const started: ManagedProcess[] = [];
beforeEach(() => {
  folder = tempDir('testnet-start');
  programs = {
    ledgerCli: writeProgram(folder.dir, 'ledger.js', ''),
    nodeCli: writeProgram(folder.dir, 'node.js', ''),
  };
});
afterEach(async () => {
  for (const proc of started.splice(0)) await stopProcess(proc, { graceMs: 1_000 });
  folder.remove();
});

describe('checkOptions', () => {
  const base = (): TestnetOptions => ({ dir: '/tmp/x', nodes: 3, programs });

  it('takes good options', () => {
    expect(() =>
      checkOptions({ ...base(), blockTimeMs: 250, pooledEvery: 0, logLevel: 'debug' }),
    ).not.toThrow();
  });

  it.each([
    [{ dir: '' }, 'dir must be a directory path'],
    [{ nodes: -1 }, 'nodes must be an integer from 0 to 1000, not -1'],
    [{ nodes: 1.5 }, 'nodes must be an integer from 0 to 1000, not 1.5'],
    [{ blockTimeMs: 5 }, 'blockTimeMs must be an integer from 10 to 86400000, not 5'],
    [{ pooledEvery: -2 }, 'pooledEvery must be 0 (none) or a positive integer, not -2'],
    [{ logLevel: 'loud' }, 'logLevel must be one of'],
    [{ readyTimeoutMs: 0 }, 'readyTimeoutMs must be a positive integer of milliseconds'],
    [{ stopTimeoutMs: 1.5 }, 'stopTimeoutMs must be a positive integer of milliseconds'],
  ] as const)('refuses %j', (bad, message) => {
    const options = { ...base(), ...bad } as TestnetOptions;
    expect(() => checkOptions(options)).toThrow(InvalidInputError);
    expect(() => checkOptions(options)).toThrow(message);
  });
});

describe('startTestnet', () => {
  it('refuses programs that are not built', async () => {
    await expect(
      startTestnet({
        dir: folder.dir,
        nodes: 1,
        programs: { ...programs, nodeCli: `${folder.dir}/missing/cli.js` },
      }),
    ).rejects.toThrow(MissingBuildError);
  });

  it('refuses a folder whose recorded processes still run, and leaves them alone', async () => {
    const running = spawnProcess({
      name: 'ledger',
      args: ['-e', 'setInterval(() => undefined, 1000)'],
      logFile: `${folder.dir}/logs/ledger.log`,
      env: { ...process.env },
    });
    started.push(running);
    writePidsFile(folder.dir, [running.record()]);
    const error = await startTestnet({ dir: folder.dir, nodes: 1, fresh: true, programs }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TestnetBusyError);
    expect((error as TestnetBusyError).pids).toEqual([running.pid]);
    expect(process.kill(running.pid, 0)).toBe(true);
  });
});

describe('openTestnet', () => {
  it('refuses a folder that holds no testnet', async () => {
    await expect(openTestnet({ dir: folder.dir, programs })).rejects.toThrow(
      `${folder.dir} holds no testnet (no testnet.json)`,
    );
  });

  it('shows a recorded testnet with its operators, nothing running', async () => {
    const crypto = await loadCrypto();
    writeManifest(folder.dir, {
      version: 1,
      host: '127.0.0.1',
      ledgerPort: 33_000,
      basePort: 0,
      distinctAddresses: false,
      pooledEvery: 3,
      chainId: 'murmur-open-test',
      blockTimeMs: 1_000,
      logLevel: 'info',
      nodeArgs: [],
      ledgerArgs: [],
      nodes: [
        manifestNode(1, { storagePort: 33_001, relayPort: 33_002 }),
        manifestNode(2, { storagePort: 33_003, relayPort: 33_004 }),
      ],
    });
    const layout = testnetLayout(folder.dir);
    mkdirSync(layout.walletsDir, { recursive: true });
    const wallet = createWalletFile(crypto, layout.operatorWallet('node-01'));
    const testnet = await openTestnet({ dir: folder.dir, programs });
    expect(testnet.chainId).toBe('murmur-open-test');
    expect(testnet.nodes.map((node) => [node.name, node.operator, node.running])).toEqual([
      ['node-01', wallet.address, false],
      ['node-02', undefined, false],
    ]);
    expect(testnet.ledger.running).toBe(false);
  });
});
