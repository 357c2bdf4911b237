import { existsSync } from 'node:fs';
import { InternalError } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { binOf, devnetPrograms } from './programs.js';

describe('the programs a devnet runs', () => {
  it('are the bins the devnet and service-node packages declare', () => {
    const programs = devnetPrograms();
    expect(programs.ledgerCli).toMatch(/\/dist\/cli\.js$/);
    expect(programs.nodeCli).toMatch(/\/dist\/cli\.js$/);
    expect(programs.ledgerCli).not.toBe(programs.nodeCli);
    expect(existsSync(programs.ledgerCli.replace(/dist\/cli\.js$/, 'package.json'))).toBe(true);
  });

  it('take overrides one by one', () => {
    expect(devnetPrograms({ nodeCli: '/x/node.js' }).nodeCli).toBe('/x/node.js');
    expect(devnetPrograms({ ledgerCli: '/x/ledger.js' }).ledgerCli).toBe('/x/ledger.js');
  });

  it('refuse a package without the program', () => {
    expect(() => binOf('@murmur/wire', 'murmur-wire')).toThrow(InternalError);
  });
});
