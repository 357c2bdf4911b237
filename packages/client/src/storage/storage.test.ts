import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { storageComplianceTests } from '../test-support/storage-compliance.js';
import { createMemoryStorage } from './memory.js';
import { createSqliteStorage, SQLITE_SCHEMA_VERSION, type SqliteStorage } from './sqlite.js';

storageComplianceTests('memory', { setup: async () => createMemoryStorage() });

storageComplianceTests('sqlite (:memory:)', {
  setup: async () => createSqliteStorage({ path: ':memory:' }),
  teardown: async (storage) => (storage as SqliteStorage).close(),
});

describe('sqlite storage', () => {
  it('persists across reopening a file, in WAL mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-client-'));
    try {
      const path = join(dir, 'client.db');
      const first = createSqliteStorage({ path });
      expect(first.database.pragma('journal_mode', { simple: true })).toBe('wal');
      await first.setAccount({ seed: new Uint8Array(32).fill(7), createdAt: 1 });
      await first.setValue('k', 'v');
      await first.close();
      await first.close();
      const second = createSqliteStorage({ path });
      expect((await second.getAccount())?.seed).toEqual(new Uint8Array(32).fill(7));
      expect(await second.getValue('k')).toBe('v');
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses a database it is given and leaves it open', async () => {
    const database = new Database(':memory:');
    const storage = createSqliteStorage({ database });
    await storage.setValue('a', 'b');
    await storage.close();
    expect(database.open).toBe(true);
    expect(database.prepare('SELECT value FROM kv').get()).toEqual({ value: 'b' });
    database.close();
  });

  it('migrates a version-1 file: protocol, hash and held columns added, rows kept', async () => {
    const database = new Database(':memory:');
    const made = createSqliteStorage({ database });
    await made.insertMessage({
      id: 'm1',
      conversationId: `05${'b2'.repeat(32)}`,
      direction: 'incoming',
      sender: `05${'b2'.repeat(32)}`,
      text: 'old',
      sentAt: 1,
      receivedAt: 2,
      namespace: 0,
      read: false,
    });
    // Back to the version-1 layout, as an older release left it.
    database.exec(`ALTER TABLE messages DROP COLUMN protocol;
      ALTER TABLE messages DROP COLUMN hash;
      ALTER TABLE outbox DROP COLUMN held;
      DELETE FROM schema_version WHERE version = 2;`);
    const storage = createSqliteStorage({ database });
    expect(SQLITE_SCHEMA_VERSION).toBe(2);
    expect(database.prepare('SELECT MAX(version) AS v FROM schema_version').get()).toEqual({
      v: 2,
    });
    const old = await storage.getMessage('m1');
    expect(old?.text).toBe('old');
    expect(old?.protocol).toBeUndefined();
    expect(await storage.setMessageProtocol('m1', 'v2')).toBe(true);
    expect((await storage.getMessage('m1'))?.protocol).toBe('v2');
    database.close();
  });

  it('refuses a database written by a newer release and bad options', () => {
    const database = new Database(':memory:');
    database.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    database.prepare('INSERT INTO schema_version VALUES (?)').run(SQLITE_SCHEMA_VERSION + 1);
    expect(() => createSqliteStorage({ database })).toThrow(/newer @murmur\/client/);
    database.close();
    expect(() => createSqliteStorage({ path: '' })).toThrow(/path/);
    expect(() => createSqliteStorage({ path: 'x', database: new Database(':memory:') })).toThrow(
      /not both/,
    );
  });
});
