/**
 * Swarm replication over peer links: the {@link SwarmReplicator} the RPC handlers call for every
 * swarm-wide ("recursive") request, and the handler that applies the copies other members send.
 *
 * The entry node sends the client's parameters exactly as they came (so that each member checks
 * the same signature) to every other member of its swarm at once, with Session's 5 s timeout;
 * each member runs the request with `forwarded: true` (same checks, 70 s clock tolerance,
 * applied locally only) and answers its own result. The entry node checks every answer against
 * the method's member-result schema and lists it under `swarm`, or a failure in Session's shape:
 * `{failed: true, timeout: true}`, `{failed: true, code, reason}` for a refusal,
 * `{failed: true, bad_peer_response: true}` for an answer that does not match the schema, and
 * `{failed: true, query_failure: true}` for a member that could not be reached. A member that
 * missed a write gets it later through catch-up (`swarm-sync.ts`).
 */

import { setMaxListeners } from 'node:events';
import {
  type AbortOptions,
  createChecker,
  ForbiddenError,
  type Logger,
  NodeNotReadyError,
  RequestTimeoutError,
  type SchemaChecker,
  utf8Decode,
  utf8Encode,
} from '@murmur/wire';
import {
  DeletedMemberResultSchema,
  DeleteMemberResultSchema,
  ExpireAllMemberResultSchema,
  ExpireMemberResultSchema,
  StoreMemberResultSchema,
  SubaccountRevocationMemberResultSchema,
  SWARM_FORWARD_TIMEOUT_MS,
  type SwarmMemberFailure,
} from '@murmur/wire/server';
import type { TSchema } from 'typebox';
import { PeerLinkError } from '../errors.js';
import type { NodeMetrics } from '../metrics.js';
import type { NetworkView } from '../network/network-view.js';
import type { PeerResponse } from '../peers/peer-link.js';
import type { PeerNetwork } from '../peers/peer-network.js';
import type { RpcDispatcher } from '../rpc/dispatcher.js';
import type {
  MemberResult,
  ReplicatedRequest,
  SwarmReplicator,
  SwarmWideMethod,
} from '../rpc/replicator.js';

const memberCheckers: Record<SwarmWideMethod, SchemaChecker<TSchema>> = {
  store: createChecker(StoreMemberResultSchema),
  delete: createChecker(DeleteMemberResultSchema),
  delete_all: createChecker(DeletedMemberResultSchema),
  delete_before: createChecker(DeletedMemberResultSchema),
  expire: createChecker(ExpireMemberResultSchema),
  expire_all: createChecker(ExpireAllMemberResultSchema),
  revoke_subaccount: createChecker(SubaccountRevocationMemberResultSchema),
  unrevoke_subaccount: createChecker(SubaccountRevocationMemberResultSchema),
};

/** Options of {@link createPeerReplicator}. */
export interface PeerReplicatorInit {
  /** How long each member has to answer, ms (default 5 s, as Session). */
  timeoutMs?: number | undefined;
  /**
   * A member that timed out, was unreachable or answered 503 (overloaded) gets a `store` again
   * in the background this many times (default 5), after 1 s, 2 s, 4 s, 8 s, 16 s (`retryDelayMs`
   * doubling), while this node still holds the message (`stillHeld`): under load a message
   * keeps its copies instead of waiting for the next catch-up.
   */
  retryAttempts?: number | undefined;
  /** First retry delay, ms (default 1 s). */
  retryDelayMs?: number | undefined;
  /** Most retries waiting at once (default 10,000); more are left to catch-up (counted). */
  maxRetriesQueued?: number | undefined;
}

/** The replicator of {@link createPeerReplicator}. */
export interface PeerReplicator extends SwarmReplicator {
  /** Retries waiting. */
  retriesQueued(): number;
  /** Drops the waiting retries and their timers. */
  stop(): void;
}

/** Whether a member's failure is worth sending the request again (not a refusal of it). */
function isTransient(result: MemberResult): boolean {
  const failure = result as SwarmMemberFailure & { failed?: unknown };
  if (failure.failed !== true) return false;
  if (failure.timeout || failure.query_failure) return true;
  return failure.code === 503;
}

/** Components of {@link createPeerReplicator}. */
export interface PeerReplicatorComponents {
  peers: PeerNetwork;
  network: NetworkView;
  logger: Logger;
  metrics?: NodeMetrics | undefined;
  /**
   * Whether a `store` is still worth retrying when its retry is due: false once this node no
   * longer holds the message (deleted or expired meanwhile), so that a late retry never brings
   * back a deleted message. Without it, stores are not retried.
   */
  stillHeld?: ((request: ReplicatedRequest) => boolean) | undefined;
}

/** The reason label of a failure, for metrics. */
function failureReason(failure: SwarmMemberFailure): string {
  if (failure.timeout) return 'timeout';
  if (failure.bad_peer_response) return 'bad_response';
  if (failure.code !== undefined) return 'refused';
  return 'unreachable';
}

