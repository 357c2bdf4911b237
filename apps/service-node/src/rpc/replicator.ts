/**
 * How swarm-wide ("recursive") requests reach the other members of this node's swarm.
 *
 * The storage RPC handlers of `store`, `delete`, `delete_all`, `delete_before`, `expire`,
 * `expire_all`, `revoke_subaccount` and `unrevoke_subaccount` check a client's request (schema,
 * swarm, clock, signature), then call {@link SwarmReplicator.replicate} *before* applying the
 * request locally (as Session does), and finally answer with every member's result under
 * `swarm`, keyed by Ed25519 key.
 *
 * The replication layer implements this interface: it sends `raw` (the parameters exactly as the
 * client sent them, so that every member can check the same signature) to each other member over
 * its peer links, where the member runs the same handler with `forwarded: true`
 * ({@link RpcDispatcher.executeForwarded}) and answers its own result, and it records a
 * `{failed: true, ...}` entry for members that time out or fail. Until then,
 * {@link localOnlyReplicator} answers for nobody but this node.
 */
import type { SwarmMemberFailure } from '@murmur/wire/server';

/** The methods whose requests go to every member of the swarm. */
export type SwarmWideMethod =
  | 'store'
  | 'delete'
  | 'delete_all'
  | 'delete_before'
  | 'expire'
  | 'expire_all'
  | 'revoke_subaccount'
  | 'unrevoke_subaccount';

/** A member's own result of a swarm-wide request, or its failure. */
export type MemberResult = Record<string, unknown> | SwarmMemberFailure;

/** A request this node accepted and is about to apply. */
export interface ReplicatedRequest {
  method: SwarmWideMethod;
  /** The account the request is about (66 lower-case hex). */
  pubkey: string;
  /** The parameters as the client sent them (after the schema check), to forward as is. */
  raw: Record<string, unknown>;
}

/** Sends accepted swarm-wide requests to the rest of the swarm. */
export interface SwarmReplicator {
  /**
   * Forwards `request` to every other member of this node's swarm and resolves, once each has
   * answered or timed out, to their results keyed by Ed25519 key (lower-case hex). Never
   * rejects: failures are `{failed: true, ...}` entries. This node's own result is not included.
   * Read `options.signal` only when there is a member to forward to: it may be a getter that
   * makes the signal then.
   */
  replicate(
    request: ReplicatedRequest,
    options?: { readonly signal?: AbortSignal | undefined },
  ): Promise<Record<string, MemberResult>>;
}

/** A replicator for a node that has no peer links yet: no other member answers. */
export const localOnlyReplicator: SwarmReplicator = Object.freeze({
  async replicate() {
    return {};
  },
});
