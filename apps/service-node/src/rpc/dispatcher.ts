/**
 * The storage RPC dispatcher: from a request body (or a method and its parameters) to an HTTP
 * status and answer. It checks everything at the door with the `@murmur/wire` schemas, refuses
 * requests for accounts of other swarms (421 with the right swarm), answers 503 until the node
 * is ready, runs the method, and turns every error into Session's status and body
 * (`responseFromError`). It never throws.
 */
import {
  checkSchema,
  createChecker,
  InternalError,
  InvalidInputError,
  MurmurError,
  NodeNotReadyError,
  type RpcMethod,
  type RpcParamsMap,
  type RpcSubrequest,
  responseFromError,
  rpcMethods,
  utf8Decode,
  WrongSwarmError,
} from '@murmur/wire';
import {
  ignoredAliases,
  isMetaRpcMethod,
  parseRequestParams,
  resolveRpcMethod,
  StorageRpcRequestSchema,
} from '@murmur/wire/server';
import { swarmIdText, swarmMembers } from '../network/swarm-json.js';
import { ANSWER_BUDGET_BYTES, type RpcCall, type RpcContext, type RpcResult } from './context.js';
import { batch, sequence } from './methods/batch.js';
import { deleteMessages } from './methods/delete.js';
import { deleteAll } from './methods/delete-all.js';
import { deleteBefore } from './methods/delete-before.js';
import { expire } from './methods/expire.js';
import { expireAll } from './methods/expire-all.js';
import { getExpiries } from './methods/get-expiries.js';
import { getSwarm } from './methods/get-swarm.js';
import { IFELSE_METHOD, parseIfElse, runIfElse } from './methods/ifelse.js';
import { info } from './methods/info.js';
import { activeNodesBin, oxendRequest } from './methods/oxend-request.js';
import { retrieve } from './methods/retrieve.js';
import { assertStoreDataSize, store } from './methods/store.js';
import { changeRevocation } from './methods/subaccount.js';
import type { SwarmWideMethod } from './replicator.js';
import { sessionErrorBody } from './session-errors.js';

const envelopeChecker = createChecker(StorageRpcRequestSchema);

/** Called once per method run (subrequests included) with its status and duration. */
export type RpcObserver = (method: string, status: number, seconds: number) => void;

/** Options of {@link createRpcDispatcher}. */
export interface RpcDispatcherInit {
  /** Check every successful answer against its `@murmur/wire` response schema (tests, dev). */
  validateResponses?: boolean | undefined;
  /** Metrics hook. */
  observe?: RpcObserver | undefined;
}

/** Options of one call. */
export interface RpcCallOptions {
  /**
   * The request's signal. Read only where some work can really be cancelled (a forward to
   * other swarm members), so a getter that makes it on demand costs nothing to the requests
   * that never get there (the app passes its `RequestScope`, see `request-scope.ts`).
   */
  readonly signal?: AbortSignal | undefined;
}

/** The dispatcher. */
export interface RpcDispatcher {
  /** Runs a `POST /storage_rpc/v1` body (`{method, params}` as JSON bytes or text). */
  handleBody(body: Uint8Array | string, options?: RpcCallOptions): Promise<RpcResult>;
  /** Runs one method with its (unchecked) parameters, as a client sent them. */
  call(method: string, params: unknown, options?: RpcCallOptions): Promise<RpcResult>;
  /**
   * Runs a swarm-wide request that another member of this node's swarm forwarded: the same
   * checks (with the forwarded clock tolerance), applied locally only, answering this node's
   * own result. For the replication layer.
   */
  executeForwarded(
    method: SwarmWideMethod,
    params: unknown,
    options?: RpcCallOptions,
  ): Promise<RpcResult>;
}

const SWARM_WIDE = new Set<string>([
  'store',
  'delete',
  'delete_all',
  'delete_before',
  'expire',
  'expire_all',
  'revoke_subaccount',
  'unrevoke_subaccount',
]);

/**
 * A failure worth an error line with its stack: anything but a Murmur error with a code of its
 * own. Expected refusals (503 not ready or overloaded, 507 full, 4xx) are counted by the
 * metrics and logged at debug level only, so that a flood of them does not flood the log.
 */
export function isUnexpected(error: unknown): boolean {
  return !MurmurError.isInstance(error) || error.code === 'INTERNAL';
}

