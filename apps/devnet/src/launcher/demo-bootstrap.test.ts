import { loadCrypto } from '@murmur/crypto';
import { MurmurError } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { fakeManifest, fakeState } from '../test-support/devnet.js';
import { demoBootstrapOf, demoNetworkInit, describeBootstrap } from './demo-bootstrap.js';
import { buildDevnetFile } from './devnet-file.js';

const CONTRACT = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const now = new Date('2026-12-07T17:00:00.000Z');

function devnetLedgerFile() {
  const manifest = fakeManifest(3);
  return buildDevnetFile({ dir: '/d', manifest, state: fakeState(manifest), now });
}

function evmFile(evm: { staking?: string; deploymentBlock?: string } = {}) {
  const manifest = {
    ...fakeManifest(3, 8545),
    ledger: 'evm' as const,
    evm: {
      chainId: 31_337,
      token: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
      staking: evm.staking ?? CONTRACT,
      deploymentBlock: evm.deploymentBlock ?? '2',
    },
  };
  return buildDevnetFile({ dir: '/d', manifest, state: fakeState(manifest), now });
}

describe('the demo bootstrap', () => {
  it("is the seed endpoint on the devnet ledger, pushed over the relays' plain ws", async () => {
    const bootstrap = demoBootstrapOf(devnetLedgerFile());
    expect(bootstrap).toEqual({ kind: 'seed', seedUrl: 'http://127.0.0.1:22100/json_rpc' });
    const init = demoNetworkInit(bootstrap, { crypto: await loadCrypto() });
    expect(init).toEqual({
      seeds: ['http://127.0.0.1:22100/json_rpc'],
      push: { relayScheme: 'ws' },
    });
    expect(describeBootstrap(bootstrap)).toContain('seed endpoint');
  });

  it("follows the staking contract of devnet.json's evm section, polling, on an EVM devnet", async () => {
    const file = evmFile();
    const bootstrap = demoBootstrapOf(file);
    expect(bootstrap).toEqual({
      kind: 'evm',
      rpcUrl: 'http://127.0.0.1:8545',
      contract: CONTRACT,
      deploymentBlock: 2n,
    });
    const init = demoNetworkInit(bootstrap, { crypto: await loadCrypto() });
    // No seed endpoint and no relays there: a ledger source of the contract, and no push.
    expect(init.seeds).toBeUndefined();
    expect(init.push).toBe(false);
    const ledger = init.ledger as NonNullable<typeof init.ledger> & {
      reconcile?: unknown;
      rpcErrors?: unknown;
      scanned?: unknown;
    };
    expect(typeof ledger.subscribe).toBe('function');
    expect(typeof ledger.reconcile).toBe('function');
    expect(ledger.rpcErrors).toBe(0);
    expect(ledger.scanned).toBeUndefined();
    expect(describeBootstrap(bootstrap)).toMatch(
      new RegExp(`staking contract ${CONTRACT} on http://127.0.0.1:8545 .*by polls`),
    );
  });

  it('refuses an evm section it cannot follow, naming the field', () => {
    const badContract = () => demoBootstrapOf(evmFile({ staking: '0x1234' }));
    expect(badContract).toThrow(/evm\.contract is not an EVM address: "0x1234"/);
    let caught: unknown;
    try {
      badContract();
    } catch (error) {
      caught = error;
    }
    expect(MurmurError.isInstance(caught) && caught.code).toBe('INVALID_INPUT');
    expect(() => demoBootstrapOf(evmFile({ deploymentBlock: 'latest' }))).toThrow(
      /evm\.deploymentBlock is not a block number: "latest"/,
    );
  });
});
