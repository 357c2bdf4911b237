import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BencodeInput,
  type BencodeValue,
  decodeBencode,
  encodeBencode,
  getBencodeBigInt,
  getBencodeBytes,
  getBencodeDict,
  getBencodeInteger,
  getBencodeList,
  getBencodeString,
  isBencodeDict,
} from './bencode.js';
import { bytesToHex, hexToBytes, utf8Encode } from './encoding.js';
import { InvalidInputError, PayloadMalformedError } from './errors.js';

const text = (value: string) => utf8Encode(value);
const decodeText = (value: string) => decodeBencode(text(value));

describe('encodeBencode', () => {
  it.each<[BencodeInput, string]>([
    [0, 'i0e'],
    [-0, 'i0e'],
    [42, 'i42e'],
    [-7, 'i-7e'],
    [2n ** 64n - 1n, 'i18446744073709551615e'],
    [-(2n ** 63n), 'i-9223372036854775808e'],
    ['', '0:'],
    ['spam', '4:spam'],
    ['é', '2:é'],
    [[], 'le'],
    [['a', 1, []], 'l1:ai1elee'],
    [{}, 'de'],
    [{ b: 1, a: 'x' }, 'd1:a1:x1:bi1ee'],
    [new Map([['cow', 'moo']]), 'd3:cow3:mooe'],
    [{ a: undefined, b: 2 }, 'd1:bi2ee'],
  ])('%s → %s', (value, expected) => {
    expect(new TextDecoder().decode(encodeBencode(value))).toBe(expected);
  });

  it('writes bytes as they are', () => {
    expect(bytesToHex(encodeBencode(new Uint8Array([0xde, 0xad])))).toBe('323adead');
  });

  it('sorts dict keys by their UTF-8 bytes, not by UTF-16 order', () => {
    // U+FFFF (EF BF BF) sorts before U+10000 (F0 90 80 80) in bytes, after it in UTF-16.
    const encoded = encodeBencode({ '\u{10000}': 1, '\uffff': 2 });
    const dict = decodeBencode(encoded) as Map<string, BencodeValue>;
    expect([...dict.keys()]).toEqual(['\uffff', '\u{10000}']);
  });

  it.each<[unknown, RegExp]>([
    [1.5, /not a safe integer/],
    [2 ** 53, /not a safe integer/],
    [Number.NaN, /not a safe integer/],
    [2n ** 64n, /within -2\^63/],
    [-(2n ** 63n) - 1n, /within -2\^63/],
    [true, /cannot encode a boolean/],
    [null, /cannot encode a null/],
    ['\ud800', /not well-formed Unicode/],
    [{ '\udc00': 1 }, /not well-formed Unicode/],
  ])('refuses %s', (value, message) => {
    expect(() => encodeBencode(value as BencodeInput)).toThrow(InvalidInputError);
    expect(() => encodeBencode(value as BencodeInput)).toThrow(message);
  });

  it('refuses nesting deeper than 64 (and cycles)', () => {
    let deep: BencodeInput = [];
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(() => encodeBencode(deep)).toThrow(/nesting deeper than 64/);
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(() => encodeBencode(cycle as BencodeInput)).toThrow(InvalidInputError);
  });
});

