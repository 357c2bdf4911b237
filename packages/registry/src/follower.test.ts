import type { MurmurCrypto } from '@murmur/crypto';
import { AbortError } from '@murmur/wire';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBlock } from './block.js';
import { InvalidBlockError } from './errors.js';
import { createRegistryFollower, type RegistryFollower } from './follower.js';
import type { LedgerSource } from './ledger-source.js';
import { createMemoryLedger, type MemoryLedger } from './memory-ledger.js';
import { stateDigest } from './queries.js';
import { COIN, TestChain, testCrypto } from './test-support/chain.js';
import type { Block } from './types.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await testCrypto();
});

const followers: RegistryFollower[] = [];
afterEach(() => {
  for (const follower of followers.splice(0)) follower.stop();
  vi.useRealTimers();
});

function setup(blocks = 0) {
  const keys = new TestChain(crypto, {
    allocations: { op: 1_000n * COIN, a: 100n * COIN },
    params: { uptimeProofValidityMs: 10_000_000 },
  });
  let now = keys.genesis.timestamp;
  const ledger = createMemoryLedger(
    { genesis: keys.genesis },
    { crypto, clock: { now: () => now } },
  );
  const produce = (count = 1) => {
    for (let i = 0; i < count; i++) {
      now += 1_000;
      ledger.produceBlock();
    }
  };
  ledger.submit(keys.register('n1', 'op', 100n * COIN, { nonce: 1 }));
  produce(blocks);
  return { keys, ledger, produce };
}

/** A source that passes everything through but lets the test drop or repeat feed blocks. */
function controlledSource(ledger: MemoryLedger, deliver: (block: Block) => Block[]) {
  let listeners = 0;
  const source: LedgerSource & { listeners(): number; getBlocksCalls: number } = {
    getBlocksCalls: 0,
    listeners: () => listeners,
    getGenesis: (options) => ledger.getGenesis(options),
    getBlocks: (from, options) => {
      source.getBlocksCalls++;
      return ledger.getBlocks(from, options);
    },
    submitTransaction: (tx, options) => ledger.submitTransaction(tx, options),
    subscribe(listener) {
      listeners++;
      const unsubscribe = ledger.subscribe((block) => {
        for (const delivered of deliver(block)) listener(delivered);
      });
      return () => {
        listeners--;
        unsubscribe();
      };
    },
  };
  return source;
}

function follow(
  source: LedgerSource,
  options: { batchSize?: number; pollIntervalMs?: number } = {},
) {
  const follower = createRegistryFollower(
    { source, pollIntervalMs: options.pollIntervalMs ?? 60_000, batchSize: options.batchSize },
    { crypto },
  );
  followers.push(follower);
  return follower;
}

