/**
 * Bencode, strict and canonical, as oxenc encodes it (and as Session's onion v4 and node-to-node
 * messages use it): integers `i<n>e`, byte strings `<length>:<bytes>`, lists `l...e`, and dicts
 * `d...e` with keys sorted by their raw bytes.
 *
 * Decoding accepts only the canonical form, so that every value has exactly one encoding: no
 * leading zeros, no `-0`, dict keys strictly ascending (so unique), nothing after the value,
 * nesting at most {@link BENCODE_MAX_DEPTH} deep, string lengths within the input. Integers
 * must fit in 64 bits (−2^63 … 2^64 − 1, the range of oxenc's int64/uint64); they decode to a
 * `number` when they are safe integers and to a `bigint` otherwise. Byte strings decode to
 * `Uint8Array` views into the input (not copies); dict keys must be UTF-8 and decode to strings.
 * Any malformed input throws {@link PayloadMalformedError}, never anything else.
 */
import { BENCODE_MAX_DEPTH } from './constants.js';
import { concatBytes, utf8Encode } from './encoding.js';
import { InvalidInputError, PayloadMalformedError } from './errors.js';

/** A decoded bencode value. Dicts are `Map`s so that any key is safe (even `__proto__`). */
export type BencodeValue = number | bigint | Uint8Array | BencodeValue[] | BencodeDict;

/** A decoded bencode dict. */
export type BencodeDict = Map<string, BencodeValue>;

/**
 * What {@link encodeBencode} accepts: safe integers and bigints, strings (encoded as UTF-8),
 * bytes, arrays, and `Map`s or plain objects (keys sorted by their UTF-8 bytes; `undefined`
 * members of plain objects are skipped). Every {@link BencodeValue} is accepted.
 */
export type BencodeInput =
  | number
  | bigint
  | string
  | Uint8Array
  | readonly BencodeInput[]
  | ReadonlyMap<string, BencodeInput>
  | { readonly [key: string]: BencodeInput | undefined };

/** Options of {@link decodeBencode}. */
export interface BencodeDecodeOptions {
  /** The deepest nesting of lists and dicts accepted (default {@link BENCODE_MAX_DEPTH}). */
  maxDepth?: number;
}

const MIN_INTEGER = -(2n ** 63n);
const MAX_INTEGER = 2n ** 64n - 1n;
const MAX_INTEGER_DIGITS = 20;
const MAX_LENGTH_DIGITS = 15;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const BYTE_i = 0x69;
const BYTE_l = 0x6c;
const BYTE_d = 0x64;
const BYTE_e = 0x65;
const BYTE_COLON = 0x3a;
const BYTE_MINUS = 0x2d;
const BYTE_0 = 0x30;
const BYTE_9 = 0x39;

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = (a[i] as number) - (b[i] as number);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

function textBytes(text: string, what: string): Uint8Array {
  if (LONE_SURROGATE.test(text)) {
    throw new InvalidInputError(`bencode: ${what} is not well-formed Unicode (lone surrogate)`);
  }
  return utf8Encode(text);
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array[] {
  return [utf8Encode(`${bytes.length}:`), bytes];
}

function encodeInto(value: unknown, out: Uint8Array[], depth: number): void {
  if (depth > BENCODE_MAX_DEPTH) {
    throw new InvalidInputError(`bencode: nesting deeper than ${BENCODE_MAX_DEPTH} (or a cycle)`);
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new InvalidInputError(
        `bencode: ${value} is not a safe integer (use a bigint for larger integers)`,
      );
    }
    out.push(utf8Encode(`i${value === 0 ? 0 : value}e`));
  } else if (typeof value === 'bigint') {
    if (value < MIN_INTEGER || value > MAX_INTEGER) {
      throw new InvalidInputError('bencode: integers must be within -2^63 .. 2^64-1');
    }
    out.push(utf8Encode(`i${value}e`));
  } else if (typeof value === 'string') {
    out.push(...lengthPrefixed(textBytes(value, 'a string')));
  } else if (value instanceof Uint8Array) {
    out.push(...lengthPrefixed(value));
  } else if (Array.isArray(value)) {
    out.push(utf8Encode('l'));
    for (const item of value) encodeInto(item, out, depth + 1);
    out.push(utf8Encode('e'));
  } else if (value instanceof Map || (typeof value === 'object' && value !== null)) {
    const entries: [Uint8Array, unknown][] = [];
    const source =
      value instanceof Map
        ? [...(value as Map<unknown, unknown>).entries()]
        : Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    for (const [key, item] of source) {
      if (typeof key !== 'string')
        throw new InvalidInputError('bencode: dict keys must be strings');
      entries.push([textBytes(key, 'a dict key'), item]);
    }
    entries.sort(([a], [b]) => compareBytes(a, b));
    out.push(utf8Encode('d'));
    for (const [key, item] of entries) {
      out.push(...lengthPrefixed(key));
      encodeInto(item, out, depth + 1);
    }
    out.push(utf8Encode('e'));
  } else {
    throw new InvalidInputError(
      `bencode: cannot encode a ${value === null ? 'null' : typeof value} (only integers, strings, bytes, lists and dicts)`,
    );
  }
}

