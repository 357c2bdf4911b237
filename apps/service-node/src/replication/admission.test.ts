import { TTL_MAX_PUBLIC_MS } from '@murmur/wire';
import {
  FORWARDED_SIGNATURE_TOLERANCE_MS,
  MAX_MESSAGE_BASE64_LENGTH,
  TTL_MAX_PRIVATE_MS,
} from '@murmur/wire/server';
import { describe, expect, it } from 'vitest';
import { isAcceptableExpiry, replicatedMessageProblem } from './admission.js';

const NOW = 1_800_000_000_000;
const ok = { namespace: 3, timestamp: NOW - 1_000, expiry: NOW + 60_000, data: 'aGk=' };

describe('replicatedMessageProblem', () => {
  it('passes what a store would take, and an expiry an expire could have extended', () => {
    expect(replicatedMessageProblem(ok, NOW)).toBeUndefined();
    const extended = { ...ok, timestamp: NOW - 20 * 86_400_000, expiry: NOW + TTL_MAX_PRIVATE_MS };
    expect(replicatedMessageProblem(extended, NOW)).toBeUndefined();
  });

  it('refuses each rule at its edge', () => {
    const limit = NOW + FORWARDED_SIGNATURE_TOLERANCE_MS;
    const later = { ...ok, expiry: NOW + 3_600_000 };
    expect(replicatedMessageProblem({ ...later, timestamp: limit }, NOW)).toBeUndefined();
    expect(replicatedMessageProblem({ ...later, timestamp: limit + 1 }, NOW)).toBe('timestamp');
    expect(replicatedMessageProblem({ ...ok, namespace: 40_000 }, NOW)).toBe('namespace');
    expect(
      replicatedMessageProblem({ ...ok, data: 'A'.repeat(MAX_MESSAGE_BASE64_LENGTH + 4) }, NOW),
    ).toBe('size');
    expect(replicatedMessageProblem({ ...ok, expiry: ok.timestamp }, NOW)).toBe('expiry');
    // Public inboxes keep messages 14 days at most.
    const publicMax = NOW + TTL_MAX_PUBLIC_MS + FORWARDED_SIGNATURE_TOLERANCE_MS;
    expect(
      replicatedMessageProblem({ ...ok, namespace: 0, expiry: publicMax }, NOW),
    ).toBeUndefined();
    expect(replicatedMessageProblem({ ...ok, namespace: 0, expiry: publicMax + 1 }, NOW)).toBe(
      'expiry',
    );
    expect(replicatedMessageProblem({ ...ok, expiry: NOW + 10 * 365 * 86_400_000 }, NOW)).toBe(
      'expiry',
    );
  });

  it('bounds journal expiry changes by the longest TTL', () => {
    const max = NOW + TTL_MAX_PRIVATE_MS + FORWARDED_SIGNATURE_TOLERANCE_MS;
    expect(isAcceptableExpiry(max, NOW)).toBe(true);
    expect(isAcceptableExpiry(max + 1, NOW)).toBe(false);
  });
});
