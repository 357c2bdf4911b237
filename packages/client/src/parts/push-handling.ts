/**
 * Push handling: starts and stops the push source (relay circuits) and hands each batch it
 * delivers, once checked, to the receiver.
 */
import type { Identity, MurmurCrypto } from '@murmur/crypto';
import {
  bytesToHex,
  checkSchema,
  createChecker,
  InvalidInputError,
  type RetrievedMessage,
  RetrievedMessageSchema,
} from '@murmur/wire';
import type { PushBatch, PushSource } from '../push.js';
import type { Receiver } from '../receiver.js';

const retrievedMessageChecker = createChecker(RetrievedMessageSchema);

/** Push handling options. */
export interface PushHandlingInit {
  /** The namespaces the client receives: a batch from another one is refused. */
  namespaces: readonly number[];
}

/** What push handling uses. */
export interface PushHandlingComponents {
  /** The push source; without one, start and stop do nothing. */
  source: PushSource | undefined;
  crypto: Pick<MurmurCrypto, 'signRequest' | 'sign'>;
  receiver: Pick<Receiver, 'process'>;
  /** The account, once known. */
  identity(): Identity | undefined;
  /** Whether the client is started (batches are dropped otherwise). */
  started(): boolean;
  /** Network time, ms. */
  now(): number;
  /** Reports a refused batch or a failed processing. */
  onError(error: unknown): void;
}

/** Push handling. */
export interface PushHandling {
  /** Starts the push source for the account (nothing without a source or an account). */
  start(signal: AbortSignal): Promise<void>;
  /** Stops the push source. */
  stop(): Promise<void>;
  /** Handles one batch (what the source calls). */
  handle(batch: PushBatch): void;
}

/** Creates push handling. */
export function createPushHandling(
  init: PushHandlingInit,
  components: PushHandlingComponents,
): PushHandling {
  const { namespaces } = init;
  const { source, crypto, receiver } = components;
  const handle = (batch: PushBatch): void => {
    const self = components.identity();
    if (!components.started() || self === undefined) return;
    let messages: RetrievedMessage[];
    try {
      if (!namespaces.includes(batch.namespace)) {
        throw new InvalidInputError(`push: namespace ${batch.namespace} is not polled`);
      }
      if (!Array.isArray(batch.messages))
        throw new InvalidInputError('push: `messages` must be an array');
      messages = batch.messages.map((message, index) =>
        checkSchema(retrievedMessageChecker, message, `push message ${index}`, { as: 'response' }),
      );
    } catch (error) {
      components.onError(error);
      return;
    }
    receiver
      .process(self, batch.namespace, messages, 'circuit')
      .catch((error: unknown) => components.onError(error));
  };
  return {
    handle,
    async start(signal) {
      if (source === undefined) return;
      const self = components.identity();
      if (self === undefined) return;
      await source.start(handle, {
        signal,
        sessionId: self.sessionId,
        ed25519PublicKey: bytesToHex(self.ed25519.publicKey),
        namespaces,
        now: () => components.now(),
        signRequest: (method, params) => crypto.signRequest(method, params, self.ed25519.secretKey),
        sign: (message) => crypto.sign(message, self.ed25519.secretKey),
      });
    },
    async stop() {
      await source?.stop();
    },
  };
}
