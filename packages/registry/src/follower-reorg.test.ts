/** The follower follows a source that switches branch (a chain reorganisation behind it). */
import type { MurmurCrypto } from '@murmur/crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryFollower, type RegistryFollower } from './follower.js';
import type { LedgerSource } from './ledger-source.js';
import { COIN, TestChain, testCrypto } from './test-support/chain.js';
import type { Block } from './types.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await testCrypto();
});
const followers: RegistryFollower[] = [];
afterEach(() => {
  for (const follower of followers.splice(0)) follower.stop();
});

/** Two branches of one chain: the same first block, then different ones. */
function branches() {
  const options = {
    allocations: { op: 1_000n * COIN },
    params: { uptimeProofValidityMs: 10 ** 12 },
  };
  const a = new TestChain(crypto, options);
  const b = new TestChain(crypto, options);
  for (const chain of [a, b]) chain.submit(chain.register('n1', 'op', 100n * COIN));
  a.submit(a.register('n2', 'op', 100n * COIN));
  a.advance(1);
  b.block([b.register('n3', 'op', 100n * COIN)], b.nextTimestamp + 500);
  b.advance(2);
  return { a, b };
}

function switchable(genesisOf: TestChain, first: readonly Block[]) {
  let blocks = first;
  const source: LedgerSource & { switchTo(next: readonly Block[]): void } = {
    switchTo(next) {
      blocks = next;
    },
    getGenesis: async () => genesisOf.genesis,
    getBlocks: async (from, options) => blocks.slice(from, from + (options?.limit ?? 1_000)),
    subscribe: () => () => undefined,
    submitTransaction: async () => {
      throw new Error('read-only');
    },
  };
  return source;
}

function follow(source: LedgerSource) {
  const follower = createRegistryFollower({ source, pollIntervalMs: 60_000 }, { crypto });
  followers.push(follower);
  follower.start();
  return follower;
}

describe('a follower whose source switches branch', () => {
  it('rolls back to the branch point and applies the new branch', async () => {
    const { a, b } = branches();
    expect(a.blocks[1]?.hash).toBe(b.blocks[1]?.hash);
    expect(a.blocks[2]?.hash).not.toBe(b.blocks[2]?.hash);
    const source = switchable(a, a.blocks);
    const follower = follow(source);
    await follower.ready;
    expect(follower.state?.hash).toBe(a.state.hash);
    const reorgs: { from: number; to: number }[] = [];
    follower.on('reorg', (event) => reorgs.push(event));
    source.switchTo(b.blocks);
    await follower.sync();
    expect(reorgs).toEqual([{ from: a.height, to: 1 }]);
    expect(follower.state?.hash).toBe(b.state.hash);
    expect(follower.getNode(a.address('n3'))?.status).toBe('active');
    expect(follower.getNode(a.address('n2'))).toBeUndefined();
  });

  it('rolls back when the new branch is shorter than the state', async () => {
    const { a, b } = branches();
    const source = switchable(a, a.blocks);
    const follower = follow(source);
    await follower.ready;
    source.switchTo(b.blocks.slice(0, 2));
    await follower.sync();
    expect(follower.height).toBe(1);
    expect(follower.state?.hash).toBe(b.blocks[1]?.hash);
    expect(follower.getNode(a.address('n2'))).toBeUndefined();
  });

  it('reports a switch below the states it keeps and stays where it was', async () => {
    const { a, b } = branches();
    const source = switchable(a, a.blocks);
    const follower = createRegistryFollower(
      { source, pollIntervalMs: 60_000, reorgDepth: 1 },
      { crypto },
    );
    followers.push(follower);
    const errors: unknown[] = [];
    follower.on('error', (error) => errors.push(error));
    follower.start();
    await follower.ready;
    // Branch b differs from height 2 on; keeping one state below the tip (height 2), the
    // branch point (height 1) is out of reach.
    source.switchTo(b.blocks);
    await follower.sync();
    expect(follower.state?.hash).toBe(a.state.hash);
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message)).toMatch(/below the 1 heights this follower keeps/);
  });
});
