/**
 * The account: create one (a fresh 32-byte seed, shown once as a 24-word phrase), restore one
 * from its phrase (24 words, or Session's 12-word 16-byte seeds), a display name sent with
 * messages. The seed lives in the storage component: protect it as the phrase itself.
 */
import type { Identity, MurmurCrypto } from '@murmur/crypto';
import {
  type AbortOptions,
  type Clock,
  InvalidInputError,
  InvalidPhraseError,
  throwIfAborted,
} from '@murmur/wire';
import { AccountExistsError, AccountMissingError } from './errors.js';
import type { ClientStorage } from './storage/types.js';
import { checkName } from './validate.js';

/** What callers see of the account (no secret). */
export interface AccountInfo {
  /** The Session ID others send to. */
  sessionId: string;
  /** The display name sent with messages, if set. */
  displayName?: string;
  /** When the account was created or restored in this storage (ms); absent for an injected identity. */
  createdAt?: number;
}

/** Options of {@link AccountApi.create} and {@link AccountApi.restore}. */
export interface AccountOptions extends AbortOptions {
  /** A display name to send with messages (1 to 64 characters). */
  displayName?: string;
}

/** The account of a client. */
export interface AccountApi {
  /**
   * Creates an account with a fresh 32-byte seed and stores it. Show `phrase` (24 words) to the
   * user once: it is the only way to restore the account elsewhere.
   *
   * @throws {@link AccountExistsError} when the storage already holds an account.
   */
  create(options?: AccountOptions): Promise<{ sessionId: string; phrase: string }>;
  /**
   * Restores an account from its recovery phrase (24 words; 12 words for a Session-style
   * 16-byte seed) and stores it. Restoring the account already stored is a no-op.
   *
   * @throws `InvalidPhraseError` (wrong word count, unknown word, bad checksum);
   * {@link AccountExistsError} when the storage holds another account.
   */
  restore(phrase: string, options?: AccountOptions): Promise<{ sessionId: string }>;
  /** The account, or `undefined` before one exists. */
  get(options?: AbortOptions): Promise<AccountInfo | undefined>;
  /** Sets (or, with `undefined`, clears) the display name. */
  setDisplayName(name: string | undefined, options?: AbortOptions): Promise<void>;
  /**
   * The recovery phrase of the stored account, to show the user again. Handle with care: it
   * gives full control of the account.
   */
  recoveryPhrase(options?: AbortOptions): Promise<string>;
}

/** What the account API uses. */
export interface AccountComponents {
  crypto: MurmurCrypto;
  storage: ClientStorage;
  clock: Clock;
  /** The identity the client was given (`ClientInit.identity`), if any. */
  injected: Identity | undefined;
  /** Hears the identity of a created or restored account. */
  onIdentity(identity: Identity): void;
}

/** Creates the account API. */
export function createAccountApi(components: AccountComponents): AccountApi {
  const { crypto, storage } = components;

  const refuseIfPresent = async (sessionId?: string): Promise<'same' | undefined> => {
    if (components.injected !== undefined) {
      if (sessionId === components.injected.sessionId) return 'same';
      throw new AccountExistsError(
        'this client was given an identity: it cannot create or restore another account',
      );
    }
    const existing = await storage.getAccount();
    if (existing === undefined) return undefined;
    const existingId = crypto.identityFromSeed(existing.seed);
    const same = existingId.sessionId === sessionId;
    crypto.wipeIdentity(existingId);
    if (same) return 'same';
    throw new AccountExistsError(
      'the storage already holds an account; use another storage for another account',
    );
  };

  const checkedName = (name: unknown): string | undefined =>
    name === undefined ? undefined : checkName(name, 'displayName');

  const setDisplayName = async (name: unknown, options: AbortOptions = {}): Promise<void> => {
    throwIfAborted(options.signal);
    const displayName = checkedName(name);
    const stored = await storage.getAccount();
    if (stored === undefined) {
      if (components.injected === undefined) throw new AccountMissingError();
      throw new InvalidInputError(
        'a client given an identity keeps no account in its storage: no display name can be stored',
      );
    }
    const next = { seed: stored.seed, createdAt: stored.createdAt };
    await storage.setAccount(displayName === undefined ? next : { ...next, displayName });
  };

  return {
    async create(options = {}) {
      throwIfAborted(options.signal);
      const displayName = checkedName(options.displayName);
      await refuseIfPresent();
      const identity = crypto.generateIdentity();
      const phrase = crypto.phraseFromSeed(identity.seed);
      await storage.setAccount({
        seed: identity.seed.slice(),
        createdAt: components.clock.now(),
        ...(displayName === undefined ? {} : { displayName }),
      });
      components.onIdentity(identity);
      return { sessionId: identity.sessionId, phrase };
    },

    async restore(phrase, options = {}) {
      throwIfAborted(options.signal);
      if (typeof phrase !== 'string') {
        throw new InvalidPhraseError('the recovery phrase must be a string of 24 (or 12) words');
      }
      const displayName = checkedName(options.displayName);
      const seed = crypto.seedFromPhrase(phrase);
      const identity = crypto.identityFromSeed(seed);
      crypto.wipe(seed);
      if ((await refuseIfPresent(identity.sessionId)) === 'same') {
        if (displayName !== undefined) await setDisplayName(displayName, options);
        const sessionId = identity.sessionId;
        crypto.wipeIdentity(identity);
        return { sessionId };
      }
      await storage.setAccount({
        seed: identity.seed.slice(),
        createdAt: components.clock.now(),
        ...(displayName === undefined ? {} : { displayName }),
      });
      components.onIdentity(identity);
      return { sessionId: identity.sessionId };
    },

    async get(options = {}) {
      throwIfAborted(options.signal);
      const stored = await storage.getAccount();
      if (components.injected !== undefined) {
        const info: AccountInfo = { sessionId: components.injected.sessionId };
        if (stored?.displayName !== undefined) info.displayName = stored.displayName;
        return info;
      }
      if (stored === undefined) return undefined;
      const identity = crypto.identityFromSeed(stored.seed);
      const info: AccountInfo = { sessionId: identity.sessionId, createdAt: stored.createdAt };
      crypto.wipeIdentity(identity);
      if (stored.displayName !== undefined) info.displayName = stored.displayName;
      return info;
    },

    setDisplayName,

    async recoveryPhrase(options = {}) {
      throwIfAborted(options.signal);
      if (components.injected !== undefined) return crypto.phraseFromSeed(components.injected.seed);
      const stored = await storage.getAccount();
      if (stored === undefined) throw new AccountMissingError();
      return crypto.phraseFromSeed(stored.seed);
    },
  };
}
