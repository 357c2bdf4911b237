import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { bytesToBase64, MurmurError, PayloadMalformedError } from '@murmur/wire';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decodeContent,
  decodeEnvelope,
  encodeContent,
  encodeEnvelope,
  openStoredMessage,
  sealTextMessage,
} from './content.js';
import { ProtoMessage, ProtoWriter, readFields } from './protobuf.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

describe('protobuf codec', () => {
  it('writes the exact bytes protobuf defines', () => {
    // field 1 varint 150 -> 08 96 01 (the protobuf documentation's example)
    expect([...new ProtoWriter().uint(1, 150).finish()]).toEqual([0x08, 0x96, 0x01]);
    // field 2 string "testing" -> 12 07 74 65 73 74 69 6e 67
    expect([...new ProtoWriter().string(2, 'testing').finish()]).toEqual([
      0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67,
    ]);
    expect([...new ProtoWriter().uint(15, 2n ** 64n - 1n).finish()]).toEqual([
      0x78, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    ]);
  });

  it('round-trips varints and byte fields (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant('uint' as const),
              field: fc.integer({ min: 1, max: 2 ** 29 - 1 }),
              value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
            }),
            fc.record({
              kind: fc.constant('bytes' as const),
              field: fc.integer({ min: 1, max: 2 ** 29 - 1 }),
              value: fc.uint8Array({ maxLength: 300 }),
            }),
          ),
          { maxLength: 20 },
        ),
        (items) => {
          const writer = new ProtoWriter();
          for (const item of items) {
            if (item.kind === 'uint') writer.uint(item.field, item.value);
            else writer.bytes(item.field, item.value);
          }
          const fields = readFields(writer.finish());
          const seen = new Map<number, number>();
          for (const item of items) {
            const index = seen.get(item.field) ?? 0;
            seen.set(item.field, index + 1);
            const read = fields.get(item.field)?.[index];
            if (item.kind === 'uint') expect(read).toEqual({ wireType: 0, value: item.value });
            else expect(read).toEqual({ wireType: 2, value: item.value });
          }
        },
      ),
    );
  });

  it('refuses malformed input with PayloadMalformedError only (property: random bytes)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          readFields(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(PayloadMalformedError);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('names each way a message can be malformed', () => {
    const cases: [number[], RegExp][] = [
      [[0x08], /varint is truncated/],
      [[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], /longer than 10/],
      [[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02], /exceeds 64 bits/],
      [[0x00, 0x01], /field number 0/],
      [[0x12, 0x05, 0x01], /runs past the end/],
      [[0x0b], /groups/],
      [[0x0e], /wire type 6/],
      [[0x09, 1, 2, 3], /runs past the end/],
    ];
    for (const [bytes, pattern] of cases) {
      expect(() => readFields(Uint8Array.from(bytes))).toThrow(pattern);
    }
  });

  it('checks wire types and UTF-8 on typed access', () => {
    const message = new ProtoMessage(new ProtoWriter().uint(1, 5).finish(), 'Test');
    expect(() => message.string(1)).toThrow(/field 1 must be length-delimited/);
    const bad = new ProtoMessage(
      new ProtoWriter().bytes(1, Uint8Array.from([0xc3, 0x28])).finish(),
      'Test',
    );
    expect(() => bad.string(1)).toThrow(/not valid UTF-8/);
    const big = new ProtoMessage(new ProtoWriter().uint(1, 2n ** 60n).finish(), 'Test');
    expect(() => big.safeUint(1)).toThrow(/too large/);
  });
});

describe('content and envelope', () => {
  it('round-trips text content (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.option(fc.string({ minLength: 1, maxLength: 64 }), { nil: undefined }),
        (text, sentAt, displayName) => {
          const content =
            displayName === undefined ? { text, sentAt } : { text, sentAt, displayName };
          expect(decodeContent(encodeContent(content))).toEqual({ kind: 'text', ...content });
        },
      ),
    );
  });

  it('reports other content types as unsupported', () => {
    const typing = new ProtoWriter().bytes(6, new ProtoWriter().uint(1, 5).finish()).finish();
    expect(decodeContent(typing)).toEqual({ kind: 'unsupported', fields: [6] });
    const attachmentOnly = new ProtoWriter()
      .bytes(1, new ProtoWriter().bytes(2, new Uint8Array(3)).finish())
      .finish();
    expect(decodeContent(attachmentOnly)).toEqual({ kind: 'unsupported', fields: [1] });
  });

  it('reads the legacy DataMessage.timestamp when sigTimestamp is absent', () => {
    const data = new ProtoWriter().string(1, 'old').uint(7, 1234).finish();
    expect(decodeContent(new ProtoWriter().bytes(1, data).finish())).toEqual({
      kind: 'text',
      text: 'old',
      sentAt: 1234,
    });
  });

  it('round-trips envelopes (property) and refuses the wrong wrapper', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 500 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (ciphertext, timestamp) => {
          expect(decodeEnvelope(encodeEnvelope(ciphertext, timestamp))).toEqual({
            type: 6,
            timestamp,
            content: ciphertext,
          });
        },
      ),
    );
    const response = new ProtoWriter().uint(1, 2).finish();
    expect(() => decodeEnvelope(response)).toThrow(/type must be REQUEST/);
    const noBody = new ProtoWriter().uint(1, 1).bytes(2, new Uint8Array()).finish();
    expect(() => decodeEnvelope(noBody)).toThrow(/no body/);
  });

  it('never throws anything but typed errors on random stored data (property)', () => {
    const identity = crypto.generateIdentity();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        for (const input of [bytes, encodeEnvelope(bytes, 1)]) {
          try {
            openStoredMessage(crypto, identity, bytesToBase64(input));
          } catch (error) {
            expect(MurmurError.isInstance(error)).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('seals and opens a message for the recipient only', () => {
    const alice = crypto.generateIdentity();
    const bob = crypto.generateIdentity();
    const sealed = sealTextMessage(crypto, alice, bob.sessionId, {
      text: 'hello 👋',
      sentAt: 1_732_600_000_000,
      displayName: 'Alice',
    });
    const opened = openStoredMessage(crypto, bob, sealed.data);
    expect(opened).toEqual({
      from: alice.sessionId,
      envelopeTimestamp: 1_732_600_000_000,
      content: { kind: 'text', text: 'hello 👋', sentAt: 1_732_600_000_000, displayName: 'Alice' },
    });
    expect(() => openStoredMessage(crypto, alice, sealed.data)).toThrow(MurmurError);
    expect(() => openStoredMessage(crypto, bob, '!!')).toThrow(PayloadMalformedError);
  });
});
