/**
 * The receive pipeline, shared by the poller and any push source: skip what was seen, open
 * (envelope → Session Protocol v1 with its signature check → unpad → Content), store in the
 * history under the sender's conversation, announce, and remember the hash until the message
 * would expire anyway. Messages that do not open (not for us, garbage: anyone may store in a
 * public inbox) or that carry content Murmur does not handle are remembered and skipped.
 *
 * A crash between storing and remembering re-delivers nothing twice: the history refuses the
 * same ID, and only a newly stored message is announced.
 */
import type { Identity, MessageProtocol, MurmurCrypto } from '@murmur/crypto';
import { type Logger, MurmurError, type RetrievedMessage } from '@murmur/wire';
import { type OpenedMessage, openStoredMessage } from './content.js';
import type { DeliveryPath, DisappearingUpdateEvent, IncomingMessage } from './events.js';
import type { ClientStorage, SeenHash, StoredMessage } from './storage/types.js';

/** What the receiver uses. */
export interface ReceiverComponents {
  crypto: MurmurCrypto;
  storage: ClientStorage;
  logger: Logger;
  /** Network time, ms. */
  now(): number;
  /** Hears each new message. */
  onMessage(message: IncomingMessage): void;
  /** Hears each disappearing-messages timer update (not stored in the history). */
  onDisappearingUpdate?(update: DisappearingUpdateEvent): void;
  /** Opens a stored message (default v1 only; with PFS on, `ClientPfs.open`: V2 too). */
  open?(
    identity: Identity,
    data: string,
  ): OpenedMessage & { protocol?: MessageProtocol; forwardSecret?: boolean };
}

/** What one batch gave. */
export interface ReceiveResult {
  /** Messages stored and announced. */
  delivered: number;
  /** Hashes processed for the first time (delivered, unreadable or unsupported). */
  processed: string[];
}

/** The receiver. */
export interface Receiver {
  /**
   * Processes messages retrieved (or pushed) from `namespace` for `identity`; `via` is the path
   * that delivered them (default `poll`), announced in each message event.
   */
  process(
    identity: Identity,
    namespace: number,
    messages: readonly RetrievedMessage[],
    via?: DeliveryPath,
  ): Promise<ReceiveResult>;
}

/** Creates the receive pipeline. */
export function createReceiver(components: ReceiverComponents): Receiver {
  const { crypto, storage } = components;
  const logger = components.logger.child({ component: 'receiver' });
  return {
    async process(identity, namespace, messages, via = 'poll') {
      const unique = new Map<string, RetrievedMessage>();
      for (const message of messages)
        if (!unique.has(message.hash)) unique.set(message.hash, message);
      if (unique.size === 0) return { delivered: 0, processed: [] };
      const seen = await storage.filterSeenHashes([...unique.keys()]);
      const remembered: SeenHash[] = [];
      let delivered = 0;
      for (const message of unique.values()) {
        if (seen.has(message.hash)) continue;
        remembered.push({ hash: message.hash, expiresAt: message.expiration });
        let opened: ReturnType<NonNullable<ReceiverComponents['open']>>;
        try {
          opened =
            components.open?.(identity, message.data) ??
            openStoredMessage(crypto, identity, message.data);
        } catch (error) {
          logger.debug(
            {
              hash: message.hash,
              namespace,
              code: MurmurError.isInstance(error) ? error.code : 'INTERNAL',
            },
            'client: skipped a message that does not open',
          );
          continue;
        }
        if (opened.content.kind === 'timer-update') {
          components.onDisappearingUpdate?.({
            id: message.hash,
            from: opened.from,
            sentAt: opened.content.sentAt ?? opened.envelopeTimestamp,
            expiration: opened.content.expiration,
            via,
          });
          continue;
        }
        if (opened.content.kind !== 'text') {
          logger.debug(
            { hash: message.hash, fields: opened.content.fields },
            'client: skipped a content type Murmur does not handle',
          );
          continue;
        }
        const receivedAt = components.now();
        const stored: StoredMessage = {
          id: message.hash,
          conversationId: opened.from,
          direction: 'incoming',
          sender: opened.from,
          text: opened.content.text,
          sentAt: opened.content.sentAt ?? opened.envelopeTimestamp,
          receivedAt,
          namespace,
          read: false,
          protocol: opened.protocol ?? 'v1',
        };
        if (opened.content.displayName !== undefined) {
          stored.displayName = opened.content.displayName;
        }
        if (!(await storage.insertMessage(stored))) continue;
        delivered++;
        const incoming: IncomingMessage = {
          id: stored.id,
          from: stored.sender,
          text: stored.text,
          sentAt: stored.sentAt,
          receivedAt,
          namespace,
          protocol: opened.protocol ?? 'v1',
          forwardSecret: opened.forwardSecret ?? false,
          via,
        };
        const nickname = (await storage.getContact(opened.from))?.nickname;
        if (nickname !== undefined) incoming.nickname = nickname;
        if (stored.displayName !== undefined) incoming.displayName = stored.displayName;
        if (opened.content.expiration !== undefined) {
          incoming.expiration = opened.content.expiration;
        }
        components.onMessage(incoming);
      }
      if (remembered.length > 0) await storage.addSeenHashes(remembered);
      return { delivered, processed: remembered.map((item) => item.hash) };
    },
  };
}
