import { PayloadMalformedError } from '@murmur/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localPayloadLength, RelayCommand, relayDataCapacity } from './constants.js';
import {
  decodeExtend,
  decodeExtended,
  decodeFragment,
  decodePingToken,
  decodeRelayPayload,
  decodeSendme,
  encodeExtend,
  encodeExtended,
  encodeFragment,
  encodeRelayPayload,
  encodeSendme,
  type Fragment,
  Reassembler,
  type RelayPayload,
  splitIntoSlices,
} from './relay-payload.js';
import { expectFlipNoticed, flipBit } from './test-support/bits.js';

const commands = Object.values(RelayCommand);
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const payloadOf = (hop: number) =>
  fc.record({
    command: fc.constantFrom(...commands),
    id: fc.integer({ min: 0, max: 0xffff }),
    data: fc.uint8Array({ maxLength: relayDataCapacity(hop) }),
  });
const random = (n: number) => new Uint8Array(n).fill(0xa5);

describe('the relay payload codec', () => {
  it('has the capacities of MCP v1: 2021, 2004 and 1987 bytes of data', () => {
    expect([1, 2, 3].map(relayDataCapacity)).toEqual([2021, 2004, 1987]);
  });

  it.each([1, 2, 3])('round-trips at hop %i, and notices any single-bit change', (hop) => {
    fc.assert(
      fc.property(payloadOf(hop), fc.nat(), (payload, bitSeed) => {
        const encoded = encodeRelayPayload(hop, payload);
        expect(encoded.length).toBe(localPayloadLength(hop));
        expect(decodeRelayPayload(hop, encoded)).toEqual(payload);
        const decode = (b: Uint8Array) => decodeRelayPayload(hop, b);
        const encode = (p: RelayPayload) => encodeRelayPayload(hop, p);
        expectFlipNoticed(encoded, bitSeed % (encoded.length * 8), decode, encode);
        // A flip in the header or the zero padding is always noticed; in the padding, refused.
        const paddingBit =
          (5 + payload.data.length) * 8 +
          (bitSeed % ((encoded.length - 5 - payload.data.length) * 8 || 1));
        if (paddingBit < encoded.length * 8) {
          expect(() => decode(flipBit(encoded, paddingBit))).toThrow(PayloadMalformedError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses wrong lengths, unknown commands and Len beyond capacity', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2100 }),
        fc.integer({ min: 1, max: 3 }),
        (length, hop) => {
          fc.pre(length !== localPayloadLength(hop));
          expect(() => decodeRelayPayload(hop, new Uint8Array(length))).toThrow(
            PayloadMalformedError,
          );
        },
      ),
      { numRuns: 200 },
    );
    const encoded = encodeRelayPayload(3, {
      command: RelayCommand.DROP,
      id: 0,
      data: new Uint8Array(0),
    });
    for (const command of [0, 13, 255]) {
      const bad = encoded.slice();
      bad[0] = command;
      expect(() => decodeRelayPayload(3, bad)).toThrow(PayloadMalformedError);
    }
    const long = encoded.slice();
    long[3] = 0x07;
    long[4] = 0xc4; // 1988 > 1987
    expect(() => decodeRelayPayload(3, long)).toThrow(PayloadMalformedError);
    expect(() =>
      encodeRelayPayload(2, { command: RelayCommand.DATA, id: 0, data: new Uint8Array(2005) }),
    ).toThrow(PayloadMalformedError);
  });

  it('accepts random padding only in NOTIFY and DATA from the exit', () => {
    for (const command of commands) {
      const encoded = encodeRelayPayload(3, { command, id: 1, data: Uint8Array.of(1, 2) }, random);
      const random_ = command === RelayCommand.NOTIFY || command === RelayCommand.DATA;
      if (random_) {
        expect(decodeRelayPayload(3, encoded, { fromExit: true }).data).toEqual(
          Uint8Array.of(1, 2),
        );
      } else {
        expect(() => decodeRelayPayload(3, encoded, { fromExit: true })).toThrow(
          PayloadMalformedError,
        );
      }
      expect(() => decodeRelayPayload(3, encoded)).toThrow(PayloadMalformedError);
    }
  });
});

describe('relay command data', () => {
  it('EXTEND round-trips in 132 bytes, notices every flip, refuses other lengths and an HDATA ID that differs', () => {
    fc.assert(
      fc.property(
        fc.record({ id: bytes(32), b: bytes(32), x: bytes(32) }),
        fc.nat(132 * 8 - 1),
        (request, bit) => {
          const encoded = encodeExtend(request);
          expect(encoded.length).toBe(132);
          expect(decodeExtend(encoded)).toEqual(request);
          expectFlipNoticed(encoded, bit, decodeExtend, encodeExtend);
          if (bit < 32 * 8 || (bit >= 36 * 8 && bit < 68 * 8)) {
            expect(() => decodeExtend(flipBit(encoded, bit))).toThrow(PayloadMalformedError);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(() => decodeExtend(new Uint8Array(131))).toThrow(PayloadMalformedError);
    expect(() => decodeExtend(new Uint8Array(133))).toThrow(PayloadMalformedError);
  });

  it('EXTENDED, SENDME and PING round-trip and refuse other lengths', () => {
    fc.assert(
      fc.property(bytes(32), bytes(32), fc.nat(0xffff_ffff), bytes(16), (y, auth, count, tag) => {
        const extended = encodeExtended({ y, auth });
        expect(decodeExtended(extended)).toEqual({ y, auth });
        expectFlipNoticed(extended, count % (66 * 8), decodeExtended, encodeExtended);
        const sendme = encodeSendme({ count, tag });
        expect(decodeSendme(sendme)).toEqual({ count, tag });
        expectFlipNoticed(sendme, count % 160, decodeSendme, encodeSendme);
      }),
      { numRuns: 200 },
    );
    expect(() => decodeExtended(new Uint8Array(65))).toThrow(PayloadMalformedError);
    expect(() => decodeSendme(new Uint8Array(21))).toThrow(PayloadMalformedError);
    expect(() => decodePingToken(new Uint8Array(7))).toThrow(PayloadMalformedError);
    expect(decodePingToken(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))).toEqual(
      Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
    );
  });

  it('fragments round-trip, notice flips, and refuse a short header, count 0 and index ≥ count', () => {
    const fragment = fc
      .record({
        messageId: fc.nat(0xffff_ffff),
        count: fc.integer({ min: 1, max: 255 }),
        index: fc.nat(254),
        slice: fc.uint8Array({ maxLength: 100 }),
      })
      .filter((f) => f.index < f.count);
    fc.assert(
      fc.property(
        fragment,
        fc.constantFrom('NOTIFY' as const, 'DATA' as const),
        fc.nat(),
        (f, command, bit) => {
          const value: Fragment = command === 'DATA' ? { ...f, messageId: 0 } : f;
          const encoded = encodeFragment(command, value);
          expect(decodeFragment(command, encoded)).toEqual(value);
          expectFlipNoticed(
            encoded,
            bit % (encoded.length * 8),
            (b) => decodeFragment(command, b),
            (v) => encodeFragment(command, v),
          );
        },
      ),
      { numRuns: 300 },
    );
    expect(() => decodeFragment('NOTIFY', new Uint8Array(5))).toThrow(PayloadMalformedError);
    expect(() => decodeFragment('DATA', Uint8Array.of(0, 0))).toThrow(PayloadMalformedError);
    expect(() => decodeFragment('DATA', Uint8Array.of(3, 3))).toThrow(PayloadMalformedError);
  });

  it('splits and reassembles any message in order, and refuses gaps, changed counts and oversize', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 5000 }),
        fc.integer({ min: 30, max: 2000 }),
        (message, size) => {
          const slices = splitIntoSlices(message, size);
          const reassembler = new Reassembler({ maxBytes: 10_000, maxPending: 2 });
          let out: Uint8Array | undefined;
          slices.forEach((slice, index) => {
            out = reassembler.add(7, { messageId: 7, index, count: slices.length, slice });
            if (index < slices.length - 1) expect(out).toBeUndefined();
          });
          expect(out).toEqual(message);
          expect(reassembler.pending).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
    const r = new Reassembler({ maxBytes: 10, maxPending: 1 });
    const slice = new Uint8Array(4);
    expect(() => r.add(1, { messageId: 1, index: 1, count: 3, slice })).toThrow(
      PayloadMalformedError,
    );
    r.add(1, { messageId: 1, index: 0, count: 3, slice });
    expect(() => r.add(2, { messageId: 2, index: 0, count: 2, slice })).toThrow(
      PayloadMalformedError,
    );
    expect(() => r.add(1, { messageId: 1, index: 2, count: 3, slice })).toThrow(
      PayloadMalformedError,
    );
    r.add(1, { messageId: 1, index: 0, count: 3, slice });
    r.add(1, { messageId: 1, index: 1, count: 3, slice });
    expect(() => r.add(1, { messageId: 1, index: 2, count: 3, slice })).toThrow(
      PayloadMalformedError,
    );
    expect(() => splitIntoSlices(new Uint8Array(256), 1)).toThrow(PayloadMalformedError);
  });
});