/** The account a checked request is about, for the methods bound to one. */
function accountOf(params: unknown): string | undefined {
  const pubkey = (params as { pubkey?: unknown }).pubkey;
  return typeof pubkey === 'string' ? pubkey : undefined;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Creates the dispatcher over the handlers' context. */
export function createRpcDispatcher(
  context: RpcContext,
  init: RpcDispatcherInit = {},
): RpcDispatcher {
  const { logger, clock } = context;

  /**
   * The answer for an error: its status, and Session's own body text where Session's server has
   * one (`sessionErrorBody`); Murmur's more detailed reason goes to the log only.
   */
  function errorResult(
    error: unknown,
    method: string,
    now: number,
    raw?: Record<string, unknown>,
  ): RpcResult {
    const answer = responseFromError(error, { method, now, hardfork: context.hardfork });
    const body = sessionErrorBody(error, method, raw) ?? answer.body;
    if (isUnexpected(error)) {
      logger.error({ err: error, method, status: answer.status }, 'storage RPC failed');
    } else {
      logger.debug(
        {
          method,
          status: answer.status,
          reason: error instanceof Error ? error.message : '',
          details: MurmurError.isInstance(error) ? error.details : undefined,
        },
        'storage RPC refused',
      );
    }
    return { status: answer.status, body };
  }

  function checkResponse(method: RpcMethod, result: RpcResult): void {
    if (!init.validateResponses || result.status !== 200 || isMetaRpcMethod(method)) return;
    const checker = rpcMethods[method].response;
    if (!checker.check(result.body)) {
      const problem = checker.firstProblem(result.body);
      throw new InternalError(`${method} answer does not match its schema`, {
        details: { problem: problem?.text },
      });
    }
  }

  async function run(
    method: RpcMethod,
    params: RpcParamsMap[RpcMethod],
    call: RpcCall,
  ): Promise<RpcResult> {
    if (call.forwarded && !SWARM_WIDE.has(method)) {
      throw new InvalidInputError(`${method} cannot be forwarded between swarm members`);
    }
    if (rpcMethods[method].accountBound) {
      const state = context.network.state();
      if (state.state !== 'ready') throw new NodeNotReadyError('Snode not ready');
      const pubkey = accountOf(params) as string;
      const swarm = context.network.snapshot()?.swarmFor(pubkey);
      if (swarm === undefined) throw new NodeNotReadyError('Snode not ready');
      if (swarm.id !== state.swarm.id) {
        throw new WrongSwarmError(`${method}: the account belongs to another swarm`, {
          swarmId: swarmIdText(swarm.id),
          members: swarmMembers(swarm),
        });
      }
    }
    switch (method) {
      case 'store':
        return store(context, params as RpcParamsMap['store'], call);
      case 'retrieve':
        return retrieve(context, params as RpcParamsMap['retrieve'], call);
      case 'delete':
        return deleteMessages(context, params as RpcParamsMap['delete'], call);
      case 'delete_all':
        return deleteAll(context, params as RpcParamsMap['delete_all'], call);
      case 'delete_before':
        return deleteBefore(context, params as RpcParamsMap['delete_before'], call);
      case 'expire':
        return expire(context, params as RpcParamsMap['expire'], call);
      case 'expire_all':
        return expireAll(context, params as RpcParamsMap['expire_all'], call);
      case 'get_expiries':
        return getExpiries(context, params as RpcParamsMap['get_expiries'], call);
      case 'get_swarm':
        return getSwarm(context, params as RpcParamsMap['get_swarm'], call);
      case 'info':
        return info(context, call);
      case 'oxend_request':
        return oxendRequest(context, params as RpcParamsMap['oxend_request'], call);
      case 'active_nodes_bin':
        return activeNodesBin(context);
      case 'revoke_subaccount':
      case 'unrevoke_subaccount':
        return changeRevocation(method, context, params as RpcParamsMap[typeof method], call);
      case 'batch':
      case 'sequence': {
        const runner = (request: RpcSubrequest, raw: Record<string, unknown>) =>
          execute(request.method, request.params, { ...call, raw });
        const checked = params as RpcParamsMap['batch'];
        return method === 'batch' ? batch(checked, call, runner) : sequence(checked, call, runner);
      }
    }
  }

  /** Runs a checked request; never throws. */
  async function execute(
    method: RpcMethod,
    params: RpcParamsMap[RpcMethod],
    call: RpcCall,
  ): Promise<RpcResult> {
    const started = performance.now();
    let result: RpcResult;
    try {
      result = await run(method, params, call);
      // A forwarded copy answers one member's result, not the whole answer.
      if (!call.forwarded) checkResponse(method, result);
    } catch (error) {
      result = errorResult(error, method, call.now, call.raw);
    }
    init.observe?.(method, result.status, (performance.now() - started) / 1000);
    return result;
  }

  /** `ifelse`: parsed (both branches checked) here, its branch run as a request of its own. */
  async function ifElse(rawParams: unknown, options: RpcCallOptions): Promise<RpcResult> {
    const now = clock.now();
    const started = performance.now();
    let result: RpcResult;
    try {
      const request = parseIfElse(rawParams, (method, params) => {
        if (resolveRpcMethod(method) === undefined) return false;
        parseRequestParams(method, params ?? {});
        return true;
      });
      result = await runIfElse(
        request,
        {
          hardfork: context.hardfork,
          version: context.version,
          height: context.network.snapshot()?.height ?? 0,
        },
        (branch) => call(branch.method, branch.params, options),
      );
    } catch (error) {
      result = errorResult(error, IFELSE_METHOD, now);
    }
    init.observe?.(IFELSE_METHOD, result.status, (performance.now() - started) / 1000);
    return result;
  }

  /**
   * `batch` / `sequence` with oversized `store` subrequests: those answer their own 400 (Session's
   * text) in their place, the others run as usual (a `sequence` stops at the first oversized one).
   */
  async function callWithOversized(
    method: 'batch' | 'sequence',
    raw: Record<string, unknown>,
    requests: unknown[],
    oversized: Map<number, RpcResult>,
    options: RpcCallOptions & { forwarded?: boolean },
    now: number,
  ): Promise<RpcResult> {
    const firstOversized = Math.min(...oversized.keys());
    const runnable = requests
      .map((request, index) => ({ request, index }))
      .filter(({ index }) => (method === 'batch' ? !oversized.has(index) : index < firstOversized));
    let ran: { code: number; body: unknown }[] = [];
    if (runnable.length > 0) {
      const rest = { ...raw, requests: runnable.map(({ request }) => request) };
      const params = parseRequestParams(method, rest);
      const result = await execute(method, params, {
        raw: rest,
        forwarded: options.forwarded === true,
        now,
        cancel: options,
        budget: { remaining: ANSWER_BUDGET_BYTES },
      });
      if (result.status !== 200) return result;
      ran = (result.body as { results: { code: number; body: unknown }[] }).results;
    }
    const results: { code: number; body: unknown }[] = [];
    if (method === 'batch') {
      let next = 0;
      requests.forEach((_request, index) => {
        const refused = oversized.get(index);
        if (refused !== undefined) results.push({ code: refused.status, body: refused.body });
        else results.push(ran[next++] as { code: number; body: unknown });
      });
    } else {
      results.push(...ran);
      const refused = oversized.get(firstOversized) as RpcResult;
      if (ran.length === firstOversized && ran.every((r) => r.code >= 200 && r.code <= 299)) {
        results.push({ code: refused.status, body: refused.body });
      }
    }
    return { status: 200, body: { results } };
  }

  async function call(
    method: string,
    rawParams: unknown,
    options: RpcCallOptions & { forwarded?: boolean } = {},
  ): Promise<RpcResult> {
    if (method === IFELSE_METHOD && options.forwarded !== true) return ifElse(rawParams, options);
    const now = clock.now();
    const resolved = resolveRpcMethod(method);
    try {
      const raw = asObject(rawParams ?? {});
      const ignored = ignoredAliases(method, raw);
      if (ignored.length > 0) {
        logger.debug({ method, ignored }, 'legacy aliases ignored (the snake_case keys were used)');
      }
      if (resolved === 'store') assertStoreDataSize(rawParams);
      if (resolved === 'batch' || resolved === 'sequence') {
        const requests = (raw as { requests?: unknown }).requests;
        if (Array.isArray(requests)) {
          const oversized = new Map<number, RpcResult>();
          requests.forEach((request, index) => {
            const sub = asObject(request) as { method?: unknown; params?: unknown };
            if (resolveRpcMethod(sub.method) !== 'store') return;
            try {
              assertStoreDataSize(sub.params);
            } catch (error) {
              oversized.set(index, errorResult(error, 'store', now, asObject(sub.params ?? {})));
            }
          });
          if (oversized.size > 0) {
            return await callWithOversized(resolved, raw, requests, oversized, options, now);
          }
        }
      }
      const params = parseRequestParams(method, rawParams);
      return await execute(resolved as RpcMethod, params, {
        raw,
        forwarded: options.forwarded === true,
        now,
        cancel: options,
        budget: { remaining: ANSWER_BUDGET_BYTES },
      });
    } catch (error) {
      const result = errorResult(error, resolved ?? method, now, asObject(rawParams ?? {}));
      init.observe?.(resolved ?? 'unknown', result.status, 0);
      return result;
    }
  }

  return {
    async handleBody(body, options = {}) {
      const now = clock.now();
      let envelope: { method: string; params?: object | null | undefined };
      try {
        const text = typeof body === 'string' ? body : utf8Decode(body, { field: 'the body' });
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (cause) {
          throw new InvalidInputError('invalid json: the body is not valid JSON', { cause });
        }
        envelope = checkSchema(envelopeChecker, json, 'invalid request', {
          rootName: 'the body',
        });
      } catch (error) {
        const result = errorResult(error, 'request', now);
        init.observe?.('invalid', result.status, 0);
        return result;
      }
      return call(envelope.method, envelope.params ?? {}, options);
    },
    call: (method, params, options) => call(method, params, options),
    executeForwarded: (method, params, options) =>
      call(method, params, { ...options, forwarded: true }),
  };
}
