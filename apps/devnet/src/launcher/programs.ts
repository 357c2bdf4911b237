/**
 * The programs `murmur-devnet up` starts, through declared package edges only: its own
 * `murmur-devnet` (the `ledger` command) and the `murmur-node` of its `@murmur/service-node`
 * dependency, and the `murmur-relay` of `@murmur/relay` (a relay beside every node), each found
 * by the `bin` its package declares. `MURMUR_LEDGER_CLI`, `MURMUR_NODE_CLI` and
 * `MURMUR_RELAY_CLI` override them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TestnetPrograms } from '@murmur/testnet';
import { InternalError } from '@murmur/wire';

const require = createRequire(import.meta.url);

/** The file of the `bin` named `bin` that package `packageName` declares. */
export function binOf(packageName: string, bin: string): string {
  const manifestPath = require.resolve(`${packageName}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    bin?: Record<string, string>;
  };
  const file = manifest.bin?.[bin];
  if (typeof file !== 'string') {
    throw new InternalError(`${packageName} declares no \`${bin}\` program`);
  }
  return join(dirname(manifestPath), file);
}

/** The programs a devnet runs: `overrides` where given, else the declared ones. */
export function devnetPrograms(overrides: Partial<TestnetPrograms> = {}): TestnetPrograms {
  return {
    ledgerCli: overrides.ledgerCli ?? binOf('@murmur/devnet', 'murmur-devnet'),
    nodeCli: overrides.nodeCli ?? binOf('@murmur/service-node', 'murmur-node'),
    // A relay beside every node (issue 12): the `murmur-relay` of `@murmur/relay`.
    relayCli: overrides.relayCli ?? binOf('@murmur/relay', 'murmur-relay'),
  };
}
