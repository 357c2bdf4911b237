import { DecryptionFailedError, PayloadMalformedError, utf8Encode } from '@murmur/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testCrypto } from '../test-support/harness.js';
import {
  bodyCheckers,
  decodeFramePlaintext,
  deriveSessionKeys,
  encodeFramePlaintext,
  type HandshakeKeys,
  handshakeTranscript,
  jsonBody,
  openFrame,
  parseAuthFrame,
  parseHelloFrame,
  parseJsonBody,
  type RequestHeader,
  sealFrame,
} from './protocol.js';

async function handshake() {
  const crypto = await testCrypto();
  const dialer = crypto.ed25519KeyPairFromSeed(new Uint8Array(32).fill(1));
  const listener = crypto.ed25519KeyPairFromSeed(new Uint8Array(32).fill(2));
  const dialerEphemeral = crypto.x25519KeyPair();
  const listenerEphemeral = crypto.x25519KeyPair();
  const keys: HandshakeKeys = {
    dialer: dialer.publicKey,
    listener: listener.publicKey,
    dialerEphemeral: dialerEphemeral.publicKey,
    listenerEphemeral: listenerEphemeral.publicKey,
  };
  return { crypto, dialer, listener, dialerEphemeral, listenerEphemeral, keys };
}

describe('handshake', () => {
  it('derives matching keys per direction on both sides', async () => {
    const { crypto, dialerEphemeral, listenerEphemeral, keys } = await handshake();
    const onDialer = deriveSessionKeys(crypto, 'dialer', dialerEphemeral.secretKey, keys);
    const onListener = deriveSessionKeys(crypto, 'listener', listenerEphemeral.secretKey, keys);
    expect(onDialer.send).toEqual(onListener.receive);
    expect(onDialer.receive).toEqual(onListener.send);
    expect(onDialer.send).not.toEqual(onDialer.receive);
  });

  it('binds signatures to the role and to both fresh ephemeral keys', async () => {
    const { crypto, dialer, keys } = await handshake();
    const signature = crypto.sign(handshakeTranscript('dialer', keys), dialer.secretKey);
    expect(crypto.verify(signature, handshakeTranscript('dialer', keys), dialer.publicKey)).toBe(
      true,
    );
    // Not valid for the other role, nor in a later handshake with another listener ephemeral.
    expect(crypto.verify(signature, handshakeTranscript('listener', keys), dialer.publicKey)).toBe(
      false,
    );
    const replayed = { ...keys, listenerEphemeral: crypto.x25519KeyPair().publicKey };
    expect(
      crypto.verify(signature, handshakeTranscript('dialer', replayed), dialer.publicKey),
    ).toBe(false);
  });

  it('refuses a low-order ephemeral key', async () => {
    const { crypto, dialerEphemeral, keys } = await handshake();
    expect(() =>
      deriveSessionKeys(crypto, 'dialer', dialerEphemeral.secretKey, {
        ...keys,
        listenerEphemeral: new Uint8Array(32),
      }),
    ).toThrow();
  });

  it('parses hello and auth frames and refuses anything else', () => {
    const signature = `${'A'.repeat(86)}==`;
    expect(
      parseHelloFrame(
        JSON.stringify({ t: 'hello', key: 'a'.repeat(64), ephemeral: 'b'.repeat(64), signature }),
      ).key,
    ).toBe('a'.repeat(64));
    expect(parseAuthFrame(JSON.stringify({ t: 'auth', signature })).signature).toBe(signature);
    expect(() => parseAuthFrame('{')).toThrow(PayloadMalformedError);
    expect(() => parseAuthFrame(JSON.stringify({ t: 'auth', signature, extra: 1 }))).toThrow(
      PayloadMalformedError,
    );
    expect(() => parseHelloFrame(JSON.stringify({ t: 'auth', signature }))).toThrow(
      PayloadMalformedError,
    );
    expect(() => parseAuthFrame(' '.repeat(2_000))).toThrow(/too long/);
  });
});