describe('decodeBencode', () => {
  it('decodes every kind of value', () => {
    const value = decodeText('d4:listli1ei-2e0:e3:numi9007199254740993e3:str5:helloe');
    expect(isBencodeDict(value)).toBe(true);
    const dict = value as Map<string, BencodeValue>;
    expect(getBencodeList(dict, 'list')).toEqual([1, -2, new Uint8Array()]);
    expect(getBencodeBigInt(dict, 'num')).toBe(9_007_199_254_740_993n);
    expect(getBencodeString(dict, 'str')).toBe('hello');
  });

  it('returns numbers for safe integers and bigints beyond', () => {
    expect(decodeText('i9007199254740991e')).toBe(9_007_199_254_740_991);
    expect(decodeText('i-9007199254740991e')).toBe(-9_007_199_254_740_991);
    expect(decodeText('i9007199254740992e')).toBe(9_007_199_254_740_992n);
    expect(decodeText('i18446744073709551615e')).toBe(18_446_744_073_709_551_615n);
    expect(decodeText('i-9223372036854775808e')).toBe(-9_223_372_036_854_775_808n);
  });

  it('returns byte strings as views into the input', () => {
    const input = text('3:abc');
    const value = decodeBencode(input) as Uint8Array;
    expect(value.buffer).toBe(input.buffer);
    expect(bytesToHex(value)).toBe('616263');
  });

  it.each([
    ['', 'input ends inside a value'],
    ['i', 'input ends inside an integer'],
    ['ie', 'an integer without digits'],
    ['i-e', 'an integer without digits'],
    ['i-0e', 'a negative zero'],
    ['i03e', 'a leading zero in an integer'],
    ['i00e', 'a leading zero in an integer'],
    ['i1.5e', 'a non-digit in an integer'],
    ['i+1e', 'a non-digit in an integer'],
    ['i18446744073709551616e', 'an integer outside'],
    ['i-9223372036854775809e', 'an integer outside'],
    ['i123456789012345678901e', 'an integer too long'],
    ['01:a', 'a leading zero in a string length'],
    ['5:abc', 'a 5-byte string with only 3 bytes left'],
    ['3abc', 'a non-digit in a string length'],
    ['3', 'input ends inside a string length'],
    ['9999999999999999:', 'a string length too long'],
    ['l', 'input ends inside a list'],
    ['li1e', 'input ends inside a list'],
    ['d', 'input ends inside a dict'],
    ['di1ei2ee', 'a dict key that is not a string'],
    ['d1:b0:1:a0:e', 'a dict key out of order or repeated'],
    ['d1:a0:1:a0:e', 'a dict key out of order or repeated'],
    ['d1:a0:', 'input ends inside a dict'],
    ['d1:ae', 'a dict key without a value'],
    ['d1:a', 'input ends inside a dict'],
    ['i1ei2e', '3 trailing bytes after the value'],
    ['le ', '1 trailing bytes after the value'],
    ['x', 'unexpected byte 0x78'],
    ['e', 'unexpected byte 0x65'],
  ])('rejects %j (%s)', (input, message) => {
    expect(() => decodeText(input)).toThrow(PayloadMalformedError);
    expect(() => decodeText(input)).toThrow(message);
  });

  it('rejects dict keys that are not UTF-8', () => {
    const bytes = hexToBytes('64' + '313a' + 'ff' + '6930' + '65' + '65');
    expect(() => decodeBencode(bytes)).toThrow(/dict key that is not UTF-8/);
  });

  it('limits nesting depth', () => {
    const nested = (depth: number) => text('l'.repeat(depth) + 'e'.repeat(depth));
    expect(() => decodeBencode(nested(64))).not.toThrow();
    expect(() => decodeBencode(nested(65))).toThrow(/nesting deeper than 64/);
    expect(() => decodeBencode(nested(3), { maxDepth: 2 })).toThrow(/nesting deeper than 2/);
    expect(decodeBencode(text('i1e'), { maxDepth: 0 })).toBe(1);
  });

  it('keeps a key named __proto__ as an ordinary key', () => {
    const dict = decodeText('d9:__proto__i1ee') as Map<string, BencodeValue>;
    expect(dict.get('__proto__')).toBe(1);
    expect(Object.getPrototypeOf(dict)).toBe(Map.prototype);
  });
});

