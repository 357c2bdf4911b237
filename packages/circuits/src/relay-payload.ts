/**
 * The local relay payload a hop reads or writes inside its layer:
 * `RCmd (1) | Id (2) | Len (2) | Data | padding`, `C_h − 17` bytes in all, and the data of each
 * relay command. Padding is zero, except in the exit's NOTIFY and DATA cells, where it is random
 * (Tor proposal 289): every accepted payload has one encoding apart from that random padding.
 */
import { PayloadMalformedError } from '@murmur/wire';
import {
  CIRCUIT_HOPS,
  HTYPE_NTOR,
  localPayloadLength,
  MAX_FRAGMENTS,
  NTOR_ONIONSKIN_LENGTH,
  NTOR_REPLY_LENGTH,
  PING_TOKEN_LENGTH,
  RELAY_HEADER_LENGTH,
  RelayCommand,
  relayDataCapacity,
} from './constants.js';

/** A decoded local relay payload. */
export interface RelayPayload {
  command: RelayCommand;
  /** Client-chosen request id (SUBSCRIBE, UNSUBSCRIBE, DATA and their answers); else 0. */
  id: number;
  data: Uint8Array;
}

function malformed(message: string, field = 'relayPayload'): PayloadMalformedError {
  return new PayloadMalformedError(message, { details: { field } });
}

const COMMANDS = new Set<number>(Object.values(RelayCommand));

/** Whether a command's padding is random: NOTIFY and DATA cells from the exit. */
export function hasRandomPadding(command: number, fromExit: boolean): boolean {
  return fromExit && (command === RelayCommand.NOTIFY || command === RelayCommand.DATA);
}

/**
 * Encodes a payload for (or from) hop `hop`: `C_hop − 17` bytes. `randomPadding` fills the
 * padding (exit NOTIFY and DATA only); otherwise it is zero.
 *
 * @throws {@link PayloadMalformedError} for an unknown command, an id outside 0..65535 or data
 * beyond the hop's capacity (2021, 2004, 1987 bytes).
 */
export function encodeRelayPayload(
  hop: number,
  payload: RelayPayload,
  randomPadding?: (length: number) => Uint8Array,
): Uint8Array {
  if (!Number.isInteger(hop) || hop < 1 || hop > CIRCUIT_HOPS)
    throw malformed('hop must be 1 to 3');
  if (!COMMANDS.has(payload.command)) throw malformed(`unknown relay command ${payload.command}`);
  if (!Number.isInteger(payload.id) || payload.id < 0 || payload.id > 0xffff) {
    throw malformed('a relay payload id is an unsigned 16-bit integer');
  }
  const capacity = relayDataCapacity(hop);
  if (payload.data.length > capacity) {
    throw malformed(`relay data of ${payload.data.length} bytes exceeds hop ${hop}'s ${capacity}`);
  }
  const out = new Uint8Array(localPayloadLength(hop));
  const view = new DataView(out.buffer);
  out[0] = payload.command;
  view.setUint16(1, payload.id);
  view.setUint16(3, payload.data.length);
  out.set(payload.data, RELAY_HEADER_LENGTH);
  const padding = out.length - RELAY_HEADER_LENGTH - payload.data.length;
  if (randomPadding !== undefined && padding > 0) {
    out.set(randomPadding(padding), RELAY_HEADER_LENGTH + payload.data.length);
  }
  return out;
}

/**
 * Decodes a local payload of hop `hop`. `fromExit` says the payload came from hop 3 backwards,
 * where NOTIFY and DATA carry random padding; all other padding must be zero.
 *
 * @throws {@link PayloadMalformedError} for a wrong length, an unknown command, a `Len` beyond
 * capacity, or nonzero padding where zero is required.
 */