/**
 * Encodes a value as canonical bencode.
 *
 * @throws {@link InvalidInputError} for values bencode cannot hold (booleans, null, floats,
 * integers outside 64 bits, nesting deeper than {@link BENCODE_MAX_DEPTH}).
 */
export function encodeBencode(value: BencodeInput): Uint8Array {
  const out: Uint8Array[] = [];
  encodeInto(value, out, 0);
  return concatBytes(...out);
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

class Reader {
  position = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly maxDepth: number,
  ) {}

  fail(message: string, at = this.position): never {
    throw new PayloadMalformedError(`bencode: ${message} at byte ${at}`, {
      details: { offset: at },
    });
  }

  peek(what: string): number {
    const byte = this.bytes[this.position];
    if (byte === undefined) this.fail(`input ends inside ${what}`);
    return byte;
  }

  value(depth: number): BencodeValue {
    const byte = this.peek('a value');
    if (byte === BYTE_i) return this.integer();
    if (byte === BYTE_l) return this.list(depth);
    if (byte === BYTE_d) return this.dict(depth);
    if (byte >= BYTE_0 && byte <= BYTE_9) return this.string();
    return this.fail(`unexpected byte 0x${byte.toString(16).padStart(2, '0')}`);
  }

  integer(): number | bigint {
    const start = this.position;
    this.position++; // 'i'
    let negative = false;
    if (this.peek('an integer') === BYTE_MINUS) {
      negative = true;
      this.position++;
    }
    const digitsStart = this.position;
    while (true) {
      const byte = this.peek('an integer');
      if (byte === BYTE_e) break;
      if (byte < BYTE_0 || byte > BYTE_9) this.fail('a non-digit in an integer');
      this.position++;
      if (this.position - digitsStart > MAX_INTEGER_DIGITS) this.fail('an integer too long', start);
    }
    const digits = this.position - digitsStart;
    if (digits === 0) this.fail('an integer without digits', start);
    if (this.bytes[digitsStart] === BYTE_0 && (digits > 1 || negative)) {
      this.fail(negative ? 'a negative zero' : 'a leading zero in an integer', start);
    }
    let text = '';
    for (let i = digitsStart; i < this.position; i++) {
      text += String.fromCharCode(this.bytes[i] as number);
    }
    this.position++; // 'e'
    const value = negative ? -BigInt(text) : BigInt(text);
    if (value < MIN_INTEGER || value > MAX_INTEGER) {
      this.fail('an integer outside -2^63 .. 2^64-1', start);
    }
    const asNumber = Number(value);
    return Number.isSafeInteger(asNumber) ? asNumber : value;
  }

  string(): Uint8Array {
    const start = this.position;
    let length = 0;
    let digits = 0;
    while (true) {
      const byte = this.peek('a string length');
      if (byte === BYTE_COLON) break;
      if (byte < BYTE_0 || byte > BYTE_9) this.fail('a non-digit in a string length');
      if (digits === 1 && length === 0) this.fail('a leading zero in a string length', start);
      length = length * 10 + (byte - BYTE_0);
      digits++;
      if (digits > MAX_LENGTH_DIGITS) this.fail('a string length too long', start);
      this.position++;
    }
    this.position++; // ':'
    const remaining = this.bytes.length - this.position;
    if (length > remaining) {
      this.fail(`a ${length}-byte string with only ${remaining} bytes left`, start);
    }
    const out = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return out;
  }

  enter(depth: number): number {
    if (depth + 1 > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    this.position++; // 'l' or 'd'
    return depth + 1;
  }

  list(depth: number): BencodeValue[] {
    const inner = this.enter(depth);
    const out: BencodeValue[] = [];
    while (this.peek('a list') !== BYTE_e) out.push(this.value(inner));
    this.position++;
    return out;
  }

  dict(depth: number): BencodeDict {
    const inner = this.enter(depth);
    const out: BencodeDict = new Map();
    let previous: Uint8Array | undefined;
    while (true) {
      const byte = this.peek('a dict');
      if (byte === BYTE_e) break;
      const keyStart = this.position;
      if (byte < BYTE_0 || byte > BYTE_9) this.fail('a dict key that is not a string');
      const keyBytes = this.string();
      if (previous !== undefined && compareBytes(previous, keyBytes) >= 0) {
        this.fail('a dict key out of order or repeated', keyStart);
      }
      previous = keyBytes;
      let key: string;
      try {
        key = strictDecoder.decode(keyBytes);
      } catch {
        return this.fail('a dict key that is not UTF-8', keyStart);
      }
      if (this.peek('a dict') === BYTE_e) this.fail('a dict key without a value');
      out.set(key, this.value(inner));
    }
    this.position++;
    return out;
  }
}

/**
 * Decodes one canonical bencode value that spans all of `bytes`.
 *
 * @throws {@link PayloadMalformedError} for anything truncated, non-canonical, too deep, with
 * trailing bytes, or otherwise malformed.
 */
export function decodeBencode(bytes: Uint8Array, options: BencodeDecodeOptions = {}): BencodeValue {
  if (!(bytes instanceof Uint8Array)) throw new PayloadMalformedError('bencode: expected bytes');
  const maxDepth = options.maxDepth ?? BENCODE_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 0) {
    throw new InvalidInputError('bencode: `maxDepth` must be a non-negative integer');
  }
  const reader = new Reader(bytes, maxDepth);
  const value = reader.value(0);
  if (reader.position !== bytes.length) {
    reader.fail(`${bytes.length - reader.position} trailing bytes after the value`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Reading decoded dicts
// ---------------------------------------------------------------------------------------------

/** True for a decoded bencode dict. */
export function isBencodeDict(value: unknown): value is BencodeDict {
  return value instanceof Map;
}

/** Options of the `getBencode*` readers. */
export interface BencodeFieldOptions {
  /** Return `undefined` when the key is absent instead of throwing. */
  optional?: boolean;
}

function field<T>(
  dict: BencodeDict,
  key: string,
  options: BencodeFieldOptions,
  kind: string,
  read: (value: BencodeValue) => T | undefined,
): T | undefined {
  const value = dict.get(key);
  if (value === undefined) {
    if (options.optional) return undefined;
    throw new PayloadMalformedError(`bencode: dict has no \`${key}\``, { details: { field: key } });
  }
  const out = read(value);
  if (out === undefined) {
    throw new PayloadMalformedError(`bencode: \`${key}\` must be ${kind}`, {
      details: { field: key },
    });
  }
  return out;
}

/** The byte string at `key`. */
export function getBencodeBytes(dict: BencodeDict, key: string): Uint8Array;
export function getBencodeBytes(
  dict: BencodeDict,
  key: string,
  options: BencodeFieldOptions,
): Uint8Array | undefined;
export function getBencodeBytes(dict: BencodeDict, key: string, options: BencodeFieldOptions = {}) {
  return field(dict, key, options, 'a byte string', (v) =>
    v instanceof Uint8Array ? v : undefined,
  );
}

/** The UTF-8 string at `key`. */
export function getBencodeString(dict: BencodeDict, key: string): string;
export function getBencodeString(
  dict: BencodeDict,
  key: string,
  options: BencodeFieldOptions,
): string | undefined;
export function getBencodeString(
  dict: BencodeDict,
  key: string,
  options: BencodeFieldOptions = {},
) {
  return field(dict, key, options, 'a UTF-8 string', (v) => {
    if (!(v instanceof Uint8Array)) return undefined;
    try {
      return strictDecoder.decode(v);
    } catch {
      return undefined;
    }
  });
}

/** The integer at `key`, which must be a safe integer. */
export function getBencodeInteger(dict: BencodeDict, key: string): number;
export function getBencodeInteger(
  dict: BencodeDict,
  key: string,
  options: BencodeFieldOptions,
): number | undefined;
export function getBencodeInteger(
  dict: BencodeDict,
  key: string,
  options: BencodeFieldOptions = {},
) {
  return field(dict, key, options, 'an integer within ±(2^53 − 1)', (v) =>
    typeof v === 'number' ? v : undefined,
  );
}

/** The integer at `key` as a bigint (any 64-bit integer). */
export function getBencodeBigInt(dict: BencodeDict, key: string): bigint;
export function getBencodeBigInt(
  dict: BencodeDict,
  key: string,
  options: BencodeFieldOptions,
): bigint | undefined;
export function getBencodeBigInt(
  dict: BencodeDict,
  key: string,
  options: BencodeFieldOptions = {},
) {
  return field(dict, key, options, 'an integer', (v) =>
    typeof v === 'number' ? BigInt(v) : typeof v === 'bigint' ? v : undefined,
  );
}

/** The list at `key`. */
export function getBencodeList(dict: BencodeDict, key: string): BencodeValue[];
export function getBencodeList(
  dict: BencodeDict,
  key: string,
  options: BencodeFieldOptions,
): BencodeValue[] | undefined;
export function getBencodeList(dict: BencodeDict, key: string, options: BencodeFieldOptions = {}) {
  return field(dict, key, options, 'a list', (v) => (Array.isArray(v) ? v : undefined));
}

/** The dict at `key`. */
export function getBencodeDict(dict: BencodeDict, key: string): BencodeDict;
export function getBencodeDict(
  dict: BencodeDict,
  key: string,
  options: BencodeFieldOptions,
): BencodeDict | undefined;
export function getBencodeDict(dict: BencodeDict, key: string, options: BencodeFieldOptions = {}) {
  return field(dict, key, options, 'a dict', (v) => (v instanceof Map ? v : undefined));
}