describe('dict readers', () => {
  const dict = decodeText(
    'd3:bigi9007199254740993e5:bytes2:\u0001\u00024:dictde3:inti5e4:listle3:str2:hie',
  ) as Map<string, BencodeValue>;

  it('read each kind', () => {
    expect(getBencodeBytes(dict, 'bytes')).toEqual(new Uint8Array([1, 2]));
    expect(getBencodeInteger(dict, 'int')).toBe(5);
    expect(getBencodeBigInt(dict, 'int')).toBe(5n);
    expect(getBencodeString(dict, 'str')).toBe('hi');
    expect(getBencodeList(dict, 'list')).toEqual([]);
    expect(getBencodeDict(dict, 'dict')).toEqual(new Map());
  });

  it('name the missing or mistyped key', () => {
    expect(() => getBencodeBytes(dict, 'nope')).toThrow('bencode: dict has no `nope`');
    expect(getBencodeBytes(dict, 'nope', { optional: true })).toBeUndefined();
    expect(() => getBencodeInteger(dict, 'str')).toThrow('bencode: `str` must be an integer');
    expect(() => getBencodeInteger(dict, 'big')).toThrow(PayloadMalformedError);
    expect(() => getBencodeString(dict, 'int')).toThrow('`int` must be a UTF-8 string');
    expect(() => getBencodeList(dict, 'dict')).toThrow('`dict` must be a list');
    expect(() => getBencodeDict(dict, 'list')).toThrow('`list` must be a dict');
    expect(() => getBencodeBigInt(dict, 'str')).toThrow('`str` must be an integer');
  });

  it('refuse a string that is not UTF-8', () => {
    const bad = decodeBencode(hexToBytes('64313a78313aff65')) as Map<string, BencodeValue>;
    expect(() => getBencodeString(bad, 'x')).toThrow('`x` must be a UTF-8 string');
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const integerArb = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
);

const valueArb: fc.Arbitrary<BencodeInput> = fc.letrec<{ value: BencodeInput }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    integerArb,
    fc.string({ unit: 'grapheme' }),
    fc.uint8Array({ maxLength: 32 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** What decoding the encoding of `value` must give. */
function expected(value: BencodeInput): BencodeValue {
  if (typeof value === 'number') return value === 0 ? 0 : value;
  if (typeof value === 'bigint') {
    return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  }
  if (typeof value === 'string') return utf8Encode(value);
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(expected);
  const entries =
    value instanceof Map
      ? [...value.entries()]
      : Object.entries(value as Record<string, BencodeInput>);
  const sorted = entries
    .map(([key, item]) => [key, expected(item as BencodeInput)] as const)
    .sort(([a], [b]) => Buffer.compare(utf8Encode(a), utf8Encode(b)));
  return new Map(sorted);
}

describe('bencode properties', () => {
  it('decode(encode(v)) gives v back', () => {
    fc.assert(
      fc.property(valueArb, (value) => {
        expect(decodeBencode(encodeBencode(value))).toEqual(expected(value));
      }),
      { numRuns: 300 },
    );
  });

  it('encoding is canonical: encode(decode(bytes)) === bytes', () => {
    fc.assert(
      fc.property(valueArb, (value) => {
        const bytes = encodeBencode(value);
        expect(encodeBencode(decodeBencode(bytes))).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes either decode canonically or throw PayloadMalformedError', () => {
    const bencodeish = fc
      .array(fc.constantFrom('i', 'e', 'l', 'd', '0', '1', '2', '3', ':', '-', 'a', '9'), {
        maxLength: 24,
      })
      .map((chars) => utf8Encode(chars.join('')));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), bencodeish), (bytes) => {
        let value: BencodeValue;
        try {
          value = decodeBencode(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(PayloadMalformedError);
          return;
        }
        expect(encodeBencode(value)).toEqual(bytes);
      }),
      { numRuns: 2_000 },
    );
  });

  it('truncating a valid encoding always fails', () => {
    fc.assert(
      fc.property(valueArb, fc.nat(), (value, cut) => {
        const bytes = encodeBencode(value);
        const end = cut % bytes.length;
        expect(() => decodeBencode(bytes.subarray(0, end))).toThrow(PayloadMalformedError);
      }),
      { numRuns: 300 },
    );
  });
});
