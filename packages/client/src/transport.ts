/**
 * The one place that talks to service nodes. Every request goes through an onion path (except
 * the direct guard test), every answer is checked with the `@murmur/wire` schema of its method
 * before anything reads it, every `t` feeds the network-time estimate, and every failure is
 * classified once (`onionFailureKind`) to strike the right path or node.
 *
 * For requests about an account (`swarmRequest`) it also handles the destination's two
 * recoverable answers, once each per request:
 * - 421 (wrong swarm): the swarm cache entry is replaced with the swarm the node named (or
 *   dropped and refetched when it named none) and the request is retried on the new swarm;
 * - 406 / 425 (clock out of sync): the network time is resynchronised and the request is
 *   rebuilt (re-signed with the corrected time) and retried.
 * Path and node failures are not retried here: the caller (outbox, poller) decides when, and
 * its next attempt uses another member (the failed one is avoided for a while) on another path.
 */
import type { LayerEncryption, MurmurCrypto } from '@murmur/crypto';
import {
  destinationError,
  markOnionFailure,
  type OnionNode,
  type OnionResponse,
  onionFailureKind,
  type PathManager,
  PathUnavailableError,
  sendOnionRequest,
} from '@murmur/onion';
import {
  type AbortOptions,
  type Clock,
  ClockOutOfSyncError,
  errorFromResponse,
  fetchWithTimeout,
  InvalidResponseError,
  type Logger,
  MurmurError,
  parseResponse,
  type RpcMethod,
  throwIfAborted,
  UpstreamFailedError,
  utf8Encode,
  WrongSwarmError,
} from '@murmur/wire';
import { NotSyncedError } from './errors.js';
import type { NetworkTime } from './network-time.js';
import { memberToNode, type SwarmCache } from './swarm-cache.js';

/** Options of {@link createTransport}. */
export interface TransportInit {
  /** Onion layer cipher (default `aes-gcm`, what Session desktop uses). */
  encType?: LayerEncryption;
  /**
   * How nodes are reached: `https` (default, as Session: give a `fetch` that accepts the nodes'
   * self-signed certificates, `createNodeFetch` of `@murmur/wire/node`) or `http` (nodes started
   * with `--plain-http`, benchmarks).
   */
  nodeScheme?: 'http' | 'https';
  /** Time limit of one onion request, ms (default 20 s). */
  requestTimeoutMs?: number;
  /** How long a path that failed is avoided when another exists, ms (default 30 s). */
  failedPathCooldownMs?: number;
}

/** What a transport uses. */
export interface TransportComponents {
  crypto: MurmurCrypto;
  fetch: typeof fetch;
  logger: Logger;
  clock: Clock;
  paths: PathManager;
  networkTime: NetworkTime;
  swarms: SwarmCache;
  /** Fills the swarm cache entry of `pubkey` (from the ledger, or `get_swarm`). */
  refreshSwarm(pubkey: string, options: AbortOptions): Promise<void>;
  /** Resynchronises the network time (coalesced by the caller). */
  resyncTime(options: AbortOptions): Promise<void>;
}

/** Options of one request. */
export interface RequestOptions extends AbortOptions {
  /** Time limit, ms (default `requestTimeoutMs`). */
  timeoutMs?: number;
}

/** A request about an account, sent to a member of its swarm. */
export interface SwarmRequest<T> {
  /** The account (Session ID) whose swarm answers. */
  pubkey: string;
  /** The storage RPC method. */
  method: RpcMethod;
  /**
   * Builds the parameters for one attempt, given the network time: called again for a retry,
   * so that timestamps and signatures are fresh.
   */
  params(now: number): Record<string, unknown>;
  /** Checks the 2xx body and returns the value (throws a `MurmurError` otherwise). */
  parse(body: unknown): T;
  /** Members not to use (Ed25519 keys). */
  exclude?: ReadonlySet<string>;
  /** Whether the request needs network time (default true: nothing is sent unsynced). */
  needsTime?: boolean;
}

/** What a swarm request returns. */
export interface SwarmResponse<T> {
  /** The checked answer. */
  value: T;
  /** The member that answered. */
  node: OnionNode;
}

/** The transport. */
export interface Transport {
  /** One request to `target` through an onion path, answer checked with `parse`. No retry. */
  nodeRequest<T>(
    target: OnionNode,
    method: RpcMethod,
    params: Record<string, unknown>,
    parse: (body: unknown) => T,
    options?: RequestOptions,
  ): Promise<T>;
  /** A request to a member of an account's swarm, with the 421 and 406/425 retries. */
  swarmRequest<T>(request: SwarmRequest<T>, options?: RequestOptions): Promise<SwarmResponse<T>>;
  /** A direct request (no onion path) to `/storage_rpc/v1`: only for guard tests. */
  directRequest<T>(
    target: OnionNode,
    method: RpcMethod,
    params: Record<string, unknown>,
    parse: (body: unknown) => T,
    options?: RequestOptions,
  ): Promise<T>;
}

