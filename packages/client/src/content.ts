/**
 * How a text message is wrapped on the wire, as Session does it for one-to-one messages
 * (libsession-util `encode_for_destination` in `src/session_protocol.cpp`, which every Session
 * client calls; the schema is `proto/session.proto`), so that Murmur's stored messages read like
 * Session's and a Session-compatible reader can parse them (docs/PROTOCOL.md, "Message
 * wrapping"):
 *
 * ```
 * Content { dataMessage(1): DataMessage { body(1), profile(101) { displayName(1) } },
 *           sigTimestamp(15) }
 *   → padMessage → encryptForRecipient (Session Protocol v1)
 *   → Envelope { type(1) = SESSION_MESSAGE 6, timestamp(5), sourceDevice(7) = 1, content(8),
 *                proSig(11) = 64-byte decoy }
 *   → WebSocketMessage { type(1) = REQUEST 1,
 *        request(2): WebSocketRequestMessage { verb(1) "", path(2) "", body(3), requestId(4) 0 } }
 *   → base64 in the store's `data`.
 * ```
 *
 * The sent time goes in `Envelope.timestamp` and `Content.sigTimestamp` (what current Session
 * clients write; `DataMessage.timestamp`, field 7, is reserved now and only read, for old
 * senders). Decoding is strict and never throws anything but `PayloadMalformedError`.
 *
 * Disappearing messages travel as Session's "disappearing messages v2" writes them (session-desktop
 * `ts/session/messages/outgoing/ExpirableMessage.ts`, `ExpirationTimerUpdateMessage.ts`,
 * `ts/session/disappearing_messages/index.ts`): every message of a conversation with a timer
 * carries `Content.expirationType` (12: DELETE_AFTER_READ 1 / DELETE_AFTER_SEND 2) and
 * `Content.expirationTimer` (13, seconds); a change of the conversation's setting is announced by
 * a control message `DataMessage { flags(4) = EXPIRATION_TIMER_UPDATE 2 }` with the new setting
 * in the same `Content` fields (UNKNOWN / 0 = off). The pre-v2 `DataMessage.expireTimer` (5) is
 * only read: Session's old clients started that timer when the message was read, so it reads as
 * `after-read`.
 */

import { isFieldSet } from '@bufbuild/protobuf';
import type { Identity, MurmurCrypto } from '@murmur/crypto';
import {
  base64ToBytes,
  bytesToBase64,
  InvalidInputError,
  PayloadMalformedError,
} from '@murmur/wire';
import {
  type Content,
  Content_ExpirationType,
  ContentSchema,
  DataMessage_Flags,
  DataMessageSchema,
  Envelope_Type,
  EnvelopeSchema,
  WebSocketMessage_Type,
  WebSocketMessageSchema,
  WebSocketRequestMessageSchema,
} from './gen/session_pb.js';
import { decodeMessage, encodeMessage, safeNumber } from './protobuf.js';

/** `Envelope.type` of a one-to-one Session message. */
export const ENVELOPE_TYPE_SESSION_MESSAGE = Envelope_Type.SESSION_MESSAGE;
/** `WebSocketMessage.type` REQUEST. */
export const WEBSOCKET_TYPE_REQUEST = WebSocketMessage_Type.REQUEST;

/**
 * When a message disappears: `after-send` counts from its sent time, `after-read` from when the
 * recipient reads it (Session's DELETE_AFTER_SEND / DELETE_AFTER_READ).
 */
export type ExpirationMode = 'after-read' | 'after-send';

/** A disappearing-messages timer. */
export interface MessageExpiration {
  mode: ExpirationMode;
  /** Seconds (1 to 2^32 − 1: Session's `uint32 expirationTimer`). */
  seconds: number;
}

/** The largest timer the wire carries (`uint32`). */
export const MAX_EXPIRATION_SECONDS = 0xffff_ffff;

/** The parts of a text message (or of a timer update) Murmur writes and reads. */
export interface TextContent {
  /** The text (ignored, and left out, for a timer update). */
  text: string;
  /** The sent time, ms. */
  sentAt: number;
  /** The sender's display name, when it attaches one. */
  displayName?: string;
  /** The message's disappearing timer (for a timer update: the new setting; none = off). */
  expiration?: MessageExpiration;
  /**
   * A control message announcing the conversation's disappearing-messages setting
   * (`DataMessage.flags` = EXPIRATION_TIMER_UPDATE) instead of a text.
   */
  timerUpdate?: boolean;
}

