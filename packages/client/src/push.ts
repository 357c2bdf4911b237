/**
 * The push-source interface: a way for messages to arrive without waiting for the next poll
 * (Murmur's relay circuits, later). A push source hands over messages exactly as `retrieve`
 * returns them; they go through the same checks, decryption and de-duplication as polled ones,
 * so callers see no difference. While it is connected the poller slows down to
 * `pushPollIntervalMs` but never stops (a push source may miss messages).
 */
import type { SignedRequestMethod } from '@murmur/crypto';
import type { AbortOptions, RetrievedMessage } from '@murmur/wire';

/** Messages a push source received for one namespace. */
export interface PushBatch {
  /** The namespace they were stored in. */
  namespace: number;
  /** The messages, as `retrieve` returns them (`hash`, `timestamp`, `expiration`, `data`). */
  messages: RetrievedMessage[];
}

/** What a push source gets when it starts. */
export interface PushStartOptions extends AbortOptions {
  /** The account to receive for. */
  sessionId: string;
  /** The account's Ed25519 public key (hex), for subscription requests. */
  ed25519PublicKey: string;
  /** The namespaces the client polls. */
  namespaces: readonly number[];
  /** Network time, ms. */
  now(): number;
  /** Signs a storage RPC request of the account (base64 signature), as `retrieve` is signed. */
  signRequest(method: SignedRequestMethod, params: Record<string, unknown>): string;
  /**
   * Signs bytes with the account's Ed25519 key (64-byte signature): the `MONITOR2` text of a
   * circuit subscription (`monitorSignatureMessage` of `@murmur/circuits`).
   */
  sign(message: Uint8Array): Uint8Array;
}

/** A source of pushed messages. */
export interface PushSource {
  /**
   * Starts delivering: call `onMessages` for every batch received. Resolve once started (not
   * necessarily connected); the client calls `stop()` when it stops.
   */
  start(onMessages: (batch: PushBatch) => void, options: PushStartOptions): Promise<void>;
  /** Stops delivering; resolve when no more batches will come. */
  stop(): Promise<void>;
  /** Whether it is connected now (the poller slows down while it is). */
  readonly connected: boolean;
}