/** The parser of a method's answer: the method's `@murmur/wire` response schema. */
export function responseParser<M extends RpcMethod>(method: M) {
  return (body: unknown) => parseResponse(method, body);
}

/** The `t` of a checked answer (or of the first sub-answer of a batch), if any. */
function networkTimeOf(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { t, results } = body as { t?: unknown; results?: unknown };
  if (typeof t === 'number' && Number.isSafeInteger(t) && t > 0) return t;
  if (Array.isArray(results)) {
    for (const result of results) {
      const inner = (result as { body?: unknown } | null)?.body;
      const value = networkTimeOf(inner);
      if (value !== undefined) return value;
    }
  }
  return undefined;
}

function withNode(error: MurmurError, node: OnionNode): MurmurError {
  Object.assign(error.details, { node: node.ed25519 });
  return error;
}

/** Creates the transport. */
export function createTransport(init: TransportInit, components: TransportComponents): Transport {
  const { crypto, fetch, clock, paths, networkTime, swarms } = components;
  const logger = components.logger.child({ component: 'transport' });
  const encType = init.encType ?? 'aes-gcm';
  const scheme = init.nodeScheme ?? 'https';
  const defaultTimeoutMs = init.requestTimeoutMs ?? 20_000;
  const failedPathCooldownMs = init.failedPathCooldownMs ?? 30_000;
  /** Path ID → when it last failed (local clock). */
  const failedPaths = new Map<string, { guard: string; at: number }>();

  const pathExclusions = (target: OnionNode): string[] => {
    const exclude = [target.ed25519];
    const current = paths.paths();
    const now = clock.now();
    for (const [id, failure] of failedPaths) {
      if (now - failure.at > failedPathCooldownMs || !current.some((path) => path.id === id)) {
        failedPaths.delete(id);
      }
    }
    // Avoid a path that just failed, as long as another one remains.
    const healthy = current.filter((path) => !failedPaths.has(path.id));
    if (healthy.length > 0) {
      for (const failure of failedPaths.values()) exclude.push(failure.guard);
    }
    return exclude;
  };

  const strike = (error: unknown, pathId: string, guard: string): void => {
    const kind = onionFailureKind(error);
    if (kind === 'path') {
      failedPaths.set(pathId, { guard, at: clock.now() });
      paths.reportPathFailure(pathId);
    } else if (kind === 'node') {
      const key = (error as { nodeKey?: unknown }).nodeKey;
      if (typeof key === 'string') paths.reportNodeFailure(key);
    }
  };

  const sample = (node: OnionNode, body: unknown, sentAt: number, receivedAt: number): void => {
    const serverTime = networkTimeOf(body);
    if (serverTime !== undefined) {
      networkTime.addSample({ node: node.ed25519, serverTime, sentAt, receivedAt });
    }
  };

  const checked = <T>(
    parse: (body: unknown) => T,
    body: unknown,
    method: string,
    node: OnionNode,
  ): T => {
    try {
      return parse(body);
    } catch (error) {
      const wrapped = MurmurError.isInstance(error)
        ? error
        : new InvalidResponseError(`${method}: the answer could not be read`, { cause: error });
      // Whatever the answer holds (a malformed body, a failed sub-request), the destination
      // gave it: not the path's fault.
      markOnionFailure(wrapped, 'destination');
      throw withNode(wrapped, node);
    }
  };

  const nodeRequest: Transport['nodeRequest'] = async (
    target,
    method,
    params,
    parse,
    options = {},
  ) => {
    throwIfAborted(options.signal);
    const path = await paths.getPath(
      options.signal === undefined
        ? { exclude: pathExclusions(target) }
        : { exclude: pathExclusions(target), signal: options.signal },
    );
    const guard = path.nodes[0]?.ed25519 ?? target.ed25519;
    const sentAt = clock.now();
    let response: OnionResponse;
    try {
      const input: Parameters<typeof sendOnionRequest>[0] = {
        path: path.nodes,
        destination: { type: 'node', node: target },
        payload: { method, params },
        encType,
        scheme,
        timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
      };
      if (options.signal !== undefined) input.signal = options.signal;
      response = await sendOnionRequest(input, { crypto, fetch, logger });
    } catch (error) {
      strike(error, path.id, guard);
      if (MurmurError.isInstance(error)) throw withNode(error, target);
      throw error;
    }
    const receivedAt = clock.now();
    // The path carried an answer back: whatever the destination said, the path works.
    failedPaths.delete(path.id);
    paths.reportSuccess(path.id);
    if (response.status < 200 || response.status > 299) {
      const error = destinationError(response) as MurmurError;
      logger.debug(
        { method, node: target.ed25519, status: response.status, code: error.code },
        'client: the destination refused a request',
      );
      throw withNode(error, target);
    }
    const value = checked(parse, response.body, method, target);
    sample(target, response.body, sentAt, receivedAt);
    return value;
  };

  const swarmRequest: Transport['swarmRequest'] = async (request, options = {}) => {
    const signal = options.signal;
    const needsTime = request.needsTime ?? true;
    const exclude = new Set(request.exclude ?? []);
    let swarmRetried = false;
    let clockRetried = false;
    for (;;) {
      throwIfAborted(signal);
      if (needsTime && !networkTime.synced) throw new NotSyncedError();
      if (swarms.needsRefresh(request.pubkey)) {
        try {
          await components.refreshSwarm(request.pubkey, signal === undefined ? {} : { signal });
        } catch (error) {
          // A stale or partly failed entry is still worth a try; with none, give up.
          if (swarms.get(request.pubkey) === undefined) throw error;
          logger.debug({ err: errorText(error) }, 'client: swarm refresh failed; using the cache');
        }
      }
      const target = swarms.pick(request.pubkey, exclude);
      if (target === undefined) {
        throw new UpstreamFailedError(
          'no member of the swarm is left to try: the swarm will be fetched again',
          { details: { pubkey: request.pubkey } },
        );
      }
      try {
        const value = await nodeRequest(
          target,
          request.method,
          request.params(networkTime.now()),
          request.parse,
          options,
        );
        swarms.markSucceeded(request.pubkey, target.ed25519);
        return { value, node: target };
      } catch (error) {
        if (error instanceof WrongSwarmError && !swarmRetried) {
          swarmRetried = true;
          const members = error.members
            .map(memberToNode)
            .filter((node): node is OnionNode => node !== undefined);
          logger.info(
            { pubkey: request.pubkey, members: members.length, swarm: error.swarmId },
            'client: the account moved to another swarm',
          );
          if (members.length > 0) swarms.set(request.pubkey, members, error.swarmId);
          else swarms.invalidate(request.pubkey);
          continue;
        }
        if (error instanceof ClockOutOfSyncError && !clockRetried) {
          clockRetried = true;
          logger.info(
            { node: target.ed25519, offsetMs: networkTime.offsetMs },
            'client: a node refused our time; resynchronising',
          );
          networkTime.invalidate();
          await components.resyncTime(signal === undefined ? {} : { signal });
          continue;
        }
        if (memberAtFault(error)) swarms.markFailed(request.pubkey, target.ed25519);
        throw error;
      }
    }
  };

  const directRequest: Transport['directRequest'] = async (
    target,
    method,
    params,
    parse,
    options = {},
  ) => {
    throwIfAborted(options.signal);
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    const sentAt = clock.now();
    const answer = await fetchWithTimeout(
      fetch,
      `${scheme}://${target.ip}:${target.port}/storage_rpc/v1`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: utf8Encode(JSON.stringify({ method, params })) as Uint8Array<ArrayBuffer>,
      },
      { signal: options.signal, timeoutMs, peer: `${target.ip}:${target.port}` },
    );
    const status = answer.status;
    const text = new TextDecoder().decode(answer.body);
    const receivedAt = clock.now();
    if (status !== 200) throw withNode(errorFromResponse(status, text), target);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw new InvalidResponseError(`${method}: the answer is not JSON`, { cause });
    }
    const value = checked(parse, body, method, target);
    sample(target, body, sentAt, receivedAt);
    return value;
  };

  return { nodeRequest, swarmRequest, directRequest };
}

/**
 * True when a failure may be the member's (unreachable, timing out, answering 5xx or garbage):
 * the next attempt should use another member.
 */
export function memberAtFault(error: unknown): boolean {
  if (error instanceof PathUnavailableError) return false;
  const kind = onionFailureKind(error);
  if (kind === 'path' || kind === 'node') return true;
  return kind === 'destination' && MurmurError.isInstance(error) && error.retryable;
}

/** A short text for logs (never a secret: errors carry none). */
export function errorText(error: unknown): string {
  if (MurmurError.isInstance(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
