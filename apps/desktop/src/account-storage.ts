/**
 * The `ClientStorage` an account's client runs on: everything in the account's SQLite file
 * except the account record, whose seed lives in `seed.json` (0600, optionally sealed) and
 * whose display name lives in `account.json`. So the database never holds the seed, and a
 * sealed account cannot be read from its files without the passphrase.
 */
import type { ClientStorage, StoredAccount } from '@murmur/client';
import type { SqliteStorage } from '@murmur/client/sqlite';

/** Where the account record comes from and goes to. */
export interface AccountRecordSource {
  /** The account, seed included (a copy); `undefined` when it has none. */
  get(): StoredAccount | undefined;
  /** Stores a change (the display name; the seed of an account never changes). */
  set(account: StoredAccount): void;
}

/** `inner` with the account record taken from `source`. */
export function createAccountStorage(
  inner: SqliteStorage,
  source: AccountRecordSource,
): ClientStorage {
  return {
    ...inner,
    async getAccount() {
      return source.get();
    },
    async setAccount(account) {
      source.set(account);
    },
  };
}
