/**
 * Validation at the door: requests a node receives and answers a client receives, checked with
 * the same schemas, turned into typed values or typed errors with messages a person can act on.
 */

import type { TSchema } from 'typebox';
import {
  DEFAULT_ONION_ENC_TYPE,
  FORWARDED_SIGNATURE_TOLERANCE_MS,
  ONION_PROXY_DEFAULT_PORT,
  ONION_PROXY_DEFAULT_PROTOCOL,
  SIGNATURE_TOLERANCE_MS,
  STORE_TOLERANCE_MS,
  TTL_MIN_MS,
} from './constants.js';
import { utf8Decode } from './encoding.js';
import {
  ClockOutOfSyncError,
  InvalidInputError,
  InvalidResponseError,
  TtlOutOfRangeError,
  UnsupportedError,
} from './errors.js';
import { maxTtlMs } from './namespaces.js';
import {
  normalizeDelete,
  normalizeDeleteAll,
  normalizeDeleteBefore,
  normalizeExpire,
  normalizeExpireAll,
  normalizeGetExpiries,
  normalizeGetSwarm,
  normalizeRetrieve,
  normalizeRevocation,
  normalizeServiceNodesQuery,
  normalizeStore,
} from './normalize.js';
import {
  type RpcMethod,
  type RpcParamsInputMap,
  type RpcParamsMap,
  type RpcRequest,
  type RpcResponseMap,
  type RpcSubrequest,
  resolveRpcMethod,
  rpcMethods,
} from './rpc.js';
import { checkSchema, createChecker, type SchemaChecker } from './schema-check.js';
import { StorageRpcRequestSchema } from './schemas/envelope.js';
import {
  type OnionEncType,
  OnionFinalLayerSchema,
  type OnionLayer,
  OnionProxyLayerSchema,
  OnionRelayLayerSchema,
  type OnionRequest,
  OnionRequestSchema,
  type OnionSnodeReply,
  OnionSnodeReplySchema,
} from './schemas/onion.js';
import {
  SeedRequestSchema,
  type SeedResponse,
  SeedResponseSchema,
  type ServiceNodesQuery,
  ServiceNodesQuerySchema,
} from './schemas/seed.js';
import type { StoreParams } from './schemas/store.js';

// Checkers for the schemas outside the RPC registry, compiled once at import.
const envelopeChecker = createChecker(StorageRpcRequestSchema);
const onionRequestChecker = createChecker(OnionRequestSchema);
const finalLayerChecker = createChecker(OnionFinalLayerSchema);
const proxyLayerChecker = createChecker(OnionProxyLayerSchema);
const relayLayerChecker = createChecker(OnionRelayLayerSchema);
const snodeReplyChecker = createChecker(OnionSnodeReplySchema);
const seedRequestChecker = createChecker(SeedRequestSchema);
const seedResponseChecker = createChecker(SeedResponseSchema);
const serviceNodesQueryChecker = createChecker(ServiceNodesQuerySchema);

const MAX_NAME_IN_MESSAGE = 64;

function quoteName(name: string): string {
  const printable = name.replace(/[^\x20-\x7e]/g, '?');
  const shown =
    printable.length > MAX_NAME_IN_MESSAGE
      ? `${printable.slice(0, MAX_NAME_IN_MESSAGE)}...`
      : printable;
  return `\`${shown}\``;
}

/**
 * Checks and normalises the parameters of one storage RPC method. Names may be aliases
 * (`get_snodes_for_pubkey`); `params` may be `undefined` or `null` (read as `{}`).
 *
 * @throws {@link InvalidInputError} (400) naming the method and the field, for example
 * "store: `ttl` must be an integer number of milliseconds", or "unknown method `foo`".
 */
export function parseRequestParams<M extends RpcMethod>(
  method: M,
  params: unknown,
): RpcParamsMap[M];
export function parseRequestParams(method: string, params: unknown): RpcParamsMap[RpcMethod];
export function parseRequestParams(method: string, params: unknown): RpcParamsMap[RpcMethod] {
  const resolved = resolveRpcMethod(method);
  if (resolved === undefined) {
    throw new InvalidInputError(`unknown method ${quoteName(String(method))}`, {
      details: { field: 'method' },
    });
  }
  return paramsFor(resolved, params ?? {}, String(method));
}

/** The methods whose checked parameters one function normalises. */
type PlainMethod = Exclude<RpcMethod, 'batch' | 'sequence' | 'oxend_request'>;

const noParams = (): Record<string, never> => ({});