/** Turns a member's answer into its entry under `swarm`. */
export function memberResultOf(method: SwarmWideMethod, response: PeerResponse): MemberResult {
  let text: string;
  try {
    text = utf8Decode(response.body);
  } catch {
    return { failed: true, bad_peer_response: true };
  }
  if (response.status !== 200) {
    return { failed: true, code: response.status, reason: text.slice(0, 500) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { failed: true, bad_peer_response: true };
  }
  if (!memberCheckers[method].check(json)) return { failed: true, bad_peer_response: true };
  return json as Record<string, unknown>;
}

/** The replicator: sends accepted swarm-wide requests to the rest of the swarm. */
export function createPeerReplicator(
  init: PeerReplicatorInit,
  components: PeerReplicatorComponents,
): PeerReplicator {
  const { peers, network, metrics } = components;
  const logger = components.logger.child({ component: 'replication' });
  const timeoutMs = init.timeoutMs ?? SWARM_FORWARD_TIMEOUT_MS;
  const retryAttempts = init.retryAttempts ?? 5;
  const retryDelayMs = init.retryDelayMs ?? 1_000;
  const maxRetriesQueued = init.maxRetriesQueued ?? 10_000;
  const retries = new Set<NodeJS.Timeout>();
  let stopped = false;

  /** Sends the request to `member` again after a delay, up to the attempts left. */
  function retryLater(
    member: string,
    request: ReplicatedRequest,
    body: Uint8Array,
    attempt: number,
  ): void {
    if (stopped || attempt > retryAttempts || components.stillHeld === undefined) return;
    // Only stores: a late copy of a store is harmless while the message lives here; other
    // methods (expiry changes, deletions) are left to catch-up, which orders them.
    if (request.method !== 'store') return;
    if (retries.size >= maxRetriesQueued) {
      metrics?.replicationFailures.inc({ reason: 'retry_dropped' });
      return;
    }
    const timer = setTimeout(
      async () => {
        retries.delete(timer);
        if (stopped) return;
        const state = network.state();
        if (state.state !== 'ready' || !state.swarm.members.some((m) => m.ed25519 === member)) {
          return;
        }
        if (components.stillHeld?.(request) !== true) return;
        const result = await toMember(member, request, body, {});
        if (isTransient(result)) retryLater(member, request, body, attempt + 1);
        else if ((result as { failed?: unknown }).failed !== true) {
          metrics?.replicationRetried.inc();
        }
      },
      retryDelayMs * 2 ** (attempt - 1),
    );
    timer.unref();
    retries.add(timer);
  }

  async function toMember(
    member: string,
    request: ReplicatedRequest,
    body: Uint8Array,
    options: AbortOptions,
  ): Promise<MemberResult> {
    metrics?.replicationPending.inc();
    try {
      const response = await peers.request(member, { k: 'rpc', method: request.method }, body, {
        timeoutMs,
        signal: options.signal,
      });
      return memberResultOf(request.method, response);
    } catch (error) {
      if (error instanceof RequestTimeoutError) return { failed: true, timeout: true };
      if (!(error instanceof PeerLinkError)) {
        logger.warn({ err: error, member }, 'forwarding to a swarm member failed');
      }
      return { failed: true, query_failure: true };
    } finally {
      metrics?.replicationPending.dec();
    }
  }

  return {
    async replicate(request, options = {}) {
      const state = network.state();
      if (state.state !== 'ready') return {};
      const others = state.swarm.members.filter(
        (member) => member.ed25519 !== network.self.ed25519,
      );
      if (others.length === 0) return {};
      const body = utf8Encode(JSON.stringify(request.raw));
      // One listener on the caller's signal, however large the swarm: a signal of its own for
      // the fan-out, which may carry one listener per member (Node warns past 10 otherwise).
      const parent = options.signal;
      const fanOut = new AbortController();
      setMaxListeners(others.length + 1, fanOut.signal);
      const onAbort = () => fanOut.abort(parent?.reason);
      if (parent?.aborted) fanOut.abort(parent.reason);
      else parent?.addEventListener('abort', onAbort, { once: true });
      let results: MemberResult[];
      try {
        results = await Promise.all(
          others.map((member) =>
            toMember(member.ed25519, request, body, { signal: fanOut.signal }),
          ),
        );
      } finally {
        parent?.removeEventListener('abort', onAbort);
      }
      const swarm: Record<string, MemberResult> = {};
      let copies = 1;
      others.forEach((member, index) => {
        const result = results[index] as MemberResult;
        swarm[member.ed25519] = result;
        if (isTransient(result)) retryLater(member.ed25519, request, body, 1);
        if ((result as { failed?: unknown }).failed !== true) copies += 1;
        else {
          const reason = failureReason(result as SwarmMemberFailure);
          metrics?.replicationFailures.inc({ reason });
          logger.debug(
            { member: member.ed25519, method: request.method, reason },
            'a swarm member did not take a forwarded request',
          );
        }
      });
      if (request.method === 'store') metrics?.storeCopies.observe(copies);
      return swarm;
    },
    retriesQueued: () => retries.size,
    stop() {
      stopped = true;
      for (const timer of retries) clearTimeout(timer);
      retries.clear();
    },
  };
}

/** Components of {@link serveForwardedRequests}. */
export interface ForwardedRequestsComponents {
  peers: PeerNetwork;
  network: NetworkView;
  dispatcher: RpcDispatcher;
}

/**
 * Applies the copies of swarm-wide requests that other members of this node's swarm forward
 * (`rpc` requests on peer links). A node that is not a member of this node's swarm (in its view)
 * gets 403.
 */
export function serveForwardedRequests(components: ForwardedRequestsComponents): void {
  const { peers, network, dispatcher } = components;
  peers.handle('rpc', async (request) => {
    if (request.header.k !== 'rpc') throw new ForbiddenError('not an rpc request');
    const state = network.state();
    if (state.state !== 'ready') throw new NodeNotReadyError('Snode not ready');
    if (!state.swarm.members.some((member) => member.ed25519 === request.peer)) {
      throw new ForbiddenError(`${request.peer} is not a member of this node's swarm`);
    }
    let params: unknown;
    try {
      params = JSON.parse(utf8Decode(request.body));
    } catch {
      params = undefined;
    }
    const result = await dispatcher.executeForwarded(request.header.method, params, {
      signal: request.signal,
    });
    const text = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
    return {
      status: result.status,
      body: utf8Encode(text),
      contentType: typeof result.body === 'string' ? 'text/plain' : 'application/json',
    };
  });
}
