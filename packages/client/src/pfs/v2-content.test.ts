/**
 * V2 text messages as stored: sealed with account keys or the no-PFS form, opened beside v1
 * envelopes, with the protocol the UI shows.
 */
import { type Identity, loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { bytesToBase64 } from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { sealTextMessage } from '../content.js';
import { openAnyStoredMessage, sealTextMessageV2 } from './v2-content.js';

let crypto: MurmurCrypto;
let alice: Identity;
let bob: Identity;
beforeAll(async () => {
  crypto = await loadCrypto();
  alice = crypto.generateIdentity();
  bob = crypto.generateIdentity();
});

const content = { text: 'forward-secret hello', sentAt: 1_800_000_000_000, displayName: 'Alice' };

describe('V2 text messages in namespace 0', () => {
  it('V2, V2 no-PFS and v1 all open, each saying how it was sealed', () => {
    const keys = crypto.generateAccountKeys();
    const published = {
      mlkem768PublicKey: keys.mlkem768.publicKey,
      x25519PublicKey: keys.x25519.publicKey,
    };
    const v2 = sealTextMessageV2(crypto, alice, bob.sessionId, content, { keys: published });
    expect([...v2.bytes.subarray(0, 2)]).toEqual([0, 2]);
    expect(v2.bytes.length % 256).toBe(0);
    const opened = openAnyStoredMessage(crypto, bob, v2.data, [keys]);
    expect(opened).toMatchObject({
      from: alice.sessionId,
      protocol: 'v2',
      forwardSecret: true,
      envelopeTimestamp: content.sentAt,
      content: { kind: 'text', text: content.text, displayName: 'Alice' },
    });
    const noPfs = sealTextMessageV2(crypto, alice, bob.sessionId, content, 'no-pfs');
    expect(openAnyStoredMessage(crypto, bob, noPfs.data, [keys])).toMatchObject({
      protocol: 'v2-no-pfs',
      forwardSecret: false,
      content: { text: content.text },
    });
    const v1 = sealTextMessage(crypto, alice, bob.sessionId, content);
    expect(openAnyStoredMessage(crypto, bob, v1.data, [keys])).toMatchObject({
      protocol: 'v1',
      forwardSecret: false,
      content: { text: content.text },
    });
  });

  it('refuses an unknown version, a message for someone else and bad base64', () => {
    const unknown = new Uint8Array(1536);
    unknown[1] = 3;
    expect(() => openAnyStoredMessage(crypto, bob, bytesToBase64(unknown), [])).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED' }),
    );
    const keys = crypto.generateAccountKeys();
    const v2 = sealTextMessageV2(crypto, alice, bob.sessionId, content, {
      keys: { mlkem768PublicKey: keys.mlkem768.publicKey, x25519PublicKey: keys.x25519.publicKey },
    });
    expect(() => openAnyStoredMessage(crypto, alice, v2.data, [keys])).toThrow(
      expect.objectContaining({ code: 'DECRYPTION_FAILED' }),
    );
    expect(() => openAnyStoredMessage(crypto, bob, '!!', [keys])).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_MALFORMED' }),
    );
  });
});
