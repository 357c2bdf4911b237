import type { OnionNode } from '@murmur/onion';
import { AbortError, InvalidResponseError, UpstreamFailedError } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { createSwarmRefresh, type SwarmRefreshComponents } from './swarm-refresh.js';

const node = (n: number) =>
  ({ ed25519: `${n}`.padStart(64, '0'), x25519: '', ip: `10.0.0.${n}`, port: 1 }) as OnionNode;
const snode = (n: number, ip = `10.0.1.${n}`) => ({
  pubkey_ed25519: `${n}`.padStart(64, 'A'),
  pubkey_x25519: `${n}`.padStart(64, 'B'),
  ip,
  port_https: 22_000 + n,
});

function setup(
  answer: (target: OnionNode) => Promise<unknown>,
  overrides: Partial<SwarmRefreshComponents> = {},
) {
  const set: { pubkey: string; members: readonly OnionNode[]; id: string | undefined }[] = [];
  const asked: string[] = [];
  const controller = new AbortController();
  const known = [node(1), node(2), node(3), node(4)];
  const refresh = createSwarmRefresh({
    directory: { swarmFor: () => undefined },
    swarms: { set: (pubkey, members, id) => void set.push({ pubkey, members, id }) },
    transport: {
      nodeRequest: (async (target: OnionNode) => {
        asked.push(target.ed25519);
        return answer(target);
      }) as never,
    },
    randomNodes: (count, exclude) => known.filter((n) => !exclude.has(n.ed25519)).slice(0, count),
    signal: () => controller.signal,
    ...overrides,
  });
  return { refresh, set, asked, controller };
}

describe('swarm refresh', () => {
  it('uses the swarm the directory computes without asking anyone', async () => {
    const t = setup(async () => ({}), {
      directory: { swarmFor: () => ({ members: [node(9)], swarmId: 'abc' }) as never },
    });
    await t.refresh.refresh('05aa', {});
    expect(t.set).toEqual([{ pubkey: '05aa', members: [node(9)], id: 'abc' }]);
    expect(t.asked).toEqual([]);
  });

  it('asks get_swarm, keeps the usable members and shares one refresh per account', async () => {
    const t = setup(async () => ({ swarm: 'ABCD', snodes: [snode(1), snode(2, '0.0.0.0')] }));
    const first = t.refresh.refresh('05aa', {});
    const second = t.refresh.refresh('05aa', {});
    expect(t.refresh.running()).toHaveLength(1);
    await Promise.all([first, second]);
    expect(t.asked).toHaveLength(1);
    expect(t.set).toHaveLength(1);
    expect(t.set[0]?.id).toBe('abcd');
    expect(t.set[0]?.members.map((m) => m.ip)).toEqual(['10.0.1.1']);
    expect(t.refresh.running()).toHaveLength(0);
  });

  it('tries three distinct nodes, then throws the last error', async () => {
    const t = setup(async () => ({ swarm: 'ab', snodes: [snode(1, '0.0.0.0')] }));
    await expect(t.refresh.refresh('05aa', {})).rejects.toBeInstanceOf(InvalidResponseError);
    expect(new Set(t.asked).size).toBe(3);
    const none = setup(async () => ({}), { randomNodes: () => [] });
    await expect(none.refresh.refresh('05aa', {})).rejects.toBeInstanceOf(UpstreamFailedError);
  });

  it('stops at once when the lifecycle is aborted', async () => {
    const t = setup(async () => {
      t.controller.abort();
      throw new AbortError('stopped');
    });
    await expect(t.refresh.refresh('05aa', {})).rejects.toBeInstanceOf(AbortError);
    expect(t.asked).toHaveLength(1);
  });
});