/** How each plain method's checked parameters become {@link RpcParamsMap}'s. */
const NORMALIZERS: {
  readonly [M in PlainMethod]: (input: RpcParamsInputMap[M], what: string) => RpcParamsMap[M];
} = {
  store: normalizeStore,
  retrieve: normalizeRetrieve,
  delete: normalizeDelete,
  delete_all: normalizeDeleteAll,
  delete_before: normalizeDeleteBefore,
  expire: normalizeExpire,
  expire_all: normalizeExpireAll,
  get_expiries: normalizeGetExpiries,
  get_swarm: normalizeGetSwarm,
  info: noParams,
  active_nodes_bin: noParams,
  revoke_subaccount: normalizeRevocation,
  unrevoke_subaccount: normalizeRevocation,
};

function plainParams<M extends PlainMethod>(
  method: M,
  params: unknown,
  what: string,
): RpcParamsMap[M] {
  const checker = rpcMethods[method].params as unknown as SchemaChecker<TSchema>;
  const input = checkSchema(checker, params, what, { rootName: 'params' });
  return NORMALIZERS[method](input as RpcParamsInputMap[M], what);
}

function paramsFor(method: RpcMethod, params: unknown, what: string): RpcParamsMap[RpcMethod] {
  const options = { rootName: 'params' } as const;
  switch (method) {
    case 'batch':
    case 'sequence': {
      const input = checkSchema(rpcMethods[method].params, params, what, options);
      const requests = input.requests.map((request, index): RpcSubrequest => {
        const where = `${what}: requests[${index}]`;
        const sub = resolveRpcMethod(request.method);
        if (sub === undefined) {
          throw new InvalidInputError(`${where}: unknown method ${quoteName(request.method)}`, {
            details: { field: `requests[${index}].method` },
          });
        }
        if (sub === 'batch' || sub === 'sequence') {
          throw new InvalidInputError(`${where}: a subrequest may not be \`${sub}\``, {
            details: { field: `requests[${index}].method` },
          });
        }
        return {
          method: sub,
          params: paramsFor(sub, request.params, `${where} (${request.method})`),
        } as RpcSubrequest;
      });
      return { requests };
    }
    case 'oxend_request': {
      const input = checkSchema(rpcMethods.oxend_request.params, params, what, options);
      if (input.endpoint === 'get_service_nodes') {
        const query = checkSchema(
          serviceNodesQueryChecker,
          input.params ?? {},
          `${what} get_service_nodes`,
          options,
        );
        return { endpoint: 'get_service_nodes', params: normalizeServiceNodesQuery(query) };
      }
      return { endpoint: 'ons_resolve', params: { ...(input.params ?? {}) } };
    }
    default:
      return plainParams(method, params, what);
  }
}

/** The legacy camelCase aliases each method reads, by the snake_case name they stand for. */
const LEGACY_ALIASES: Partial<Record<RpcMethod, Readonly<Record<string, string>>>> = {
  store: { pubKey: 'pubkey' },
  retrieve: {
    pubKey: 'pubkey',
    lastHash: 'last_hash',
    maxSize: 'max_size',
    pubkeyEd25519: 'pubkey_ed25519',
  },
  get_swarm: { pubKey: 'pubkey' },
};

/**
 * The legacy aliases a request carries beside their snake_case name (`pubkeyEd25519` beside
 * `pubkey_ed25519`, ...), which {@link parseRequestParams} ignores (the snake_case value wins, as
 * in Session's storage server), as `"alias (pubkey_ed25519 used)"` strings for a debug log line.
 * Looks into `batch` / `sequence` subrequests too. Never throws.
 */
export function ignoredAliases(method: string, params: unknown): string[] {
  const resolved = resolveRpcMethod(method);
  if (resolved === undefined || typeof params !== 'object' || params === null) return [];
  if (resolved === 'batch' || resolved === 'sequence') {
    const requests = (params as { requests?: unknown }).requests;
    if (!Array.isArray(requests)) return [];
    return requests.flatMap((request, index) => {
      if (typeof request !== 'object' || request === null) return [];
      const sub = request as { method?: unknown; params?: unknown };
      if (typeof sub.method !== 'string') return [];
      return ignoredAliases(sub.method, sub.params).map((text) => `requests[${index}].${text}`);
    });
  }
  const aliases = LEGACY_ALIASES[resolved] ?? {};
  const given = params as Record<string, unknown>;
  return Object.entries(aliases)
    .filter(([alias, name]) => given[alias] != null && given[name] != null)
    .map(([alias, name]) => `${alias} (${name} used)`);
}

