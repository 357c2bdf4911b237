import {
  MissingBuildError,
  PortInUseError,
  ProcessExitedError,
  TestnetBusyError,
  TestnetTimeoutError,
  TransactionRefusedError,
} from '@murmur/testnet';
import { InvalidInputError } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { explainStartError } from './explain.js';

const context = { dir: '/w/.devnet', resumed: false, root: '/w' };

describe('explainStartError', () => {
  it('names the app that is not built and how to build it', () => {
    const error = new MissingBuildError(
      '/w/apps/service-node/dist/cli.js',
      'run `pnpm build` first',
    );
    expect(explainStartError(error, context)).toBe(
      'apps/service-node is not built (missing apps/service-node/dist/cli.js): run `npm run devnet` (it builds) or `pnpm build`',
    );
    const custom = new MissingBuildError('/elsewhere/cli.js', 'missing');
    expect(explainStartError(custom, context)).toMatch(
      /the program \/elsewhere\/cli\.js does not exist/,
    );
  });

  it('names the port, its holder, and suggests --base-port', () => {
    const error = new PortInUseError(
      '127.0.0.1',
      22100,
      'the ledger cannot start: port 22100 on 127.0.0.1 is in use by pid 42 (nc -l 22100)',
    );
    const text = explainStartError(error, context);
    expect(text).toContain('port 22100 on 127.0.0.1 is in use by pid 42 (nc -l 22100)');
    expect(text).toContain('--base-port <n> (or --base-port 0 for free ports)');
    expect(explainStartError(error, { ...context, resumed: true })).toContain('--fresh');
  });

  it('names a node that failed to start and its log', () => {
    const error = new ProcessExitedError(
      'node-03',
      '/w/.devnet/logs/node-03.log',
      'node-03 exited with code 1 while the testnet was starting\nlast lines of /w/.devnet/logs/node-03.log:\n  boom\nlogs in /w/.devnet/logs',
    );
    expect(explainStartError(error, context).split('\n')).toEqual([
      'node-03 failed to start: node-03 exited with code 1 while the testnet was starting',
      '  log: /w/.devnet/logs/node-03.log',
      'last lines of /w/.devnet/logs/node-03.log:',
      '  boom',
      'logs in /w/.devnet/logs',
    ]);
  });

  it('explains a timeout, a busy directory, a refused transaction and anything else', () => {
    expect(explainStartError(new TestnetTimeoutError('nodes not healthy'), context)).toBe(
      'the devnet was not ready in time: nodes not healthy',
    );
    expect(
      explainStartError(new TestnetBusyError([7, 8], 'busy'), { ...context, dirFlag: '--dir x' }),
    ).toBe(
      'a devnet already runs in /w/.devnet (pids 7, 8): see it with `murmur-devnet status --dir x`, stop it with `murmur-devnet down --dir x`',
    );
    expect(
      explainStartError(new TransactionRefusedError('bad-nonce', 'refused: bad-nonce'), context),
    ).toBe('refused: bad-nonce\n  ledger log: /w/.devnet/logs/ledger.log');
    expect(explainStartError(new InvalidInputError('bad'), context)).toBe('bad');
    expect(explainStartError('text', context)).toBe('text');
  });
});
