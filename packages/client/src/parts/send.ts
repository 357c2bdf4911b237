/**
 * Sending: `sendMessage` checks its input, writes the content (strictly increasing sent time),
 * seals it when the send rules allow it at once (v1 without forward secrecy; V2 with the
 * recipient's cached keys, or the fallback for a peer known not to publish), otherwise holds it
 * in the outbox as `securing`, and stores it in the history and the durable outbox. The outbox
 * seals held messages through {@link Sender.sealHeld} (fetching keys, holding up to 20 s, never
 * downgrading silently).
 */
import type { Identity, MessageProtocol, MurmurCrypto } from '@murmur/crypto';
import {
  type AbortOptions,
  bytesToBase64,
  MAX_MESSAGE_BYTES,
  TooLargeError,
  TTL_MAX_PUBLIC_MS,
  TTL_MIN_MS,
  throwIfAborted,
} from '@murmur/wire';
import {
  checkExpiration,
  type MessageExpiration,
  type SealedMessage,
  sealTextMessage,
  type TextContent,
} from '../content.js';
import type { OutgoingState } from '../events.js';
import type { Outbox } from '../outbox.js';
import type { ClientPfs } from '../pfs/client-pfs.js';
import type { ClientStorage, HeldContent, OutboxEntry } from '../storage/types.js';
import { checkSessionId, checkText, checkTtl } from '../validate.js';

/** What {@link MurmurClient.sendMessage} returns at once. */
export interface SendResult {
  /**
   * The message ID: its storage hash when it was sealed at once (the recipient sees the same
   * ID); a message held while the recipient's keys are fetched (`securing`) keeps a random ID
   * of the same form.
   */
  id: string;
  /** `queued` (sealed, in the durable outbox) or `securing` (held there until it is sealed). */
  state: Extract<OutgoingState, 'queued' | 'securing'>;
  /** The sent time written in the message (network time, ms). */
  sentAt: number;
  /**
   * How it was sealed: `v1`, `v2` (forward-secret) or `v2-no-pfs`; undefined while `securing`
   * (the `message-state` event that turns it `queued` carries it).
   */
  protocol: MessageProtocol | undefined;
  /** True only for `v2`. */
  forwardSecret: boolean;
}

/** Options of {@link MurmurClient.sendMessage}. */
export interface SendOptions extends AbortOptions {
  /**
   * TTL, ms (10 s to 14 days; default `messageTtlMs`, or the timer of an `after-send`
   * `disappearing` message).
   */
  ttlMs?: number;
  /**
   * The conversation's disappearing-messages timer, written in the message
   * (`Content.expirationType` / `expirationTimer`) so the recipient's copy disappears too. An
   * `after-send` timer is also the swarm TTL (kept within 10 s to 14 days), as Session does.
   */
  disappearing?: MessageExpiration;
}

/** What {@link MurmurClient.sendTimerUpdate} returns at once. */
export type TimerUpdateResult = Omit<SendResult, 'forwardSecret'>;

/**
 * The swarm TTL of a message with this timer: `after-send` stores it exactly as long as the timer
 * (within the 10 s to 14 days the network takes), `after-read` and none the default (session-desktop
 * `ExpirableMessage.ttl()`).
 */
export function expirationTtlMs(
  expiration: MessageExpiration | undefined,
  defaultTtlMs: number,
): number {
  if (expiration?.mode !== 'after-send') return defaultTtlMs;
  return Math.min(Math.max(expiration.seconds * 1000, TTL_MIN_MS), TTL_MAX_PUBLIC_MS);
}

/** What sending uses. */
export interface SenderComponents {
  crypto: MurmurCrypto;
  storage: ClientStorage;
  outbox: Pick<Outbox, 'enqueue'>;
  /** Forward secrecy, when on. */
  pfs?: Pick<ClientPfs, 'seal' | 'sealNow'> | undefined;
  /** Network time, ms. */
  now(): number;
  /** The account. @throws AccountMissingError */
  identity(): Promise<Identity>;
}

/** Sending. */
export interface Sender {
  /** `MurmurClient.sendMessage`. */
  send(recipient: string, text: string, options?: SendOptions): Promise<SendResult>;
  /** `MurmurClient.sendTimerUpdate`. */
  sendTimerUpdate(
    recipient: string,
    expiration: MessageExpiration | null,
    options?: AbortOptions,
  ): Promise<TimerUpdateResult>;
  /** Seals a held message for the outbox. @throws StaleKeysError, TooLargeError */
  sealHeld(
    recipient: string,
    held: HeldContent,
    options: AbortOptions,
  ): Promise<{ data: string; protocol: MessageProtocol }>;
}

function checkSize(sealed: SealedMessage): void {
  if (sealed.bytes.length > MAX_MESSAGE_BYTES) {
    throw new TooLargeError(
      `the message is ${sealed.bytes.length} bytes once sealed; at most ${MAX_MESSAGE_BYTES} fit`,
      { details: { size: sealed.bytes.length, limit: MAX_MESSAGE_BYTES } },
    );
  }
}

