/**
 * A tiny typed event emitter (no `node:events`: the client runs in browsers too) and the
 * payloads of every event a client emits.
 */

import type { MessageProtocol } from '@murmur/crypto';
import type { PathHealth } from '@murmur/onion';
import type { MurmurError } from '@murmur/wire';
import type { CircuitPushEvent } from './circuit-push/circuit-push-source.js';
import type { MessageExpiration } from './content.js';

/**
 * The state of an outgoing message: `securing` (held while the recipient's account keys are
 * fetched, or while the send rules refuse to downgrade: show "securing…", or the warning or
 * blocked state of {@link SecuringState}), `queued`, `sending`, `sent` or `failed`.
 */
export type OutgoingState = 'securing' | 'queued' | 'sending' | 'sent' | 'failed';

/** Why a `securing` message waits, for the UI. */
export interface SecuringState {
  /**
   * `fetching-keys`: the recipient's account keys are being fetched ("securing…");
   * `keys-missing`: the recipient was seen with forward secrecy but no keys can be fetched now
   * (a warning: it is retried, never sent without forward secrecy silently);
   * `require-pfs`: "require forward secrecy" is set for the contact and it has no keys
   * (blocked until it has).
   */
  reason: 'fetching-keys' | 'keys-missing' | 'require-pfs';
  /** `keys-missing` for over an hour: ask the person (or turn forward secrecy off for them). */
  askUser: boolean;
}

/**
 * The path that delivered a message: `circuit` (pushed by the exit relay of the client's circuit
 * as soon as its swarm stored it) or `poll` (a `retrieve`: the poller, the catch-up after a
 * (re)subscription, the safety poll).
 */
export type DeliveryPath = 'circuit' | 'poll';

/** A message that arrived, decrypted and verified. */
export interface IncomingMessage {
  /** The storage hash of the message (the same ID the sender sees). */
  id: string;
  /** The sender's Session ID (from the signature, not from anything the sender claims). */
  from: string;
  /** Your nickname for the sender, if the sender is a contact with one. */
  nickname?: string;
  /** The display name the sender attached to the message, if any (sender-chosen: not verified). */
  displayName?: string;
  /** The text. */
  text: string;
  /** When the sender sent it (sender's network time, ms; signed by the sender). */
  sentAt: number;
  /** When this client received it (network time, ms). */
  receivedAt: number;
  /** The namespace it was stored in (0 for direct messages). */
  namespace: number;
  /** How it was sealed: `v1`, `v2` (forward-secret) or `v2-no-pfs`. */
  protocol: MessageProtocol;
  /** True only for `v2`: show others as "not forward-secret". */
  forwardSecret: boolean;
  /** The path that delivered it first: `circuit` (real-time push) or `poll`. */
  via: DeliveryPath;
  /**
   * The disappearing timer the sender wrote in the message: the recipient's copy disappears
   * too (`after-send`: from `sentAt`; `after-read`: from when it is read), whatever the
   * recipient's own setting of the conversation.
   */
  expiration?: MessageExpiration;
}

/**
 * A contact changed the conversation's disappearing-messages setting (Session's
 * expiration-timer-update control message): the conversation's setting follows it.
 */
export interface DisappearingUpdateEvent {
  /** The control message's storage hash. */
  id: string;
  /** The contact's Session ID (the conversation). */
  from: string;
  /** When the contact changed it (sender's network time, ms). */
  sentAt: number;
  /** The new setting; `null`: off. */
  expiration: MessageExpiration | null;
  /** The path that delivered it. */
  via: DeliveryPath;
}

/** A change of an outgoing message's state. */
export interface MessageStateEvent {
  /** The message (its storage hash). */
  id: string;
  /** The recipient's Session ID. */
  to: string;
  /** The new state. */
  state: OutgoingState;
  /** Network attempts made so far. */
  attempts: number;
  /** When the next attempt runs (ms, network time), for `queued` after a failure. */
  nextAttemptAt?: number;
  /**
   * The last failure (`queued` after a failed attempt, `securing` refused by the send rules:
   * `STALE_KEYS`) or the final error (`failed`).
   */
  error?: { code: string; message: string };
  /** Once sealed (`queued` after `securing`, or at once): `v1`, `v2` or `v2-no-pfs`. */
  protocol?: MessageProtocol;
  /** With `protocol`: true only for `v2`. */
  forwardSecret?: boolean;
  /**
   * For a message sealed after it was held (`queued` after `securing`): the storage hash of the
   * sealed bytes, which the recipient sees as the message ID (the sender keeps `id`).
   */
  hash?: string;
  /** For `securing`: why it waits. */
  securing?: SecuringState;
}

/** What the poller is doing. */
export type PollerState =
  | 'stopped'
  | 'waiting-for-account'
  | 'waiting-for-network'
  | 'idle'
  | 'polling'
  | 'backing-off';

/** Overall health, in three levels (as waku's `HealthStatus`). */
export type HealthSummary = 'healthy' | 'degraded' | 'offline';

/** The client's health: everything a status indicator needs. */
export interface ClientHealth {
  /** `healthy`: paths complete, time synced, polling; `degraded`: can send and receive with
   * less than the wanted paths or with polling failures; `offline`: cannot send now. */
  summary: HealthSummary;
  /** Why, in words for a person ("waiting for network time", "1 of 2 paths ready", ...). */
  reason: string;
  /** Onion path health. */
  paths: PathHealth;
  /** Onion path detail ("2 of 2 paths ready", "only 5 usable nodes; 6 are needed", ...). */
  pathsReason: string;
  /** True once the network-time offset is known (nothing is signed or sent before). */
  timeSynced: boolean;
  /** The current network-time offset, ms (network time − local clock). */
  timeOffsetMs: number;
  /** What the poller is doing. */
  poller: PollerState;
  /** Polls that failed in a row. */
  pollFailures: number;
  /** Time (ms, local clock) of the last completed poll, if any. */
  lastPollAt?: number;
  /** Whether a push source is connected (the poller then slows down). */
  pushConnected: boolean;
  /** Messages waiting in the outbox (queued or sending). */
  outboxPending: number;
}

/** A network-time resynchronisation finished. */
export interface TimeSyncEvent {
  /** Network time − local clock, ms. */
  offsetMs: number;
  /** Samples the estimate rests on (from distinct nodes). */
  samples: number;
  /** Whether the client may sign and send. */
  synced: boolean;
}

/** Where a background error happened. */
export type ClientErrorSource =
  | 'bootstrap'
  | 'time-sync'
  | 'poller'
  | 'outbox'
  | 'delete'
  | 'push'
  | 'storage'
  | 'watchdog'
  | 'pfs';

/** A non-fatal background error: the client keeps going. */
export interface ClientErrorEvent {
  /** Where it happened. */
  source: ClientErrorSource;
  /** The error (always a `MurmurError`: branch on `error.code`). */
  error: MurmurError;
}

/** Every event of a client, by name. */
export interface ClientEvents {
  /** A new message arrived. */
  message: IncomingMessage;
  /** A contact changed the conversation's disappearing-messages timer. */
  'disappearing-update': DisappearingUpdateEvent;
  /** An outgoing message changed state. */
  'message-state': MessageStateEvent;
  /** The health changed. */
  health: ClientHealth;
  /** Network time was (re)synchronised. */
  'time-sync': TimeSyncEvent;
  /** A background operation failed (the client retries on its own). */
  error: ClientErrorEvent;
  /** The push circuit came up (or was rotated) or went down. */
  circuit: CircuitPushEvent;
}

/** A listener (the shared emitter of `@murmur/wire`). */
export type { Listener } from '@murmur/wire';
