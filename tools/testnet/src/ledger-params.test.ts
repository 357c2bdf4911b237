import { decodeParams, devnetParams, encodeParams } from '@murmur/registry';
import { describe, expect, it } from 'vitest';
import { BLOCK_COUNTED_PARAMS, checkBlockTime, ledgerParamOverrides } from './ledger-params.js';

/** What the ledger does with an overrides file (apps/devnet genesis.ts). */
function asLedgerReadsIt(file: Record<string, unknown>) {
  const { base: _base, ...rest } = file;
  return decodeParams({ ...encodeParams(devnetParams), name: 'devnet-custom', ...rest });
}

describe('ledgerParamOverrides', () => {
  it('needs no file for the plain devnet set', () => {
    expect(ledgerParamOverrides({ blockTimeMs: 1_000 })).toBeUndefined();
    expect(ledgerParamOverrides({ blockTimeMs: 250, scale: false })).toBeUndefined();
  });

  it('scales the block-counted delays so they last as long in seconds', () => {
    const file = ledgerParamOverrides({ blockTimeMs: 250 }) as { base?: unknown };
    expect(file.base).toBe('devnet');
    const params = asLedgerReadsIt(file as Record<string, unknown>);
    expect(params.blockTimeMs).toBe(250);
    for (const key of BLOCK_COUNTED_PARAMS) {
      expect(params[key] * params.blockTimeMs).toBe(devnetParams[key] * devnetParams.blockTimeMs);
    }
    expect(params.uptimeProofValidityMs).toBe(devnetParams.uptimeProofValidityMs);
    expect(params.stakingRequirement).toBe(devnetParams.stakingRequirement);
  });

  it('applies overrides last', () => {
    const file = ledgerParamOverrides({
      blockTimeMs: 1_000,
      overrides: { uptimeProofValidityMs: 30_000, stakingRequirement: '200000000000' },
    }) as Record<string, unknown>;
    const params = asLedgerReadsIt(file);
    expect(params.uptimeProofValidityMs).toBe(30_000);
    expect(params.stakingRequirement).toBe(200n * 10n ** 9n);
  });

  it('checks the block time', () => {
    expect(() => checkBlockTime(5)).toThrow(/blockTimeMs/);
    expect(() => ledgerParamOverrides({ blockTimeMs: 1.5 })).toThrow(/blockTimeMs/);
  });
});
