/**
 * Text messages in Session Protocol V2, as stored in namespace 0: the `Content` protobuf (not
 * Session-padded: V2 pads inside its own format) sealed with V2, the raw V2 bytes base64 in
 * `store`'s `data`, with no Envelope or WebSocketMessage wrapper (libsession writes V2 so). A
 * v1 message always starts with a protobuf tag (never `0x00`), so a stored message that starts
 * `00 02` is V2 and one that starts `00` with anything else is an unknown version.
 */
import type {
  AccountKeys,
  AccountPublicKeys,
  Identity,
  MessageProtocol,
  MurmurCrypto,
} from '@murmur/crypto';
import {
  base64ToBytes,
  bytesToBase64,
  PayloadMalformedError,
  UnsupportedError,
} from '@murmur/wire';
import {
  decodeContent,
  encodeContent,
  type OpenedMessage,
  openStoredMessage,
  type SealedMessage,
  type TextContent,
} from '../content.js';

/** How to seal: to the recipient's account keys (forward-secret), or V2's no-PFS form. */
export type V2Seal = { keys: AccountPublicKeys } | 'no-pfs';

/** Seals a text message with V2 (`keys`) or V2 no-PFS, ready for `store` in namespace 0. */
export function sealTextMessageV2(
  crypto: MurmurCrypto,
  sender: Identity,
  recipientSessionId: string,
  content: TextContent,
  seal: V2Seal,
): SealedMessage {
  const encoded = encodeContent(content);
  const bytes =
    seal === 'no-pfs'
      ? crypto.encryptV2NoPfs(encoded, sender, recipientSessionId)
      : crypto.encryptV2(encoded, sender, recipientSessionId, seal.keys);
  return { data: bytesToBase64(bytes), bytes };
}

/** What {@link openAnyStoredMessage} returns: the message and how it was sealed. */
export interface OpenedAnyMessage extends OpenedMessage {
  /** `v1`, `v2` (forward-secret) or `v2-no-pfs`. */
  protocol: MessageProtocol;
  /** True only for `v2`: what a UI marks as forward-secret. */
  forwardSecret: boolean;
}

/**
 * Opens a stored one-to-one message of any version: V2 (tried with `accountKeys`, then the
 * no-PFS form) or the v1 envelope.
 *
 * @throws `PayloadMalformedError`, `DecryptionFailedError` or `BadSignatureError` as
 *   `openStoredMessage`; `UnsupportedError` for an unknown version (`00` then not `02`).
 */
export function openAnyStoredMessage(
  crypto: MurmurCrypto,
  recipient: Identity,
  data: string,
  accountKeys: readonly AccountKeys[],
): OpenedAnyMessage {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(data, { field: 'data' });
  } catch (cause) {
    throw new PayloadMalformedError('stored message: `data` is not base64', { cause });
  }
  if (bytes[0] !== 0x00) {
    return { ...openStoredMessage(crypto, recipient, data), protocol: 'v1', forwardSecret: false };
  }
  if (bytes[1] !== 0x02) {
    throw new UnsupportedError(
      `stored message: unknown Session Protocol version 00 ${(bytes[1] ?? 0).toString(16).padStart(2, '0')}`,
      { details: { version: bytes[1] } },
    );
  }
  const opened = crypto.decryptIncoming(bytes, recipient, { accountKeys });
  const content = decodeContent(opened.plaintext);
  const protocol = opened.protocol ?? 'v2';
  return {
    from: opened.senderSessionId,
    envelopeTimestamp: content.kind === 'text' ? (content.sentAt ?? 0) : 0,
    content,
    protocol,
    forwardSecret: protocol === 'v2',
  };
}
