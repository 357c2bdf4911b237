/**
 * How a text message is wrapped on the wire, as Session does it for one-to-one messages
 * (SESSION-FACTS section 2; field numbers from session-desktop `protos/SignalService.proto` and
 * libsession-util `proto/WebSocketResources.proto`), so that a Session-compatible reader can
 * parse what Murmur stores:
 *
 * ```
 * Content { dataMessage(1): DataMessage { body(1), profile(101) { displayName(1) } },
 *           sigTimestamp(15) }
 *   → padMessage → encryptForRecipient (Session Protocol v1)
 *   → Envelope { type(1) = SESSION_MESSAGE 6, timestamp(5), sourceDevice(7) = 1, content(8) }
 *   → WebSocketMessage { type(1) = REQUEST 1,
 *        request(2): WebSocketRequestMessage { verb(1) "", path(2) "", body(3), requestId(4) 0 } }
 *   → base64 in the store's `data`.
 * ```
 *
 * The sent time goes in `Envelope.timestamp` and `Content.sigTimestamp` (what current Session
 * clients write; `DataMessage.timestamp`, field 7, is reserved now and only read, for old
 * senders). Decoding is strict and never throws anything but `PayloadMalformedError`.
 */
import type { Identity, MurmurCrypto } from '@murmur/crypto';
import { base64ToBytes, bytesToBase64, PayloadMalformedError } from '@murmur/wire';
import { ProtoMessage, ProtoWriter } from './protobuf.js';

/** `Envelope.type` of a one-to-one Session message. */
export const ENVELOPE_TYPE_SESSION_MESSAGE = 6;
/** `WebSocketMessage.type` REQUEST. */
export const WEBSOCKET_TYPE_REQUEST = 1;

const Field = Object.freeze({
  webSocket: { type: 1, request: 2 },
  webSocketRequest: { verb: 1, path: 2, body: 3, requestId: 4 },
  envelope: { type: 1, source: 2, timestamp: 5, sourceDevice: 7, content: 8 },
  content: { dataMessage: 1, sigTimestamp: 15 },
  dataMessage: { body: 1, legacyTimestamp: 7, profile: 101 },
  profile: { displayName: 1 },
});

/** The parts of a text message Murmur writes and reads. */
export interface TextContent {
  /** The text. */
  text: string;
  /** The sent time, ms. */
  sentAt: number;
  /** The sender's display name, when it attaches one. */
  displayName?: string;
}

/** What {@link decodeContent} found. */
export type DecodedContent =
  | { kind: 'text'; text: string; sentAt?: number; displayName?: string }
  /** A content type Murmur does not handle (typing, receipts, calls, ...): its field numbers. */
  | { kind: 'unsupported'; fields: number[] };

/** An envelope as read. */
export interface DecodedEnvelope {
  /** `Envelope.type` (6 for one-to-one messages). */
  type: number;
  /** The sender's timestamp, ms. */
  timestamp: number;
  /** The encrypted content. */
  content: Uint8Array;
}

/** The `Content` protobuf of a text message. */
export function encodeContent(content: TextContent): Uint8Array {
  const data = new ProtoWriter().string(Field.dataMessage.body, content.text);
  if (content.displayName !== undefined) {
    data.bytes(
      Field.dataMessage.profile,
      new ProtoWriter().string(Field.profile.displayName, content.displayName).finish(),
    );
  }
  return new ProtoWriter()
    .bytes(Field.content.dataMessage, data.finish())
    .uint(Field.content.sigTimestamp, content.sentAt)
    .finish();
}

/**
 * Reads a `Content` protobuf (already unpadded).
 *
 * @throws `PayloadMalformedError` for bytes that are not a well-formed `Content`.
 */
export function decodeContent(bytes: Uint8Array): DecodedContent {
  const content = new ProtoMessage(bytes, 'Content');
  const sigTimestamp = content.safeUint(Field.content.sigTimestamp);
  const data = content.message(Field.content.dataMessage, 'dataMessage');
  if (data === undefined) {
    return { kind: 'unsupported', fields: content.fieldNumbers().sort((a, b) => a - b) };
  }
  const text = data.string(Field.dataMessage.body);
  if (text === undefined) {
    // Attachments only, reactions, group updates...: nothing Murmur can show yet.
    return { kind: 'unsupported', fields: [Field.content.dataMessage] };
  }
  const out: DecodedContent = { kind: 'text', text };
  const sentAt = sigTimestamp ?? data.safeUint(Field.dataMessage.legacyTimestamp);
  if (sentAt !== undefined) out.sentAt = sentAt;
  const displayName = data
    .message(Field.dataMessage.profile, 'profile')
    ?.string(Field.profile.displayName);
  if (displayName !== undefined && displayName !== '') out.displayName = displayName;
  return out;
}

