import { readFileSync } from 'node:fs';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { InvalidInputError } from '@murmur/wire';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Context } from '../context.js';
import { ProcessExitedError, TestnetTimeoutError } from '../errors.js';
import { findFreePorts } from '../ports.js';
import { readPidsFile } from '../processes/pids-file.js';
import { stopAll } from '../processes/process-table.js';
import { tempDir, testContext, writeProgram } from '../test-support/context.js';
import { memoryLedgerClient } from '../test-support/memory-ledger-client.js';
import { ledgerReadyChainId, newChainLedgerArgs, startLedgerProcess } from './ledger-process.js';

/** Stands in for `murmur-devnet`: prints its arguments, then what FAKE_LEDGER says. */
const FAKE_LEDGER = `
console.log(JSON.stringify({ argv: process.argv.slice(2) }));
const mode = process.env.FAKE_LEDGER;
if (mode === 'crash') { console.error('cannot open ledger.sqlite'); process.exit(2); }
if (mode !== 'silent') {
  process.stdout.write('{"level":30,"event":"ledger-');
  setTimeout(() => console.log('ready","chainId":"' + mode + '","url":"http://x"}'), 50);
}
setInterval(() => undefined, 1000);
`;

let crypto: MurmurCrypto;
let folder: ReturnType<typeof tempDir>;
let context: Context;
beforeAll(async () => {
  crypto = await loadCrypto();
});
beforeEach(async () => {
  folder = tempDir('testnet-ledger');
  const ledgerCli = writeProgram(folder.dir, 'ledger.js', FAKE_LEDGER);
  const [ledgerPort] = await findFreePorts(1, '127.0.0.1');
  context = testContext(folder.dir, crypto, memoryLedgerClient(crypto).client, {
    manifest: { ledgerPort: ledgerPort as number, ledgerArgs: ['--extra'] },
    programs: { ledgerCli, nodeCli: '/nonexistent/node.js' },
    readyTimeoutMs: 5_000,
  });
});
afterEach(async () => {
  await stopAll(context);
  folder.remove();
});

function argvOf(logFile: string): string[] {
  const line = readFileSync(logFile, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('{"argv"'));
  return (JSON.parse(line ?? '{}') as { argv: string[] }).argv;
}

describe('ledgerReadyChainId', () => {
  it('finds the chain of the ready event and skips partial or other lines', () => {
    expect(ledgerReadyChainId('{"event":"ledger-ready","chainId":"murmur-devnet-1"}\n')).toBe(
      'murmur-devnet-1',
    );
    expect(ledgerReadyChainId('{"level":30,"event":"ledger-rea')).toBeUndefined();
    expect(ledgerReadyChainId('"ledger-ready" said someone\n{"event":"other"}\n')).toBeUndefined();
  });
});

describe('startLedgerProcess', () => {
  it('starts `<ledgerCli> ledger` with the manifest settings, records it and its chain', async () => {
    Object.assign(context.env, { FAKE_LEDGER: 'murmur-chain-a' });
    await startLedgerProcess(context, { newChainArgs: ['--block-time-ms', '50'] });
    expect(context.manifest.chainId).toBe('murmur-chain-a');
    expect(readPidsFile(folder.dir).processes.map((entry) => entry.name)).toEqual(['ledger']);
    expect(argvOf(context.layout.logFile('ledger'))).toEqual([
      'ledger',
      '--dir',
      context.layout.ledgerDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(context.manifest.ledgerPort),
      '--log-level',
      'info',
      '--block-time-ms',
      '50',
      '--extra',
    ]);
  });

  it('refuses a ledger that runs another chain than the manifest records', async () => {
    Object.assign(context.env, { FAKE_LEDGER: 'murmur-chain-b' });
    context.manifest.chainId = 'murmur-chain-a';
    await expect(startLedgerProcess(context, {})).rejects.toThrow(InvalidInputError);
  });

  it('says how the ledger exited, with its log, when it dies while starting', async () => {
    Object.assign(context.env, { FAKE_LEDGER: 'crash' });
    const error = await startLedgerProcess(context, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProcessExitedError);
    expect((error as Error).message).toContain('ledger exited with code 2 while it was starting');
    expect((error as Error).message).toContain('cannot open ledger.sqlite');
  });

  it('times out, naming the log, when no ready line comes', async () => {
    Object.assign(context.env, { FAKE_LEDGER: 'silent' });
    context.readyTimeoutMs = 300;
    const error = await startLedgerProcess(context, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TestnetTimeoutError);
    expect((error as Error).message).toContain(context.layout.logFile('ledger'));
  });
});

describe('newChainLedgerArgs', () => {
  it('passes the block time, and scaling off only when asked', () => {
    const layout = { ledgerParams: `${folder.dir}/ledger-params.json` };
    expect(newChainLedgerArgs(layout, { blockTimeMs: 250 }, {})).toEqual([
      '--block-time-ms',
      '250',
    ]);
    expect(newChainLedgerArgs(layout, { blockTimeMs: 250 }, { scaleParams: false })).toEqual([
      '--block-time-ms',
      '250',
      '--no-scale-params',
    ]);
  });

  it('writes parameter overrides on the devnet set to ledger-params.json', () => {
    const layout = { ledgerParams: `${folder.dir}/ledger-params.json` };
    const args = newChainLedgerArgs(
      layout,
      { blockTimeMs: 1_000 },
      {
        ledgerParams: { uptimeProofValidityMs: 20_000 },
      },
    );
    expect(args).toEqual(['--block-time-ms', '1000', '--params', layout.ledgerParams]);
    expect(JSON.parse(readFileSync(layout.ledgerParams, 'utf8'))).toEqual({
      base: 'devnet',
      uptimeProofValidityMs: 20_000,
    });
  });
});