/**
 * Parses JSON given as text or UTF-8 bytes; other values are returned as they are (already
 * parsed). Bad JSON throws `InvalidInputError` or, with `as: 'response'`, `InvalidResponseError`.
 */
export function parseJsonBody(
  body: unknown,
  what: string,
  options: { as?: 'input' | 'response' } = {},
): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  try {
    const text = typeof body === 'string' ? body : utf8Decode(body, { field: what });
    return JSON.parse(text);
  } catch (cause) {
    const message = `${what}: not valid JSON`;
    throw options.as === 'response'
      ? new InvalidResponseError(message, { cause })
      : new InvalidInputError(message, { cause });
  }
}

/**
 * Checks a whole storage RPC body (`{method, params, jsonrpc?}`, as an object, JSON text or
 * bytes) and returns the canonical method with its normalised parameters.
 */
export function parseRequest(body: unknown): RpcRequest {
  const value = parseJsonBody(body, 'request');
  const envelope = checkSchema(envelopeChecker, value, 'request', { rootName: 'the body' });
  return {
    method: resolveRpcMethod(envelope.method) ?? envelope.method,
    params: parseRequestParams(envelope.method, envelope.params),
  } as RpcRequest;
}

/**
 * Checks a node's successful answer to `method` (an object, JSON text or bytes) and returns it
 * typed. For `batch` / `sequence` only the envelope is checked: check each 2xx `body` with the
 * subrequest's method, and turn the others into errors with `errorFromResponse(code, body)`.
 *
 * @throws {@link InvalidResponseError} naming what was wrong, such as
 * "get_swarm response: `snodes[0].port` must be a port number from 0 to 65535 as a decimal string".
 */
export function parseResponse<M extends RpcMethod>(method: M, body: unknown): RpcResponseMap[M];
export function parseResponse(method: string, body: unknown): RpcResponseMap[RpcMethod];
export function parseResponse(method: string, body: unknown): RpcResponseMap[RpcMethod] {
  const resolved = resolveRpcMethod(method);
  if (resolved === undefined) {
    throw new InvalidInputError(`unknown method ${quoteName(String(method))}`, {
      details: { field: 'method' },
    });
  }
  const what = `${method} response`;
  const value = parseJsonBody(body, what, { as: 'response' });
  const checker: SchemaChecker<TSchema> = rpcMethods[resolved].response;
  return checkSchema(checker, value, what, {
    as: 'response',
    rootName: 'the answer',
  }) as RpcResponseMap[RpcMethod];
}

/**
 * The canonical layer cipher for an `enc_type`: absent means `aes-gcm`; `gcm` and
 * `xchacha20-poly1305` are aliases.
 *
 * @throws {@link UnsupportedError} (400) for `aes-cbc` / `cbc`, which Murmur refuses;
 * {@link InvalidInputError} for anything else unknown.
 */
export function parseEncType(value: unknown, what = 'onion request'): OnionEncType {
  switch (value) {
    case undefined:
    case null:
      return DEFAULT_ONION_ENC_TYPE;
    case 'aes-gcm':
    case 'gcm':
      return 'aes-gcm';
    case 'xchacha20':
    case 'xchacha20-poly1305':
      return 'xchacha20';
    case 'aes-cbc':
    case 'cbc':
      throw new UnsupportedError(
        `${what}: \`enc_type\` "${value}" is not supported (it has no MAC); use "aes-gcm" or "xchacha20"`,
        { details: { field: 'enc_type' } },
      );
    default:
      throw new InvalidInputError(
        `${what}: \`enc_type\` must be one of "aes-gcm", "gcm", "xchacha20", "xchacha20-poly1305"`,
        { details: { field: 'enc_type' } },
      );
  }
}

/** Checks the JSON of the outer onion payload a guard receives. */
export function parseOnionRequest(json: unknown): OnionRequest {
  const what = 'onion request';
  const input = checkSchema(onionRequestChecker, json, what, { rootName: 'the JSON part' });
  const out: OnionRequest = {
    ephemeralKey: input.ephemeral_key.toLowerCase(),
    encType: parseEncType(input.enc_type, what),
  };
  if (input.hop_no !== undefined && input.hop_no !== null) out.hopNumber = input.hop_no;
  return out;
}

/**
 * Reads the JSON of a decrypted onion layer in Session's order: `headers` present → this node
 * is the destination; `host` present → exit to an external server; else relay to `destination`.
 */