export function decodeRelayPayload(
  hop: number,
  bytes: Uint8Array,
  options: { fromExit?: boolean } = {},
): RelayPayload {
  if (!Number.isInteger(hop) || hop < 1 || hop > CIRCUIT_HOPS)
    throw malformed('hop must be 1 to 3');
  if (!(bytes instanceof Uint8Array) || bytes.length !== localPayloadLength(hop)) {
    throw malformed(`a relay payload of hop ${hop} is ${localPayloadLength(hop)} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const command = bytes[0] as number;
  if (!COMMANDS.has(command)) throw malformed(`unknown relay command ${command}`);
  const id = view.getUint16(1);
  const length = view.getUint16(3);
  if (length > relayDataCapacity(hop)) {
    throw malformed(`relay Len ${length} exceeds hop ${hop}'s ${relayDataCapacity(hop)}`);
  }
  const end = RELAY_HEADER_LENGTH + length;
  if (!hasRandomPadding(command, options.fromExit === true)) {
    for (let i = end; i < bytes.length; i++) {
      if (bytes[i] !== 0) throw malformed('relay payload padding must be zero');
    }
  }
  return { command: command as RelayCommand, id, data: bytes.slice(RELAY_HEADER_LENGTH, end) };
}

// ---------------------------------------------------------------------------------------------
// Command data
// ---------------------------------------------------------------------------------------------

/** EXTEND: the next relay's identity and the client's onionskin for it. */
export interface ExtendRequest {
  /** Ed25519 key of the relay to extend to (32). */
  id: Uint8Array;
  /** Its registry X25519 key (32). */
  b: Uint8Array;
  /** The client's ephemeral X25519 key (32). */
  x: Uint8Array;
}

/** EXTEND data: `ID (32) | HTYPE (2) | HLEN (2) = 96 | HDATA = ID | B | X` (132 bytes). */
export const EXTEND_DATA_LENGTH = 32 + 2 + 2 + NTOR_ONIONSKIN_LENGTH;

function require32(value: Uint8Array, field: string): void {
  if (!(value instanceof Uint8Array) || value.length !== 32) {
    throw malformed(`${field} must be 32 bytes`, field);
  }
}

/** Encodes EXTEND data. */
export function encodeExtend(request: ExtendRequest): Uint8Array {
  require32(request.id, 'id');
  require32(request.b, 'b');
  require32(request.x, 'x');
  const out = new Uint8Array(EXTEND_DATA_LENGTH);
  const view = new DataView(out.buffer);
  out.set(request.id, 0);
  view.setUint16(32, HTYPE_NTOR);
  view.setUint16(34, NTOR_ONIONSKIN_LENGTH);
  out.set(request.id, 36);
  out.set(request.b, 68);
  out.set(request.x, 100);
  return out;
}

/**
 * Decodes EXTEND data.
 *
 * @throws {@link PayloadMalformedError} unless it is 132 bytes, HTYPE 0x0002, HLEN 96, and
 * HDATA's ID equals the EXTEND ID.
 */
export function decodeExtend(data: Uint8Array): ExtendRequest {
  if (data.length !== EXTEND_DATA_LENGTH) throw malformed('EXTEND data is 132 bytes', 'extend');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint16(32) !== HTYPE_NTOR) throw malformed('EXTEND HTYPE must be 0x0002', 'extend');
  if (view.getUint16(34) !== NTOR_ONIONSKIN_LENGTH)
    throw malformed('EXTEND HLEN must be 96', 'extend');
  const id = data.slice(0, 32);
  const hdataId = data.subarray(36, 68);
  for (let i = 0; i < 32; i++) {
    if (id[i] !== hdataId[i]) throw malformed("EXTEND HDATA's ID differs from its ID", 'extend');
  }
  return { id, b: data.slice(68, 100), x: data.slice(100, 132) };
}

/** EXTENDED data: `HLEN (2) = 64 | Y (32) | AUTH (32)` (66 bytes). */
export function encodeExtended(reply: { y: Uint8Array; auth: Uint8Array }): Uint8Array {
  require32(reply.y, 'y');
  require32(reply.auth, 'auth');
  const out = new Uint8Array(2 + NTOR_REPLY_LENGTH);
  new DataView(out.buffer).setUint16(0, NTOR_REPLY_LENGTH);
  out.set(reply.y, 2);
  out.set(reply.auth, 34);
  return out;
}

