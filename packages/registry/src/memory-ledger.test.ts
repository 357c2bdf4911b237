import type { MurmurCrypto } from '@murmur/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLedger } from './memory-ledger.js';
import { getNode, stateDigest, walletInfo } from './queries.js';
import { COIN, TestChain, testCrypto } from './test-support/chain.js';
import type { Block, Transaction } from './types.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await testCrypto();
});

function setup() {
  // TestChain only provides the keys, the genesis and signed transactions here.
  const keys = new TestChain(crypto, { allocations: { op: 200n * COIN, a: 100n * COIN } });
  let now = keys.genesis.timestamp;
  const clock = { now: () => now };
  const ledger = createMemoryLedger({ genesis: keys.genesis }, { crypto, clock });
  const tick = (ms = 1_000) => {
    now += ms;
  };
  return { keys, ledger, tick, clock };
}

describe('the in-process ledger', () => {
  it('checks transactions on submission, queues them and puts them in the next block', () => {
    const { keys, ledger, tick } = setup();
    const blocks: Block[] = [];
    ledger.subscribe((block) => blocks.push(block));
    const first = keys.transfer('a', 'b', 10n * COIN, 1);
    const second = keys.transfer('a', 'b', 10n * COIN, 2);
    expect(ledger.submit(first)).toMatchObject({ accepted: true });
    expect(ledger.submit(second)).toMatchObject({ accepted: true });
    expect(ledger.submit(first)).toMatchObject({ accepted: false, reason: 'bad-nonce' });
    const forged = { ...(first as Extract<Transaction, { type: 'transfer' }>), nonce: 3 };
    expect(ledger.submit(forged)).toMatchObject({ accepted: false, reason: 'bad-signature' });
    expect(ledger.mempool).toHaveLength(2);
    tick();
    const produced = ledger.produceBlock();
    expect(produced.block.height).toBe(1);
    expect(produced.results.map((result) => result.accepted)).toEqual([true, true]);
    expect(ledger.mempool).toHaveLength(0);
    expect(walletInfo(ledger.state, keys.address('b')).balance).toBe(20n * COIN);
    expect(blocks).toEqual([produced.block]);
  });

  it('drops what no longer passes at the block time and serves blocks by height', async () => {
    const { keys, ledger, tick } = setup();
    ledger.submit(keys.register('n1', 'op', 100n * COIN, { nonce: 1 }));
    tick();
    ledger.produceBlock();
    const proof = keys.proof('n1', { timestamp: ledger.state.timestamp + 1_000 });
    tick();
    expect(ledger.submit(proof)).toMatchObject({ accepted: true });
    tick(60_000);
    const produced = ledger.produceBlock();
    expect(produced.block.transactions).toEqual([]);
    expect(getNode(ledger.state, keys.address('n1'))?.ip).toBeUndefined();
    expect((await ledger.getBlocks(1, { limit: 5 })).map((block) => block.height)).toEqual([1, 2]);
    expect((await ledger.getBlocks(0, { limit: 1 }))[0]?.height).toBe(0);
    expect(await ledger.getBlocks(7)).toEqual([]);
    expect(await ledger.getGenesis()).toBe(keys.genesis);
    expect(await ledger.submitTransaction(keys.transfer('a', 'b', COIN, 1))).toMatchObject({
      accepted: true,
    });
  });

  it('reloads from its own blocks to the same state', () => {
    const { keys, ledger, tick } = setup();
    ledger.submit(keys.register('n1', 'op', 25n * COIN, { nonce: 1 }));
    tick();
    ledger.produceBlock();
    ledger.submit(keys.contribute('n1', 'a', 75n * COIN, 1));
    tick();
    ledger.produceBlock();
    tick();
    ledger.produceBlock();
    const reloaded = createMemoryLedger(
      { genesis: keys.genesis, blocks: ledger.blocks },
      { crypto },
    );
    expect(reloaded.height).toBe(3);
    expect(stateDigest(reloaded.state, crypto)).toBe(stateDigest(ledger.state, crypto));
  });
});
