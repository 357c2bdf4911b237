/**
 * The link cell codec: `CircID (4, big-endian) | Cmd (1) | Body (2043)`, exactly 2048 bytes, and
 * the bodies of the control cells (HELLO, AUTH, CREATE, CREATED, DESTROY, PADDING). Unused body
 * bytes of control cells must be zero, so every accepted cell has exactly one encoding: a
 * decoder that accepted two encodings of one value would let a peer mark cells.
 */
import { OverloadedError, PayloadMalformedError } from '@murmur/wire';
import {
  CELL_BODY_LENGTH,
  CELL_LENGTH,
  CellCommand,
  CIRC_ID_LENGTH,
  CIRCUIT_HOPS,
  HELLO_NONCE_LENGTH,
  HTYPE_NTOR,
  NTOR_ONIONSKIN_LENGTH,
  NTOR_REPLY_LENGTH,
} from './constants.js';

/** A decoded link cell. `circId` is 0 for link cells (PADDING, HELLO, AUTH). */
export type Cell =
  | { type: 'PADDING'; circId: 0 }
  | { type: 'HELLO'; circId: 0; version: number; nonce: Uint8Array }
  | { type: 'AUTH'; circId: 0; ed25519: Uint8Array; signature: Uint8Array }
  | {
      type: 'CREATE';
      circId: number;
      hop: number;
      htype: number;
      /** The relay's Ed25519 key (32). */
      id: Uint8Array;
      /** The relay's X25519 key (32). */
      b: Uint8Array;
      /** The client's ephemeral X25519 key (32). */
      x: Uint8Array;
    }
  | { type: 'CREATED'; circId: number; y: Uint8Array; auth: Uint8Array }
  | { type: 'RELAY'; circId: number; body: Uint8Array }
  | { type: 'DESTROY'; circId: number; reason: number };

/** The type names of cells. */
export type CellType = Cell['type'];

function malformed(message: string): PayloadMalformedError {
  return new PayloadMalformedError(message, { details: { field: 'cell' } });
}

function requireKey(value: Uint8Array, name: string, length = 32): void {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new PayloadMalformedError(`${name} must be ${length} bytes`, {
      details: { field: name },
    });
  }
}

function requireCircId(circId: number, link: boolean): void {
  if (!Number.isInteger(circId) || circId < 0 || circId > 0xffff_ffff) {
    throw malformed('a CircID is an unsigned 32-bit integer');
  }
  if (link && circId !== 0) throw malformed('link cells (PADDING, HELLO, AUTH) use CircID 0');
  if (!link && circId === 0) throw malformed('circuit cells need a CircID other than 0');
}

/** Encodes a cell into a fresh 2048-byte array. */
export function encodeCell(cell: Cell): Uint8Array {
  const out = new Uint8Array(CELL_LENGTH);
  const view = new DataView(out.buffer);
  const link = cell.type === 'PADDING' || cell.type === 'HELLO' || cell.type === 'AUTH';
  requireCircId(cell.circId, link);
  view.setUint32(0, cell.circId);
  out[4] = CellCommand[cell.type];
  const body = out.subarray(CIRC_ID_LENGTH + 1);
  const bodyView = new DataView(out.buffer, CIRC_ID_LENGTH + 1);
  switch (cell.type) {
    case 'PADDING':
      break;
    case 'HELLO':
      if (!Number.isInteger(cell.version) || cell.version < 0 || cell.version > 0xffff) {
        throw malformed('HELLO version is an unsigned 16-bit integer');
      }
      requireKey(cell.nonce, 'nonce', HELLO_NONCE_LENGTH);
      bodyView.setUint16(0, cell.version);
      bodyView.setUint16(2, CELL_LENGTH);
      body.set(cell.nonce, 4);
      break;
    case 'AUTH':
      requireKey(cell.ed25519, 'ed25519');
      requireKey(cell.signature, 'signature', 64);
      body.set(cell.ed25519, 0);
      body.set(cell.signature, 32);
      break;
    case 'CREATE':
      if (!Number.isInteger(cell.hop) || cell.hop < 1 || cell.hop > CIRCUIT_HOPS) {
        throw malformed(`CREATE HOP must be 1 to ${CIRCUIT_HOPS}`);
      }
      if (cell.htype !== HTYPE_NTOR) throw malformed('CREATE HTYPE must be 0x0002 (murmur-ntor)');
      requireKey(cell.id, 'id');
      requireKey(cell.b, 'b');
      requireKey(cell.x, 'x');
      body[0] = cell.hop;
      bodyView.setUint16(1, cell.htype);
      bodyView.setUint16(3, NTOR_ONIONSKIN_LENGTH);
      body.set(cell.id, 5);
      body.set(cell.b, 37);
      body.set(cell.x, 69);
      break;
    case 'CREATED':
      requireKey(cell.y, 'y');
      requireKey(cell.auth, 'auth');
      bodyView.setUint16(0, NTOR_REPLY_LENGTH);
      body.set(cell.y, 2);
      body.set(cell.auth, 34);
      break;
    case 'RELAY':
      if (!(cell.body instanceof Uint8Array) || cell.body.length !== CELL_BODY_LENGTH) {
        throw malformed(`a RELAY body is exactly ${CELL_BODY_LENGTH} bytes`);
      }
      body.set(cell.body);
      break;
    case 'DESTROY':
      if (!Number.isInteger(cell.reason) || cell.reason < 0 || cell.reason > 0xff) {
        throw malformed('a DESTROY reason is one byte');
      }
      body[0] = cell.reason;
      break;
  }
  return out;
}

