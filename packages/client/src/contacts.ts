/**
 * Contacts: Session IDs you know, with your own nickname for each. Nicknames are local: they
 * are never sent anywhere.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { type AbortOptions, type Clock, NotFoundError, throwIfAborted } from '@murmur/wire';
import type { ClientStorage, Contact } from './storage/types.js';
import { checkName, checkSessionId } from './validate.js';

/** The contacts of a client. */
export interface ContactsApi {
  /**
   * Adds a contact, or updates the nickname of an existing one (a nickname of `undefined`
   * leaves an existing one unchanged).
   *
   * @throws `InvalidSessionIdError`; `InvalidInputError` for a bad nickname.
   */
  add(sessionId: string, options?: AbortOptions & { nickname?: string }): Promise<Contact>;
  /**
   * Sets (or, with `undefined`, removes) a contact's nickname.
   *
   * @throws `NotFoundError` when the contact does not exist.
   */
  rename(sessionId: string, nickname: string | undefined, options?: AbortOptions): Promise<Contact>;
  /** Removes a contact (its conversation stays); true when it existed. */
  remove(sessionId: string, options?: AbortOptions): Promise<boolean>;
  /** One contact, or `undefined`. */
  get(sessionId: string, options?: AbortOptions): Promise<Contact | undefined>;
  /** Every contact, by Session ID. */
  list(options?: AbortOptions): Promise<Contact[]>;
}

/** Creates the contacts API. */
export function createContactsApi(components: {
  crypto: MurmurCrypto;
  storage: ClientStorage;
  clock: Clock;
}): ContactsApi {
  const { crypto, storage, clock } = components;
  const id = (value: unknown) => checkSessionId(crypto, value, 'the contact');
  return {
    async add(sessionId, options = {}) {
      throwIfAborted(options.signal);
      const key = id(sessionId);
      const nickname =
        options.nickname === undefined ? undefined : checkName(options.nickname, 'nickname');
      const now = clock.now();
      const existing = await storage.getContact(key);
      const contact: Contact = existing ?? { sessionId: key, createdAt: now, updatedAt: now };
      if (nickname !== undefined) {
        contact.nickname = nickname;
        contact.updatedAt = now;
      }
      await storage.putContact(contact);
      return contact;
    },
    async rename(sessionId, nickname, options = {}) {
      throwIfAborted(options.signal);
      const key = id(sessionId);
      const checked = nickname === undefined ? undefined : checkName(nickname, 'nickname');
      const contact = await storage.getContact(key);
      if (contact === undefined) {
        throw new NotFoundError('no such contact: add it first', {
          details: { field: 'sessionId' },
        });
      }
      if (checked === undefined) delete contact.nickname;
      else contact.nickname = checked;
      contact.updatedAt = clock.now();
      await storage.putContact(contact);
      return contact;
    },
    async remove(sessionId, options = {}) {
      throwIfAborted(options.signal);
      return storage.deleteContact(id(sessionId));
    },
    async get(sessionId, options = {}) {
      throwIfAborted(options.signal);
      return storage.getContact(id(sessionId));
    },
    async list(options = {}) {
      throwIfAborted(options.signal);
      return storage.listContacts();
    },
  };
}
