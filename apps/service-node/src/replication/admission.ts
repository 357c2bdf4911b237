/**
 * What this node accepts from other nodes over replication (catch-up, offers, pushes, journal
 * entries): the checks a client `store` passes, applied to messages that arrive without the
 * owner's signature, and the rule of who may hand this node an account's messages.
 *
 * - **Messages** ({@link replicatedMessageProblem}): a known namespace, data of at most 76,800
 *   bytes, a timestamp not ahead of the clock (beyond the forwarded tolerance), an expiry after
 *   the timestamp, not past, and at most the namespace's longest TTL from now (an `expire` can
 *   push an expiry to now + the longest TTL, never beyond).
 * - **Senders** ({@link createSenderCheck}): a node may hand over an account's messages when it is
 *   a member of this node's swarm; or when it is a member of the swarm the account would map to
 *   if this node's swarm did not exist (the swarm that held the account before this one was
 *   formed or split off: moves to a new swarm); or when, in a recent layout of the network (the
 *   last hour's), the account mapped to the swarm it was in (moves after a swarm dissolved or
 *   merged). Anyone else is refused and counted.
 */
import { createSwarmIndex, type SwarmIndex } from '@murmur/swarm';
import { isValidNamespace } from '@murmur/wire';
import {
  FORWARDED_SIGNATURE_TOLERANCE_MS,
  MAX_MESSAGE_BASE64_LENGTH,
  maxTtlMs,
  TTL_MAX_PRIVATE_MS,
} from '@murmur/wire/server';
import type { NetworkSnapshot, NetworkView, SwarmInfo } from '../network/network-view.js';

/** A message as replication carries it. */
export interface ReplicatedMessage {
  namespace: number;
  timestamp: number;
  expiry: number;
  /** Base64 data, when the message carries it. */
  data?: string | undefined;
}

/** Why a replicated message is refused, or undefined when it passes. */
export function replicatedMessageProblem(
  message: ReplicatedMessage,
  now: number,
): 'namespace' | 'size' | 'timestamp' | 'expiry' | undefined {
  if (!isValidNamespace(message.namespace)) return 'namespace';
  if (message.data !== undefined && message.data.length > MAX_MESSAGE_BASE64_LENGTH) return 'size';
  if (
    !Number.isSafeInteger(message.timestamp) ||
    message.timestamp > now + FORWARDED_SIGNATURE_TOLERANCE_MS
  ) {
    return 'timestamp';
  }
  if (
    !Number.isSafeInteger(message.expiry) ||
    message.expiry <= message.timestamp ||
    message.expiry > now + maxTtlMs(message.namespace) + FORWARDED_SIGNATURE_TOLERANCE_MS
  ) {
    return 'expiry';
  }
  return undefined;
}

/**
 * Whether an expiry change from a peer's journal is one an `expire` could have made (the journal
 * does not carry the namespace: the longest TTL of any namespace bounds it).
 */
export function isAcceptableExpiry(expiry: number, now: number): boolean {
  return (
    Number.isSafeInteger(expiry) &&
    expiry <= now + TTL_MAX_PRIVATE_MS + FORWARDED_SIGNATURE_TOLERANCE_MS
  );
}

/** Options of {@link createSenderCheck}. */
export interface SenderCheckInit {
  /** How long past layouts are remembered, ms (default 1 h). */
  historyMs?: number | undefined;
  /** Most past layouts remembered (default 16). */
  maxHistory?: number | undefined;
  now?: (() => number) | undefined;
}

/** Decides which nodes may hand this node an account's messages. */
export interface SenderCheck {
  /** Whether `peer` may hand over messages of `owner` (which maps to this node's swarm). */
  mayHandOver(peer: string, owner: string): boolean;
  /** Stops following the network. */
  stop(): void;
}

function isMemberOf(swarm: SwarmInfo | undefined, peer: string): boolean {
  return swarm?.members.some((member) => member.ed25519 === peer) ?? false;
}

/** Creates the check over the network view (it remembers the layouts it sees change). */
export function createSenderCheck(network: NetworkView, init: SenderCheckInit = {}): SenderCheck {
  const historyMs = init.historyMs ?? 3_600_000;
  const maxHistory = init.maxHistory ?? 16;
  const now = init.now ?? Date.now;
  const history: { until: number; snapshot: NetworkSnapshot }[] = [];
  /** The index of every swarm but this node's, for the current snapshot. */
  let without:
    | { snapshot: NetworkSnapshot; ownId: bigint; index: SwarmIndex | undefined }
    | undefined;

  const unsubscribe = network.onChange(({ previous }) => {
    if (previous === undefined) return;
    history.push({ until: now() + historyMs, snapshot: previous });
    while (history.length > maxHistory) history.shift();
  });

  function indexWithout(snapshot: NetworkSnapshot, ownId: bigint): SwarmIndex | undefined {
    if (without?.snapshot !== snapshot || without.ownId !== ownId) {
      const ids = [...snapshot.swarms.keys()].filter((id) => id !== ownId);
      without = { snapshot, ownId, index: ids.length === 0 ? undefined : createSwarmIndex(ids) };
    }
    return without.index;
  }

  return {
    mayHandOver(peer, owner) {
      const state = network.state();
      const snapshot = network.snapshot();
      if (state.state !== 'ready' || snapshot === undefined) return false;
      if (isMemberOf(state.swarm, peer)) return true;
      const index = indexWithout(snapshot, state.swarm.id);
      if (index !== undefined && isMemberOf(snapshot.swarms.get(index.swarmFor(owner)), peer)) {
        return true;
      }
      const at = now();
      while (history.length > 0 && (history[0]?.until ?? 0) < at) history.shift();
      return history.some(({ snapshot: past }) => isMemberOf(past.swarmFor(owner), peer));
    },
    stop: unsubscribe,
  };
}
