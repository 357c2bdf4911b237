import { join } from 'node:path';
import {
  createBlock,
  createGenesis,
  createTransfer,
  devnetParams,
  transactionId,
} from '@murmur/registry';
import { afterEach, describe, expect, it } from 'vitest';
import { COIN, Keys, tempDir, testCrypto } from '../test-support/fixtures.js';
import { LEDGER_SCHEMA_VERSION, openLedgerStore } from './store.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function fixture() {
  const crypto = await testCrypto();
  const keys = new Keys(crypto);
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const genesisConfig = {
    chainId: 'store-test',
    params: devnetParams,
    timestamp: 1_800_000_000_000,
    authority: keys.address('authority'),
    allocations: [{ address: keys.address('alice'), amount: 10n * COIN }],
  };
  const genesis = createGenesis(genesisConfig, crypto);
  const tx = (nonce: number) =>
    createTransfer(
      { chainId: 'store-test', to: keys.address('bob'), amount: 1n, nonce },
      keys.pair('alice'),
      crypto,
    );
  return { crypto, keys, path: join(dir, 'db', 'ledger.sqlite'), genesisConfig, genesis, tx };
}

describe('the ledger store', () => {
  it('keeps genesis, blocks, the transaction index and the mempool across reopening', async () => {
    const { crypto, path, genesisConfig, genesis, tx } = await fixture();
    let store = openLedgerStore({ path });
    expect(store.loadGenesis()).toBeUndefined();
    expect(store.lastHeight()).toBe(0);
    store.saveGenesis(genesisConfig, genesis.block.hash);
    const [a, b, c] = [tx(1), tx(2), tx(3)];
    const ids = [a, b, c].map((entry) => transactionId(entry, crypto));
    store.addToMempool({ id: ids[2] as string, tx: c, receivedAt: 3 });
    store.addToMempool({ id: ids[0] as string, tx: a, receivedAt: 1 });
    store.addToMempool({ id: ids[1] as string, tx: b, receivedAt: 2 });
    const block = createBlock(
      {
        height: 1,
        previousHash: genesis.block.hash,
        timestamp: genesis.block.timestamp + 1,
        transactions: [a],
      },
      crypto,
    );
    store.commitBlock(block, [ids[0] as string], [ids[0] as string]);
    store.setMeta('k', 'v');
    store.close();
    store.close();

    store = openLedgerStore({ path });
    try {
      expect(store.loadGenesis()).toEqual({ config: genesisConfig, hash: genesis.block.hash });
      expect(store.lastHeight()).toBe(1);
      expect(store.loadBlocks()).toEqual([block]);
      expect(store.loadBlocks(2)).toEqual([]);
      // Arrival order, not ID order.
      expect(store.loadMempool().map((entry) => entry.id)).toEqual([ids[2], ids[1]]);
      expect(store.transactionHeight(ids[0] as string)).toBe(1);
      expect(store.transactionHeight(ids[1] as string)).toBeUndefined();
      expect(store.getMeta('k')).toBe('v');
      expect(store.getMeta('missing')).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('stores a block and its mempool removals all or nothing', async () => {
    const { crypto, path, genesisConfig, genesis, tx } = await fixture();
    const store = openLedgerStore({ path });
    try {
      store.saveGenesis(genesisConfig, genesis.block.hash);
      const a = tx(1);
      const id = transactionId(a, crypto);
      store.addToMempool({ id, tx: a, receivedAt: 1 });
      const block = createBlock(
        {
          height: 1,
          previousHash: genesis.block.hash,
          timestamp: genesis.block.timestamp + 1,
          transactions: [a],
        },
        crypto,
      );
      store.commitBlock(block, [id], [id]);
      // The same height again fails (primary key): the mempool row added meanwhile must stay.
      const b = tx(2);
      const idB = transactionId(b, crypto);
      store.addToMempool({ id: idB, tx: b, receivedAt: 2 });
      expect(() => store.commitBlock(block, [idB], [idB])).toThrow(
        expect.objectContaining({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }),
      );
      expect(store.loadMempool().map((entry) => entry.id)).toEqual([idB]);
      expect(store.transactionHeight(idB)).toBeUndefined();
      expect(store.lastHeight()).toBe(1);
    } finally {
      store.close();
    }
  });

  it('refuses a database written by a newer release, and a damaged stored block', async () => {
    const { path } = await fixture();
    const Database = (await import('better-sqlite3')).default;
    let store = openLedgerStore({ path });
    store.close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${LEDGER_SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openLedgerStore({ path })).toThrow(/newer murmur-devnet/);
    expect(() => openLedgerStore({ path })).toThrow(
      expect.objectContaining({
        name: 'LedgerStoreError',
        code: 'LEDGER_STORE_FAILED',
        retryable: false,
      }),
    );
    const raw2 = new Database(path);
    raw2.pragma(`user_version = ${LEDGER_SCHEMA_VERSION}`);
    raw2
      .prepare('INSERT INTO blocks VALUES (1, ?, ?, 1, \'{"height":1}\')')
      .run('a'.repeat(64), 'b'.repeat(64));
    raw2.close();
    store = openLedgerStore({ path });
    try {
      expect(() => store.loadBlocks()).toThrow(/stored block 1 is damaged/);
    } finally {
      store.close();
    }
  });

  it('uses WAL, synchronous FULL and holds its lock until closed', async () => {
    const { path } = await fixture();
    const store = openLedgerStore({ path });
    expect(() => openLedgerStore({ path, lockTimeoutMs: 20 })).toThrow(/in use by another process/);
    store.close();
    const again = openLedgerStore({ path });
    again.close();
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });
});
