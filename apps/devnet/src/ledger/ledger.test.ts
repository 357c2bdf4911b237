import {
  checkStateInvariants,
  getNode,
  nodeHistory,
  stateDigest,
  walletInfo,
} from '@murmur/registry';
import { UNASSIGNED_SWARM_ID } from '@murmur/swarm';
import { OverloadedError } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { COIN, ManualClock, testLedgers } from '../test-support/fixtures.js';
import { openDevnetLedger } from './ledger.js';
import { openLedgerStore } from './store.js';

const ledgerFor = testLedgers();

describe('the durable ledger', () => {
  it('stores an accepted transaction in the mempool before answering, and answers a duplicate the same', async () => {
    const t = await ledgerFor();
    t.fund({ alice: 10n * COIN });
    const tx = t.transfer('alice', 'bob', COIN, 1);
    const first = t.ledger.submit(tx);
    expect(first).toEqual({ result: { id: first.result.id, accepted: true }, duplicate: false });
    expect(t.store.loadMempool().map((entry) => entry.id)).toContain(first.result.id);
    // The same transaction again (as a client retrying after a lost answer) changes nothing.
    const again = t.ledger.submit(tx);
    expect(again).toEqual({ result: { id: first.result.id, accepted: true }, duplicate: true });
    expect(t.ledger.mempoolSize).toBe(2);
    expect(t.ledger.transactionStatus(first.result.id)).toEqual({ status: 'pending' });
  });

  it('puts the mempool into a block and removes it from the stored mempool in the same commit', async () => {
    const t = await ledgerFor();
    t.fund({ alice: 10n * COIN });
    const id = t.accept(t.transfer('alice', 'bob', 2n * COIN, 1));
    const committed = t.ledger.produceBlock();
    expect(committed.block.height).toBe(1);
    expect(committed.transactionIds).toHaveLength(2);
    expect(committed.transactionIds).toContain(id);
    expect(t.store.loadMempool()).toEqual([]);
    expect(t.store.lastHeight()).toBe(1);
    expect(t.ledger.transactionStatus(id)).toEqual({ status: 'included', height: 1 });
    expect(walletInfo(t.ledger.state, t.address('bob')).balance).toBe(2n * COIN);
    // An empty mempool still makes a block: time advances, uptime is judged.
    expect(t.ledger.produceBlock().block.transactions).toEqual([]);
    expect(t.ledger.height).toBe(2);
  });

  it('refuses a replay of an included transaction with bad-nonce', async () => {
    const t = await ledgerFor();
    t.fund({ alice: 10n * COIN });
    const tx = t.transfer('alice', 'bob', COIN, 1);
    t.accept(tx);
    t.ledger.produceBlock();
    expect(t.ledger.submit(tx).result).toMatchObject({ accepted: false, reason: 'bad-nonce' });
  });

  it('counts pending transactions in the next nonce and refuses a double spend at submission', async () => {
    const t = await ledgerFor();
    t.fund({ alice: 10n * COIN });
    expect(t.nonce('alice')).toBe(1);
    t.accept(t.transfer('alice', 'bob', 6n * COIN));
    expect(t.nonce('alice')).toBe(2);
    // Spending the same coins again with the next nonce: refused before any block.
    expect(t.ledger.submit(t.transfer('alice', 'carol', 6n * COIN)).result).toMatchObject({
      accepted: false,
      reason: 'insufficient-funds',
    });
    // Spending them with the same nonce: refused too.
    expect(t.ledger.submit(t.transfer('alice', 'carol', 6n * COIN, 1)).result).toMatchObject({
      accepted: false,
      reason: 'bad-nonce',
    });
  });

  it('refuses more transactions than the mempool holds with OverloadedError', async () => {
    const t = await ledgerFor({ maxMempoolSize: 2 });
    t.fund({ alice: 10n * COIN });
    t.accept(t.transfer('alice', 'bob', COIN));
    expect(() => t.ledger.submit(t.transfer('alice', 'bob', COIN))).toThrow(OverloadedError);
  });

  it('resumes at the same height with the same state and its mempool after a restart', async () => {
    const t = await ledgerFor();
    t.fund({ alice: 10n * COIN });
    t.ledger.produceBlock();
    t.accept(t.transfer('alice', 'bob', COIN));
    t.ledger.produceBlock();
    const pendingId = t.accept(t.transfer('alice', 'bob', COIN));
    const height = t.ledger.height;
    const digest = stateDigest(t.ledger.state, t.crypto);
    const dir = t.dir;
    await t.close();

    const store = openLedgerStore({ path: `${dir}/ledger.sqlite` });
    const reopened = openDevnetLedger({ store, authority: t.authority }, { crypto: t.crypto });
    try {
      expect(reopened.height).toBe(height);
      expect(stateDigest(reopened.state, t.crypto)).toBe(digest);
      expect(reopened.mempoolSize).toBe(1);
      expect(reopened.transactionStatus(pendingId)).toEqual({ status: 'pending' });
      expect(reopened.nextNonce(t.address('alice'))).toBe(3);
      const next = reopened.produceBlock();
      expect(next.block.height).toBe(height + 1);
      expect(next.transactionIds).toEqual([pendingId]);
    } finally {
      store.close();
    }
  });

  it('drops, at reload, stored mempool transactions that no longer pass', async () => {
    const clock = new ManualClock();
    const t = await ledgerFor({ clock });
    t.fund({ op: 100n * COIN });
    t.accept(t.register('n1', 'op', 100n * COIN));
    t.ledger.produceBlock();
    // A proof accepted now, then the ledger stays down longer than the proof's tolerance.
    clock.advance(1_000);
    const proofId = t.accept(t.proof('n1', clock.now()));
    await t.close();
    clock.advance(60_000);
    const store = openLedgerStore({ path: `${t.dir}/ledger.sqlite` });
    const reopened = openDevnetLedger({ store }, { crypto: t.crypto, clock });
    try {
      expect(reopened.mempoolSize).toBe(0);
      expect(reopened.transactionStatus(proofId)).toEqual({ status: 'unknown' });
      expect(store.loadMempool()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('refuses a second ledger on the same directory', async () => {
    const t = await ledgerFor();
    expect(() => openLedgerStore({ path: `${t.dir}/ledger.sqlite`, lockTimeoutMs: 50 })).toThrow(
      /in use by another process/,
    );
  });

  it('refuses faucet and state changes without the authority key', async () => {
    const t = await ledgerFor();
    await t.close();
    const store = openLedgerStore({ path: `${t.dir}/ledger.sqlite` });
    try {
      const reopened = openDevnetLedger({ store }, { crypto: t.crypto });
      expect(reopened.hasAuthority).toBe(false);
      expect(() => reopened.faucet(t.address('alice'), COIN)).toThrow(/authority key/);
    } finally {
      store.close();
    }
  });

  it('runs a node through its whole life block by block (devnet rules, manual clock)', async () => {
    const clock = new ManualClock();
    // 10 blocks of credit to start, so that the second failure deregisters it (the devnet set
    // starts nodes with 120, enough for kill/restart drills).
    const t = await ledgerFor({ clock, params: { decommissionCreditInitialBlocks: 10 } });
    const { params } = t.ledger.state;
    const node = t.address('n1');
    const block = () => {
      clock.advance(params.blockTimeMs);
      return t.ledger.produceBlock();
    };
    t.fund({ op: 50n * COIN, a: 30n * COIN, b: 30n * COIN, c: 30n * COIN });
    block();
    t.accept(t.register('n1', 'op', 25n * COIN, { fee: 1_000 }));
    block();
    for (const name of ['a', 'b', 'c']) t.accept(t.contribute('n1', name, 25n * COIN));
    t.accept(t.proof('n1', clock.now()));
    block();
    expect(getNode(t.ledger.state, node)).toMatchObject({ status: 'active', ip: '127.0.0.1' });
    expect(getNode(t.ledger.state, node)?.swarmId).not.toBe(UNASSIGNED_SWARM_ID);

    // No more proofs: decommissioned once the last one is older than its validity.
    while (getNode(t.ledger.state, node)?.status === 'active') block();
    expect(getNode(t.ledger.state, node)?.status).toBe('decommissioned');
    // Back: a proof recommissions it.
    block();
    t.accept(t.proof('n1', clock.now()));
    block();
    expect(getNode(t.ledger.state, node)?.status).toBe('active');
    // Gone for good: too little credit left, deregistered; stakes locked, then released.
    while (getNode(t.ledger.state, node) !== undefined) block();
    const deregisteredAt = t.ledger.height;
    expect(walletInfo(t.ledger.state, t.address('a')).lockedEntries).toEqual([
      expect.objectContaining({
        kind: 'deregistered',
        releaseHeight: deregisteredAt + params.deregistrationLockBlocks,
      }),
    ]);
    while (t.ledger.height < deregisteredAt + params.deregistrationLockBlocks) block();
    expect(walletInfo(t.ledger.state, t.address('a'))).toMatchObject({ locked: 0n });
    expect(nodeHistory(t.ledger.state, node).map((event) => event.type)).toEqual([
      'registered',
      'contribution',
      'contribution',
      'contribution',
      'activated',
      'proof-missed',
      'decommissioned',
      'recommissioned',
      'proof-missed',
      'deregistered',
      'stake-released',
    ]);
    expect(checkStateInvariants(t.ledger.state)).toEqual([]);
  });
});