describe('frames', () => {
  it('round-trip any request header and body with the sequence number', () => {
    const header = fc.oneof(
      fc.record({
        t: fc.constant('req' as const),
        id: fc.integer({ min: 1, max: 2 ** 40 }),
        k: fc.constantFrom('onion' as const, 'fetch' as const, 'offer' as const, 'push' as const),
      }),
      fc.record({
        t: fc.constant('req' as const),
        id: fc.integer({ min: 1, max: 2 ** 40 }),
        k: fc.constant('rpc' as const),
        method: fc.constantFrom('store' as const, 'delete' as const, 'expire_all' as const),
      }),
      fc.record({
        t: fc.constant('req' as const),
        id: fc.integer({ min: 1, max: 2 ** 40 }),
        k: fc.constant('inventory' as const),
        after: fc.nat(),
        journalAfter: fc.nat(),
        limit: fc.integer({ min: 1, max: 5_000 }),
      }),
      fc.record(
        {
          t: fc.constant('res' as const),
          id: fc.integer({ min: 1, max: 2 ** 40 }),
          s: fc.integer({ min: 100, max: 599 }),
          ct: fc.string({ maxLength: 30 }),
        },
        { requiredKeys: ['t', 'id', 's'] },
      ),
    );
    fc.assert(
      fc.property(
        header,
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 2 ** 53 - 1 }),
        (h, body, seq) => {
          const frame = decodeFramePlaintext(
            encodeFramePlaintext(seq, h as RequestHeader, body),
            seq,
          );
          expect(frame.header).toEqual(h);
          expect(Array.from(frame.body)).toEqual(Array.from(body));
        },
      ),
    );
  });

  it('refuse a frame out of sequence or with an unknown header', () => {
    const plaintext = encodeFramePlaintext(5, { t: 'req', id: 1, k: 'onion' }, new Uint8Array(1));
    expect(() => decodeFramePlaintext(plaintext, 4)).toThrow(/sequence 5 where 4/);
    const unknown = encodeFramePlaintext(
      0,
      { t: 'req', id: 1, k: 'teleport' } as unknown as RequestHeader,
      new Uint8Array(0),
    );
    expect(() => decodeFramePlaintext(unknown, 0)).toThrow(PayloadMalformedError);
    const extra = encodeFramePlaintext(
      0,
      { t: 'req', id: 1, k: 'onion', admin: true } as unknown as RequestHeader,
      new Uint8Array(0),
    );
    expect(() => decodeFramePlaintext(extra, 0)).toThrow(PayloadMalformedError);
    expect(() => decodeFramePlaintext(new Uint8Array(3), 0)).toThrow(PayloadMalformedError);
  });

  it('are encrypted: the other direction’s key, or a flipped bit, cannot open them', async () => {
    const { crypto, dialerEphemeral, keys } = await handshake();
    const session = deriveSessionKeys(crypto, 'dialer', dialerEphemeral.secretKey, keys);
    const plaintext = encodeFramePlaintext(0, { t: 'req', id: 1, k: 'onion' }, utf8Encode('hi'));
    const sealed = await sealFrame(crypto, session.send, plaintext);
    expect(await openFrame(crypto, session.send, sealed)).toEqual(plaintext);
    await expect(openFrame(crypto, session.receive, sealed)).rejects.toBeInstanceOf(
      DecryptionFailedError,
    );
    const tampered = Uint8Array.from(sealed);
    tampered[30] = (tampered[30] ?? 0) ^ 1;
    await expect(openFrame(crypto, session.send, tampered)).rejects.toBeInstanceOf(
      DecryptionFailedError,
    );
  });

  it('check JSON bodies against their schemas', () => {
    const offer = { items: [{ owner: `05${'a'.repeat(64)}`, hash: 'h'.repeat(43) }] };
    expect(parseJsonBody(bodyCheckers.offerRequest, jsonBody(offer), 'offer')).toEqual(offer);
    expect(() =>
      parseJsonBody(bodyCheckers.offerRequest, jsonBody({ items: [{ owner: 'x' }] }), 'offer'),
    ).toThrow(/^offer: /);
    expect(() => parseJsonBody(bodyCheckers.offerRequest, utf8Encode('nope'), 'offer')).toThrow(
      /not JSON/,
    );
  });
});
