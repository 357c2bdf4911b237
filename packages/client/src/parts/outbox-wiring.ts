/**
 * The client's outbox: the durable outbox worker (`../outbox.ts`) wired to the transport (one
 * `store` on the recipient's swarm per attempt, the node's hash checked against the bytes), to
 * the seal step of held messages (forward secrecy: sealed once the recipient's keys are known),
 * and to the client's pending count and events.
 */
import type { MessageProtocol, MurmurCrypto } from '@murmur/crypto';
import {
  type AbortOptions,
  base64ToBytes,
  InvalidResponseError,
  type Logger,
  parseResponse,
  UpstreamFailedError,
} from '@murmur/wire';
import type { MessageStateEvent } from '../events.js';
import { createOutbox, type Outbox, type OutboxInit, type SealedEntry } from '../outbox.js';
import type { ClientStorage, HeldContent, OutboxEntry } from '../storage/types.js';
import type { Transport } from '../transport.js';

/** What the client's outbox uses. */
export interface ClientOutboxComponents {
  crypto: Pick<MurmurCrypto, 'messageHash'>;
  storage: ClientStorage;
  transport: Pick<Transport, 'swarmRequest'>;
  /** Network time, ms. */
  now(): number;
  random(): number;
  logger: Logger;
  /** Whether sending may happen now (started, network time synced). */
  ready(): boolean;
  /** Seals a held message (`securing`); absent when nothing is ever held. */
  seal?(
    recipient: string,
    held: HeldContent,
    options: AbortOptions,
  ): Promise<{ data: string; protocol: MessageProtocol }>;
  /** Hears every state change (after the pending set was updated; before `onFailed`). */
  onState(event: MessageStateEvent): void;
  /** Hears an entry that failed for good (its final error). */
  onFailed(event: MessageStateEvent & { error: { code: string; message: string } }): void;
  /** Hears failures of the worker itself (usually the storage). */
  onError(error: unknown): void;
}

/** The client's outbox: the worker plus the pending set the health shows. */
export interface ClientOutbox extends Outbox {
  /** IDs of messages securing, queued or sending. */
  readonly pendingIds: ReadonlySet<string>;
  /** Reloads the pending set from the storage (at start). */
  loadPending(): Promise<void>;
}

/** The parser of a `store` answer for `entry`: the count of members that stored it. */
export function storeAnswerParser(
  crypto: Pick<MurmurCrypto, 'messageHash'>,
  entry: Pick<OutboxEntry, 'recipient' | 'namespace' | 'data'>,
): (body: unknown) => number {
  const expected = crypto.messageHash(entry.recipient, entry.namespace, base64ToBytes(entry.data));
  return (body) => {
    const answer = parseResponse('store', body);
    if (answer.hash !== expected) {
      throw new InvalidResponseError(
        'store: the node computed another hash for the message than the client',
        { details: { expected, got: answer.hash } },
      );
    }
    const stored = Object.values(answer.swarm).filter((result) => result.failed !== true).length;
    if (stored === 0) {
      throw new UpstreamFailedError('store: no member of the swarm stored the message');
    }
    return stored;
  };
}

const PENDING_STATES = ['securing', 'queued', 'sending'] as const;

/** Creates the client's outbox (stopped). @throws InvalidInputError for bad `init`. */
export function createClientOutbox(
  init: OutboxInit,
  components: ClientOutboxComponents,
): ClientOutbox {
  const { crypto, storage, transport } = components;
  const pendingIds = new Set<string>();
  const seal = components.seal;
  const outbox = createOutbox(init, {
    storage,
    now: () => components.now(),
    random: () => components.random(),
    logger: components.logger,
    ready: () => components.ready(),
    onError: (error) => components.onError(error),
    onState: (event) => {
      if ((PENDING_STATES as readonly string[]).includes(event.state)) pendingIds.add(event.id);
      else pendingIds.delete(event.id);
      components.onState(event);
      if (event.state === 'failed' && event.error !== undefined) {
        components.onFailed({ ...event, error: event.error });
      }
    },
    ...(seal === undefined
      ? {}
      : {
          seal: async (entry: OutboxEntry, options: AbortOptions): Promise<SealedEntry> => {
            const sealed = await seal(entry.recipient, entry.held as HeldContent, options);
            const hash = crypto.messageHash(
              entry.recipient,
              entry.namespace,
              base64ToBytes(sealed.data),
            );
            return { ...sealed, hash };
          },
        }),
    send: async (entry, options) => {
      await transport.swarmRequest(
        {
          pubkey: entry.recipient,
          method: 'store',
          params: (now) => ({
            pubkey: entry.recipient,
            namespace: entry.namespace,
            timestamp: now,
            ttl: entry.ttlMs,
            data: entry.data,
          }),
          parse: storeAnswerParser(crypto, entry),
        },
        options,
      );
    },
  });
  return {
    ...outbox,
    pendingIds,
    async loadPending() {
      for (const entry of await storage.listOutboxEntries([...PENDING_STATES])) {
        pendingIds.add(entry.id);
      }
    },
  };
}
