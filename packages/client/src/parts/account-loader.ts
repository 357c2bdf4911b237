/**
 * Account loading: the identity the client speaks as, from `init.identity` or the account in
 * the storage (loaded once, on first need), and kept up to date when the account API creates or
 * restores one.
 */
import type { Identity, MurmurCrypto } from '@murmur/crypto';
import { AccountMissingError } from '../errors.js';
import type { ClientStorage } from '../storage/types.js';

/** What account loading uses. */
export interface AccountLoaderComponents {
  crypto: Pick<MurmurCrypto, 'identityFromSeed'>;
  storage: Pick<ClientStorage, 'getAccount'>;
  /** An identity given to the client (`ClientInit.identity`): then the storage is not read. */
  injected?: Identity | undefined;
}

/** The client's account. */
export interface AccountLoader {
  /** The identity known now (no storage read). */
  current(): Identity | undefined;
  /** Replaces it (the account API created or restored one). */
  set(identity: Identity): void;
  /** The identity, loading it from the storage when not known yet; undefined without account. */
  load(): Promise<Identity | undefined>;
  /** As `load`. @throws AccountMissingError when there is no account. */
  require(): Promise<Identity>;
}

/** Creates account loading. */
export function createAccountLoader(components: AccountLoaderComponents): AccountLoader {
  let identity = components.injected;
  const load = async (): Promise<Identity | undefined> => {
    if (identity !== undefined) return identity;
    const account = await components.storage.getAccount();
    // Another caller may have set one while the storage was read: keep it.
    if (account !== undefined && identity === undefined) {
      identity = components.crypto.identityFromSeed(account.seed);
    }
    return identity;
  };
  return {
    current: () => identity,
    set(next) {
      identity = next;
    },
    load,
    async require() {
      const found = await load();
      if (found === undefined) throw new AccountMissingError();
      return found;
    },
  };
}
