import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import {
  InvalidInputError,
  InvalidPhraseError,
  InvalidSessionIdError,
  type MurmurError,
  NotFoundError,
  TooLargeError,
  TtlOutOfRangeError,
} from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import { AccountExistsError, AccountMissingError } from './errors.js';
import { createMemoryStorage } from './storage/memory.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

function offlineClient(
  storage = createMemoryStorage(),
  identity?: ReturnType<MurmurCrypto['generateIdentity']>,
) {
  return createClient(
    identity === undefined
      ? { seeds: ['http://127.0.0.1:1/json_rpc'] }
      : { seeds: ['http://127.0.0.1:1/json_rpc'], identity },
    {
      crypto,
      storage,
      fetch: (async () => {
        throw new TypeError('offline');
      }) as typeof fetch,
    },
  );
}

describe('account', () => {
  it('creates an account with a 24-word phrase that restores the same Session ID', async () => {
    const client = offlineClient();
    expect(await client.account.get()).toBeUndefined();
    const { sessionId, phrase } = await client.account.create({ displayName: '  Alice  ' });
    expect(phrase.split(' ')).toHaveLength(24);
    expect(client.sessionId).toBe(sessionId);
    expect(await client.account.get()).toMatchObject({ sessionId, displayName: 'Alice' });
    expect(await client.account.recoveryPhrase()).toBe(phrase);
    await expect(client.account.create()).rejects.toBeInstanceOf(AccountExistsError);
    await expect(client.account.create()).rejects.toMatchObject({ code: 'ACCOUNT_EXISTS' });

    const elsewhere = offlineClient();
    expect(await elsewhere.account.restore(phrase)).toEqual({ sessionId });
    expect(elsewhere.sessionId).toBe(sessionId);
    // Restoring the same account again is a no-op (and may set the name).
    expect(await elsewhere.account.restore(phrase, { displayName: 'A' })).toEqual({ sessionId });
    expect((await elsewhere.account.get())?.displayName).toBe('A');
    // Another account is refused.
    const other = crypto.phraseFromSeed(crypto.generateIdentity().seed);
    await expect(elsewhere.account.restore(other)).rejects.toBeInstanceOf(AccountExistsError);
  });

  it('restores Session-style 12-word phrases (16-byte seeds)', async () => {
    const seed = crypto.randomBytes(16);
    const expected = crypto.identityFromSeed(seed).sessionId;
    const phrase = crypto.phraseFromSeed(seed);
    expect(phrase.split(' ')).toHaveLength(12);
    const client = offlineClient();
    expect(await client.account.restore(phrase)).toEqual({ sessionId: expected });
    expect(await client.account.recoveryPhrase()).toBe(phrase);
  });

  it('refuses bad phrases and names with typed errors that do not repeat the phrase', async () => {
    const client = offlineClient();
    const error = await client.account
      .restore('abandon '.repeat(23).trim())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidPhraseError);
    expect((error as Error).message).not.toMatch(/abandon abandon/);
    await expect(client.account.restore(42 as never)).rejects.toBeInstanceOf(InvalidPhraseError);
    for (const name of ['', '   ', 'x'.repeat(65), 'a\u0000b', 'evil\u202eeman', 7]) {
      await expect(client.account.create({ displayName: name as string })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    }
    expect(await client.account.get()).toBeUndefined();
    await expect(client.account.setDisplayName('x')).rejects.toBeInstanceOf(AccountMissingError);
    await expect(client.account.setDisplayName('x')).rejects.toMatchObject({
      code: 'ACCOUNT_MISSING',
    });
    await expect(client.account.recoveryPhrase()).rejects.toBeInstanceOf(AccountMissingError);
  });

  it('sets and clears the display name', async () => {
    const client = offlineClient();
    await client.account.create();
    await client.account.setDisplayName('Ünïcødé 🌻');
    expect((await client.account.get())?.displayName).toBe('Ünïcødé 🌻');
    await client.account.setDisplayName(undefined);
    expect((await client.account.get())?.displayName).toBeUndefined();
  });

  it('uses an injected identity and refuses to create or restore another', async () => {
    const identity = crypto.generateIdentity();
    const client = offlineClient(createMemoryStorage(), identity);
    expect(client.sessionId).toBe(identity.sessionId);
    expect(await client.account.get()).toEqual({ sessionId: identity.sessionId });
    await expect(client.account.create()).rejects.toBeInstanceOf(AccountExistsError);
    expect(await client.account.restore(crypto.phraseFromSeed(identity.seed))).toEqual({
      sessionId: identity.sessionId,
    });
  });

  it('honours an aborted signal', async () => {
    const client = offlineClient();
    const signal = AbortSignal.abort();
    await expect(client.account.create({ signal })).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(client.contacts.list({ signal })).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(client.sendMessage('x', 'y', { signal })).rejects.toMatchObject({
      code: 'ABORTED',
    });
  });
});

