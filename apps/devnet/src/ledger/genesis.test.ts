import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BLOCK_COUNTED_PARAMS, devnetParams, oxenParams } from '@murmur/registry';
import { bytesToHex } from '@murmur/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, testCrypto } from '../test-support/fixtures.js';
import {
  authorityFilePath,
  createAuthorityFile,
  createGenesisConfig,
  loadAuthorityFile,
  resolveLedgerParams,
} from './genesis.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function dir(): string {
  const made = tempDir();
  cleanups.push(made.cleanup);
  return made.dir;
}

describe('parameter sets', () => {
  it('names devnet (default) and oxen, and replaces the block time', () => {
    expect(resolveLedgerParams()).toEqual(devnetParams);
    expect(resolveLedgerParams({ params: 'oxen' })).toEqual(oxenParams);
    expect(resolveLedgerParams({ blockTimeMs: 200 })).toMatchObject({
      name: 'devnet',
      blockTimeMs: 200,
    });
  });

  it('reads a JSON file of overrides on a base set', () => {
    const path = join(dir(), 'params.json');
    writeFileSync(
      path,
      JSON.stringify({
        base: 'oxen',
        stakingRequirement: '100000000000',
        minOperatorStake: '25000000000',
        faucetEnabled: true,
      }),
    );
    expect(resolveLedgerParams({ params: path, blockTimeMs: 500 })).toMatchObject({
      name: 'oxen-custom',
      stakingRequirement: 100_000_000_000n,
      faucetEnabled: true,
      unlockBlocks: oxenParams.unlockBlocks,
      blockTimeMs: 500,
    });
  });

  it("scales the devnet set's block-counted durations to the block time, unless asked not to", () => {
    for (const blockTimeMs of [250, 100, 2_000]) {
      const params = resolveLedgerParams({ blockTimeMs });
      expect(params.blockTimeMs).toBe(blockTimeMs);
      for (const key of BLOCK_COUNTED_PARAMS) {
        expect(params[key] * blockTimeMs).toBe(devnetParams[key] * devnetParams.blockTimeMs);
      }
      expect(params.uptimeProofValidityMs).toBe(devnetParams.uptimeProofValidityMs);
    }
    expect(resolveLedgerParams({ blockTimeMs: 250 }).unlockBlocks).toBe(40);
    expect(resolveLedgerParams({ blockTimeMs: 250, scaleParams: false })).toEqual({
      ...devnetParams,
      blockTimeMs: 250,
    });
    expect(resolveLedgerParams({ blockTimeMs: 1_000 })).toEqual(devnetParams);
    // The oxen set keeps Oxen's block counts.
    expect(resolveLedgerParams({ params: 'oxen', blockTimeMs: 1_000 }).unlockBlocks).toBe(
      oxenParams.unlockBlocks,
    );
  });

  it('takes the block counts a file sets as written and scales the others', () => {
    const folder = dir();
    const path = join(folder, 'params.json');
    writeFileSync(path, JSON.stringify({ base: 'devnet', unlockBlocks: 5, blockTimeMs: 200 }));
    const params = resolveLedgerParams({ params: path });
    expect(params).toMatchObject({
      name: 'devnet-custom',
      blockTimeMs: 200,
      unlockBlocks: 5,
      deregistrationLockBlocks: devnetParams.deregistrationLockBlocks * 5,
      decommissionCreditMaxBlocks: devnetParams.decommissionCreditMaxBlocks * 5,
    });
    expect(resolveLedgerParams({ params: path, scaleParams: false })).toMatchObject({
      unlockBlocks: 5,
      deregistrationLockBlocks: devnetParams.deregistrationLockBlocks,
    });
    // The flag's block time wins over the file's, and the scaling follows it.
    expect(resolveLedgerParams({ params: path, blockTimeMs: 500 })).toMatchObject({
      blockTimeMs: 500,
      unlockBlocks: 5,
      deregistrationLockBlocks: devnetParams.deregistrationLockBlocks * 2,
    });
  });

  it('refuses unknown files, unknown keys and inconsistent values, naming them', () => {
    const folder = dir();
    expect(() => resolveLedgerParams({ params: join(folder, 'missing.json') })).toThrow(
      /not "devnet", "oxen" or a readable JSON file/,
    );
    const unknown = join(folder, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ blockTime: 5 }));
    expect(() => resolveLedgerParams({ params: unknown })).toThrow(/blockTime/);
    const bad = join(folder, 'bad.json');
    writeFileSync(bad, JSON.stringify({ minOperatorStake: '999999999999999' }));
    expect(() => resolveLedgerParams({ params: bad })).toThrow(/minOperatorStake/);
    const base = join(folder, 'base.json');
    writeFileSync(base, JSON.stringify({ base: 'mainnet' }));
    expect(() => resolveLedgerParams({ params: base })).toThrow(/"base" must be/);
    const array = join(folder, 'array.json');
    writeFileSync(array, '[]');
    expect(() => resolveLedgerParams({ params: array })).toThrow(/JSON object/);
  });
});

describe('the authority key and the genesis', () => {
  it('creates the authority file with mode 0600, loads it, and never overwrites it', async () => {
    const crypto = await testCrypto();
    const folder = dir();
    const created = createAuthorityFile(crypto, folder);
    expect(loadAuthorityFile(crypto, folder).publicKey).toEqual(created.publicKey);
    expect(() => createAuthorityFile(crypto, folder)).toThrow(/refusing to overwrite/);
    chmodSync(authorityFilePath(folder), 0o644);
    expect(() => loadAuthorityFile(crypto, folder)).toThrow(/chmod 600/);
  });

  it('makes a genesis with a random devnet chain ID and the given allocations', async () => {
    const crypto = await testCrypto();
    const authority = bytesToHex(crypto.randomBytes(32));
    const genesis = createGenesisConfig(
      { params: devnetParams, authority, allocations: [{ address: authority, amount: 5n }] },
      { crypto, now: () => 42 },
    );
    expect(genesis).toMatchObject({ timestamp: 42, authority, allocations: [{ amount: 5n }] });
    expect(genesis.chainId).toMatch(/^murmur-devnet-[0-9a-f]{8}$/);
    expect(
      createGenesisConfig({ params: devnetParams, authority }, { crypto }).allocations,
    ).toBeUndefined();
  });
});