export function parseOnionLayer(json: unknown): OnionLayer {
  const rootName = 'the JSON part';
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidInputError('onion layer: the JSON part must be a JSON object');
  }
  if (Object.hasOwn(json, 'headers')) {
    const input = checkSchema(finalLayerChecker, json, 'onion layer (final)', { rootName });
    return { role: 'final', json: input.json === true, base64: input.base64 !== false };
  }
  if (Object.hasOwn(json, 'host')) {
    const input = checkSchema(proxyLayerChecker, json, 'onion layer (exit)', { rootName });
    const out: OnionLayer = {
      role: 'proxy',
      host: input.host,
      target: input.target,
      port: input.port ?? ONION_PROXY_DEFAULT_PORT,
      protocol: input.protocol ?? ONION_PROXY_DEFAULT_PROTOCOL,
    };
    if (input.method !== undefined && input.method !== null) out.method = input.method;
    return out;
  }
  const what = 'onion layer (relay)';
  const input = checkSchema(relayLayerChecker, json, what, { rootName });
  return {
    role: 'relay',
    destination: input.destination.toLowerCase(),
    ephemeralKey: input.ephemeral_key.toLowerCase(),
    encType: parseEncType(input.enc_type, what),
  };
}

/** Checks the `{status, body}` reply a destination node encrypted (after decryption). */
export function parseOnionSnodeReply(json: unknown): OnionSnodeReply {
  const value = parseJsonBody(json, 'onion reply', { as: 'response' });
  return checkSchema(snodeReplyChecker, value, 'onion reply', {
    as: 'response',
    rootName: 'the reply',
  });
}

/** Checks a seed endpoint request (`get_n_service_nodes` / `get_service_nodes`). */
export function parseSeedRequest(body: unknown): {
  method: 'get_n_service_nodes' | 'get_service_nodes';
  query: ServiceNodesQuery;
} {
  const value = parseJsonBody(body, 'seed request');
  const input = checkSchema(seedRequestChecker, value, 'seed request', { rootName: 'the body' });
  return { method: input.method, query: normalizeServiceNodesQuery(input.params) };
}

/** Checks a seed's answer. */
export function parseSeedResponse(body: unknown): SeedResponse {
  const value = parseJsonBody(body, 'seed response', { as: 'response' });
  return checkSchema(seedResponseChecker, value, 'seed response', {
    as: 'response',
    rootName: 'the answer',
  });
}

/**
 * Checks a `store`'s TTL (expiry − timestamp) against the namespace's limits.
 *
 * @throws {@link TtlOutOfRangeError} (403, as Session answers).
 */
export function assertStoreTtl(params: Pick<StoreParams, 'namespace' | 'timestamp' | 'expiry'>) {
  const ttl = params.expiry - params.timestamp;
  const max = maxTtlMs(params.namespace);
  if (ttl < TTL_MIN_MS || ttl > max) {
    throw new TtlOutOfRangeError(
      `store: TTL of ${ttl} ms is outside ${TTL_MIN_MS}..${max} ms for namespace ${params.namespace}`,
      { details: { field: 'ttl', ttl, min: TTL_MIN_MS, max } },
    );
  }
}

/**
 * Checks a `store`'s timestamp against the node's clock `now`: at most 10 s ahead, and the
 * expiry at most 10 s past.
 *
 * @throws {@link ClockOutOfSyncError} (406).
 */
export function assertStoreClock(params: Pick<StoreParams, 'timestamp' | 'expiry'>, now: number) {
  if (params.timestamp > now + STORE_TOLERANCE_MS || params.expiry < now - STORE_TOLERANCE_MS) {
    throw new ClockOutOfSyncError(
      `store: timestamp ${params.timestamp} is more than ${STORE_TOLERANCE_MS} ms ahead of the node's clock (${now}), or the message already expired`,
      { details: { field: 'timestamp', timestamp: params.timestamp, now } },
    );
  }
}

/**
 * Checks a signature timestamp against the node's clock `now`: within 60 s either way (70 s for
 * copies forwarded inside a swarm).
 *
 * @throws {@link ClockOutOfSyncError} (406).
 */
export function assertSignatureTimestamp(
  method: string,
  timestamp: number,
  now: number,
  options: { forwarded?: boolean } = {},
) {
  const tolerance = options.forwarded ? FORWARDED_SIGNATURE_TOLERANCE_MS : SIGNATURE_TOLERANCE_MS;
  if (Math.abs(timestamp - now) > tolerance) {
    throw new ClockOutOfSyncError(
      `${method} timestamp too far from current time (${timestamp - now} ms off, at most ${tolerance} ms allowed)`,
      { details: { field: 'timestamp', timestamp, now } },
    );
  }
}
