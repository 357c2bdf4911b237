/**
 * The peer-link protocol between service nodes (`/peer/v1`): the handshake and the frames.
 *
 * **Handshake.** The dialer opens a WebSocket to `ws://<ip>:<storage port>/peer/v1` with four
 * headers: the protocol version, its registered Ed25519 key, a fresh ephemeral X25519 public key
 * and the Ed25519 key of the node it means to reach. The listener refuses the upgrade (HTTP 403)
 * unless the dialer's key is an active registered node in its view, and (404) unless the target
 * is itself. After the upgrade it sends a `hello` text frame: its key, its own fresh ephemeral
 * key and its signature of the transcript
 *
 * ```
 * "murmur-peer-v1|listener|" ‖ dialer key ‖ listener key ‖ dialer ephemeral ‖ listener ephemeral
 * ```
 *
 * The dialer checks that the key is the node it meant to reach and the signature, then answers
 * an `auth` text frame with its signature of the same transcript under the label `dialer`. The
 * listener checks it. Each signature covers the other side's fresh ephemeral key, so no earlier
 * transcript replays, and the role label keeps one side's signature from standing for the
 * other's. Both sides then derive one key per direction from the X25519 shared secret of the two
 * ephemeral keys (keyed BLAKE2b-256 over the transcript), so a party in the middle that relays
 * the handshake still can neither read nor inject frames. Ephemeral secrets are wiped.
 *
 * **Messages and frames.** Every later WebSocket message is binary:
 * `nonce(24) ‖ XChaCha20-Poly1305(key of the direction, plaintext)`, with
 * `plaintext = seq (u64 LE) ‖ frame+` and each `frame = [u32 LE length][combined payload:
 * [u32 LE n][n bytes: body][header JSON]]`. `seq` counts the messages of the direction from 0
 * and is also the nonce (its 8 bytes little-endian, then zeros: unique per key, no random
 * bytes needed); a message that was dropped, replayed or reordered breaks the link. A message
 * carries every frame queued during one turn of the event loop (up to 1 MiB, or one larger
 * frame), so that a busy link costs one encryption and one write per turn, not per frame. A
 * header is a `req` (`id`, `k` = the request kind and its fields) or a `res` (`id`, `s` = an
 * HTTP-like status, `ct` = content type); each is checked against its TypeBox schema, and each
 * request kind's body against its own.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import {
  concatBytes,
  createChecker,
  decodeCombinedPayload,
  encodeCombinedPayload,
  PayloadMalformedError,
  type SchemaChecker,
  utf8Decode,
  utf8Encode,
} from '@murmur/wire';
import { MAX_REQUEST_BODY_BYTES } from '@murmur/wire/server';
import Type, { type Static, type TSchema } from 'typebox';

/** The URL path of peer links on the storage port. */
export const PEER_PATH = '/peer/v1';

/** The protocol version in the `x-murmur-peer-version` header. */
export const PEER_PROTOCOL_VERSION = '1';

/** Request headers of the dialer. */
export const PEER_HEADERS = Object.freeze({
  version: 'x-murmur-peer-version',
  key: 'x-murmur-peer-key',
  ephemeral: 'x-murmur-peer-ephemeral',
  target: 'x-murmur-peer-target',
});

/**
 * The largest frame plaintext: a relayed onion body or a forwarded request can be as large as
 * the 10 MiB HTTP body limit, and an onion answer carrying a full `retrieve` page (7.8 MB of
 * messages, base64 and encrypted) about 10.4 MB; 256 KiB on top covers headers.
 */
export const MAX_PEER_FRAME_BYTES = MAX_REQUEST_BODY_BYTES + 256 * 1024;

const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const SEQ_BYTES = 8;

/** Frames queued together go in one message up to this size (a larger frame goes alone). */
export const MAX_BATCH_BYTES = 1024 * 1024;

const FRAME_LENGTH_BYTES = 4;

/**
 * The WebSocket `maxPayload` of peer links: the largest frame (or batch) plus its length
 * prefix, the sequence number and the encryption overhead.
 */
export const MAX_PEER_PAYLOAD_BYTES =
  MAX_PEER_FRAME_BYTES + FRAME_LENGTH_BYTES + NONCE_BYTES + TAG_BYTES + SEQ_BYTES;

