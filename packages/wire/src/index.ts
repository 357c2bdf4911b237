/**
 * @packageDocumentation
 * `@murmur/wire`: the formats Murmur speaks on the wire, in one place: every constant and limit,
 * the namespace rules, TypeBox schemas for the request and response of every storage RPC method
 * (used by the node to check requests and by the client to check answers), the onion
 * combined-payload, onion v4 and bencode codecs, and the error model with the HTTP status
 * mapping.
 *
 * @example
 * ```ts
 * import { errorFromResponse, parseResponse, WrongSwarmError } from '@murmur/wire';
 * import { parseRequestParams } from '@murmur/wire/server';
 *
 * // On a node: typed, normalised parameters or a 400 with a message a person can act on.
 * const params = parseRequestParams('retrieve', { pubkey, lastHash: '', maxSize: -5 });
 *
 * // On a client: check what the node answered, or map its status to an error.
 * const answer = response.ok
 *   ? parseResponse('retrieve', await response.text())
 *   : undefined;
 * if (!response.ok) {
 *   const error = errorFromResponse(response.status, await response.text());
 *   if (error instanceof WrongSwarmError) useSwarm(error.members);
 * }
 * ```
 */

export {
  type BencodeDecodeOptions,
  type BencodeDict,
  type BencodeFieldOptions,
  type BencodeInput,
  type BencodeValue,
  decodeBencode,
  encodeBencode,
  getBencodeBytes,
  getBencodeInteger,
  getBencodeList,
  getBencodeString,
  isBencodeDict,
} from './bencode.js';
export {
  type CombinedPayload,
  type CombinedPayloadOptions,
  decodeCombinedPayload,
  encodeCombinedPayload,
} from './combined-payload.js';
export {
  type AbortOptions,
  type Clock,
  type LogFn,
  type Logger,
  type Startable,
  silentLogger,
  systemClock,
} from './components.js';
export {
  BENCODE_MAX_DEPTH,
  COMBINED_PAYLOAD_PREFIX_BYTES,
  DEFAULT_ONION_ENC_TYPE,
  EXCESS_BASE,
  FILL_SWARM_LOWER_PERCENTILE,
  GUARD_TEST_TIMEOUT_MS,
  HARDFORK,
  IDEAL_SWARM_MARGIN,
  IDEAL_SWARM_SIZE,
  INVALID_SWARM_ID,
  KEY_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_ONION_HOPS,
  MAX_SWARM_ID,
  MAX_SWARM_SIZE,
  MESSAGE_HASH_LENGTH,
  MIN_SNODE_POOL,
  MIN_SWARM_SIZE,
  MIN_TIMESTAMP_MS,
  NAMESPACE_MAX,
  NAMESPACE_MIN,
  NEW_SWARM_SIZE,
  NODE_FAILURE_THRESHOLD,
  ONION_GUARD_COUNT,
  ONION_MIN_GUARD_COUNT,
  ONION_PATH_HOPS,
  ONION_PROXY_DEFAULT_PORT,
  ONION_PROXY_DEFAULT_PROTOCOL,
  PATH_FAILURE_THRESHOLD,
  PUBKEY_BYTES,
  RETRIEVE_DEFAULT_MAX_SIZE,
  SIGNATURE_BYTES,
  SNODE_POOL_MIN_COMMON,
  STEALING_SWARM_UPPER_PERCENTILE,
  STORE_TOLERANCE_MS,
  SWARM_REFETCH_THRESHOLD,
  TTL_MAX_PUBLIC_MS,
  TTL_MIN_MS,
} from './constants.js';
export {
  base64ToBytes,
  bytesToBase64,
  bytesToHex,
  concatBytes,
  equalBytes,
  hexToBytes,
  isBase64,
  isHex,
  utf8Decode,
  utf8Encode,
} from './encoding.js';
export {
  AbortError,
  BadSignatureError,
  ClockOutOfSyncError,
  DecryptionFailedError,
  type ErrorCode,
  ForbiddenError,
  InternalError,
  InvalidInputError,
  InvalidPhraseError,
  InvalidResponseError,
  InvalidSessionIdError,
  MurmurError,
  type MurmurErrorOptions,
  NextNodeNotFoundError,
  NodeNotReadyError,
  NotFoundError,
  OverloadedError,
  PayloadMalformedError,
  RateLimitedError,
  RequestTimeoutError,
  raceAbort,
  SignatureRequiredError,
  StaleKeysError,
  type SwarmMember,
  TooLargeError,
  TtlOutOfRangeError,
  throwIfAborted,
  UnsupportedError,
  UpstreamFailedError,
  WrongSwarmError,
} from './errors.js';
export { createEmitter, type Emitter, type EventSource, type Listener } from './events.js';
export {
  type FetchFunction,
  type FetchWithTimeoutOptions,
  fetchWithTimeout,
  type HttpAnswer,
} from './http.js';
export { monitorSignatureMessage } from './monitor.js';
export {
  isValidNamespace,
  Namespace,
} from './namespaces.js';
export {
  type DecodedOnionV4Request,
  type DecodedOnionV4Response,
  decodeOnionV4Request,
  decodeOnionV4Response,
  encodeOnionV4Request,
  encodeOnionV4Response,
  type OnionV4Request,
  type OnionV4Response,
} from './onion-v4.js';
export {
  type BatchParams,
  type MetaRpcMethod,
  RPC_METHODS,
  type RpcMethod,
  type RpcMethodSpec,
  type RpcMethods,
  type RpcParamsMap,
  type RpcRequest,
  type RpcResponseMap,
  type RpcSubrequest,
  rpcMethods,
  type SubrequestMethod,
} from './rpc.js';
export {
  type CheckOptions,
  checkSchema,
  createChecker,
  type SchemaChecker,
  type SchemaProblem,
} from './schema-check.js';
export {
  Ed25519PubkeySchema,
  Ipv4Schema,
  type SignedAccount,
  X25519PubkeySchema,
} from './schemas/common.js';
export type { DeleteParams } from './schemas/delete.js';
export type { DeleteAllParams } from './schemas/delete-all.js';
export type { DeleteBeforeParams } from './schemas/delete-before.js';
export type { ExpireParams } from './schemas/expire.js';
export type { ExpireAllParams } from './schemas/expire-all.js';
export type { GetExpiriesParams } from './schemas/get-expiries.js';
export {
  type GetSwarmParams,
  type SwarmNode,
  SwarmNodeSchema,
  toSwarmMember,
} from './schemas/get-swarm.js';
export type { InfoParams } from './schemas/info.js';
export {
  type OnionEncType,
  type OnionLayer,
  type OnionRequest,
  type OnionSnodeReply,
  OnionSnodeReplySchema,
} from './schemas/onion.js';
export type { OxendRequestParams } from './schemas/oxend-request.js';
export {
  type RetrievedMessage,
  RetrievedMessageSchema,
  type RetrieveParams,
  type RetrieveResponse,
  RetrieveResponseSchema,
} from './schemas/retrieve.js';
export {
  type SeedResponse,
  SeedResponseSchema,
  type ServiceNodesQuery,
} from './schemas/seed.js';
export type { StoreParams } from './schemas/store.js';
export type { SubaccountRevocationParams } from './schemas/subaccount.js';
export { MAX_TIMER_DELAY_MS, sleep } from './sleep.js';
export {
  type ErrorResponse,
  errorFromResponse,
  type ResponseFromErrorOptions,
  responseFromError,
  STATUS_BY_ERROR_CODE,
} from './status.js';
export {
  assertSignatureTimestamp,
  assertStoreClock,
  assertStoreTtl,
  parseEncType,
  parseOnionLayer,
  parseOnionRequest,
  parseOnionSnodeReply,
  parseRequest,
  parseResponse,
  parseSeedRequest,
  parseSeedResponse,
} from './validate.js';