/** Decodes EXTENDED data; {@link PayloadMalformedError} unless 66 bytes with HLEN 64. */
export function decodeExtended(data: Uint8Array): { y: Uint8Array; auth: Uint8Array } {
  if (data.length !== 2 + NTOR_REPLY_LENGTH)
    throw malformed('EXTENDED data is 66 bytes', 'extended');
  if (((data[0] as number) << 8) + (data[1] as number) !== NTOR_REPLY_LENGTH) {
    throw malformed('EXTENDED HLEN must be 64', 'extended');
  }
  return { y: data.slice(2, 34), auth: data.slice(34, 66) };
}

/** PING and PONG data: an 8-byte token. */
export function decodePingToken(data: Uint8Array): Uint8Array {
  if (data.length !== PING_TOKEN_LENGTH) throw malformed('a PING/PONG token is 8 bytes', 'ping');
  return data.slice();
}

/** SENDME: the NOTIFY/DATA cells received so far and the exit-layer tag of the last of them. */
export interface Sendme {
  count: number;
  tag: Uint8Array;
}

/** SENDME data: `count (4) | tag (16)`. */
export function encodeSendme(sendme: Sendme): Uint8Array {
  if (!Number.isInteger(sendme.count) || sendme.count < 0 || sendme.count > 0xffff_ffff) {
    throw malformed('SENDME count is an unsigned 32-bit integer', 'sendme');
  }
  if (sendme.tag.length !== 16) throw malformed('SENDME tag is 16 bytes', 'sendme');
  const out = new Uint8Array(20);
  new DataView(out.buffer).setUint32(0, sendme.count);
  out.set(sendme.tag, 4);
  return out;
}

/** Decodes SENDME data; {@link PayloadMalformedError} unless 20 bytes. */
export function decodeSendme(data: Uint8Array): Sendme {
  if (data.length !== 20) throw malformed('SENDME data is 20 bytes', 'sendme');
  const count = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
  return { count, tag: data.slice(4, 20) };
}

// ---------------------------------------------------------------------------------------------
// Fragments (NOTIFY and DATA)
// ---------------------------------------------------------------------------------------------

/** One fragment: its index, the count, and its slice. NOTIFY fragments also carry a message id. */
export interface Fragment {
  /** NOTIFY only: the exit's message id (4 bytes); 0 for DATA. */
  messageId: number;
  index: number;
  count: number;
  slice: Uint8Array;
}

/** The header before a NOTIFY slice: `msg id (4) | index (1) | count (1)`. */
export const NOTIFY_FRAGMENT_HEADER = 6;
/** The header before a DATA slice: `index (1) | count (1)`. */
export const DATA_FRAGMENT_HEADER = 2;

/** Encodes one fragment as NOTIFY or DATA data. */
export function encodeFragment(command: 'NOTIFY' | 'DATA', fragment: Fragment): Uint8Array {
  const { index, count, slice } = fragment;
  if (!Number.isInteger(count) || count < 1 || count > MAX_FRAGMENTS) {
    throw malformed(`a fragment count is 1 to ${MAX_FRAGMENTS}`, 'fragment');
  }
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw malformed('a fragment index is below its count', 'fragment');
  }
  const header = command === 'NOTIFY' ? NOTIFY_FRAGMENT_HEADER : DATA_FRAGMENT_HEADER;
  const out = new Uint8Array(header + slice.length);
  if (command === 'NOTIFY') {
    if (
      !Number.isInteger(fragment.messageId) ||
      fragment.messageId < 0 ||
      fragment.messageId > 0xffff_ffff
    ) {
      throw malformed('a NOTIFY message id is an unsigned 32-bit integer', 'fragment');
    }
    new DataView(out.buffer).setUint32(0, fragment.messageId);
  }
  out[header - 2] = index;
  out[header - 1] = count;
  out.set(slice, header);
  return out;
}