/** Handshake frames (text) are small. */
export const MAX_HANDSHAKE_FRAME_BYTES = 1024;

const LABEL = 'murmur-peer-v1';

/** The request kinds a link carries. */
export const PEER_REQUEST_KINDS = Object.freeze([
  'rpc',
  'onion',
  'inventory',
  'fetch',
  'offer',
  'push',
] as const);

/** A request kind: `rpc` (a forwarded swarm-wide request), `onion` (a relayed layer), and the
 * catch-up and push exchanges. */
export type PeerRequestKind = (typeof PEER_REQUEST_KINDS)[number];

// ---------------------------------------------------------------------------------------------
// Handshake

const HEX_KEY = Type.String({ pattern: '^[0-9a-f]{64}$' });
const SIGNATURE_BASE64 = Type.String({ pattern: '^[A-Za-z0-9+/]{86}==$' });

/** The listener's first frame. */
export const HelloFrameSchema = Type.Object(
  {
    t: Type.Literal('hello'),
    key: HEX_KEY,
    ephemeral: HEX_KEY,
    signature: SIGNATURE_BASE64,
  },
  { additionalProperties: false },
);
/** The listener's first frame. */
export type HelloFrame = Static<typeof HelloFrameSchema>;

/** The dialer's answer to `hello`. */
export const AuthFrameSchema = Type.Object(
  { t: Type.Literal('auth'), signature: SIGNATURE_BASE64 },
  { additionalProperties: false },
);
/** The dialer's answer to `hello`. */
export type AuthFrame = Static<typeof AuthFrameSchema>;

const helloChecker = createChecker(HelloFrameSchema);
const authChecker = createChecker(AuthFrameSchema);

/** The keys of one handshake, raw. */
export interface HandshakeKeys {
  dialer: Uint8Array;
  listener: Uint8Array;
  dialerEphemeral: Uint8Array;
  listenerEphemeral: Uint8Array;
}

/** The bytes each side signs. */
export function handshakeTranscript(role: 'dialer' | 'listener', keys: HandshakeKeys): Uint8Array {
  return concatBytes(
    utf8Encode(`${LABEL}|${role}|`),
    keys.dialer,
    keys.listener,
    keys.dialerEphemeral,
    keys.listenerEphemeral,
  );
}

/** One key per direction, from the ephemeral shared secret and the transcript. */
export interface SessionKeys {
  /** Encrypts what this side sends. */
  send: Uint8Array;
  /** Decrypts what this side receives. */
  receive: Uint8Array;
}

/**
 * Derives the session keys: `BLAKE2b-256(key = X25519(own ephemeral, peer ephemeral), "<label>|
 * dialer-to-listener|" ‖ keys)` and the same with `listener-to-dialer`.
 *
 * @throws InvalidInputError when the peer's ephemeral key is a low-order point.
 */
export function deriveSessionKeys(
  crypto: MurmurCrypto,
  role: 'dialer' | 'listener',
  ownEphemeralSecret: Uint8Array,
  keys: HandshakeKeys,
): SessionKeys {
  const peerEphemeral = role === 'dialer' ? keys.listenerEphemeral : keys.dialerEphemeral;
  const shared = crypto.x25519(ownEphemeralSecret, peerEphemeral);
  const core = concatBytes(
    keys.dialer,
    keys.listener,
    keys.dialerEphemeral,
    keys.listenerEphemeral,
  );
  const toListener = crypto.blake2b(
    concatBytes(utf8Encode(`${LABEL}|dialer-to-listener|`), core),
    32,
    shared,
  );
  const toDialer = crypto.blake2b(
    concatBytes(utf8Encode(`${LABEL}|listener-to-dialer|`), core),
    32,
    shared,
  );
  crypto.wipe(shared);
  return role === 'dialer'
    ? { send: toListener, receive: toDialer }
    : { send: toDialer, receive: toListener };
}

function parseText<T extends TSchema>(
  checker: SchemaChecker<T>,
  data: string,
  what: string,
): Static<T> {
  if (data.length > MAX_HANDSHAKE_FRAME_BYTES) {
    throw new PayloadMalformedError(`${what}: the frame is too long`);
  }
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (cause) {
    throw new PayloadMalformedError(`${what}: not JSON`, { cause });
  }
  if (!checker.check(json)) {
    const problem = checker.firstProblem(json);
    throw new PayloadMalformedError(`${what}: ${problem?.text ?? 'invalid'}`);
  }
  return json;
}

