import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AccountMissingError } from '../errors.js';
import { createMemoryStorage } from '../storage/memory.js';
import { createAccountLoader } from './account-loader.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

describe('account loader', () => {
  it('loads the stored account once, and refuses with ACCOUNT_MISSING without one', async () => {
    const storage = createMemoryStorage();
    let reads = 0;
    const counted = {
      getAccount: () => {
        reads++;
        return storage.getAccount();
      },
    };
    const loader = createAccountLoader({ crypto, storage: counted });
    expect(loader.current()).toBeUndefined();
    expect(await loader.load()).toBeUndefined();
    const missing = await loader.require().catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(AccountMissingError);
    expect((missing as AccountMissingError).code).toBe('ACCOUNT_MISSING');

    const seed = crypto.randomBytes(32);
    await storage.setAccount({ seed, createdAt: 1 });
    const identity = await loader.require();
    expect(identity.sessionId).toBe(crypto.identityFromSeed(seed).sessionId);
    const before = reads;
    expect(await loader.load()).toBe(identity);
    expect(reads).toBe(before); // known now: the storage is not read again
    expect(loader.current()).toBe(identity);
  });

  it('uses an injected identity without reading the storage, and takes a new one when set', async () => {
    const injected = crypto.generateIdentity();
    const loader = createAccountLoader({
      crypto,
      storage: {
        getAccount: () => {
          throw new Error('the storage must not be read');
        },
      },
      injected,
    });
    expect(await loader.require()).toBe(injected);
    const next = crypto.generateIdentity();
    loader.set(next);
    expect(loader.current()).toBe(next);
    expect(await loader.load()).toBe(next);
  });
});
