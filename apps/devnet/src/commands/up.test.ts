import { UsageError } from '@murmur/wire/program';
import { describe, expect, it } from 'vitest';
import { parseUpArgs } from './up.js';

const io = (env: Record<string, string> = {}) => ({
  stdout: () => undefined,
  stderr: () => undefined,
  env,
});

describe('up options', () => {
  it('defaults to 20 nodes on base port 22100 in ./.devnet', () => {
    expect(parseUpArgs([], io(), '/work')).toEqual({
      dir: '/work/.devnet',
      dirFlag: '',
      nodes: 20,
      basePort: 22_100,
      fresh: false,
      demo: false,
      desktop: undefined,
      ledger: 'devnet',
      blockTimeMs: undefined,
      logLevel: 'info',
      readyTimeoutMs: undefined,
      programs: undefined,
    });
  });

  it('reads every flag, and the environment where a flag is missing', () => {
    const parsed = parseUpArgs(
      [
        '--nodes',
        '12',
        '--base-port',
        '0',
        '--dir',
        'my net',
        '--fresh',
        '--demo',
        '--desktop',
        '3',
        '--block-time-ms',
        '500',
        '--log-level',
        'debug',
        '--ready-timeout-ms',
        '90000',
      ],
      io({ MURMUR_NODE_CLI: '/x/node.js' }),
      '/work',
    );
    expect(parsed).toMatchObject({
      dir: '/work/my net',
      dirFlag: "--dir 'my net'",
      nodes: 12,
      basePort: 0,
      fresh: true,
      demo: true,
      desktop: 3,
      blockTimeMs: 500,
      logLevel: 'debug',
      readyTimeoutMs: 90_000,
      programs: { nodeCli: '/x/node.js' },
    });
    expect(parseUpArgs([], io({ MURMUR_DEVNET_DIR: '/tmp/d' }), '/work')).toMatchObject({
      dir: '/tmp/d',
      dirFlag: '',
    });
  });

  it('refuses what cannot work, saying why', () => {
    expect(() => parseUpArgs(['--nodes', '0'], io())).toThrow(UsageError);
    expect(() => parseUpArgs(['--nodes', 'many'], io())).toThrow(/--nodes must be an integer/);
    expect(() => parseUpArgs(['--base-port', '65530', '--nodes', '20'], io())).toThrow(
      /leaves no room for 20 nodes/,
    );
    expect(() => parseUpArgs(['--log-level', 'loud'], io())).toThrow(/--log-level must be one of/);
    expect(() => parseUpArgs(['--bogus'], io())).toThrow(UsageError);
    expect(() => parseUpArgs(['--desktop', '0'], io())).toThrow(/--desktop/);
    expect(() => parseUpArgs(['--desktop', '21'], io())).toThrow(/--desktop/);
    expect(() => parseUpArgs(['--ledger', 'bitcoin'], io())).toThrow(
      /--ledger must be devnet or evm/,
    );
  });

  it('takes the EVM ledger', () => {
    expect(parseUpArgs(['--ledger', 'evm'], io(), '/work')).toMatchObject({ ledger: 'evm' });
    expect(parseUpArgs(['--ledger', 'evm', '--demo'], io(), '/work')).toMatchObject({
      ledger: 'evm',
      demo: true,
    });
  });
});