/** Parses the listener's `hello` frame. @throws PayloadMalformedError */
export function parseHelloFrame(data: string): HelloFrame {
  return parseText(helloChecker, data, 'peer hello');
}

/** Parses the dialer's `auth` frame. @throws PayloadMalformedError */
export function parseAuthFrame(data: string): AuthFrame {
  return parseText(authChecker, data, 'peer auth');
}

// ---------------------------------------------------------------------------------------------
// Frames

const ID = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const COUNT = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

const SWARM_WIDE_METHOD = Type.Union([
  Type.Literal('store'),
  Type.Literal('delete'),
  Type.Literal('delete_all'),
  Type.Literal('delete_before'),
  Type.Literal('expire'),
  Type.Literal('expire_all'),
  Type.Literal('revoke_subaccount'),
  Type.Literal('unrevoke_subaccount'),
]);

/** A request header, by kind. */
export const RequestHeaderSchema = Type.Union([
  Type.Object(
    { t: Type.Literal('req'), id: ID, k: Type.Literal('rpc'), method: SWARM_WIDE_METHOD },
    { additionalProperties: false },
  ),
  Type.Object(
    { t: Type.Literal('req'), id: ID, k: Type.Literal('onion') },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      t: Type.Literal('req'),
      id: ID,
      k: Type.Literal('inventory'),
      after: COUNT,
      journalAfter: COUNT,
      limit: Type.Integer({ minimum: 1, maximum: 5_000 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { t: Type.Literal('req'), id: ID, k: Type.Literal('fetch') },
    { additionalProperties: false },
  ),
  Type.Object(
    { t: Type.Literal('req'), id: ID, k: Type.Literal('offer') },
    { additionalProperties: false },
  ),
  Type.Object(
    { t: Type.Literal('req'), id: ID, k: Type.Literal('push') },
    { additionalProperties: false },
  ),
]);
/** A request header. */
export type RequestHeader = Static<typeof RequestHeaderSchema>;

/** A response header: the request's id, a status (HTTP codes) and the body's content type. */
export const ResponseHeaderSchema = Type.Object(
  {
    t: Type.Literal('res'),
    id: ID,
    s: Type.Integer({ minimum: 100, maximum: 599 }),
    ct: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
/** A response header. */
export type ResponseHeader = Static<typeof ResponseHeaderSchema>;

const requestHeaderChecker = createChecker(RequestHeaderSchema);
const responseHeaderChecker = createChecker(ResponseHeaderSchema);

/** A decoded frame. */
export type PeerFrame =
  | { header: RequestHeader; body: Uint8Array }
  | { header: ResponseHeader; body: Uint8Array };

/** Encodes one frame: `[u32 n][body][header JSON]`. @throws TooLargeError */
export function encodeFrame(header: RequestHeader | ResponseHeader, body: Uint8Array): Uint8Array {
  return encodeCombinedPayload(body, header as unknown as Record<string, unknown>, {
    maxBytes: MAX_PEER_FRAME_BYTES,
  });
}

/** Encodes a message plaintext: `seq ‖ ([u32 length][frame])+`. */
export function encodeMessagePlaintext(seq: number, frames: readonly Uint8Array[]): Uint8Array {
  let length = SEQ_BYTES;
  for (const frame of frames) length += FRAME_LENGTH_BYTES + frame.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint32(0, seq % 2 ** 32, true);
  view.setUint32(4, Math.floor(seq / 2 ** 32), true);
  let offset = SEQ_BYTES;
  for (const frame of frames) {
    view.setUint32(offset, frame.length, true);
    out.set(frame, offset + FRAME_LENGTH_BYTES);
    offset += FRAME_LENGTH_BYTES + frame.length;
  }
  return out;
}

function decodeFrame(bytes: Uint8Array): PeerFrame {
  const { blob, json } = decodeCombinedPayload(bytes, { maxBytes: MAX_PEER_FRAME_BYTES });
  const type = (json as { t?: unknown }).t;
  if (type === 'req') {
    if (!requestHeaderChecker.check(json)) {
      throw new PayloadMalformedError(
        `peer frame: bad request header (${requestHeaderChecker.firstProblem(json)?.text ?? 'invalid'})`,
      );
    }
    return { header: json, body: blob };
  }
  if (type === 'res' && responseHeaderChecker.check(json)) return { header: json, body: blob };
  throw new PayloadMalformedError('peer frame: the header is neither a request nor a response');
}

/**
 * Decodes a message plaintext into its frames, checking its sequence number and every header.
 *
 * @throws PayloadMalformedError on a wrong sequence number, a truncated message or frame, no
 * frame at all, or a header that matches no schema.
 */
export function decodeMessagePlaintext(plaintext: Uint8Array, expectedSeq: number): PeerFrame[] {
  if (plaintext.length < SEQ_BYTES) throw new PayloadMalformedError('peer message: too short');
  const view = new DataView(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  const seq = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (seq !== expectedSeq) {
    throw new PayloadMalformedError(
      `peer message: sequence ${seq} where ${expectedSeq} was expected (dropped, replayed or reordered)`,
    );
  }
  const frames: PeerFrame[] = [];
  let offset = SEQ_BYTES;
  while (offset < plaintext.length) {
    if (offset + FRAME_LENGTH_BYTES > plaintext.length) {
      throw new PayloadMalformedError('peer message: a truncated frame length');
    }
    const length = view.getUint32(offset, true);
    const start = offset + FRAME_LENGTH_BYTES;
    if (start + length > plaintext.length) {
      throw new PayloadMalformedError('peer message: a frame longer than the message');
    }
    frames.push(decodeFrame(plaintext.subarray(start, start + length)));
    offset = start + length;
  }
  if (frames.length === 0) throw new PayloadMalformedError('peer message: no frame');
  return frames;
}

/** The nonce of message `seq`: its 8 bytes little-endian, then 16 zero bytes. */
export function messageNonce(seq: number): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES);
  const view = new DataView(nonce.buffer);
  view.setUint32(0, seq % 2 ** 32, true);
  view.setUint32(4, Math.floor(seq / 2 ** 32), true);
  return nonce;
}

/** The encrypted message: `nonce ‖ XChaCha20-Poly1305(plaintext)`, the nonce from `seq`. */
export function sealMessage(
  crypto: MurmurCrypto,
  key: Uint8Array,
  seq: number,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  return crypto.encryptLayerResponse(plaintext, key, 'xchacha20', { nonce: messageNonce(seq) });
}

/** Opens an encrypted message. @throws DecryptionFailedError */
export function openMessage(
  crypto: MurmurCrypto,
  key: Uint8Array,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  return crypto.decryptLayerResponse(ciphertext, key, 'xchacha20');
}

// ---------------------------------------------------------------------------------------------
// Bodies of the catch-up and push exchanges (JSON)

const HASH = Type.String({ pattern: '^[A-Za-z0-9+/]{43}$' });
const OWNER = Type.String({ pattern: '^[0-9a-f]{66}$' });
const MILLISECONDS = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** A message with its data (base64), as fetch answers and pushes carry it. */
export const WireMessageSchema = Type.Object(
  {
    owner: OWNER,
    namespace: Type.Integer({ minimum: -32_768, maximum: 32_767 }),
    hash: HASH,
    timestamp: MILLISECONDS,
    expiry: MILLISECONDS,
    data: Type.String({ maxLength: 102_400 }),
  },
  { additionalProperties: false },
);
/** A message on a peer link. */
export type WireMessage = Static<typeof WireMessageSchema>;

/** Most hashes in one `fetch` or items in one `offer`. */
export const MAX_ITEMS_PER_FRAME = 2_000;

/** The answer to `inventory`: message ids and journal entries after the asked positions. */
export const InventoryResponseSchema = Type.Object(
  {
    /** The answering database's instance ID (positions start over when it changes). */
    instance: Type.String({ pattern: '^[0-9a-f]{1,64}$' }),
    items: Type.Array(
      Type.Object(
        { id: ID, owner: OWNER, hash: HASH, expiry: MILLISECONDS },
        { additionalProperties: false },
      ),
      { maxItems: 5_000 },
    ),
    journal: Type.Array(
      Type.Object(
        {
          seq: ID,
          kind: Type.Union([Type.Literal('delete'), Type.Literal('expiry')]),
          owner: OWNER,
          hash: HASH,
          expiry: Type.Optional(MILLISECONDS),
          messageId: COUNT,
        },
        { additionalProperties: false },
      ),
      { maxItems: 5_000 },
    ),
    /** The message position to ask from next time. */
    after: COUNT,
    /** The journal position to ask from next time. */
    journalAfter: COUNT,
    /** Whether either list was cut at the limit. */
    more: Type.Boolean(),
  },
  { additionalProperties: false },
);
/** The answer to `inventory`. */
export type InventoryResponse = Static<typeof InventoryResponseSchema>;

/** `fetch`: the hashes wanted. */
export const FetchRequestSchema = Type.Object(
  { hashes: Type.Array(HASH, { maxItems: MAX_ITEMS_PER_FRAME }) },
  { additionalProperties: false },
);
/** `fetch`: the hashes wanted. */
export type FetchRequest = Static<typeof FetchRequestSchema>;

/** The messages asked for that the peer holds (possibly fewer, to bound the frame). */
export const MessagesBodySchema = Type.Object(
  { messages: Type.Array(WireMessageSchema, { maxItems: MAX_ITEMS_PER_FRAME }) },
  { additionalProperties: false },
);
/** A list of messages (fetch answers, pushes). */
export type MessagesBody = Static<typeof MessagesBodySchema>;

/** `offer`: messages a node is about to push (without data). */
export const OfferRequestSchema = Type.Object(
  {
    items: Type.Array(Type.Object({ owner: OWNER, hash: HASH }, { additionalProperties: false }), {
      maxItems: MAX_ITEMS_PER_FRAME,
    }),
  },
  { additionalProperties: false },
);
/** `offer`: messages a node is about to push. */
export type OfferRequest = Static<typeof OfferRequestSchema>;

/**
 * The answer to `offer`: which hashes to send; which ones another node is sending right now
 * (not acknowledged yet: offer them again later); which owners this node does not keep (not of
 * its swarm in its view). Hashes in none of the lists are stored (or were deleted) there.
 */
export const OfferResponseSchema = Type.Object(
  {
    want: Type.Array(HASH, { maxItems: MAX_ITEMS_PER_FRAME }),
    pending: Type.Array(HASH, { maxItems: MAX_ITEMS_PER_FRAME }),
    refused: Type.Array(OWNER, { maxItems: MAX_ITEMS_PER_FRAME }),
  },
  { additionalProperties: false },
);
/** The answer to `offer`. */
export type OfferResponse = Static<typeof OfferResponseSchema>;

/** The answer to `push`. */
export const PushResponseSchema = Type.Object(
  {
    stored: COUNT,
    refused: Type.Array(OWNER, { maxItems: MAX_ITEMS_PER_FRAME }),
  },
  { additionalProperties: false },
);
/** The answer to `push`. */
export type PushResponse = Static<typeof PushResponseSchema>;

/** Compiled checkers of the bodies. */
export const bodyCheckers = Object.freeze({
  inventoryResponse: createChecker(InventoryResponseSchema),
  fetchRequest: createChecker(FetchRequestSchema),
  messages: createChecker(MessagesBodySchema),
  offerRequest: createChecker(OfferRequestSchema),
  offerResponse: createChecker(OfferResponseSchema),
  pushResponse: createChecker(PushResponseSchema),
});

/** JSON body bytes. */
export function jsonBody(value: unknown): Uint8Array {
  return utf8Encode(JSON.stringify(value));
}

/**
 * Parses and checks a JSON body.
 *
 * @throws PayloadMalformedError naming `what` and the first problem.
 */
export function parseJsonBody<T extends TSchema>(
  checker: SchemaChecker<T>,
  body: Uint8Array,
  what: string,
): Static<T> {
  let json: unknown;
  try {
    json = JSON.parse(utf8Decode(body, { field: what }));
  } catch (cause) {
    throw new PayloadMalformedError(`${what}: the body is not JSON`, { cause });
  }
  if (!checker.check(json)) {
    const problem = checker.firstProblem(json);
    throw new PayloadMalformedError(`${what}: ${problem?.text ?? 'the body is invalid'}`);
  }
  return json;
}