function contentOf(held: HeldContent): TextContent {
  return {
    text: held.text,
    sentAt: held.sentAt,
    ...(held.displayName === undefined ? {} : { displayName: held.displayName }),
    ...(held.expiration === undefined ? {} : { expiration: held.expiration }),
    ...(held.timerUpdate === true ? { timerUpdate: true } : {}),
  };
}

/** Creates sending. `messageTtlMs` is the default TTL (checked by the caller). */
export function createSender(init: { messageTtlMs: number }, components: SenderComponents): Sender {
  const { crypto, storage, outbox, pfs } = components;
  let lastSentAt = 0;

  /**
   * Writes, seals (or holds) and queues one message. A text message goes into the history; a
   * timer update only into the outbox (its state events name an ID the history does not hold).
   */
  const enqueue = async (
    to: string,
    message: {
      text: string;
      expiration: MessageExpiration | undefined;
      ttlMs: number;
      history: boolean;
      timerUpdate?: boolean;
    },
    options: AbortOptions,
  ): Promise<TimerUpdateResult> => {
    const self = await components.identity();
    const displayName = (await storage.getAccount())?.displayName;
    // Strictly increasing per client: Session uses the sent time to refer to a message.
    const sentAt = Math.max(components.now(), lastSentAt + 1);
    lastSentAt = sentAt;
    const held: HeldContent = {
      text: message.text,
      sentAt,
      ...(displayName === undefined ? {} : { displayName }),
      ...(message.expiration === undefined ? {} : { expiration: message.expiration }),
      ...(message.timerUpdate === true ? { timerUpdate: true } : {}),
    };
    const content = contentOf(held);
    const sealed =
      pfs === undefined
        ? { ...sealTextMessage(crypto, self, to, content), protocol: 'v1' as const }
        : await pfs.sealNow(self, to, content);
    // A held message is checked against its v1 size now (V2 adds about 1 KiB; the outbox
    // refuses it with TOO_LARGE if the V2 form is too large once sealed).
    checkSize(sealed ?? sealTextMessage(crypto, self, to, content));
    const id =
      sealed === undefined
        ? bytesToBase64(crypto.randomBytes(32), { padded: false })
        : crypto.messageHash(to, 0, sealed.bytes);
    throwIfAborted(options.signal);
    const state = sealed === undefined ? 'securing' : 'queued';
    if (message.history) {
      await storage.insertMessage({
        id,
        conversationId: to,
        direction: 'outgoing',
        sender: self.sessionId,
        text: message.text,
        sentAt,
        receivedAt: sentAt,
        namespace: 0,
        read: true,
        state,
        ...(sealed === undefined ? {} : { protocol: sealed.protocol }),
      });
    }
    const entry: OutboxEntry = {
      id,
      recipient: to,
      namespace: 0,
      data: sealed?.data ?? '',
      ttlMs: message.ttlMs,
      createdAt: sentAt,
      state,
      attempts: 0,
      nextAttemptAt: sentAt,
    };
    if (sealed === undefined) entry.held = held;
    await outbox.enqueue(entry, sealed?.protocol);
    return { id, state, sentAt, protocol: sealed?.protocol };
  };

  return {
    async send(recipient, text, options = {}) {
      throwIfAborted(options.signal);
      const to = checkSessionId(crypto, recipient, 'the recipient');
      const body = checkText(text);
      const expiration =
        options.disappearing === undefined
          ? undefined
          : checkExpiration(options.disappearing, 'disappearing');
      const ttlMs =
        options.ttlMs === undefined
          ? expirationTtlMs(expiration, init.messageTtlMs)
          : checkTtl(options.ttlMs);
      const queued = await enqueue(to, { text: body, expiration, ttlMs, history: true }, options);
      return { ...queued, forwardSecret: queued.protocol === 'v2' };
    },

    async sendTimerUpdate(recipient, expiration, options = {}) {
      throwIfAborted(options.signal);
      const to = checkSessionId(crypto, recipient, 'the recipient');
      const checked = expiration === null ? undefined : checkExpiration(expiration);
      // Session gives the update the TTL of a message with that timer.
      const ttlMs = expirationTtlMs(checked, init.messageTtlMs);
      return enqueue(
        to,
        { text: '', expiration: checked, ttlMs, history: false, timerUpdate: true },
        options,
      );
    },

    async sealHeld(recipient, held, options) {
      throwIfAborted(options.signal);
      const self = await components.identity();
      const content = contentOf(held);
      const sealed =
        pfs === undefined
          ? { ...sealTextMessage(crypto, self, recipient, content), protocol: 'v1' as const }
          : await pfs.seal(self, recipient, content);
      checkSize(sealed);
      return { data: sealed.data, protocol: sealed.protocol };
    },
  };
}