/** Decodes NOTIFY or DATA data into a fragment; refuses a short header, count 0 or index ≥ count. */
export function decodeFragment(command: 'NOTIFY' | 'DATA', data: Uint8Array): Fragment {
  const header = command === 'NOTIFY' ? NOTIFY_FRAGMENT_HEADER : DATA_FRAGMENT_HEADER;
  if (data.length < header)
    throw malformed(`${command} data is shorter than its header`, 'fragment');
  const messageId =
    command === 'NOTIFY' ? new DataView(data.buffer, data.byteOffset, 4).getUint32(0) : 0;
  const index = data[header - 2] as number;
  const count = data[header - 1] as number;
  if (count < 1 || index >= count)
    throw malformed('fragment index must be below a nonzero count', 'fragment');
  return { messageId, index, count, slice: data.slice(header) };
}

/**
 * Splits a message into slices of at most `sliceSize` bytes (at least one slice, even when
 * empty). {@link PayloadMalformedError} when it needs more than 255.
 */
export function splitIntoSlices(message: Uint8Array, sliceSize: number): Uint8Array[] {
  if (!Number.isInteger(sliceSize) || sliceSize < 1)
    throw new RangeError('sliceSize must be positive');
  const count = Math.max(1, Math.ceil(message.length / sliceSize));
  if (count > MAX_FRAGMENTS) {
    throw malformed(
      `a message of ${message.length} bytes needs ${count} fragments; at most ${MAX_FRAGMENTS}`,
      'fragment',
    );
  }
  const slices: Uint8Array[] = [];
  for (let i = 0; i < count; i++) slices.push(message.subarray(i * sliceSize, (i + 1) * sliceSize));
  return slices;
}

/**
 * Reassembles fragments that arrive in order (a circuit delivers in order): one message at a
 * time per key (a NOTIFY message id, or a DATA request id). Bounded: at most `maxBytes` buffered
 * per message and `maxPending` messages at once.
 */
export class Reassembler {
  readonly #pending = new Map<
    number,
    { count: number; next: number; parts: Uint8Array[]; bytes: number }
  >();
  readonly #maxBytes: number;
  readonly #maxPending: number;

  constructor(options: { maxBytes: number; maxPending: number }) {
    this.#maxBytes = options.maxBytes;
    this.#maxPending = options.maxPending;
  }

  /** Messages being assembled. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Adds a fragment under `key`: the whole message when it was the last one, else `undefined`.
   *
   * @throws {@link PayloadMalformedError} for a fragment out of order, a count that changed,
   * a message too large, or too many messages at once.
   */
  add(key: number, fragment: Fragment): Uint8Array | undefined {
    let entry = this.#pending.get(key);
    if (entry === undefined) {
      if (fragment.index !== 0) throw malformed('a message must start with fragment 0', 'fragment');
      if (fragment.count === 1) return fragment.slice;
      if (this.#pending.size >= this.#maxPending)
        throw malformed('too many partial messages', 'fragment');
      entry = { count: fragment.count, next: 0, parts: [], bytes: 0 };
      this.#pending.set(key, entry);
    }
    if (fragment.count !== entry.count || fragment.index !== entry.next) {
      this.#pending.delete(key);
      throw malformed('fragments out of order or with a changed count', 'fragment');
    }
    entry.bytes += fragment.slice.length;
    if (entry.bytes > this.#maxBytes) {
      this.#pending.delete(key);
      throw malformed(`a reassembled message exceeds ${this.#maxBytes} bytes`, 'fragment');
    }
    entry.parts.push(fragment.slice);
    entry.next++;
    if (entry.next < entry.count) return undefined;
    this.#pending.delete(key);
    const out = new Uint8Array(entry.bytes);
    let offset = 0;
    for (const part of entry.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  /** Drops everything (a circuit closed). */
  clear(): void {
    this.#pending.clear();
  }
}