/** What {@link decodeContent} found. */
export type DecodedContent =
  | {
      kind: 'text';
      text: string;
      sentAt?: number;
      displayName?: string;
      /** The timer the sender set on this message. */
      expiration?: MessageExpiration;
    }
  | {
      /** The sender changed the conversation's disappearing-messages setting. */
      kind: 'timer-update';
      sentAt?: number;
      displayName?: string;
      /** The new setting; `null` turns disappearing messages off. */
      expiration: MessageExpiration | null;
    }
  /** A content type Murmur does not handle (typing, receipts, calls, ...): its field numbers. */
  | { kind: 'unsupported'; fields: number[] };

const EXPIRATION_TYPE: Record<ExpirationMode, Content_ExpirationType> = {
  'after-read': Content_ExpirationType.DELETE_AFTER_READ,
  'after-send': Content_ExpirationType.DELETE_AFTER_SEND,
};

/**
 * Checks a timer before it is written.
 *
 * @throws `InvalidInputError` for an unknown mode or seconds that are not an integer from 1 to
 * 2^32 − 1.
 */
export function checkExpiration(value: unknown, field = 'expiration'): MessageExpiration {
  const candidate = value as Partial<MessageExpiration> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    (candidate.mode !== 'after-read' && candidate.mode !== 'after-send')
  ) {
    throw new InvalidInputError(`${field}.mode must be 'after-read' or 'after-send'`, {
      details: { field: `${field}.mode` },
    });
  }
  const seconds = candidate.seconds;
  if (
    typeof seconds !== 'number' ||
    !Number.isInteger(seconds) ||
    seconds < 1 ||
    seconds > MAX_EXPIRATION_SECONDS
  ) {
    throw new InvalidInputError(`${field}.seconds must be a whole number of seconds, 1 or more`, {
      details: { field: `${field}.seconds` },
    });
  }
  return { mode: candidate.mode, seconds };
}

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
  const expiration =
    content.expiration === undefined ? undefined : checkExpiration(content.expiration);
  const profile =
    content.displayName === undefined ? {} : { profile: { displayName: content.displayName } };
  return encodeMessage(ContentSchema, {
    dataMessage:
      content.timerUpdate === true
        ? { flags: DataMessage_Flags.EXPIRATION_TIMER_UPDATE, ...profile }
        : { body: content.text, ...profile },
    // A timer update turning the timer off says so explicitly (UNKNOWN, 0), as Session does.
    ...(expiration !== undefined
      ? { expirationType: EXPIRATION_TYPE[expiration.mode], expirationTimer: expiration.seconds }
      : content.timerUpdate === true
        ? { expirationType: Content_ExpirationType.UNKNOWN, expirationTimer: 0 }
        : {}),
    sigTimestamp: BigInt(content.sentAt),
  });
}

/** The timer a `Content` carries (v2 fields first, then the legacy `DataMessage.expireTimer`). */
function expirationOf(content: Content): MessageExpiration | undefined {
  const timer = isFieldSet(content, ContentSchema.field.expirationTimer)
    ? content.expirationTimer
    : 0;
  if (timer > 0) {
    if (content.expirationType === Content_ExpirationType.DELETE_AFTER_SEND) {
      return { mode: 'after-send', seconds: timer };
    }
    if (content.expirationType === Content_ExpirationType.DELETE_AFTER_READ) {
      return { mode: 'after-read', seconds: timer };
    }
    // A timer without a (known) type: Session reads it as a legacy setting, below.
  }
  const data = content.dataMessage;
  const legacy =
    data !== undefined && isFieldSet(data, DataMessageSchema.field.expireTimer)
      ? data.expireTimer
      : 0;
  if (legacy > 0) return { mode: 'after-read', seconds: legacy };
  if (timer > 0 && content.expirationType === Content_ExpirationType.UNKNOWN) {
    return { mode: 'after-read', seconds: timer };
  }
  return undefined;
}

/**
 * Reads a `Content` protobuf (already unpadded).
 *
 * @throws `PayloadMalformedError` for bytes that are not a well-formed `Content`.
 */
