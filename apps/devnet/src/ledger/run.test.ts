/**
 * One ledger as the `ledger` command starts it: a new chain on an empty directory, the same
 * chain resumed (height, mempool) on a second start, clear failures for a busy port or directory.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTransfer, encodeTransaction } from '@murmur/registry';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLedgerCommandLine } from '../commands/ledger.js';
import { cli } from '../test-support/cli.js';
import { COIN, Keys, tempDir, testCrypto } from '../test-support/fixtures.js';
import { type RunningLedger, startLedger } from './run.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(dir: string, options: Partial<Parameters<typeof startLedger>[0]> = {}) {
  const crypto = await testCrypto();
  const running = await startLedger({ dir, port: 0, blockTimeMs: 40, ...options }, { crypto });
  cleanups.push(() => running.close());
  return running;
}

async function untilHeight(running: RunningLedger, height: number): Promise<void> {
  while (running.ledger.height < height) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('startLedger', () => {
  it('creates a chain on an empty directory and resumes it on the next start', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const crypto = await testCrypto();
    const keys = new Keys(crypto);
    const first = await start(dir);
    expect(first.created).toBe(true);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(statSync(join(dir, 'authority.json')).mode & 0o777).toBe(0o600);
    const health = await (await fetch(`${first.url}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', chainId: first.ledger.genesis.chainId });
    await untilHeight(first, 3);
    const faucet = await fetch(`${first.url}/faucet`, {
      method: 'POST',
      body: JSON.stringify({ address: keys.address('alice'), amount: String(5n * COIN) }),
    });
    expect(faucet.status).toBe(200);
    await untilHeight(first, first.ledger.height + 2);
    await first.close();
    const stoppedAt = first.ledger.height;

    const second = await start(dir, { blockTimeMs: 999 });
    expect(second.created).toBe(false);
    expect(second.ledger.height).toBe(stoppedAt);
    expect(second.ledger.genesis.chainId).toBe(first.ledger.genesis.chainId);
    // The chain's parameters are fixed at genesis: the new block time is ignored.
    expect(second.ledger.genesis.params.blockTimeMs).toBe(40);
    // At 40 ms blocks the devnet set's 10-block unlock (10 s) became 250 blocks (10 s).
    expect(second.ledger.genesis.params.unlockBlocks).toBe(250);
    // A transaction accepted now is in a block soon.
    const tx = createTransfer(
      { chainId: second.ledger.genesis.chainId, to: keys.address('bob'), amount: COIN, nonce: 1 },
      keys.pair('alice'),
      crypto,
    );
    const posted = await fetch(`${second.url}/tx`, {
      method: 'POST',
      body: JSON.stringify(encodeTransaction(tx)),
    });
    const { id } = (await posted.json()) as { id: string };
    while (second.ledger.transactionStatus(id).status !== 'included') {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(second.ledger.height).toBeGreaterThan(stoppedAt);
  });

  it('refuses a port in use and a directory another ledger holds, with clear messages', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const first = await start(join(dir, 'a'));
    await expect(start(join(dir, 'b'), { port: first.port })).rejects.toThrow(
      `port ${first.port} on 127.0.0.1 is already in use`,
    );
    await expect(start(join(dir, 'a'))).rejects.toThrow(/in use by another process/);
  });
});

describe('murmur-devnet (dispatcher and ledger command)', () => {
  it('prints help, refuses unknown commands and flags with exit code 2', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Commands:\n {2}up .*\n[\s\S]*\n {2}ledger .*\n {2}wallet /);
    expect((await cli([])).code).toBe(2);
    const unknown = await cli(['launch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "launch"/);
    const ledgerHelp = await cli(['ledger', '--help']);
    expect(ledgerHelp.stdout).toMatch(/--block-time-ms/);
    expect(ledgerHelp.stdout).toMatch(/--no-scale-params/);
    const noDir = await cli(['ledger']);
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toMatch(/--dir <path> is required/);
    expect((await cli(['ledger', '--dir', '/tmp/x', '--port', '70000'])).code).toBe(2);
    expect((await cli(['ledger', '--dir', '/tmp/x', '--log-level', 'loud'])).code).toBe(2);
    expect((await cli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('exits with 1 and names the port when it is in use', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const first = await start(join(dir, 'a'));
    const logFile = join(dir, 'b.log');
    const result = await cli([
      'ledger',
      '--dir',
      join(dir, 'b'),
      '--port',
      String(first.port),
      '--log-file',
      logFile,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`port ${first.port} on 127.0.0.1 is already in use`);
    expect(readFileSync(logFile, 'utf8')).toMatch(/the ledger could not start/);
  });
});

describe('the ledger command line', () => {
  it('scales the block-counted parameters unless --no-scale-params', () => {
    const scaled = parseLedgerCommandLine(['--dir', 'chain', '--block-time-ms', '250'], {});
    expect(scaled.options).toMatchObject({ blockTimeMs: 250, scaleParams: true });
    expect(scaled.options.dir).toBe(resolve('chain'));
    const raw = parseLedgerCommandLine(
      ['--dir', 'chain', '--block-time-ms', '250', '--no-scale-params'],
      { MURMUR_LOG_LEVEL: 'warn' },
    );
    expect(raw).toMatchObject({ options: { scaleParams: false }, level: 'warn' });
  });
});
