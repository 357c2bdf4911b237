import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { base64ToBytes, StaleKeysError } from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStoredMessage } from '../content.js';
import { AccountMissingError } from '../errors.js';
import type { ClientPfs } from '../pfs/client-pfs.js';
import { sealTextMessageV2 } from '../pfs/v2-content.js';
import { createMemoryStorage } from '../storage/memory.js';
import type { OutboxEntry } from '../storage/types.js';
import { createSender } from './send.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

function setup(pfs?: Pick<ClientPfs, 'seal' | 'sealNow'>) {
  const storage = createMemoryStorage();
  const self = crypto.generateIdentity();
  const enqueued: { entry: OutboxEntry; protocol: string | undefined }[] = [];
  let now = 1_800_000_000_000;
  const sender = createSender(
    { messageTtlMs: 60_000 },
    {
      crypto,
      storage,
      outbox: {
        enqueue: async (entry, protocol) => {
          enqueued.push({ entry, protocol });
        },
      },
      pfs,
      now: () => now,
      identity: async () => self,
    },
  );
  return { storage, self, enqueued, sender, setNow: (value: number) => (now = value) };
}

describe('send', () => {
  it('without PFS: sealed v1 at once, ID = storage hash, strictly increasing sent times', async () => {
    const { storage, self, enqueued, sender } = setup();
    const bob = crypto.generateIdentity();
    const one = await sender.send(bob.sessionId, 'one');
    const two = await sender.send(bob.sessionId, 'two', { ttlMs: 20_000 });
    expect(one).toMatchObject({ state: 'queued', protocol: 'v1', forwardSecret: false });
    expect(two.sentAt).toBe(one.sentAt + 1);
    const [first, second] = enqueued;
    expect(first?.protocol).toBe('v1');
    expect(first?.entry.id).toBe(
      crypto.messageHash(bob.sessionId, 0, base64ToBytes(first?.entry.data as string)),
    );
    expect(first?.entry.id).toBe(one.id);
    expect(second?.entry.ttlMs).toBe(20_000);
    expect(first?.entry.held).toBeUndefined();
    const opened = openStoredMessage(crypto, bob, first?.entry.data as string);
    expect(opened).toMatchObject({ from: self.sessionId, content: { text: 'one' } });
    expect(await storage.getMessage(one.id)).toMatchObject({
      state: 'queued',
      protocol: 'v1',
      text: 'one',
      direction: 'outgoing',
    });
  });

  it('with PFS and no usable keys: held (securing) with a random ID; sealHeld seals it later', async () => {
    const bob = crypto.generateIdentity();
    const keys = crypto.generateAccountKeys();
    const calls: string[] = [];
    const pfs: Pick<ClientPfs, 'seal' | 'sealNow'> = {
      sealNow: async () => {
        calls.push('sealNow');
        return undefined;
      },
      seal: async (self, to, content) => {
        calls.push('seal');
        const sealed = sealTextMessageV2(crypto, self, to, content, {
          keys: {
            mlkem768PublicKey: keys.mlkem768.publicKey,
            x25519PublicKey: keys.x25519.publicKey,
          },
        });
        return { ...sealed, protocol: 'v2', forwardSecret: true };
      },
    };
    const { storage, enqueued, sender } = setup(pfs);
    await storage.setAccount({ seed: crypto.randomBytes(32), createdAt: 1, displayName: 'Alice' });
    const result = await sender.send(bob.sessionId, 'held');
    expect(result).toMatchObject({ state: 'securing', protocol: undefined, forwardSecret: false });
    expect(result.id).toMatch(/^[A-Za-z0-9+/]{43}$/);
    const entry = enqueued[0]?.entry as OutboxEntry;
    expect(entry).toMatchObject({
      id: result.id,
      state: 'securing',
      data: '',
      held: { text: 'held', sentAt: result.sentAt, displayName: 'Alice' },
    });
    expect((await storage.getMessage(result.id))?.state).toBe('securing');
    expect((await storage.getMessage(result.id))?.protocol).toBeUndefined();
    const sealed = await sender.sealHeld(bob.sessionId, entry.held as never, {});
    expect(sealed.protocol).toBe('v2');
    expect(calls).toEqual(['sealNow', 'seal']);
    // STALE_KEYS from the send rules passes through to the outbox (which keeps holding).
    pfs.seal = async () => {
      throw new StaleKeysError('no keys');
    };
    await expect(sender.sealHeld(bob.sessionId, entry.held as never, {})).rejects.toMatchObject({
      code: 'STALE_KEYS',
    });
  });

  it('refuses bad input, an oversized text and a missing account with their errors', async () => {
    const { sender } = setup();
    const bob = crypto.generateIdentity().sessionId;
    await expect(sender.send('05abc', 'x')).rejects.toMatchObject({ code: 'INVALID_SESSION_ID' });
    await expect(sender.send(bob, '')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(sender.send(bob, 'x', { ttlMs: 5 })).rejects.toMatchObject({
      code: 'TTL_OUT_OF_RANGE',
    });
    await expect(sender.send(bob, 'x'.repeat(80_000))).rejects.toMatchObject({
      code: 'TOO_LARGE',
    });
    const missing = createSender(
      { messageTtlMs: 60_000 },
      {
        crypto,
        storage: createMemoryStorage(),
        outbox: { enqueue: async () => undefined },
        now: () => 1,
        identity: async () => {
          throw new AccountMissingError();
        },
      },
    );
    await expect(missing.send(bob, 'x')).rejects.toBeInstanceOf(AccountMissingError);
  });
});
