/**
 * One devnet for the desktop e2e suite: a ledger and 8 murmur-node processes on loopback,
 * staked for real, started by `@murmur/testnet` (as the client's e2e suite does) and stopped
 * after the last test. Its seed URL is provided to the tests as `seedUrl`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { programsFromEnvironment, startTestnet } from '@murmur/testnet';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    seedUrl: string;
    devnetDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-desktop-e2e-'));
  const testnet = await startTestnet({
    programs: programsFromEnvironment({ ...process.env, ...project.config.env }),
    dir: join(dir, 'net'),
    nodes: 8,
    blockTimeMs: 250,
    pooledEvery: 0,
    fresh: true,
  });
  await testnet.waitForActive();
  project.provide('seedUrl', testnet.seedUrl);
  project.provide('devnetDir', dir);
  return async () => {
    await testnet.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
