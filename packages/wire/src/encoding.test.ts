import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64ToBytes,
  bytesToBase64,
  bytesToHex,
  concatBytes,
  equalBytes,
  hexToBytes,
  isBase64,
  isHex,
  portableBase64ToBytes,
  portableBytesToBase64,
  utf8Decode,
  utf8Encode,
} from './encoding.js';
import { InvalidInputError } from './errors.js';

describe('hex', () => {
  it('encodes lower case and decodes either case', () => {
    expect(bytesToHex(new Uint8Array([0, 1, 0xab, 0xff]))).toBe('0001abff');
    expect(hexToBytes('0001ABff')).toEqual(new Uint8Array([0, 1, 0xab, 0xff]));
    expect(hexToBytes('')).toEqual(new Uint8Array());
  });

  it.each(['abc', 'zz', '0x00', ' 00', '00 '])('refuses %j', (value) => {
    expect(() => hexToBytes(value, { field: 'pubkey' })).toThrow(InvalidInputError);
    expect(() => hexToBytes(value, { field: 'pubkey' })).toThrow(
      'pubkey must be an even-length hex string',
    );
  });

  it('checks the byte length when asked', () => {
    expect(hexToBytes('00'.repeat(32), { length: 32 })).toHaveLength(32);
    expect(() => hexToBytes('00'.repeat(31), { length: 32, field: 'key' })).toThrow(
      'key must be 32 bytes (64 hex characters), got 62 characters',
    );
  });

  it('isHex', () => {
    expect(isHex('00ff')).toBe(true);
    expect(isHex('00ff', 2)).toBe(true);
    expect(isHex('00ff', 3)).toBe(false);
    expect(isHex('0')).toBe(false);
    expect(isHex(5)).toBe(false);
  });

  it('round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array(), (bytes) => equalBytes(hexToBytes(bytesToHex(bytes)), bytes)),
    );
  });

  it('agrees with Buffer on any string, hex or not', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.stringMatching(/^[0-9a-fA-F]*$/),
          fc.stringMatching(/^[0-9a-gA-G:@`/]*$/),
        ),
        (text) => {
          const valid = /^(?:[0-9a-fA-F]{2})*$/.test(text);
          if (valid) expect(hexToBytes(text)).toEqual(new Uint8Array(Buffer.from(text, 'hex')));
          else expect(() => hexToBytes(text)).toThrow(InvalidInputError);
          expect(isHex(text)).toBe(valid);
        },
      ),
    );
  });
});

describe('base64 without Node’s Buffer (browsers)', () => {
  it('agrees with the Buffer path', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = portableBytesToBase64(bytes);
        expect(text).toBe(bytesToBase64(bytes));
        expect(portableBase64ToBytes(text)).toEqual(bytes);
        expect(portableBase64ToBytes(text.replace(/=+$/, ''))).toEqual(bytes);
      }),
    );
  });
});

describe('base64', () => {
  it('encodes padded by default, unpadded on request', () => {
    expect(bytesToBase64(utf8Encode('hi'))).toBe('aGk=');
    expect(bytesToBase64(utf8Encode('hi'), { padded: false })).toBe('aGk');
    expect(bytesToBase64(new Uint8Array())).toBe('');
  });

  it('decodes into an array of its own', () => {
    const bytes = base64ToBytes('aGk=');
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(2);
  });

  it('decodes with or without padding', () => {
    expect(base64ToBytes('aGk=')).toEqual(utf8Encode('hi'));
    expect(base64ToBytes('aGk')).toEqual(utf8Encode('hi'));
    expect(base64ToBytes('aA')).toEqual(utf8Encode('h'));
  });

  it.each(['a', 'aGk==', 'aG k=', 'aGk-', 'aGk_', '=aGk', 'aGk=\n'])('refuses %j', (value) => {
    expect(() => base64ToBytes(value, { field: 'data' })).toThrow('data must be standard base64');
    expect(isBase64(value)).toBe(false);
  });

  it('handles inputs longer than one chunk', () => {
    const bytes = new Uint8Array(100_000).map((_, i) => i % 251);
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
  });

  it('round-trips and agrees with Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, padded) => {
        const text = bytesToBase64(bytes, { padded });
        const reference = Buffer.from(bytes).toString('base64');
        expect(text).toBe(padded ? reference : reference.replace(/=+$/, ''));
        expect(base64ToBytes(text)).toEqual(bytes);
      }),
    );
  });
});

describe('utf8', () => {
  it('round-trips well-formed text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => utf8Decode(utf8Encode(text)) === text),
    );
  });

  it('refuses invalid UTF-8', () => {
    expect(() => utf8Decode(new Uint8Array([0xc3, 0x28]), { field: 'json' })).toThrow(
      'json is not valid UTF-8',
    );
  });
});

describe('concatBytes and equalBytes', () => {
  it('concatenate in order', () => {
    expect(concatBytes(new Uint8Array([1]), new Uint8Array(), new Uint8Array([2, 3]))).toEqual(
      new Uint8Array([1, 2, 3]),
    );
    expect(concatBytes()).toEqual(new Uint8Array());
  });

  it('compare contents', () => {
    expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(equalBytes(new Uint8Array([1]), new Uint8Array([1, 2]))).toBe(false);
  });
});