function requireZeroFrom(body: Uint8Array, from: number, what: string): void {
  for (let i = from; i < body.length; i++) {
    if (body[i] !== 0) throw malformed(`${what}: unused body bytes must be zero`);
  }
}

/**
 * Decodes one 2048-byte cell. Byte arrays in the result are copies, except a RELAY body, which is
 * a view of `bytes` (the layer code decrypts it without another copy).
 *
 * @throws {@link PayloadMalformedError} for any other length, an unknown command, a CircID that
 * does not fit the command, a HELLO for another cell length, a CREATE with an unknown HTYPE or a
 * HOP outside 1..3, a wrong HLEN, or a nonzero unused byte.
 */
export function decodeCell(bytes: Uint8Array): Cell {
  if (!(bytes instanceof Uint8Array) || bytes.length !== CELL_LENGTH) {
    throw malformed(`a cell is exactly ${CELL_LENGTH} bytes, got ${bytes?.length ?? 'none'}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const circId = view.getUint32(0);
  const command = bytes[4] as number;
  const body = bytes.subarray(CIRC_ID_LENGTH + 1);
  const u16 = (offset: number) => view.getUint16(CIRC_ID_LENGTH + 1 + offset);
  switch (command) {
    case CellCommand.PADDING:
      requireCircId(circId, true);
      requireZeroFrom(body, 0, 'PADDING');
      return { type: 'PADDING', circId: 0 };
    case CellCommand.HELLO: {
      requireCircId(circId, true);
      if (u16(2) !== CELL_LENGTH) throw malformed(`HELLO must announce CELL_LEN ${CELL_LENGTH}`);
      requireZeroFrom(body, 4 + HELLO_NONCE_LENGTH, 'HELLO');
      return { type: 'HELLO', circId: 0, version: u16(0), nonce: body.slice(4, 36) };
    }
    case CellCommand.AUTH:
      requireCircId(circId, true);
      requireZeroFrom(body, 96, 'AUTH');
      return { type: 'AUTH', circId: 0, ed25519: body.slice(0, 32), signature: body.slice(32, 96) };
    case CellCommand.CREATE: {
      requireCircId(circId, false);
      const hop = body[0] as number;
      if (hop < 1 || hop > CIRCUIT_HOPS) throw malformed(`CREATE HOP must be 1 to ${CIRCUIT_HOPS}`);
      if (u16(1) !== HTYPE_NTOR) throw malformed('CREATE HTYPE must be 0x0002 (murmur-ntor)');
      if (u16(3) !== NTOR_ONIONSKIN_LENGTH) throw malformed('CREATE HLEN must be 96');
      requireZeroFrom(body, 5 + NTOR_ONIONSKIN_LENGTH, 'CREATE');
      return {
        type: 'CREATE',
        circId,
        hop,
        htype: HTYPE_NTOR,
        id: body.slice(5, 37),
        b: body.slice(37, 69),
        x: body.slice(69, 101),
      };
    }
    case CellCommand.CREATED:
      requireCircId(circId, false);
      if (u16(0) !== NTOR_REPLY_LENGTH) throw malformed('CREATED HLEN must be 64');
      requireZeroFrom(body, 2 + NTOR_REPLY_LENGTH, 'CREATED');
      return { type: 'CREATED', circId, y: body.slice(2, 34), auth: body.slice(34, 66) };
    case CellCommand.RELAY:
      requireCircId(circId, false);
      return { type: 'RELAY', circId, body };
    case CellCommand.DESTROY:
      requireCircId(circId, false);
      requireZeroFrom(body, 1, 'DESTROY');
      return { type: 'DESTROY', circId, reason: body[0] as number };
    default:
      throw malformed(`unknown cell command ${command}`);
  }
}

/** The CircID of a 2048-byte cell without decoding the rest (0 for anything shorter). */
export function peekCircId(bytes: Uint8Array): number {
  if (bytes.length < CIRC_ID_LENGTH) return 0;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
}

/** Whether the side that opened the link allocated this CircID (its top bit is set). */
export function isOpenerCircId(circId: number): boolean {
  return circId >= 0x8000_0000;
}

/**
 * A random CircID for a new circuit on a link: top bit set when this side opened the link, clear
 * otherwise; never 0 and never one in `inUse`.
 */
export function allocateCircId(
  opener: boolean,
  inUse: { has(circId: number): boolean },
  randomBytes: (length: number) => Uint8Array,
): number {
  for (let attempt = 0; attempt < 64; attempt++) {
    const raw = randomBytes(4);
    const value =
      (((raw[0] as number) << 24) |
        ((raw[1] as number) << 16) |
        ((raw[2] as number) << 8) |
        (raw[3] as number)) >>>
      0;
    const circId = opener ? (value | 0x8000_0000) >>> 0 : value & 0x7fff_ffff;
    if (circId !== 0 && !inUse.has(circId)) return circId;
  }
  throw new OverloadedError('no free CircID found on this link');
}
