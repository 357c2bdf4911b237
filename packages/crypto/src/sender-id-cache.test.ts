import { describe, expect, it, vi } from 'vitest';
import { loadNativeBackend } from './backends/native.js';
import { createSenderIdCache } from './sender-id-cache.js';
import { hex, IDENTITIES } from './test-support/fixtures.js';

describe('sender ID cache', () => {
  it('converts once per key while it is remembered, and forgets the oldest beyond capacity', async () => {
    const sodium = await loadNativeBackend();
    const convert = vi.spyOn(sodium, 'ed25519PublicKeyToX25519');
    const lookup = createSenderIdCache(sodium, 2);
    const [alice, bob, carol] = [IDENTITIES.alice, IDENTITIES.bob, IDENTITIES.carol];
    expect(lookup(hex(alice.ed25519PublicKey))).toBe(alice.sessionId);
    expect(lookup(hex(alice.ed25519PublicKey))).toBe(alice.sessionId);
    expect(convert).toHaveBeenCalledTimes(1);
    expect(lookup(hex(bob.ed25519PublicKey))).toBe(bob.sessionId);
    expect(lookup(hex(carol.ed25519PublicKey))).toBe(carol.sessionId); // forgets Alice, the oldest
    expect(convert).toHaveBeenCalledTimes(3);
    expect(lookup(hex(bob.ed25519PublicKey))).toBe(bob.sessionId);
    expect(convert).toHaveBeenCalledTimes(3);
    expect(lookup(hex(alice.ed25519PublicKey))).toBe(alice.sessionId); // converted again
    expect(convert).toHaveBeenCalledTimes(4);
  });

  it('caches no failure', async () => {
    const sodium = await loadNativeBackend();
    const lookup = createSenderIdCache(sodium, 4);
    const notAPoint = hex('0200000000000000000000000000000000000000000000000000000000000000');
    expect(lookup(notAPoint)).toBeUndefined();
    expect(lookup(notAPoint)).toBeUndefined();
  });
});
