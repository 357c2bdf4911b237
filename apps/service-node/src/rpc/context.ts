/**
 * What every storage RPC handler works with, and what it returns.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import type { Clock, Logger } from '@murmur/wire';
import type { NodeKeys } from '../keys.js';
import type { NetworkView } from '../network/network-view.js';
import type { CryptoOffload } from '../offload/crypto-offload.js';
import type { MessageStore } from '../storage/message-store.js';
import type { SwarmReplicator } from './replicator.js';

/** The components the handlers share. */
export interface RpcContext {
  store: MessageStore;
  network: NetworkView;
  keys: NodeKeys;
  crypto: MurmurCrypto;
  clock: Clock;
  logger: Logger;
  replicator: SwarmReplicator;
  /** `[major, minor]` reported as `hf`. */
  hardfork: readonly [number, number];
  /** `[major, minor, patch]` reported by `info`. */
  version: readonly [number, number, number];
  /** Runs signature checks and node signatures on worker threads (optional: inline). */
  offload?: CryptoOffload | undefined;
  /** Remembers `pubkey_ed25519` / `05` pubkey pairs already found to match (optional). */
  ownerKeyCache?: KeyPairCache | undefined;
}

/** A bounded set of strings, oldest dropped first. */
export interface KeyPairCache {
  has(key: string): boolean;
  add(key: string): void;
}

/** A {@link KeyPairCache} of at most `capacity` entries (default 10,000). */
export function createKeyPairCache(capacity = 10_000): KeyPairCache {
  const entries = new Set<string>();
  return {
    has: (key) => entries.has(key),
    add(key) {
      if (entries.has(key)) return;
      if (entries.size >= capacity) {
        const oldest = entries.values().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      entries.add(key);
    },
  };
}

/** An RPC's answer: an HTTP status and a JSON object or a text. */
export interface RpcResult {
  status: number;
  body: Record<string, unknown> | string;
  /** A string `body` that is a JSON string value (sent quoted), not an error text. */
  json?: true | undefined;
  /**
   * `body` already serialised as JSON (exactly `JSON.stringify(body)`), when the handler built
   * it more cheaply than a second pass over the body would: the HTTP answer sends these bytes.
   * Whoever changes `body` must drop it.
   */
  encoded?: Buffer | undefined;
}

/** How a request arrived. */
export interface RpcCall {
  /** The parameters as sent (after the schema check): what replication forwards. */
  raw: Record<string, unknown>;
  /**
   * A copy that another member of this node's swarm forwarded: apply it locally only, answer
   * this node's own result (no `swarm` map), with the longer forwarded clock tolerance.
   */
  forwarded: boolean;
  /** The node's clock when the request arrived, ms. */
  now: number;
  /**
   * Where the request's signal comes from (the caller's options): its `signal` is read only
   * where some work can really be cancelled, so that it is made only then.
   */
  cancel?:
    | {
        readonly signal?: AbortSignal | undefined;
        /** Cancelled already (read without making the signal, where the caller has it). */
        readonly aborted?: boolean;
      }
    | undefined;
  /**
   * What is left of the request's answer budget (shared by the subrequests of a `batch` or
   * `sequence`): `retrieve` takes its page's bytes from it and pages within what is left.
   */
  budget?: AnswerBudget | undefined;
}

/** The bytes of messages one request may still answer (see {@link ANSWER_BUDGET_BYTES}). */
export interface AnswerBudget {
  remaining: number;
}

/**
 * The most message bytes (counted as `retrieve` counts them) one storage RPC request answers,
 * all its subrequests together: one full `retrieve` (SS `RETRIEVE_MAX_SIZE`, 7.8 MB). A batch
 * of 20 retrieves answers at most this much, not 20 times it.
 */
export const ANSWER_BUDGET_BYTES = 7_800_000;

/** `t` and `hf`, which most answers carry. */
export function networkFields(
  context: RpcContext,
  now: number,
): { t: number; hf: [number, number] } {
  return { t: now, hf: [context.hardfork[0], context.hardfork[1]] };
}
