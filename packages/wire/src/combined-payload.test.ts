import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCombinedPayload, encodeCombinedPayload } from './combined-payload.js';
import { MAX_REQUEST_BODY_BYTES } from './constants.js';
import { bytesToHex, hexToBytes, utf8Encode } from './encoding.js';
import { InvalidInputError, PayloadMalformedError, TooLargeError } from './errors.js';

/** The worked example of docs/PROTOCOL.md: a final layer carrying an `info` RPC. */
export const COMBINED_PAYLOAD_EXAMPLE_HEX =
  '1d0000007b226d6574686f64223a22696e666f222c22706172616d73223a7b7d7d7b2268656164657273223a22227d';

describe('encodeCombinedPayload', () => {
  it('writes [u32 LE length][blob][JSON] (the documented example)', () => {
    const bytes = encodeCombinedPayload(utf8Encode('{"method":"info","params":{}}'), {
      headers: '',
    });
    expect(bytesToHex(bytes)).toBe(COMBINED_PAYLOAD_EXAMPLE_HEX);
  });

  it('takes the JSON part as bytes too', () => {
    const bytes = encodeCombinedPayload(new Uint8Array([1, 2]), utf8Encode('{"a":1}'));
    expect(bytesToHex(bytes)).toBe('0200000001027b2261223a317d');
  });

  it('writes an empty blob as a zero length', () => {
    expect(bytesToHex(encodeCombinedPayload(new Uint8Array(), {}))).toBe('000000007b7d');
  });

  it('refuses a payload over the limit, and a JSON part that is not an object', () => {
    expect(() => encodeCombinedPayload(new Uint8Array(100), {}, { maxBytes: 50 })).toThrow(
      TooLargeError,
    );
    expect(() =>
      encodeCombinedPayload(new Uint8Array(), [] as unknown as Record<string, unknown>),
    ).toThrow(InvalidInputError);
    expect(() => encodeCombinedPayload('x' as unknown as Uint8Array, {})).toThrow(
      InvalidInputError,
    );
    expect(() => encodeCombinedPayload(new Uint8Array(), {}, { maxBytes: 2 })).toThrow(/maxBytes/);
  });
});

describe('decodeCombinedPayload', () => {
  it('reads the documented example', () => {
    const { blob, json, jsonBytes } = decodeCombinedPayload(
      hexToBytes(COMBINED_PAYLOAD_EXAMPLE_HEX),
    );
    expect(new TextDecoder().decode(blob)).toBe('{"method":"info","params":{}}');
    expect(json).toEqual({ headers: '' });
    expect(new TextDecoder().decode(jsonBytes)).toBe('{"headers":""}');
  });

  it('returns views into the input', () => {
    const input = hexToBytes(COMBINED_PAYLOAD_EXAMPLE_HEX);
    const { blob, jsonBytes } = decodeCombinedPayload(input);
    expect(blob.buffer).toBe(input.buffer);
    expect(jsonBytes.buffer).toBe(input.buffer);
  });

  it('reads a payload that is a view into a larger buffer', () => {
    const whole = hexToBytes(`ffff${COMBINED_PAYLOAD_EXAMPLE_HEX}`);
    expect(decodeCombinedPayload(whole.subarray(2)).json).toEqual({ headers: '' });
  });

  it.each([
    ['', /shorter than its 4-byte length prefix/],
    ['010000', /shorter than its 4-byte length prefix/],
    ['05000000aabb', /announces a 5-byte blob but only 2 bytes follow/],
    ['ffffffff7b7d', /announces a 4294967295-byte blob/],
    ['02000000aabb', /the JSON part is missing/],
    ['00000000ff', /not valid UTF-8/],
    ['000000007b', /not valid JSON/],
    ['000000005b5d', /must be a JSON object/],
    ['000000006e756c6c', /must be a JSON object/],
    ['0000000031', /must be a JSON object/],
  ])('rejects %s', (hex, message) => {
    expect(() => decodeCombinedPayload(hexToBytes(hex))).toThrow(PayloadMalformedError);
    expect(() => decodeCombinedPayload(hexToBytes(hex))).toThrow(message);
  });

  it('rejects a payload over the limit with 413', () => {
    const error = (() => {
      try {
        decodeCombinedPayload(new Uint8Array(MAX_REQUEST_BODY_BYTES + 1));
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(TooLargeError);
    expect((error as TooLargeError).status).toBe(413);
    expect(() =>
      decodeCombinedPayload(hexToBytes(COMBINED_PAYLOAD_EXAMPLE_HEX), { maxBytes: 10 }),
    ).toThrow(TooLargeError);
  });

  it('refuses what is not bytes', () => {
    expect(() => decodeCombinedPayload('00' as unknown as Uint8Array)).toThrow(
      PayloadMalformedError,
    );
  });
});

describe('combined payload properties', () => {
  const jsonObject = fc
    .dictionary(fc.string(), fc.jsonValue())
    .map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>);

  it('decode(encode(blob, json)) gives both back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), jsonObject, (blob, json) => {
        const decoded = decodeCombinedPayload(encodeCombinedPayload(blob, json));
        expect(decoded.blob).toEqual(blob);
        expect(decoded.json).toEqual(json);
      }),
    );
  });

  it('random bytes decode or throw PayloadMalformedError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const { blob, json } = decodeCombinedPayload(bytes);
          expect(typeof json).toBe('object');
          expect(blob.length).toBeLessThanOrEqual(bytes.length - 4);
        } catch (error) {
          expect(error).toBeInstanceOf(PayloadMalformedError);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('any truncation of the prefix or blob fails', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), jsonObject, (blob, json) => {
        const bytes = encodeCombinedPayload(blob, json);
        for (let end = 0; end < 4 + blob.length; end++) {
          expect(() => decodeCombinedPayload(bytes.subarray(0, end))).toThrow(
            PayloadMalformedError,
          );
        }
      }),
      { numRuns: 50 },
    );
  });
});
