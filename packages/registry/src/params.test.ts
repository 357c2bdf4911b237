import { InvalidInputError } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { isPublicIpv4, isUsableIpv4, parseIpv4 } from './ip.js';
import {
  BLOCK_COUNTED_PARAMS,
  devnetParams,
  oxenParams,
  resolveParams,
  scaleParamsToBlockTime,
  validateParams,
} from './params.js';

const COIN = 1_000_000_000n;

describe('parameter sets', () => {
  it('oxen: the seed numbers', () => {
    expect(oxenParams).toMatchObject({
      blockTimeMs: 120_000,
      stakingRequirement: 15_000n * COIN,
      minOperatorStake: 3_750n * COIN,
      maxContributors: 10,
      unlockBlocks: 15 * 720,
      deregistrationLockBlocks: 30 * 720,
      uptimeProofIntervalMs: 3_600_000,
      uptimeProofValidityMs: 7_500_000,
      uptimeProofMinGapMs: 1_800_000,
      uptimeProofTimestampToleranceMs: 300_000,
      requirePublicIp: true,
      decommissionCreditInitialBlocks: 60,
      decommissionMinimumCreditBlocks: 60,
      decommissionCreditEarnBlocksPerBlock: { numerator: 1, denominator: 30 },
      decommissionCreditMaxBlocks: 1_440,
      rewardPerBlock: 16_500_000_000n,
      faucetEnabled: false,
    });
    // 24 h of credit per 30 days of blocks; 48 h cap; 2 h initial.
    const blocksPerHour = 3_600_000 / oxenParams.blockTimeMs;
    expect((30 * 24 * blocksPerHour) / 30).toBe(24 * blocksPerHour);
    expect(oxenParams.decommissionCreditMaxBlocks).toBe(48 * blocksPerHour);
    expect(oxenParams.decommissionCreditInitialBlocks).toBe(2 * blocksPerHour);
  });

  it('devnet: the same shape, scaled', () => {
    expect(Object.keys(devnetParams).sort()).toEqual(Object.keys(oxenParams).sort());
    expect(devnetParams.minOperatorStake * 4n).toBe(devnetParams.stakingRequirement);
    expect(devnetParams.faucetEnabled).toBe(true);
    expect(devnetParams.uptimeProofValidityMs).toBeGreaterThan(
      2 * devnetParams.uptimeProofIntervalMs,
    );
    validateParams(devnetParams);
    // Issue 10: a node killed for a drill must survive two minutes of outage (it was
    // deregistered after 22 s): decommissioned, then recommissioned, never deregistered.
    const outageBlocks = 120_000 / devnetParams.blockTimeMs;
    expect(devnetParams.decommissionCreditInitialBlocks).toBeGreaterThanOrEqual(outageBlocks);
    validateParams(oxenParams);
  });

  it('resolveParams applies overrides and checks them', () => {
    expect(resolveParams('devnet', { unlockBlocks: 3 }).unlockBlocks).toBe(3);
    expect(() => resolveParams('devnet', { unlockBlocks: 0 })).toThrow(InvalidInputError);
    expect(() => resolveParams('oxen', { minOperatorStake: 16_000n * COIN })).toThrow(
      /minOperatorStake/,
    );
    expect(() => resolveParams('oxen', { decommissionCreditInitialBlocks: 2_000 })).toThrow(
      /decommissionCreditInitialBlocks/,
    );
    expect(() => resolveParams('nope' as 'oxen')).toThrow(InvalidInputError);
  });
});

describe('IPv4 checks', () => {
  it('parse dotted quads strictly', () => {
    expect(parseIpv4('1.2.3.4')).toEqual([1, 2, 3, 4]);
    for (const bad of ['1.2.3', '1.2.3.4.5', '01.2.3.4', '256.1.1.1', 'a.b.c.d', '1.2.3.-4', '']) {
      expect(parseIpv4(bad)).toBeUndefined();
    }
  });

  it('tell usable and public addresses apart', () => {
    const check = (ip: string) => {
      const octets = parseIpv4(ip);
      if (octets === undefined) throw new Error(ip);
      return [isUsableIpv4(octets), isPublicIpv4(octets)];
    };
    expect(check('0.0.0.0')).toEqual([false, false]);
    expect(check('224.1.1.1')).toEqual([false, false]);
    expect(check('255.255.255.255')).toEqual([false, false]);
    for (const ip of ['127.0.0.1', '10.0.0.1', '192.168.1.1', '172.16.0.1', '100.64.0.1']) {
      expect(check(ip)).toEqual([true, false]);
    }
    for (const ip of ['169.254.1.1', '192.0.2.1', '198.18.0.1', '203.0.113.5']) {
      expect(check(ip)).toEqual([true, false]);
    }
    expect(check('93.184.216.34')).toEqual([true, true]);
    expect(check('172.32.0.1')).toEqual([true, true]);
  });
});

describe('scaleParamsToBlockTime', () => {
  it('keeps the block-counted durations as long in seconds at another block time', () => {
    for (const blockTimeMs of [250, 100, 2_000]) {
      const scaled = scaleParamsToBlockTime(devnetParams, blockTimeMs);
      expect(scaled.blockTimeMs).toBe(blockTimeMs);
      for (const key of BLOCK_COUNTED_PARAMS) {
        expect(scaled[key] * blockTimeMs).toBe(devnetParams[key] * devnetParams.blockTimeMs);
      }
      // Durations in milliseconds, ratios, amounts and the name stay as they are.
      expect(scaled).toMatchObject({
        name: devnetParams.name,
        uptimeProofValidityMs: devnetParams.uptimeProofValidityMs,
        decommissionCreditEarnBlocksPerBlock: devnetParams.decommissionCreditEarnBlocksPerBlock,
        stakingRequirement: devnetParams.stakingRequirement,
      });
      expect(Object.isFrozen(scaled)).toBe(true);
    }
    expect(scaleParamsToBlockTime(devnetParams, 1_000)).toEqual(devnetParams);
  });

  it('rounds, keeps at least one block, and leaves zero at zero', () => {
    const params = { ...devnetParams, deregistrationLockBlocks: 0, unlockBlocks: 3 };
    const slower = scaleParamsToBlockTime(params, 7_000);
    expect(slower.unlockBlocks).toBe(1);
    expect(slower.deregistrationLockBlocks).toBe(0);
    expect(slower.decommissionCreditMaxBlocks).toBe(Math.round((240 * 1_000) / 7_000));
    expect(scaleParamsToBlockTime(params, 300).unlockBlocks).toBe(10);
  });

  it('refuses a block time that is not a positive integer', () => {
    for (const bad of [0, -5, 1.5, Number.NaN]) {
      expect(() => scaleParamsToBlockTime(devnetParams, bad)).toThrow(InvalidInputError);
    }
  });
});
