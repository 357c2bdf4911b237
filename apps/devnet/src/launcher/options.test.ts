import { describe, expect, it } from 'vitest';
import { invocationOf, programsFromEnv, resolveDevnetDir, shellQuote } from './options.js';

describe('options shared by the commands', () => {
  it('find the devnet directory: flag, then $MURMUR_DEVNET_DIR, then ./.devnet', () => {
    expect(resolveDevnetDir('x', {}, '/w')).toEqual({ dir: '/w/x', dirFlag: '--dir x' });
    expect(resolveDevnetDir(undefined, { MURMUR_DEVNET_DIR: '/d' }, '/w')).toEqual({
      dir: '/d',
      dirFlag: '',
    });
    expect(resolveDevnetDir(undefined, {}, '/w')).toEqual({ dir: '/w/.devnet', dirFlag: '' });
  });

  it('show commands the way they can be typed here', () => {
    expect(invocationOf('/usr/local/bin/murmur-devnet', '/w')).toBe('murmur-devnet');
    expect(invocationOf('/w/apps/devnet/dist/cli.js', '/w')).toBe('node apps/devnet/dist/cli.js');
    expect(invocationOf('/w/apps/devnet/dist/cli.js', '/elsewhere')).toBe(
      'node /w/apps/devnet/dist/cli.js',
    );
    expect(invocationOf(undefined)).toBe('murmur-devnet');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('take other program files from the environment', () => {
    expect(programsFromEnv({})).toEqual({});
    expect(programsFromEnv({ MURMUR_NODE_CLI: '/n.js', MURMUR_LEDGER_CLI: '/l.js' })).toEqual({
      nodeCli: '/n.js',
      ledgerCli: '/l.js',
    });
  });
});
