/**
 * Where a client keeps its Session Protocol V2 account-key seeds: the active one and the retired
 * ones for 16 days after they were rotated away (14-day message TTL + 24 h sender refetch lag +
 * 24 h margin, libsession's `ACCOUNT_KEY_RETENTION`), then wiped: overwritten before they are
 * deleted, so the bytes leave the disk and not just the API.
 */
import { ACCOUNT_KEY_RETENTION_SECONDS, ACCOUNT_SEED_LENGTH } from '@murmur/crypto';
import { InvalidInputError } from '@murmur/wire';

/** One stored seed. */
export interface StoredAccountSeed {
  /** Row id, increasing. */
  id: number;
  /** The 32-byte seed. Secret. */
  seed: Uint8Array;
  /** When it was created, unix seconds. */
  created: number;
  /** When it was rotated away (a newer seed took over), unix seconds; absent while active. */
  rotated?: number | undefined;
}

/** The seed store a client's account-key manager works on. */
export interface AccountKeyStore {
  /** Every seed kept, the active one first, then the retired ones newest first. */
  list(): StoredAccountSeed[];
  /** Adds a new active seed created at `created` (s); the previous active one is rotated then. */
  add(seed: Uint8Array, created: number): StoredAccountSeed;
  /** Wipes the seeds rotated more than 16 days before `nowSeconds`; returns how many. */
  prune(nowSeconds: number): number;
}

/** Checks a seed and its creation time before they are stored. */
export function requireSeed(seed: Uint8Array, created: number): void {
  if (!(seed instanceof Uint8Array) || seed.length !== ACCOUNT_SEED_LENGTH) {
    throw new InvalidInputError('An account seed is 32 bytes', { details: { field: 'seed' } });
  }
  if (!Number.isSafeInteger(created) || created < 0) {
    throw new InvalidInputError('created must be unix seconds', { details: { field: 'created' } });
  }
}

/** Active first, then retired newest first. */
export function ordered(seeds: StoredAccountSeed[]): StoredAccountSeed[] {
  return [...seeds].sort((a, b) => {
    if ((a.rotated === undefined) !== (b.rotated === undefined))
      return a.rotated === undefined ? -1 : 1;
    return (b.rotated ?? 0) - (a.rotated ?? 0) || b.created - a.created || b.id - a.id;
  });
}

/** A store in memory (tests, throwaway clients); pruned seeds are zeroed. */
export function createMemoryAccountKeyStore(): AccountKeyStore {
  const seeds: StoredAccountSeed[] = [];
  let nextId = 1;
  return {
    list: () => ordered(seeds).map((entry) => ({ ...entry, seed: entry.seed.slice() })),
    add(seed, created) {
      requireSeed(seed, created);
      for (const entry of seeds) if (entry.rotated === undefined) entry.rotated = created;
      const entry = { id: nextId++, seed: seed.slice(), created };
      seeds.push(entry);
      return { ...entry, seed: entry.seed.slice() };
    },
    prune(nowSeconds) {
      let removed = 0;
      for (let i = seeds.length - 1; i >= 0; i--) {
        const entry = seeds[i] as StoredAccountSeed;
        if (
          entry.rotated !== undefined &&
          entry.rotated < nowSeconds - ACCOUNT_KEY_RETENTION_SECONDS
        ) {
          entry.seed.fill(0);
          seeds.splice(i, 1);
          removed++;
        }
      }
      return removed;
    },
  };
}
