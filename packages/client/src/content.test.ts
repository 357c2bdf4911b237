import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isFieldSet } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import {
  bytesToBase64,
  bytesToHex,
  InvalidInputError,
  MurmurError,
  PayloadMalformedError,
} from '@murmur/wire';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkExpiration,
  decodeContent,
  decodeEnvelope,
  encodeContent,
  encodeEnvelope,
  MAX_EXPIRATION_SECONDS,
  openStoredMessage,
  sealTextMessage,
} from './content.js';
import {
  ContentSchema,
  DataMessageSchema,
  EnvelopeSchema,
  LokiProfileSchema,
  WebSocketMessageSchema,
} from './gen/session_pb.js';
import { decodeMessage, encodeMessage } from './protobuf.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

/** Raw protobuf bytes, field by field, for inputs the typed writer would never produce. */
function raw(build: (writer: BinaryWriter) => void): Uint8Array {
  const writer = new BinaryWriter();
  build(writer);
  return writer.finish();
}

describe('protobuf codec', () => {
  it('writes the exact bytes protobuf defines', () => {
    // field 1 string "testing" -> 0a 07 74 65 73 74 69 6e 67 (the protobuf documentation's example)
    expect([...encodeMessage(LokiProfileSchema, { displayName: 'testing' })]).toEqual([
      0x0a, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67,
    ]);
    // field 7 varint 150 -> 38 96 01
    expect([...encodeMessage(DataMessageSchema, { timestamp: 150n })]).toEqual([0x38, 0x96, 0x01]);
    expect([...encodeMessage(ContentSchema, { sigTimestamp: 2n ** 64n - 1n })]).toEqual([
      0x78, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    ]);
  });

  it('refuses malformed input with PayloadMalformedError only (property: random bytes)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        for (const schema of [ContentSchema, EnvelopeSchema, WebSocketMessageSchema]) {
          try {
            decodeMessage(schema, bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(PayloadMalformedError);
          }
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
      [[0x80, 0x80, 0x80, 0x80, 0x10], /field number 536870912 is out of range/],
      [[0x12, 0x05, 0x01], /runs past the end/],
      [[0x0b], /groups/],
      [[0x0e], /wire type 6/],
      [[0x09, 1, 2, 3], /runs past the end/],
      [[0x0a, 0x02, 0x0a, 0x05], /Content\.dataMessage: protobuf: a field runs past the end/],
    ];
    for (const [bytes, pattern] of cases) {
      expect(() => decodeMessage(ContentSchema, Uint8Array.from(bytes))).toThrow(pattern);
      expect(() => decodeMessage(ContentSchema, Uint8Array.from(bytes))).toThrow(
        PayloadMalformedError,
      );
    }
    expect(() => decodeMessage(ContentSchema, 'text' as unknown as Uint8Array)).toThrow(
      /must be bytes/,
    );
  });

  it('checks wire types, UTF-8, required fields and enum values against the schema', () => {
    const cases: [typeof ContentSchema | typeof EnvelopeSchema, Uint8Array, RegExp][] = [
      [
        ContentSchema,
        raw((w) => w.tag(1, WireType.Varint).uint32(5)),
        /field 1 \(dataMessage\) must be length-delimited \(wire type 2\), got wire type 0/,
      ],
      [
        ContentSchema,
        raw((w) => w.tag(15, WireType.LengthDelimited).bytes(new Uint8Array(2))),
        /field 15 \(sigTimestamp\) must be a varint/,
      ],
      [
        ContentSchema,
        raw((w) =>
          w
            .tag(1, WireType.LengthDelimited)
            .bytes(
              raw((d) => d.tag(1, WireType.LengthDelimited).bytes(Uint8Array.from([0xc3, 0x28]))),
            ),
        ),
        /Content\.dataMessage: protobuf: field 1 \(body\) is not valid UTF-8/,
      ],
      [
        EnvelopeSchema,
        raw((w) =>
          w
            .tag(1, WireType.Varint)
            .uint32(6)
            .tag(8, WireType.LengthDelimited)
            .bytes(new Uint8Array(1)),
        ),
        /required field 5 \(timestamp\) is missing/,
      ],
      [
        EnvelopeSchema,
        raw((w) => w.tag(5, WireType.Varint).uint64(1n)),
        /required field 1 \(type\) is missing/,
      ],
      [
        EnvelopeSchema,
        raw((w) => w.tag(1, WireType.Varint).uint32(3).tag(5, WireType.Varint).uint64(1n)),
        /field 1 \(type\): 3 is not a Type/,
      ],
    ];
    for (const [schema, bytes, pattern] of cases) {
      expect(() => decodeMessage(schema, bytes)).toThrow(pattern);
      expect(() => decodeMessage(schema, bytes)).toThrow(PayloadMalformedError);
    }
    const big = encodeMessage(ContentSchema, {
      dataMessage: { body: 'x' },
      sigTimestamp: 2n ** 60n,
    });
    expect(() => decodeContent(big)).toThrow(/sigTimestamp is too large/);
  });

  it('skips unknown fields of every defined wire type', () => {
    const bytes = raw((w) =>
      w
        .tag(1, WireType.LengthDelimited)
        .bytes(encodeMessage(DataMessageSchema, { body: 'hi' }))
        .tag(200, WireType.Bit64)
        .fixed64(7n)
        .tag(201, WireType.Bit32)
        .fixed32(7)
        .tag(202, WireType.Varint)
        .uint64(2n ** 64n - 1n)
        .tag(203, WireType.LengthDelimited)
        .bytes(Uint8Array.from([0xff, 0xfe])),
    );
    expect(decodeContent(bytes)).toEqual({ kind: 'text', text: 'hi' });
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
    const typing = raw((w) =>
      w.tag(6, WireType.LengthDelimited).bytes(raw((t) => t.tag(1, WireType.Varint).uint32(5))),
    );
    expect(decodeContent(typing)).toEqual({ kind: 'unsupported', fields: [6] });
    const attachmentOnly = raw((w) =>
      w
        .tag(1, WireType.LengthDelimited)
        .bytes(raw((d) => d.tag(2, WireType.LengthDelimited).bytes(new Uint8Array(3)))),
    );
    expect(decodeContent(attachmentOnly)).toEqual({ kind: 'unsupported', fields: [1] });
  });

  it('reads the legacy DataMessage.timestamp when sigTimestamp is absent', () => {
    const data = encodeMessage(DataMessageSchema, { body: 'old', timestamp: 1234n });
    expect(decodeContent(raw((w) => w.tag(1, WireType.LengthDelimited).bytes(data)))).toEqual({
      kind: 'text',
      text: 'old',
      sentAt: 1234,
    });
  });

  it('carries the disappearing timer in Content.expirationType (12) / expirationTimer (13) as Session does', () => {
    const bytes = encodeContent({
      text: 'gone soon',
      sentAt: 1_700_000_000_000,
      expiration: { mode: 'after-send', seconds: 43_200 },
    });
    const content = decodeMessage(ContentSchema, bytes);
    expect(content.expirationType).toBe(2); // DELETE_AFTER_SEND
    expect(content.expirationTimer).toBe(43_200);
    expect(content.dataMessage?.flags).toBe(0);
    // Field 12 is a varint (tag 0x60), field 13 a varint (tag 0x68), written before field 15.
    const hex = bytesToHex(bytes);
    expect(hex).toContain('6002');
    expect(hex).toContain(`68${bytesToHex(raw((w) => w.uint32(43_200)))}`);
    expect(decodeContent(bytes)).toEqual({
      kind: 'text',
      text: 'gone soon',
      sentAt: 1_700_000_000_000,
      expiration: { mode: 'after-send', seconds: 43_200 },
    });
    const read = encodeContent({
      text: 'x',
      sentAt: 5,
      expiration: { mode: 'after-read', seconds: 300 },
    });
    expect(decodeMessage(ContentSchema, read).expirationType).toBe(1); // DELETE_AFTER_READ
    expect(decodeContent(read)).toMatchObject({ expiration: { mode: 'after-read', seconds: 300 } });
    // Without a timer nothing is written: the bytes stay those of a plain message.
    const plain = decodeMessage(ContentSchema, encodeContent({ text: 'x', sentAt: 5 }));
    expect(isFieldSet(plain, ContentSchema.field.expirationType)).toBe(false);
    expect(isFieldSet(plain, ContentSchema.field.expirationTimer)).toBe(false);
  });

  it('round-trips timers (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('after-read' as const, 'after-send' as const),
        fc.integer({ min: 1, max: MAX_EXPIRATION_SECONDS }),
        fc.boolean(),
        (mode, seconds, timerUpdate) => {
          const decoded = decodeContent(
            encodeContent({ text: 't', sentAt: 9, expiration: { mode, seconds }, timerUpdate }),
          );
          if (timerUpdate) {
            expect(decoded).toEqual({
              kind: 'timer-update',
              sentAt: 9,
              expiration: { mode, seconds },
            });
          } else {
            expect(decoded).toEqual({
              kind: 'text',
              text: 't',
              sentAt: 9,
              expiration: { mode, seconds },
            });
          }
        },
      ),
    );
  });

  it('writes a timer update as an EXPIRATION_TIMER_UPDATE data message without a body', () => {
    const on = encodeContent({
      text: 'ignored',
      sentAt: 7,
      timerUpdate: true,
      expiration: { mode: 'after-read', seconds: 3_600 },
    });
    const content = decodeMessage(ContentSchema, on);
    expect(content.dataMessage?.flags).toBe(2);
    expect(isFieldSet(content.dataMessage as never, DataMessageSchema.field.body)).toBe(false);
    expect(decodeContent(on)).toEqual({
      kind: 'timer-update',
      sentAt: 7,
      expiration: { mode: 'after-read', seconds: 3_600 },
    });
    // Off: UNKNOWN / 0 written explicitly, read back as null.
    const off = encodeContent({ text: '', sentAt: 8, timerUpdate: true });
    const offContent = decodeMessage(ContentSchema, off);
    expect(isFieldSet(offContent, ContentSchema.field.expirationTimer)).toBe(true);
    expect(offContent.expirationTimer).toBe(0);
    expect(decodeContent(off)).toEqual({ kind: 'timer-update', sentAt: 8, expiration: null });
  });

  it("reads the pre-v2 DataMessage.expireTimer (5) as an after-read timer, and Session's flag on a legacy update", () => {
    const legacyText = encodeMessage(DataMessageSchema, { body: 'old', expireTimer: 30 });
    expect(decodeContent(raw((w) => w.tag(1, WireType.LengthDelimited).bytes(legacyText)))).toEqual(
      { kind: 'text', text: 'old', expiration: { mode: 'after-read', seconds: 30 } },
    );
    const legacyUpdate = encodeMessage(DataMessageSchema, { flags: 2, expireTimer: 60 });
    expect(
      decodeContent(raw((w) => w.tag(1, WireType.LengthDelimited).bytes(legacyUpdate))),
    ).toEqual({ kind: 'timer-update', expiration: { mode: 'after-read', seconds: 60 } });
    // A timer of 0 is no timer.
    const zero = encodeMessage(ContentSchema, {
      dataMessage: { body: 'b' },
      expirationType: 2,
      expirationTimer: 0,
    });
    expect(decodeContent(zero)).toEqual({ kind: 'text', text: 'b' });
  });

  it('refuses a timer it cannot write with INVALID_INPUT', () => {
    for (const expiration of [
      { mode: 'after-send', seconds: 0 },
      { mode: 'after-send', seconds: 1.5 },
      { mode: 'after-send', seconds: MAX_EXPIRATION_SECONDS + 1 },
      { mode: 'later', seconds: 10 },
      null,
    ]) {
      expect(() =>
        encodeContent({ text: 'x', sentAt: 1, expiration: expiration as never }),
      ).toThrow(InvalidInputError);
      expect(() => checkExpiration(expiration)).toThrow(InvalidInputError);
    }
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
    const response = raw((w) => w.tag(1, WireType.Varint).uint32(2));
    expect(() => decodeEnvelope(response)).toThrow(/type must be REQUEST/);
    const noBody = raw((w) =>
      w.tag(1, WireType.Varint).uint32(1).tag(2, WireType.LengthDelimited).bytes(new Uint8Array()),
    );
    expect(() => decodeEnvelope(noBody)).toThrow(/no body/);
  });

  it('writes envelopes as libsession-util does: sourceDevice 1 and a 64-byte proSig, fields in number order', () => {
    const ciphertext = Uint8Array.from({ length: 200 }, (_, index) => index);
    const proSig = Uint8Array.from({ length: 64 }, (_, index) => 255 - index);
    const envelope = raw((w) =>
      w
        .tag(1, WireType.Varint)
        .uint32(6)
        .tag(5, WireType.Varint)
        .uint64(1_732_600_000_000n)
        .tag(7, WireType.Varint)
        .uint32(1)
        .tag(8, WireType.LengthDelimited)
        .bytes(ciphertext)
        .tag(11, WireType.LengthDelimited)
        .bytes(proSig),
    );
    const request = raw((w) =>
      w
        .tag(1, WireType.LengthDelimited)
        .string('')
        .tag(2, WireType.LengthDelimited)
        .string('')
        .tag(3, WireType.LengthDelimited)
        .bytes(envelope)
        .tag(4, WireType.Varint)
        .uint64(0n),
    );
    const expected = raw((w) =>
      w.tag(1, WireType.Varint).uint32(1).tag(2, WireType.LengthDelimited).bytes(request),
    );
    const bytes = encodeEnvelope(ciphertext, 1_732_600_000_000, proSig);
    expect(bytes).toEqual(expected);
    expect(decodeEnvelope(bytes)).toEqual({
      type: 6,
      timestamp: 1_732_600_000_000,
      content: ciphertext,
    });
    expect(() => encodeEnvelope(ciphertext, 1, new Uint8Array(63))).toThrow(InvalidInputError);
  });

  it("is docs/PROTOCOL.md's message-wrapping example byte for byte", () => {
    const protocol = readFileSync(
      fileURLToPath(new URL('../../../docs/PROTOCOL.md', import.meta.url)),
      'utf8',
    );
    const block = /<!-- example: message-wrapping -->\s*```hex\n([\s\S]*?)```/.exec(protocol)?.[1];
    expect(block).toBeDefined();
    const bytes = encodeEnvelope(
      Uint8Array.from([1, 2, 3]),
      1_732_600_000_000,
      new Uint8Array(64).fill(0xaa),
    );
    expect(bytesToHex(bytes)).toBe(block?.replace(/\s+/g, ''));
  });

  it('seals every message with a fresh proSig decoy that reads like a real signature', () => {
    const alice = crypto.generateIdentity();
    const bob = crypto.generateIdentity();
    const seen = new Set<string>();
    for (let round = 0; round < 5; round++) {
      const sealed = sealTextMessage(crypto, alice, bob.sessionId, { text: 'hi', sentAt: 1 });
      const request = decodeMessage(WebSocketMessageSchema, sealed.bytes).request;
      const envelope = decodeMessage(EnvelopeSchema, request?.body ?? new Uint8Array());
      expect(envelope.sourceDevice).toBe(1);
      expect(envelope.proSig).toHaveLength(64);
      // R is a point of Ed25519's prime-order subgroup, as in a real signature.
      expect(() => crypto.ed25519PublicKeyToX25519(envelope.proSig.subarray(0, 32))).not.toThrow();
      seen.add(bytesToBase64(envelope.proSig));
      expect(openStoredMessage(crypto, bob, sealed.data).content).toEqual({
        kind: 'text',
        text: 'hi',
        sentAt: 1,
      });
    }
    expect(seen.size).toBe(5);
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
