/**
 * The storage RPC methods: a frozen registry from each method name to its request and response
 * schemas, compiled once at import, plus the type maps of their parameters and answers.
 */
import type { Static, TSchema } from 'typebox';
import { createChecker, type SchemaChecker } from './schema-check.js';
import { type BatchParamsInput, BatchParamsSchema, BatchResponseSchema } from './schemas/batch.js';
import { type DeleteParams, DeleteParamsSchema, DeleteResponseSchema } from './schemas/delete.js';
import {
  type DeleteAllParams,
  DeleteAllParamsSchema,
  DeleteAllResponseSchema,
} from './schemas/delete-all.js';
import {
  type DeleteBeforeParams,
  DeleteBeforeParamsSchema,
  DeleteBeforeResponseSchema,
} from './schemas/delete-before.js';
import { type ExpireParams, ExpireParamsSchema, ExpireResponseSchema } from './schemas/expire.js';
import {
  type ExpireAllParams,
  ExpireAllParamsSchema,
  ExpireAllResponseSchema,
} from './schemas/expire-all.js';
import {
  type GetExpiriesParams,
  GetExpiriesParamsSchema,
  GetExpiriesResponseSchema,
} from './schemas/get-expiries.js';
import {
  type GetSwarmParams,
  GetSwarmParamsSchema,
  GetSwarmResponseSchema,
} from './schemas/get-swarm.js';
import { type InfoParams, InfoParamsSchema, InfoResponseSchema } from './schemas/info.js';
import {
  ActiveNodesBinParamsSchema,
  ActiveNodesBinResponseSchema,
  type OxendRequestParams,
  OxendRequestParamsSchema,
  OxendRequestResponseSchema,
} from './schemas/oxend-request.js';
import {
  type RetrieveParams,
  RetrieveParamsSchema,
  RetrieveResponseSchema,
} from './schemas/retrieve.js';
import { type StoreParams, StoreParamsSchema, StoreResponseSchema } from './schemas/store.js';
import {
  RevokeSubaccountParamsSchema,
  type SubaccountRevocationParams,
  SubaccountRevocationResponseSchema,
  UnrevokeSubaccountParamsSchema,
} from './schemas/subaccount.js';

/** Every storage RPC method Murmur serves, by its canonical name. */
export const RPC_METHODS = Object.freeze([
  'store',
  'retrieve',
  'delete',
  'delete_all',
  'delete_before',
  'expire',
  'expire_all',
  'get_expiries',
  'get_swarm',
  'info',
  'batch',
  'sequence',
  'oxend_request',
  'active_nodes_bin',
  'revoke_subaccount',
  'unrevoke_subaccount',
] as const);

/** A canonical storage RPC method name. */
export type RpcMethod = (typeof RPC_METHODS)[number];

/** The methods that carry subrequests (and so may not be subrequests themselves). */
export type MetaRpcMethod = 'batch' | 'sequence';

/** A method that may appear inside `batch` / `sequence`. */
export type SubrequestMethod = Exclude<RpcMethod, MetaRpcMethod>;

/** Other names Session nodes answer to, and the method each stands for. */
export const RPC_METHOD_ALIASES: Readonly<Record<string, RpcMethod>> = Object.freeze({
  get_snodes_for_pubkey: 'get_swarm',
});

/** The canonical method for a name or alias, or `undefined` for a name Murmur does not serve. */
export function resolveRpcMethod(name: unknown): RpcMethod | undefined {
  if (typeof name !== 'string') return undefined;
  if ((RPC_METHODS as readonly string[]).includes(name)) return name as RpcMethod;
  return Object.hasOwn(RPC_METHOD_ALIASES, name) ? RPC_METHOD_ALIASES[name] : undefined;
}

/** True for `batch` and `sequence`. */
export function isMetaRpcMethod(method: RpcMethod): method is MetaRpcMethod {
  return method === 'batch' || method === 'sequence';
}

/** What the registry knows about one method. */
export interface RpcMethodSpec<P extends TSchema, R extends TSchema> {
  /** The canonical name. */
  readonly method: RpcMethod;
  /** The request parameters: schema and compiled checker. */
  readonly params: SchemaChecker<P>;
  /** The successful (HTTP 200) answer: schema and compiled checker. */
  readonly response: SchemaChecker<R>;
  /**
   * The entry node forwards the request to every swarm member and answers with per-member
   * results under `swarm` (store, delete*, expire*, revoke/unrevoke).
   */
  readonly swarmWide: boolean;
  /** The request names an account; a node outside that account's swarm answers 421. */
  readonly accountBound: boolean;
}