/** The `WebSocketMessage` bytes around an encrypted content: what goes (base64) into `data`. */
export function encodeEnvelope(ciphertext: Uint8Array, timestamp: number): Uint8Array {
  const envelope = new ProtoWriter()
    .uint(Field.envelope.type, ENVELOPE_TYPE_SESSION_MESSAGE)
    .uint(Field.envelope.timestamp, timestamp)
    .uint(Field.envelope.sourceDevice, 1)
    .bytes(Field.envelope.content, ciphertext)
    .finish();
  const request = new ProtoWriter()
    .string(Field.webSocketRequest.verb, '')
    .string(Field.webSocketRequest.path, '')
    .bytes(Field.webSocketRequest.body, envelope)
    .uint(Field.webSocketRequest.requestId, 0)
    .finish();
  return new ProtoWriter()
    .uint(Field.webSocket.type, WEBSOCKET_TYPE_REQUEST)
    .bytes(Field.webSocket.request, request)
    .finish();
}

/**
 * Reads the `WebSocketMessage` → `Envelope` around a stored message.
 *
 * @throws `PayloadMalformedError` when it is not a REQUEST carrying an envelope with a type, a
 * timestamp and a content.
 */
export function decodeEnvelope(bytes: Uint8Array): DecodedEnvelope {
  const message = new ProtoMessage(bytes, 'WebSocketMessage');
  const type = message.safeUint(Field.webSocket.type);
  if (type !== WEBSOCKET_TYPE_REQUEST) {
    throw new PayloadMalformedError(
      `WebSocketMessage: type must be REQUEST (1), got ${type ?? 'none'}`,
    );
  }
  const request = message.message(Field.webSocket.request, 'request');
  const body = request?.bytes(Field.webSocketRequest.body);
  if (body === undefined) {
    throw new PayloadMalformedError('WebSocketMessage: the request carries no body');
  }
  const envelope = new ProtoMessage(body, 'Envelope');
  const envelopeType = envelope.safeUint(Field.envelope.type);
  const timestamp = envelope.safeUint(Field.envelope.timestamp);
  const content = envelope.bytes(Field.envelope.content);
  if (envelopeType === undefined || timestamp === undefined || content === undefined) {
    throw new PayloadMalformedError('Envelope: type, timestamp and content are required');
  }
  return { type: envelopeType, timestamp, content };
}

/** A sealed message, ready for `store`. */
export interface SealedMessage {
  /** The stored bytes (`WebSocketMessage`), base64 as `store` sends them. */
  data: string;
  /** The stored bytes. */
  bytes: Uint8Array;
}

/**
 * Seals a text message for a recipient: `Content` → pad → Session Protocol v1 → envelope.
 *
 * @throws `InvalidSessionIdError` for a recipient that is not a valid Session ID.
 */
export function sealTextMessage(
  crypto: MurmurCrypto,
  sender: Identity,
  recipientSessionId: string,
  content: TextContent,
): SealedMessage {
  const padded = crypto.padMessage(encodeContent(content));
  const ciphertext = crypto.encryptForRecipient(padded, sender, recipientSessionId);
  const bytes = encodeEnvelope(ciphertext, content.sentAt);
  return { data: bytesToBase64(bytes), bytes };
}

/** What {@link openStoredMessage} returns. */
export interface OpenedMessage {
  /** The sender's Session ID, from the key that signed the message. */
  from: string;
  /** The envelope's timestamp, ms. */
  envelopeTimestamp: number;
  /** The content. */
  content: DecodedContent;
}

/**
 * Opens a stored message: base64 → envelope → Session Protocol v1 (signature checked) → unpad →
 * `Content`.
 *
 * @throws `PayloadMalformedError` (not base64, not an envelope, not a `Content`, an envelope
 * type other than one-to-one), `DecryptionFailedError` (not for us) or `BadSignatureError`.
 */
export function openStoredMessage(
  crypto: MurmurCrypto,
  recipient: Identity,
  data: string,
): OpenedMessage {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(data, { field: 'data' });
  } catch (cause) {
    throw new PayloadMalformedError('stored message: `data` is not base64', { cause });
  }
  const envelope = decodeEnvelope(bytes);
  if (envelope.type !== ENVELOPE_TYPE_SESSION_MESSAGE) {
    throw new PayloadMalformedError(
      `Envelope: type ${envelope.type} is not a one-to-one message (${ENVELOPE_TYPE_SESSION_MESSAGE})`,
    );
  }
  const opened = crypto.decryptIncoming(envelope.content, recipient);
  const content = decodeContent(crypto.unpadMessage(opened.plaintext));
  return { from: opened.senderSessionId, envelopeTimestamp: envelope.timestamp, content };
}
