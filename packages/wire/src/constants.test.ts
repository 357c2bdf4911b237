import { describe, expect, it } from 'vitest';
import * as constants from './constants.js';

describe('constants', () => {
  it('match Session’s numbers', () => {
    expect(constants.STORE_TOLERANCE_MS).toBe(10_000);
    expect(constants.SIGNATURE_TOLERANCE_MS).toBe(60_000);
    expect(constants.FORWARDED_SIGNATURE_TOLERANCE_MS).toBe(70_000);
    expect(constants.TTL_MIN_MS).toBe(10_000);
    expect(constants.TTL_MAX_PUBLIC_MS).toBe(1_209_600_000);
    expect(constants.TTL_MAX_PRIVATE_MS).toBe(2_592_000_000);
    expect(constants.EXPIRE_PAST_TOLERANCE_MS).toBe(60_000);
    expect(constants.MAX_MESSAGE_BYTES).toBe(76_800);
    expect(constants.MAX_MESSAGE_BASE64_LENGTH).toBe(102_400);
    expect(constants.MAX_REQUEST_BODY_BYTES).toBe(10_485_760);
    expect(constants.RETRIEVE_MAX_SIZE).toBe(7_800_000);
    expect(constants.RETRIEVE_DEFAULT_MAX_SIZE).toBe(-5);
    expect(constants.RETRIEVE_MESSAGE_OVERHEAD).toBe(100);
    expect(constants.BATCH_MAX_SUBREQUESTS).toBe(20);
    expect(constants.MAX_ONION_HOPS).toBe(15);
    expect(constants.MIN_SNODE_POOL).toBe(8);
    expect(constants.STORAGE_SIZE_LIMIT_BYTES).toBe(3_758_096_384);
    expect(constants.MAX_SWARM_ID).toBe(18_446_744_073_709_551_614n);
    expect(constants.INVALID_SWARM_ID).toBe(18_446_744_073_709_551_615n);
    expect(constants.INVALID_SWARM_ID.toString(16)).toBe('ffffffffffffffff');
    expect(constants.DEFAULT_STORAGE_HTTPS_PORT).toBe(22_021);
    expect(constants.SEED_RESPONSE_CONTENT_TYPE).toBe('application/json');
  });

  it('keep their relations', () => {
    expect(constants.MAX_MESSAGE_BYTES % 3).toBe(0);
    expect(constants.FORWARDED_SIGNATURE_TOLERANCE_MS).toBeGreaterThan(
      constants.SIGNATURE_TOLERANCE_MS,
    );
    expect(constants.TTL_MAX_PRIVATE_MS).toBeGreaterThan(constants.TTL_MAX_PUBLIC_MS);
    expect(constants.MAX_SWARM_ID + 1n).toBe(constants.INVALID_SWARM_ID);
    expect(constants.NEW_SWARM_SIZE).toBe(constants.IDEAL_SWARM_SIZE);
    expect(constants.ONION_PROXY_TIMEOUT_MS).toBeLessThan(constants.ONION_RELAY_TIMEOUT_MS);
  });

  it('are immutable', () => {
    expect(Object.isFrozen(constants.STORAGE_SERVER_VERSION)).toBe(true);
    expect(Object.isFrozen(constants.HARDFORK)).toBe(true);
    expect(constants.STORAGE_SERVER_VERSION).toEqual([2, 8, 0]);
    expect(constants.HARDFORK).toEqual([19, 4]);
  });
});