export function decodeContent(bytes: Uint8Array): DecodedContent {
  const content = decodeMessage(ContentSchema, bytes);
  const sigTimestamp = isFieldSet(content, ContentSchema.field.sigTimestamp)
    ? safeNumber(content.sigTimestamp, 'Content: sigTimestamp')
    : undefined;
  const data = content.dataMessage;
  if (data === undefined) {
    const fields = (content.$unknown ?? []).map((field) => field.no);
    if (sigTimestamp !== undefined) fields.push(ContentSchema.field.sigTimestamp.number);
    for (const field of [ContentSchema.field.expirationType, ContentSchema.field.expirationTimer]) {
      if (isFieldSet(content, field)) fields.push(field.number);
    }
    return { kind: 'unsupported', fields: [...new Set(fields)].sort((a, b) => a - b) };
  }
  const legacyTimestamp = isFieldSet(data, DataMessageSchema.field.timestamp)
    ? safeNumber(data.timestamp, 'Content: dataMessage.timestamp')
    : undefined;
  const sentAt = sigTimestamp ?? legacyTimestamp;
  const displayName = data.profile?.displayName;
  const expiration = expirationOf(content);
  if ((data.flags & DataMessage_Flags.EXPIRATION_TIMER_UPDATE) !== 0) {
    const update: DecodedContent = { kind: 'timer-update', expiration: expiration ?? null };
    if (sentAt !== undefined) update.sentAt = sentAt;
    if (displayName !== undefined && displayName !== '') update.displayName = displayName;
    return update;
  }
  if (!isFieldSet(data, DataMessageSchema.field.body)) {
    // Attachments only, reactions, group updates...: nothing Murmur can show yet.
    return { kind: 'unsupported', fields: [ContentSchema.field.dataMessage.number] };
  }
  const out: DecodedContent = { kind: 'text', text: data.body };
  if (sentAt !== undefined) out.sentAt = sentAt;
  if (displayName !== undefined && displayName !== '') out.displayName = displayName;
  if (expiration !== undefined) out.expiration = expiration;
  return out;
}

/** `Envelope.proSig`'s length: an Ed25519 signature. */
export const PRO_SIGNATURE_LENGTH = 64;

/**
 * The `WebSocketMessage` bytes around an encrypted content: what goes (base64) into `data`.
 * `proSig` is the 64-byte `Envelope.proSig` ({@link sealTextMessage} passes the decoy Session
 * writes for senders without Session Pro); without it the field is left out.
 *
 * @throws `InvalidInputError` for a `proSig` that is not 64 bytes.
 */
export function encodeEnvelope(
  ciphertext: Uint8Array,
  timestamp: number,
  proSig?: Uint8Array,
): Uint8Array {
  if (proSig !== undefined && proSig.length !== PRO_SIGNATURE_LENGTH) {
    throw new InvalidInputError(`proSig must be ${PRO_SIGNATURE_LENGTH} bytes`, {
      details: { field: 'proSig' },
    });
  }
  const envelope = encodeMessage(EnvelopeSchema, {
    type: Envelope_Type.SESSION_MESSAGE,
    timestamp: BigInt(timestamp),
    sourceDevice: 1,
    content: ciphertext,
    ...(proSig === undefined ? {} : { proSig }),
  });
  return encodeMessage(WebSocketMessageSchema, {
    type: WebSocketMessage_Type.REQUEST,
    request: { verb: '', path: '', body: envelope, requestId: 0n },
  });
}

/**
 * Reads the `WebSocketMessage` → `Envelope` around a stored message.
 *
 * @throws `PayloadMalformedError` when it is not a REQUEST carrying an envelope with a type, a
 * timestamp and a content.
 */
export function decodeEnvelope(bytes: Uint8Array): DecodedEnvelope {
  const message = decodeMessage(WebSocketMessageSchema, bytes);
  if (message.type !== WebSocketMessage_Type.REQUEST) {
    const got = isFieldSet(message, WebSocketMessageSchema.field.type) ? message.type : 'none';
    throw new PayloadMalformedError(`WebSocketMessage: type must be REQUEST (1), got ${got}`);
  }
  const request = message.request;
  if (request === undefined || !isFieldSet(request, WebSocketRequestMessageSchema.field.body)) {
    throw new PayloadMalformedError('WebSocketMessage: the request carries no body');
  }
  const envelope = decodeMessage(EnvelopeSchema, request.body);
  if (!isFieldSet(envelope, EnvelopeSchema.field.content)) {
    throw new PayloadMalformedError('Envelope: type, timestamp and content are required');
  }
  return {
    type: envelope.type,
    timestamp: safeNumber(envelope.timestamp, 'Envelope: timestamp'),
    content: envelope.content,
  };
}

/** A sealed message, ready for `store`. */
export interface SealedMessage {
  /** The stored bytes (`WebSocketMessage`), base64 as `store` sends them. */
  data: string;
  /** The stored bytes. */
  bytes: Uint8Array;
}

/**
 * Seals a text message for a recipient: `Content` → pad → Session Protocol v1 → envelope (with
 * a fresh `proSig` decoy, as Session writes for senders without Session Pro).
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
  const bytes = encodeEnvelope(ciphertext, content.sentAt, crypto.proSignatureDecoy());
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
