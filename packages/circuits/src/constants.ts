/**
 * The numbers of MCP v1 (Murmur Circuit Protocol): cell sizes, link and relay commands, destroy
 * reasons (Tor's codes), per-hop capacities and the limits of flow control. Normative text:
 * `docs/PROTOCOL.md` (Circuits).
 */

/** Every cell on a link is exactly this long: one binary WebSocket message. */
export const CELL_LENGTH = 2048;
/** The CircID: 4 bytes, big-endian. */
export const CIRC_ID_LENGTH = 4;
/** The body after `CircID (4) | Cmd (1)`. */
export const CELL_BODY_LENGTH = 2043;
/** The top bit of a CircID: set by the side that opened the link. */
export const CIRC_ID_OPENER_BIT = 0x8000_0000;

/** Link commands (the `Cmd` byte). */
export const CellCommand = {
  PADDING: 0,
  CREATE: 1,
  CREATED: 2,
  RELAY: 3,
  DESTROY: 4,
  HELLO: 5,
  AUTH: 6,
} as const;
/** A link command's number. */
export type CellCommand = (typeof CellCommand)[keyof typeof CellCommand];

/** Relay commands (the `RCmd` byte of a local relay payload). */
export const RelayCommand = {
  EXTEND: 1,
  EXTENDED: 2,
  SUBSCRIBE: 3,
  SUBSCRIBED: 4,
  NOTIFY: 5,
  UNSUBSCRIBE: 6,
  DATA: 7,
  DROP: 8,
  PING: 9,
  PONG: 10,
  SENDME: 11,
  SUB_ENDED: 12,
} as const;
/** A relay command's number. */
export type RelayCommand = (typeof RelayCommand)[keyof typeof RelayCommand];

/** DESTROY reasons: Tor's codes (tor-spec section 5.4). */
export const DestroyReason = {
  NONE: 0,
  PROTOCOL: 1,
  INTERNAL: 2,
  REQUESTED: 3,
  HIBERNATING: 4,
  RESOURCELIMIT: 5,
  CONNECTFAILED: 6,
  OR_IDENTITY: 7,
  CHANNEL_CLOSED: 8,
  FINISHED: 9,
  TIMEOUT: 10,
  DESTROYED: 11,
  NOSUCHSERVICE: 12,
} as const;
/** A DESTROY reason's number. */
export type DestroyReason = (typeof DestroyReason)[keyof typeof DestroyReason];

/** The name of a destroy reason (for logs and metrics labels); `UNKNOWN_<n>` for others. */
export function destroyReasonName(reason: number): string {
  for (const [name, value] of Object.entries(DestroyReason)) if (value === reason) return name;
  return `UNKNOWN_${reason}`;
}

/** Circuits always have this many hops; hop 3 is the exit. */
export const CIRCUIT_HOPS = 3;
/** The AEAD tag at the end of each hop's bytes. */
export const LAYER_TAG_LENGTH = 16;
/** Bytes each hop's layer adds: the tag and the FLAG byte. */
export const LAYER_OVERHEAD = 17;
/** FLAG of a layer's plaintext: the rest is the next hop's bytes. */
export const FLAG_PASS_THROUGH = 0x00;
/** FLAG of a layer's plaintext: a relay payload for or from this hop. */
export const FLAG_LOCAL = 0x01;
/** `RCmd (1) | Id (2) | Len (2)` before a relay payload's data. */
export const RELAY_HEADER_LENGTH = 5;

/** `C_h`: the bytes of the body hop `h` owns (2043, 2026, 2009). */
export function hopCapacity(hop: number): number {
  return CELL_BODY_LENGTH - LAYER_OVERHEAD * (hop - 1);
}

/** The local payload a hop reads or writes: `C_h − 17` bytes (2026, 2009, 1992). */
export function localPayloadLength(hop: number): number {
  return hopCapacity(hop) - LAYER_OVERHEAD;
}

/** Data capacity of a relay payload for hop `h`: 2021, 2004, 1987 bytes. */
export function relayDataCapacity(hop: number): number {
  return localPayloadLength(hop) - RELAY_HEADER_LENGTH;
}

/** The handshake type of murmur-ntor over X25519. */
export const HTYPE_NTOR = 0x0002;
/** Reserved: a hybrid with ML-KEM-768 (not implemented in v1). */
export const HTYPE_NTOR_MLKEM768 = 0x0003;
/** `ID (32) | B (32) | X (32)`. */
export const NTOR_ONIONSKIN_LENGTH = 96;
/** `Y (32) | AUTH (32)`. */
export const NTOR_REPLY_LENGTH = 64;

/** The link protocol version in HELLO. */
export const LINK_VERSION = 1;
/** The HELLO nonce. */
export const HELLO_NONCE_LENGTH = 32;

/** NOTIFY/DATA cells the exit may send before the client's SENDME (Tor's circuit window). */
export const SENDME_WINDOW = 64;
/** The client sends SENDME every this many NOTIFY/DATA cells. */
export const SENDME_INCREMENT = 32;
/** Random padding bytes every exit NOTIFY/DATA cell keeps (Tor proposal 289; see PROTOCOL.md). */
export const EXIT_MIN_RANDOM_PADDING = 16;
/** Cells a relay queues per circuit before it destroys it (RESOURCELIMIT). */
export const MAX_QUEUED_CELLS_PER_CIRCUIT = 256;
/** A hop 1 or 2 not extended this long after its CREATE is destroyed (TIMEOUT). */
export const EXTEND_TIMEOUT_MS = 10_000;
/** The client gives up building a circuit after this long. */
export const BUILD_TIMEOUT_MS = 10_000;
/** No PONG this long after a PING: the circuit is dead. */
export const PING_TIMEOUT_MS = 20_000;
/** PING token length. */
export const PING_TOKEN_LENGTH = 8;
/** Accounts one circuit may subscribe at once. */
export const MAX_SUBSCRIPTIONS_PER_CIRCUIT = 8;
/** SUBSCRIBEs a circuit may send per minute. */
export const MAX_SUBSCRIBES_PER_MINUTE = 4;
/** DATA requests in flight per circuit. */
export const MAX_DATA_REQUESTS_IN_FLIGHT = 4;
/** A notification above this is announced without its data (`~` absent). */
export const MAX_NOTIFY_DATA_BYTES = 16 * 1024;
/** The largest `max_size` a retrieve through a circuit may ask for. */
export const MAX_CIRCUIT_RETRIEVE_SIZE = 400_000;
/** Fragments of one message: the count is one byte. */
export const MAX_FRAGMENTS = 255;