describe('the registry follower', () => {
  it('catches up from genesis in batches and becomes ready', async () => {
    const { ledger } = setup(23);
    const follower = follow(ledger, { batchSize: 5 });
    expect(follower.state).toBeUndefined();
    expect(follower.height).toBe(-1);
    follower.start();
    const state = await follower.ready;
    expect(state.height).toBe(23);
    expect(stateDigest(state, crypto)).toBe(stateDigest(ledger.state, crypto));
    expect(follower.activeNodes()).toHaveLength(1);
    expect(follower.genesis).toEqual(await ledger.getGenesis());
  });

  it('applies feed blocks in order, once each', async () => {
    const { ledger, produce } = setup(2);
    const source = controlledSource(ledger, (block) => [block, block]);
    const follower = follow(source);
    const heights: number[] = [];
    follower.on('block', ({ block }) => heights.push(block.height));
    follower.start();
    await follower.ready;
    produce(5);
    const state = await follower.waitForHeight(7);
    expect(state.height).toBe(7);
    expect(heights).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(stateDigest(state, crypto)).toBe(stateDigest(ledger.state, crypto));
  });

  it('refetches what a gap in the feed left out', async () => {
    const { ledger, produce } = setup(1);
    const dropped = new Set([3, 4, 6]);
    const source = controlledSource(ledger, (block) => (dropped.has(block.height) ? [] : [block]));
    const follower = follow(source);
    const heights: number[] = [];
    follower.on('block', ({ block }) => heights.push(block.height));
    follower.start();
    await follower.ready;
    const callsAfterReady = source.getBlocksCalls;
    produce(8);
    await follower.waitForHeight(9);
    expect(heights).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(source.getBlocksCalls).toBeGreaterThan(callsAfterReady);
    expect(stateDigest(follower.state as never, crypto)).toBe(stateDigest(ledger.state, crypto));
  });

  it('polls when the feed is silent', async () => {
    vi.useFakeTimers();
    const { ledger, produce } = setup(1);
    const source = controlledSource(ledger, () => []);
    const follower = follow(source, { pollIntervalMs: 2_000 });
    follower.start();
    await follower.ready;
    produce(3);
    expect(follower.height).toBe(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(follower.height).toBe(4);
  });

  it('retries the genesis until the source answers', async () => {
    vi.useFakeTimers();
    const { ledger } = setup(2);
    let failures = 2;
    const source: LedgerSource = {
      ...ledger,
      getGenesis: async (options) => {
        if (failures-- > 0) throw new Error('down');
        return ledger.getGenesis(options);
      },
      getBlocks: (from, options) => ledger.getBlocks(from, options),
      subscribe: (listener) => ledger.subscribe(listener),
      submitTransaction: (tx) => ledger.submitTransaction(tx),
    };
    const follower = createRegistryFollower(
      { source, pollIntervalMs: 5_000, retryDelayMs: 100 },
      { crypto },
    );
    followers.push(follower);
    const errors: unknown[] = [];
    follower.on('error', (error) => errors.push(error));
    follower.start();
    await vi.advanceTimersByTimeAsync(250);
    expect((await follower.ready).height).toBe(2);
    expect(errors).toHaveLength(2);
  });

  it('reports a block that does not apply, and keeps its state', async () => {
    const { ledger, keys } = setup(2);
    const foreign = createBlock(
      {
        height: 3,
        previousHash: 'ab'.repeat(32),
        timestamp: ledger.state.timestamp + 1,
        transactions: [],
      },
      crypto,
    );
    let feed: ((block: Block) => void) | undefined;
    const source: LedgerSource = {
      getGenesis: () => ledger.getGenesis(),
      getBlocks: (from, options) => ledger.getBlocks(from, options),
      subscribe: (listener) => {
        feed = listener;
        return () => undefined;
      },
      submitTransaction: (tx) => ledger.submitTransaction(tx),
    };
    const follower = follow(source);
    const errors: unknown[] = [];
    follower.on('error', (error) => errors.push(error));
    follower.start();
    await follower.ready;
    feed?.(foreign);
    expect(follower.height).toBe(2);
    expect(errors[0]).toBeInstanceOf(InvalidBlockError);
    expect((errors[0] as InvalidBlockError).reason).toBe('bad-previous-hash');
    expect(follower.getNode(keys.address('n1'))?.status).toBe('active');
  });

  it('stop() clears its timer and subscription and rejects waiters', async () => {
    vi.useFakeTimers();
    const { ledger } = setup(1);
    const source = controlledSource(ledger, (block) => [block]);
    const follower = follow(source, { pollIntervalMs: 1_000 });
    follower.start();
    await follower.ready;
    const waiting = follower.waitForHeight(50);
    await vi.advanceTimersByTimeAsync(0);
    expect(source.listeners()).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    follower.stop();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
    expect(source.listeners()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    const controller = new AbortController();
    follower.start();
    const aborted = follower.waitForHeight(50, { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
  });

  it('rejects `ready` when stopped before it caught up', async () => {
    const { ledger } = setup(1);
    const source: LedgerSource = {
      ...ledger,
      getGenesis: () => new Promise(() => undefined),
      getBlocks: (from, options) => ledger.getBlocks(from, options),
      subscribe: (listener) => ledger.subscribe(listener),
      submitTransaction: (tx) => ledger.submitTransaction(tx),
    };
    const follower = follow(source);
    follower.start();
    const ready = follower.ready;
    follower.stop();
    await expect(ready).rejects.toBeInstanceOf(AbortError);
  });
});