describe('contacts and conversations', () => {
  it('adds, renames, lists and removes contacts', async () => {
    const client = offlineClient();
    const bob = crypto.generateIdentity().sessionId;
    const carol = crypto.generateIdentity().sessionId;
    expect(
      await client.contacts.add(bob.toUpperCase().replace('05', '05'), { nickname: 'Bob' }),
    ).toMatchObject({
      sessionId: bob,
      nickname: 'Bob',
    });
    await client.contacts.add(carol);
    expect((await client.contacts.add(carol)).nickname).toBeUndefined();
    expect((await client.contacts.rename(carol, 'Carol')).nickname).toBe('Carol');
    expect((await client.contacts.rename(carol, undefined)).nickname).toBeUndefined();
    expect((await client.contacts.list()).map((c) => c.sessionId).sort()).toEqual(
      [bob, carol].sort(),
    );
    expect(await client.contacts.remove(carol)).toBe(true);
    expect(await client.contacts.remove(carol)).toBe(false);
    await expect(client.contacts.rename(carol, 'x')).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.contacts.add('05abc')).rejects.toBeInstanceOf(InvalidSessionIdError);
    await expect(client.contacts.add(`15${'a'.repeat(64)}`)).rejects.toBeInstanceOf(
      InvalidSessionIdError,
    );
    await expect(client.contacts.add(bob, { nickname: '' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(await client.contacts.get(bob)).toMatchObject({ nickname: 'Bob' });
  });

  it('keeps outgoing messages in the history before they are sent, newest first, paged', async () => {
    const client = offlineClient();
    await client.account.create();
    const bob = crypto.generateIdentity().sessionId;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.sendMessage(bob, `m${i}`)).id);
    expect(new Set(ids).size).toBe(5);
    const page1 = await client.conversations.history(bob, { limit: 2 });
    expect(page1.map((m) => m.text)).toEqual(['m4', 'm3']);
    // Offline, and no keys of Bob's known yet: held (securing) until they are fetched.
    expect(page1.every((m) => m.state === 'securing' && m.direction === 'outgoing')).toBe(true);
    const page2 = await client.conversations.history(bob, {
      limit: 10,
      before: page1[1]?.id as string,
    });
    expect(page2.map((m) => m.text)).toEqual(['m2', 'm1', 'm0']);
    const [conversation] = await client.conversations.list();
    expect(conversation).toMatchObject({ sessionId: bob, unreadCount: 0 });
    expect(conversation?.lastMessage.text).toBe('m4');
    await client.contacts.add(bob, { nickname: 'Bob' });
    expect((await client.conversations.list())[0]?.nickname).toBe('Bob');
    await expect(client.conversations.history(bob, { limit: 0 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(client.conversations.history('nope')).rejects.toBeInstanceOf(
      InvalidSessionIdError,
    );
  });
});

describe('sendMessage checks its input', () => {
  it('refuses a bad recipient, text, TTL or size, and needs an account', async () => {
    const client = offlineClient();
    const bob = crypto.generateIdentity().sessionId;
    await expect(client.sendMessage(bob, 'hi')).rejects.toBeInstanceOf(AccountMissingError);
    await client.account.create();
    await expect(client.sendMessage('05zz', 'hi')).rejects.toBeInstanceOf(InvalidSessionIdError);
    await expect(client.sendMessage(bob, '')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(client.sendMessage(bob, 5 as never)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(client.sendMessage(bob, 'hi', { ttlMs: 5_000 })).rejects.toBeInstanceOf(
      TtlOutOfRangeError,
    );
    await expect(client.sendMessage(bob, 'hi', { ttlMs: 1.5 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    const big = await client.sendMessage(bob, 'x'.repeat(80_000)).catch((e: unknown) => e);
    expect(big).toBeInstanceOf(TooLargeError);
    expect((big as MurmurError).message).toMatch(/76800/);
    // Nothing was stored for the refused ones.
    expect(await client.conversations.list()).toEqual([]);
  });

  it('refuses bad options at creation', () => {
    const storage = createMemoryStorage();
    const make = (init: object) => () => createClient(init as never, { crypto, storage });
    expect(make({})).toThrow(/seeds/);
    expect(make({ seeds: [] })).toThrow(/non-empty/);
    expect(make({ seeds: ['ftp://x'] })).toThrow(/http/);
    expect(make({ seeds: ['http://x/json_rpc'], pollIntervalMs: 0 })).toThrow(/pollIntervalMs/);
    expect(make({ seeds: ['http://x/json_rpc'], namespaces: [0, 0] })).toThrow(/twice/);
    expect(make({ seeds: ['http://x/json_rpc'], namespaces: [] })).toThrow(/1 to 20/);
    expect(make({ seeds: ['http://x/json_rpc'], messageTtlMs: 1 })).toThrow(/messageTtlMs/);
    expect(make({ seeds: ['http://x/json_rpc'], outbox: { maxAttempts: 0 } })).toThrow(
      /maxAttempts/,
    );
    expect(() => createClient({ seeds: ['http://x/json_rpc'] }, {} as never)).toThrow(/crypto/);
  });
});
