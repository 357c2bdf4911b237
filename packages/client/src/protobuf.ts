/**
 * Strict protobuf decoding over the generated code of `proto/session.proto`.
 *
 * Writing and typed reading are `@bufbuild/protobuf`'s (`toBinary`, `fromBinary`). Its reader is
 * lenient where Murmur must not be: it accepts varints longer than 64 bits, a known field with
 * the wrong wire type, invalid UTF-8 in strings, groups and missing proto2 `required` fields. So
 * {@link decodeMessage} first checks the bytes against the schema and throws nothing but a
 * `PayloadMalformedError`, whatever bytes it is given:
 *
 * - truncated varints or lengths, varints longer than 10 bytes or above 2^64 − 1, field number 0
 *   or above 2^29 − 1, groups (wire types 3 and 4) and the undefined wire types 6 and 7;
 * - a declared field with another wire type than its type has, a string that is not UTF-8, an
 *   unknown value of a required (closed) enum, a missing `required` field; the same inside every
 *   embedded message.
 *
 * Unknown fields of the defined wire types are skipped, as protobuf readers do.
 */
import {
  create,
  type DescField,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  ScalarType,
  toBinary,
} from '@bufbuild/protobuf';
import { FeatureSet_FieldPresence } from '@bufbuild/protobuf/wkt';
import { PayloadMalformedError } from '@murmur/wire';

/** Protobuf wire types. */
const WireType = Object.freeze({
  varint: 0,
  fixed64: 1,
  lengthDelimited: 2,
  startGroup: 3,
  endGroup: 4,
  fixed32: 5,
} as const);

const MAX_FIELD_NUMBER = 2 ** 29 - 1;
const UINT64_MAX = (1n << 64n) - 1n;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function malformed(path: string, message: string, field?: number): PayloadMalformedError {
  return new PayloadMalformedError(
    `${path}: protobuf: ${message}`,
    field === undefined ? {} : { details: { field } },
  );
}

/** One field as found on the wire. */
interface WireField {
  field: number;
  wireType: number;
  /** The varint's value (wire type 0). */
  varint?: bigint;
  /** The payload (wire types 1, 2 and 5). */
  bytes?: Uint8Array;
}

/** Splits a message into its fields, refusing anything that is not well-formed on the wire. */
function scan(bytes: Uint8Array, path: string): WireField[] {
  const fields: WireField[] = [];
  let offset = 0;

  const varint = (field?: number): bigint => {
    let result = 0n;
    for (let index = 0; index < 10; index++) {
      if (offset >= bytes.length) throw malformed(path, 'a varint is truncated', field);
      const byte = bytes[offset++] as number;
      result |= BigInt(byte & 0x7f) << BigInt(7 * index);
      if ((byte & 0x80) === 0) {
        if (result > UINT64_MAX) throw malformed(path, 'a varint exceeds 64 bits', field);
        return result;
      }
    }
    throw malformed(path, 'a varint is longer than 10 bytes', field);
  };

  const take = (length: bigint, field: number): Uint8Array => {
    if (length > BigInt(bytes.length - offset)) {
      throw malformed(path, 'a field runs past the end', field);
    }
    const out = bytes.subarray(offset, offset + Number(length));
    offset += Number(length);
    return out;
  };

  while (offset < bytes.length) {
    const tag = varint();
    const wireType = Number(tag & 7n);
    const fieldBig = tag >> 3n;
    if (fieldBig < 1n || fieldBig > BigInt(MAX_FIELD_NUMBER)) {
      throw malformed(path, `field number ${fieldBig} is out of range`);
    }
    const field = Number(fieldBig);
    switch (wireType) {
      case WireType.varint:
        fields.push({ field, wireType, varint: varint(field) });
        break;
      case WireType.fixed64:
        fields.push({ field, wireType, bytes: take(8n, field) });
        break;
      case WireType.lengthDelimited:
        fields.push({ field, wireType, bytes: take(varint(field), field) });
        break;
      case WireType.fixed32:
        fields.push({ field, wireType, bytes: take(4n, field) });
        break;
      case WireType.startGroup:
      case WireType.endGroup:
        throw malformed(path, 'groups (wire types 3 and 4) are not supported', field);
      default:
        throw malformed(path, `wire type ${wireType} does not exist`, field);
    }
  }
  return fields;
}

