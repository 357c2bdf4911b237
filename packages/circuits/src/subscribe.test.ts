import { bytesToHex, PayloadMalformedError, utf8Decode } from '@murmur/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeNotification,
  decodeSubscribe,
  decodeSubscribed,
  decodeSubscriptionEnded,
  decodeUnsubscribe,
  encodeNotification,
  encodeSubscribe,
  encodeSubscribed,
  encodeSubscriptionEnded,
  encodeUnsubscribe,
  monitorSignatureMessage,
  type SubscribeRequest,
} from './subscribe.js';
import { expectFlipNoticed } from './test-support/bits.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const namespaces = fc
  .uniqueArray(fc.integer({ min: -32768, max: 32767 }), { minLength: 1, maxLength: 8 })
  .map((list) => list.sort((a, b) => a - b));
const account = fc.oneof(
  bytes(32).map((ed25519) => ({ ed25519 })),
  bytes(33).map((account) => ({ account })),
);
const subscribe: fc.Arbitrary<SubscribeRequest> = fc
  .record({ account, namespaces, timestamp: fc.nat(2_000_000_000), signature: bytes(64) })
  .map(({ account, ...rest }) => ({ ...account, ...rest }));

describe('subscription messages', () => {
  it('SUBSCRIBE and UNSUBSCRIBE round-trip and notice any single-bit change', () => {
    fc.assert(
      fc.property(subscribe, fc.nat(), (request, bit) => {
        const encoded = encodeSubscribe(request);
        expect(decodeSubscribe(encoded)).toEqual(request);
        expectFlipNoticed(encoded, bit % (encoded.length * 8), decodeSubscribe, encodeSubscribe);
        const { signature: _s, timestamp: _t, ...unsubscribe } = request;
        const encodedUn = encodeUnsubscribe(unsubscribe);
        expect(decodeUnsubscribe(encodedUn)).toEqual(unsubscribe);
        expectFlipNoticed(
          encodedUn,
          bit % (encodedUn.length * 8),
          decodeUnsubscribe,
          encodeUnsubscribe,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('refuses both or neither of P and p, wrong key lengths, unordered namespaces and unknown fields', () => {
    const base = { namespaces: [0], timestamp: 1, signature: new Uint8Array(64) };
    const enc = (text: string) => new TextEncoder().encode(text);
    const sig = `1:s64:${'x'.repeat(64)}`;
    expect(() =>
      decodeSubscribe(enc(`d1:P32:${'a'.repeat(32)}1:p33:${'b'.repeat(33)}1:nli0ee${sig}1:ti1ee`)),
    ).toThrow(PayloadMalformedError);
    expect(() => decodeSubscribe(enc(`d1:nli0ee${sig}1:ti1ee`))).toThrow(PayloadMalformedError);
    expect(() => decodeSubscribe(enc(`d1:P31:${'a'.repeat(31)}1:nli0ee${sig}1:ti1ee`))).toThrow(
      PayloadMalformedError,
    );
    expect(() => decodeSubscribe(enc(`d1:P32:${'a'.repeat(32)}1:nli1ei0ee${sig}1:ti1ee`))).toThrow(
      PayloadMalformedError,
    );
    expect(() =>
      decodeSubscribe(enc(`d1:P32:${'a'.repeat(32)}1:nli0ee${sig}1:ti1e1:xi0ee`)),
    ).toThrow(PayloadMalformedError);
    expect(
      decodeSubscribe(enc(`d1:P32:${'a'.repeat(32)}1:nli0ee${sig}1:ti1ee`)).namespaces,
    ).toEqual([0]);
    expect(() => encodeSubscribe({ ...base, ed25519: new Uint8Array(33) })).toThrow(
      PayloadMalformedError,
    );
    expect(() =>
      encodeSubscribe({ ...base, account: new Uint8Array(33), namespaces: [2, 1] }),
    ).toThrow(PayloadMalformedError);
  });

  it('SUBSCRIBED, SUB_ENDED and notifications round-trip and notice flips', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constant({ success: true as const }),
          fc.record({
            success: fc.constant(false as const),
            errcode: fc.integer({ min: 1, max: 7 }),
            error: fc.string(),
          }),
        ),
        fc.record({ account: bytes(33), reason: fc.nat(10), text: fc.string() }),
        fc.record({
          account: bytes(33),
          hash: fc.base64String(),
          namespace: fc.integer({ min: -32768, max: 32767 }),
          timestamp: fc.nat(),
          expiry: fc.nat(),
          data: fc.option(fc.uint8Array({ maxLength: 200 }), { nil: undefined }),
        }),
        fc.nat(),
        (answer, ended, notification, bit) => {
          const a = encodeSubscribed(answer);
          expect(decodeSubscribed(a)).toEqual(answer);
          expectFlipNoticed(a, bit % (a.length * 8), decodeSubscribed, encodeSubscribed);
          const e = encodeSubscriptionEnded(ended);
          expect(decodeSubscriptionEnded(e)).toEqual(ended);
          expectFlipNoticed(
            e,
            bit % (e.length * 8),
            decodeSubscriptionEnded,
            encodeSubscriptionEnded,
          );
          const { data, ...rest } = notification;
          const value = data === undefined ? rest : { ...rest, data };
          const n = encodeNotification(value);
          expect(decodeNotification(n)).toEqual(value);
          expectFlipNoticed(n, bit % (n.length * 8), decodeNotification, encodeNotification);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('builds the MONITOR2 text: account hex, t, namespaces joined by ",", exit key hex', () => {
    const text = utf8Decode(
      monitorSignatureMessage(
        new Uint8Array(33).fill(5),
        1700000000,
        [-10, 0, 2],
        new Uint8Array(32).fill(0xab),
      ),
    );
    expect(text).toBe(
      `MONITOR2${'05'.repeat(33)}1700000000-10,0,2${bytesToHex(new Uint8Array(32).fill(0xab))}`,
    );
  });
});
