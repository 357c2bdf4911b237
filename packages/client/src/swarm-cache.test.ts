import type { OnionNode } from '@murmur/onion';
import { describe, expect, it } from 'vitest';
import { createSwarmCache, memberToNode } from './swarm-cache.js';

function node(index: number): OnionNode {
  const hex = index.toString(16).padStart(2, '0').repeat(32);
  return {
    ed25519: hex,
    x25519: hex.split('').reverse().join(''),
    ip: `10.0.${index}.1`,
    port: 22_000,
  };
}

const ACCOUNT = `05${'ab'.repeat(32)}`;

function fakeClock() {
  const clock = { value: 1_000_000, now: () => clock.value };
  return clock;
}

describe('swarm cache', () => {
  it('rotates through members and avoids recently failed ones', () => {
    const clock = fakeClock();
    const cache = createSwarmCache({ failureCooldownMs: 1_000 }, { clock, random: () => 0 });
    cache.set(ACCOUNT, [node(1), node(2), node(3)]);
    expect([1, 2, 3, 4].map(() => cache.pick(ACCOUNT)?.ed25519)).toEqual([
      node(1).ed25519,
      node(2).ed25519,
      node(3).ed25519,
      node(1).ed25519,
    ]);
    cache.markFailed(ACCOUNT, node(2).ed25519);
    expect([1, 2, 3].map(() => cache.pick(ACCOUNT)?.ed25519)).toEqual([
      node(3).ed25519,
      node(1).ed25519,
      node(3).ed25519,
    ]);
    // Every member failed: the least recently failed (node 2) is the fallback.
    clock.value += 5;
    cache.markFailed(ACCOUNT, node(1).ed25519);
    clock.value += 10;
    cache.markFailed(ACCOUNT, node(3).ed25519);
    expect(cache.pick(ACCOUNT)?.ed25519).toBe(node(2).ed25519);
    expect(cache.needsRefresh(ACCOUNT)).toBe(true);
    // The cooldown passes.
    clock.value += 1_100;
    expect(cache.needsRefresh(ACCOUNT)).toBe(false);
    cache.markFailed(ACCOUNT, node(1).ed25519);
    cache.markSucceeded(ACCOUNT, node(1).ed25519);
    expect(cache.needsRefresh(ACCOUNT)).toBe(false);
  });

  it('honours exclusions and returns undefined when nothing is left', () => {
    const cache = createSwarmCache({}, { random: () => 0 });
    expect(cache.pick(ACCOUNT)).toBeUndefined();
    cache.set(ACCOUNT, [node(1), node(2)]);
    expect(cache.pick(ACCOUNT, new Set([node(1).ed25519]))?.ed25519).toBe(node(2).ed25519);
    expect(cache.pick(ACCOUNT, new Set([node(1).ed25519, node(2).ed25519]))).toBeUndefined();
  });

  it('expires entries and keeps at most maxEntries (least recently used go first)', () => {
    const clock = fakeClock();
    const cache = createSwarmCache({ ttlMs: 1_000, maxEntries: 2 }, { clock });
    const a = `05${'01'.repeat(32)}`;
    const b = `05${'02'.repeat(32)}`;
    const c = `05${'03'.repeat(32)}`;
    cache.set(a, [node(1)], '1f');
    cache.set(b, [node(2)]);
    expect(cache.get(a)?.swarmId).toBe('1f'); // a is now the most recently used
    cache.set(c, [node(3)]);
    expect(cache.size).toBe(2);
    expect(cache.get(b)).toBeUndefined();
    expect(cache.get(a)?.members).toEqual([node(1)]);
    clock.value += 1_001;
    expect(cache.get(a)).toBeUndefined();
    expect(cache.needsRefresh(a)).toBe(true);
    cache.set(a, [node(1)]);
    cache.invalidate(a);
    expect(cache.get(a)).toBeUndefined();
  });

  it('asks for a refetch below the threshold, relative to small swarms', () => {
    const cache = createSwarmCache({ refetchBelow: 3 });
    cache.set(ACCOUNT, [node(1), node(2)]);
    expect(cache.needsRefresh(ACCOUNT)).toBe(false);
    cache.markFailed(ACCOUNT, node(1).ed25519);
    expect(cache.needsRefresh(ACCOUNT)).toBe(true);
  });

  it('turns swarm members into onion nodes and drops unusable addresses', () => {
    const member = {
      pubkeyEd25519: 'AB'.repeat(32),
      pubkeyX25519: 'CD'.repeat(32),
      ip: '1.2.3.4',
      port: 5,
    };
    expect(memberToNode(member)).toEqual({
      ed25519: 'ab'.repeat(32),
      x25519: 'cd'.repeat(32),
      ip: '1.2.3.4',
      port: 5,
    });
    expect(memberToNode({ ...member, ip: '0.0.0.0' })).toBeUndefined();
    expect(memberToNode({ ...member, port: 0 })).toBeUndefined();
  });
});