const varintScalars = new Set<ScalarType>([
  ScalarType.INT32,
  ScalarType.INT64,
  ScalarType.UINT32,
  ScalarType.UINT64,
  ScalarType.SINT32,
  ScalarType.SINT64,
  ScalarType.BOOL,
]);
const fixed64Scalars = new Set<ScalarType>([
  ScalarType.FIXED64,
  ScalarType.SFIXED64,
  ScalarType.DOUBLE,
]);

function scalarWireType(scalar: ScalarType): number {
  if (varintScalars.has(scalar)) return WireType.varint;
  if (fixed64Scalars.has(scalar)) return WireType.fixed64;
  if (scalar === ScalarType.STRING || scalar === ScalarType.BYTES) {
    return WireType.lengthDelimited;
  }
  return WireType.fixed32;
}

/** The wire types a declared field may arrive with (packed lists also come length-delimited). */
function wireTypesOf(field: DescField): number[] {
  switch (field.fieldKind) {
    case 'scalar':
      return [scalarWireType(field.scalar)];
    case 'enum':
      return [WireType.varint];
    case 'list':
      if (field.listKind === 'scalar') {
        return [scalarWireType(field.scalar), WireType.lengthDelimited];
      }
      return field.listKind === 'enum'
        ? [WireType.varint, WireType.lengthDelimited]
        : [WireType.lengthDelimited];
    default:
      return [WireType.lengthDelimited];
  }
}

const wireTypeNames = ['a varint', '64-bit', 'length-delimited', '', '', '32-bit'];

/** Checks `bytes` against `schema` (and its embedded messages), as the module comment says. */
function check(schema: DescMessage, bytes: Uint8Array, path: string): void {
  const seen = new Set<number>();
  for (const wire of scan(bytes, path)) {
    const field = schema.fields.find((candidate) => candidate.number === wire.field);
    if (field === undefined) continue;
    const expected = wireTypesOf(field);
    if (!expected.includes(wire.wireType)) {
      const want = expected[0] as number;
      throw malformed(
        path,
        `field ${wire.field} (${field.name}) must be ${wireTypeNames[want]} (wire type ${want}), got wire type ${wire.wireType}`,
        wire.field,
      );
    }
    seen.add(wire.field);
    if (field.fieldKind === 'scalar' && field.scalar === ScalarType.STRING) {
      try {
        strictUtf8.decode(wire.bytes);
      } catch {
        throw malformed(path, `field ${wire.field} (${field.name}) is not valid UTF-8`, wire.field);
      }
    } else if (field.fieldKind === 'message') {
      check(field.message, wire.bytes as Uint8Array, `${path}.${field.name}`);
    } else if (
      field.fieldKind === 'enum' &&
      field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED &&
      !field.enum.values.some((value) => BigInt(value.number) === wire.varint)
    ) {
      throw malformed(
        path,
        `field ${wire.field} (${field.name}): ${wire.varint} is not a ${field.enum.name}`,
        wire.field,
      );
    }
  }
  for (const field of schema.fields) {
    if (field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED && !seen.has(field.number)) {
      throw malformed(path, `the required field ${field.number} (${field.name}) is missing`);
    }
  }
}

/**
 * Reads a message of `schema`, strictly.
 *
 * @throws `PayloadMalformedError` for anything that is not a well-formed message of `schema`;
 * `details.field` names the field at fault where there is one.
 */
export function decodeMessage<Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array,
): MessageShape<Desc> {
  if (!(bytes instanceof Uint8Array)) throw malformed(schema.name, 'the input must be bytes');
  check(schema, bytes, schema.name);
  try {
    return fromBinary(schema, bytes);
  } catch (cause) {
    // Unreachable after check(); kept so that nothing but PayloadMalformedError ever escapes.
    throw new PayloadMalformedError(`${schema.name}: protobuf: ${String(cause)}`, { cause });
  }
}

/** Writes a message of `schema` (fields in field-number order, as every protobuf writer). */
export function encodeMessage<Desc extends DescMessage>(
  schema: Desc,
  init: MessageInitShape<Desc>,
): Uint8Array {
  return toBinary(schema, create(schema, init));
}

/**
 * A uint64 field's value as a number.
 *
 * @throws `PayloadMalformedError` when it is above `Number.MAX_SAFE_INTEGER`.
 */
export function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new PayloadMalformedError(`${what} is too large`);
  }
  return Number(value);
}
