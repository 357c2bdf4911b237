/**
 * A tiny protobuf (proto2 wire format) writer and a strict reader: just what the message
 * wrapping needs (varints, length-delimited fields). The reader never throws anything but a
 * `PayloadMalformedError`, whatever bytes it is given: truncated varints or lengths, varints
 * longer than 10 bytes, field number 0, groups and the two undefined wire types are refused;
 * unknown fields of the defined wire types are skipped, as protobuf readers do.
 */
import { PayloadMalformedError } from '@murmur/wire';

/** Protobuf wire types. */
export const WireType = Object.freeze({
  varint: 0,
  fixed64: 1,
  lengthDelimited: 2,
  fixed32: 5,
} as const);

/** One field as read: its wire type and raw value. */
export type ProtoField =
  | { wireType: 0; value: bigint }
  | { wireType: 1 | 5; value: Uint8Array }
  | { wireType: 2; value: Uint8Array };

const MAX_FIELD_NUMBER = 2 ** 29 - 1;
const UINT64_MAX = (1n << 64n) - 1n;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();

function malformed(message: string, field?: number): PayloadMalformedError {
  return new PayloadMalformedError(
    `protobuf: ${message}`,
    field === undefined ? {} : { details: { field } },
  );
}

/** Builds a message field by field, in the order written. */
export class ProtoWriter {
  readonly #chunks: number[] = [];

  #pushVarint(value: bigint): void {
    let rest = value;
    while (rest > 0x7fn) {
      this.#chunks.push(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.#chunks.push(Number(rest));
  }

  #tag(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > MAX_FIELD_NUMBER) {
      throw malformed(`field number ${field} is out of range`);
    }
    this.#pushVarint((BigInt(field) << 3n) | BigInt(wireType));
  }

  /** A varint field (uint32, uint64, enum, bool). Negative values are refused. */
  uint(field: number, value: number | bigint | boolean): this {
    const big = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value);
    if (big < 0n || big > UINT64_MAX) throw malformed('a varint must be in 0 .. 2^64 - 1', field);
    this.#tag(field, WireType.varint);
    this.#pushVarint(big);
    return this;
  }

  /** A length-delimited field of bytes (bytes or an embedded message). */
  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, WireType.lengthDelimited);
    this.#pushVarint(BigInt(value.length));
    for (const byte of value) this.#chunks.push(byte);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** The bytes written so far. */
  finish(): Uint8Array {
    return Uint8Array.from(this.#chunks);
  }
}

/**
 * Reads every field of a message. Returns the fields by number, in the order they appear.
 *
 * @throws `PayloadMalformedError` for anything that is not a well-formed message.
 */
export function readFields(bytes: Uint8Array): Map<number, ProtoField[]> {
  if (!(bytes instanceof Uint8Array)) throw malformed('the input must be bytes');
  const fields = new Map<number, ProtoField[]>();
  let offset = 0;

  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (let index = 0; index < 10; index++) {
      if (offset >= bytes.length) throw malformed('a varint is truncated');
      const byte = bytes[offset++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        if (result > UINT64_MAX) throw malformed('a varint exceeds 64 bits');
        return result;
      }
      shift += 7n;
    }
    throw malformed('a varint is longer than 10 bytes');
  };

  const take = (length: number, field: number): Uint8Array => {
    if (length > bytes.length - offset) throw malformed('a field runs past the end', field);
    const out = bytes.subarray(offset, offset + length);
    offset += length;
    return out;
  };

  while (offset < bytes.length) {
    const tag = varint();
    const wireType = Number(tag & 7n);
    const fieldBig = tag >> 3n;
    if (fieldBig < 1n || fieldBig > BigInt(MAX_FIELD_NUMBER)) {
      throw malformed(`field number ${fieldBig} is out of range`);
    }
    const field = Number(fieldBig);
    let value: ProtoField;
    switch (wireType) {
      case WireType.varint:
        value = { wireType: 0, value: varint() };
        break;
      case WireType.fixed64:
        value = { wireType: 1, value: take(8, field) };
        break;
      case WireType.lengthDelimited: {
        const length = varint();
        if (length > BigInt(bytes.length - offset)) {
          throw malformed('a length-delimited field runs past the end', field);
        }
        value = { wireType: 2, value: take(Number(length), field) };
        break;
      }
      case WireType.fixed32:
        value = { wireType: 5, value: take(4, field) };
        break;
      case 3:
      case 4:
        throw malformed('groups (wire types 3 and 4) are not supported', field);
      default:
        throw malformed(`wire type ${wireType} does not exist`, field);
    }
    const list = fields.get(field);
    if (list === undefined) fields.set(field, [value]);
    else list.push(value);
  }
  return fields;
}

/** Typed, strict accessors over {@link readFields}' result. The last occurrence of a scalar wins. */
export class ProtoMessage {
  readonly #fields: Map<number, ProtoField[]>;
  readonly #name: string;

  constructor(bytes: Uint8Array, name: string) {
    this.#name = name;
    try {
      this.#fields = readFields(bytes);
    } catch (error) {
      if (error instanceof PayloadMalformedError) {
        throw new PayloadMalformedError(`${name}: ${error.message}`, {
          cause: error,
          details: error.details,
        });
      }
      throw error;
    }
  }

  /** The field numbers present. */
  fieldNumbers(): number[] {
    return [...this.#fields.keys()];
  }

  /** True when field `field` appears. */
  has(field: number): boolean {
    return this.#fields.has(field);
  }

  #last(field: number, wireType: number, what: string): ProtoField | undefined {
    const list = this.#fields.get(field);
    if (list === undefined) return undefined;
    const last = list[list.length - 1] as ProtoField;
    if (last.wireType !== wireType) {
      throw new PayloadMalformedError(
        `${this.#name}: field ${field} must be ${what} (wire type ${wireType}), got wire type ${last.wireType}`,
        { details: { field } },
      );
    }
    return last;
  }

  /** A varint as a bigint, or `undefined` when absent. */
  uint64(field: number): bigint | undefined {
    const value = this.#last(field, WireType.varint, 'a varint');
    return value === undefined ? undefined : (value.value as bigint);
  }

  /** A varint that must fit in a safe integer (timestamps, enums), or `undefined`. */
  safeUint(field: number): number | undefined {
    const value = this.uint64(field);
    if (value === undefined) return undefined;
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new PayloadMalformedError(`${this.#name}: field ${field} is too large`, {
        details: { field },
      });
    }
    return Number(value);
  }

  /** A length-delimited field's bytes, or `undefined`. */
  bytes(field: number): Uint8Array | undefined {
    const value = this.#last(field, WireType.lengthDelimited, 'length-delimited');
    return value === undefined ? undefined : (value.value as Uint8Array);
  }

  /** A string field (must be valid UTF-8), or `undefined`. */
  string(field: number): string | undefined {
    const bytes = this.bytes(field);
    if (bytes === undefined) return undefined;
    try {
      return strictUtf8.decode(bytes);
    } catch (cause) {
      throw new PayloadMalformedError(`${this.#name}: field ${field} is not valid UTF-8`, {
        cause,
        details: { field },
      });
    }
  }

  /** An embedded message, or `undefined`. */
  message(field: number, name: string): ProtoMessage | undefined {
    const bytes = this.bytes(field);
    return bytes === undefined ? undefined : new ProtoMessage(bytes, `${this.#name}.${name}`);
  }
}
