import {
  DecryptionFailedError,
  InvalidInputError,
  PayloadMalformedError,
  utf8Encode,
} from '@murmur/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testCrypto } from '../test-support/harness.js';
import {
  bodyCheckers,
  decodeMessagePlaintext,
  deriveSessionKeys,
  encodeFrame,
  encodeMessagePlaintext,
  type HandshakeKeys,
  handshakeTranscript,
  jsonBody,
  messageNonce,
  openMessage,
  parseAuthFrame,
  parseHelloFrame,
  parseJsonBody,
  type RequestHeader,
  sealMessage,
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
    ).toThrow(InvalidInputError);
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
  it('round-trip any headers and bodies, several to a message, with the sequence number', () => {
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
        fc.array(fc.tuple(header, fc.uint8Array({ maxLength: 300 })), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.integer({ min: 0, max: 2 ** 53 - 1 }),
        (frames, seq) => {
          const decoded = decodeMessagePlaintext(
            encodeMessagePlaintext(
              seq,
              frames.map(([h, body]) => encodeFrame(h as RequestHeader, body)),
            ),
            seq,
          );
          expect(decoded.map((frame) => frame.header)).toEqual(frames.map(([h]) => h));
          expect(decoded.map((frame) => Array.from(frame.body))).toEqual(
            frames.map(([, body]) => Array.from(body)),
          );
        },
      ),
    );
  });

  it('refuse a message out of sequence, truncated, empty, or with an unknown header', () => {
    const frame = encodeFrame({ t: 'req', id: 1, k: 'onion' }, new Uint8Array(1));
    const plaintext = encodeMessagePlaintext(5, [frame]);
    expect(() => decodeMessagePlaintext(plaintext, 4)).toThrow(/sequence 5 where 4/);
    expect(() => decodeMessagePlaintext(plaintext.subarray(0, plaintext.length - 1), 5)).toThrow(
      PayloadMalformedError,
    );
    expect(() => decodeMessagePlaintext(encodeMessagePlaintext(0, []), 0)).toThrow(/no frame/);
    const unknown = encodeFrame(
      { t: 'req', id: 1, k: 'teleport' } as unknown as RequestHeader,
      new Uint8Array(0),
    );
    expect(() => decodeMessagePlaintext(encodeMessagePlaintext(0, [unknown]), 0)).toThrow(
      PayloadMalformedError,
    );
    const extra = encodeFrame(
      { t: 'req', id: 1, k: 'onion', admin: true } as unknown as RequestHeader,
      new Uint8Array(0),
    );
    expect(() => decodeMessagePlaintext(encodeMessagePlaintext(0, [frame, extra]), 0)).toThrow(
      PayloadMalformedError,
    );
    expect(() => decodeMessagePlaintext(new Uint8Array(3), 0)).toThrow(PayloadMalformedError);
  });

  it('are encrypted: the other direction’s key, or a flipped bit, cannot open them', async () => {
    const { crypto, dialerEphemeral, keys } = await handshake();
    const session = deriveSessionKeys(crypto, 'dialer', dialerEphemeral.secretKey, keys);
    const plaintext = encodeMessagePlaintext(7, [
      encodeFrame({ t: 'req', id: 1, k: 'onion' }, utf8Encode('hi')),
    ]);
    const sealed = await sealMessage(crypto, session.send, 7, plaintext);
    // The nonce is the sequence number: unique per key, no random bytes.
    expect(sealed.subarray(0, 24)).toEqual(messageNonce(7));
    expect(messageNonce(2 ** 32 + 1).subarray(0, 8)).toEqual(
      new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0]),
    );
    expect(await openMessage(crypto, session.send, sealed)).toEqual(plaintext);
    await expect(openMessage(crypto, session.receive, sealed)).rejects.toBeInstanceOf(
      DecryptionFailedError,
    );
    const tampered = Uint8Array.from(sealed);
    tampered[30] = (tampered[30] ?? 0) ^ 1;
    await expect(openMessage(crypto, session.send, tampered)).rejects.toBeInstanceOf(
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