function spec<P extends TSchema, R extends TSchema>(
  method: RpcMethod,
  params: P,
  response: R,
  flags: { swarmWide: boolean; accountBound: boolean },
): RpcMethodSpec<P, R> {
  return Object.freeze({
    method,
    params: createChecker(params),
    response: createChecker(response),
    ...flags,
  });
}

const SWARM_WIDE = { swarmWide: true, accountBound: true };
const ACCOUNT = { swarmWide: false, accountBound: true };
const NODE = { swarmWide: false, accountBound: false };

/**
 * The registry: method → schemas and checkers, built once at import and frozen. Fastify routes
 * use `rpcMethods[m].params.schema` / `.response.schema`; code checks with the checkers.
 */
export const rpcMethods = Object.freeze({
  store: spec('store', StoreParamsSchema, StoreResponseSchema, SWARM_WIDE),
  retrieve: spec('retrieve', RetrieveParamsSchema, RetrieveResponseSchema, ACCOUNT),
  delete: spec('delete', DeleteParamsSchema, DeleteResponseSchema, SWARM_WIDE),
  delete_all: spec('delete_all', DeleteAllParamsSchema, DeleteAllResponseSchema, SWARM_WIDE),
  delete_before: spec(
    'delete_before',
    DeleteBeforeParamsSchema,
    DeleteBeforeResponseSchema,
    SWARM_WIDE,
  ),
  expire: spec('expire', ExpireParamsSchema, ExpireResponseSchema, SWARM_WIDE),
  expire_all: spec('expire_all', ExpireAllParamsSchema, ExpireAllResponseSchema, SWARM_WIDE),
  get_expiries: spec('get_expiries', GetExpiriesParamsSchema, GetExpiriesResponseSchema, ACCOUNT),
  get_swarm: spec('get_swarm', GetSwarmParamsSchema, GetSwarmResponseSchema, NODE),
  info: spec('info', InfoParamsSchema, InfoResponseSchema, NODE),
  batch: spec('batch', BatchParamsSchema, BatchResponseSchema, NODE),
  sequence: spec('sequence', BatchParamsSchema, BatchResponseSchema, NODE),
  oxend_request: spec('oxend_request', OxendRequestParamsSchema, OxendRequestResponseSchema, NODE),
  active_nodes_bin: spec(
    'active_nodes_bin',
    ActiveNodesBinParamsSchema,
    ActiveNodesBinResponseSchema,
    NODE,
  ),
  revoke_subaccount: spec(
    'revoke_subaccount',
    RevokeSubaccountParamsSchema,
    SubaccountRevocationResponseSchema,
    SWARM_WIDE,
  ),
  unrevoke_subaccount: spec(
    'unrevoke_subaccount',
    UnrevokeSubaccountParamsSchema,
    SubaccountRevocationResponseSchema,
    SWARM_WIDE,
  ),
});

/** The registry's type. */
export type RpcMethods = typeof rpcMethods;

/** Each method's parameters after validation and normalisation. */
export interface RpcParamsMap {
  store: StoreParams;
  retrieve: RetrieveParams;
  delete: DeleteParams;
  delete_all: DeleteAllParams;
  delete_before: DeleteBeforeParams;
  expire: ExpireParams;
  expire_all: ExpireAllParams;
  get_expiries: GetExpiriesParams;
  get_swarm: GetSwarmParams;
  info: InfoParams;
  batch: BatchParams;
  sequence: BatchParams;
  oxend_request: OxendRequestParams;
  active_nodes_bin: Record<string, never>;
  revoke_subaccount: SubaccountRevocationParams;
  unrevoke_subaccount: SubaccountRevocationParams;
}

/** Each method's parameters as they may arrive (before normalisation). */
export type RpcParamsInputMap = {
  [M in RpcMethod]: Static<RpcMethods[M]['params']['schema']>;
};

/** Each method's successful answer. */
export type RpcResponseMap = {
  [M in RpcMethod]: Static<RpcMethods[M]['response']['schema']>;
};

/** A validated request: the canonical method and its normalised parameters. */
export type RpcRequest = { [M in RpcMethod]: { method: M; params: RpcParamsMap[M] } }[RpcMethod];

/** A validated subrequest of `batch` / `sequence`. */
export type RpcSubrequest = {
  [M in SubrequestMethod]: { method: M; params: RpcParamsMap[M] };
}[SubrequestMethod];

/** `batch` / `sequence` parameters after validation: each subrequest parsed. */
export interface BatchParams {
  requests: RpcSubrequest[];
}

/** `batch` / `sequence` parameters as they may arrive. */
export type { BatchParamsInput };
