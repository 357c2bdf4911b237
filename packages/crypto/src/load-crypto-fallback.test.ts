/**
 * Where sodium-native cannot load (a browser, a missing addon), the default falls back to
 * wasm and an explicit `backend: 'native'` is a clear typed error.
 */
import { type MurmurError, UnsupportedError } from '@murmur/wire';
import { describe, expect, it, vi } from 'vitest';
import { loadCrypto } from './load-crypto.js';

vi.mock('sodium-native', () => {
  throw new Error('simulated: the sodium-native addon is missing');
});

describe('loadCrypto without sodium-native', () => {
  it('falls back to wasm by default', async () => {
    const crypto = await loadCrypto();
    expect(crypto.backend).toBe('wasm');
    expect(crypto.identityFromSeed(new Uint8Array(32)).sessionId).toMatch(/^05/);
  });

  it('refuses an explicit native backend with an UnsupportedError that keeps the cause', async () => {
    const error = await loadCrypto({ backend: 'native' }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as MurmurError).message).toContain('sodium-native');
    expect((error as MurmurError).cause).toBeDefined();
  });
});
