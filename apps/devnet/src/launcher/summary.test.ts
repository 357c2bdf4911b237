import { createStyles } from '@murmur/terminal';
import { describe, expect, it } from 'vitest';
import { fakeManifest, fakeState } from '../test-support/devnet.js';
import { buildDevnetFile } from './devnet-file.js';
import { formatSummary } from './summary.js';

const now = new Date('2026-12-07T17:00:00.000Z');
const styles = createStyles(false);

describe('the summary of up', () => {
  it('shows the seed endpoint and the block feed on the devnet ledger', () => {
    const manifest = fakeManifest(2);
    const file = buildDevnetFile({ dir: '/d', manifest, state: fakeState(manifest), now });
    const text = formatSummary(file, { readyAfterMs: 1_000, resumed: false }, styles);
    expect(text).toContain('Seed endpoint  http://127.0.0.1:22100/json_rpc');
    expect(text).toContain('(block feed ws://127.0.0.1:22100/feed)');
    expect(text).not.toContain('Contract');
  });

  it('shows the chain and the staking contract, not a seed endpoint, on an EVM devnet', () => {
    const manifest = {
      ...fakeManifest(2, 8545),
      ledger: 'evm' as const,
      evm: {
        chainId: 31_337,
        token: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
        staking: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
        deploymentBlock: '2',
      },
    };
    const file = buildDevnetFile({ dir: '/d', manifest, state: fakeState(manifest), now });
    const text = formatSummary(file, { readyAfterMs: 1_000, resumed: false }, styles);
    expect(text).toContain('Chain          http://127.0.0.1:8545  (anvil, EVM chain id 31337');
    expect(text).toContain(
      'Contract       0x5FbDB2315678afecb367f032d93F642f64180aa3  (staking, deployed in block 2; token 0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512)',
    );
    expect(text).not.toContain('Seed endpoint');
    expect(text).not.toContain('block feed');
  });
});
