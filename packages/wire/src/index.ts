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
 * import {
 *   errorFromResponse,
 *   parseRequestParams,
 *   parseResponse,
 *   WrongSwarmError,
 * } from '@murmur/wire';
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

export { ConfigError, UsageError } from './app-errors.js';
export {
  type BencodeDecodeOptions,
  type BencodeDict,
  type BencodeFieldOptions,
  type BencodeInput,
  type BencodeValue,
  decodeBencode,
  encodeBencode,
  getBencodeBigInt,
  getBencodeBytes,
  getBencodeDict,
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
  BATCH_MAX_SUBREQUESTS,
  BENCODE_MAX_DEPTH,
  COMBINED_PAYLOAD_PREFIX_BYTES,
  DEFAULT_ONION_ENC_TYPE,
  DEFAULT_STORAGE_HTTPS_PORT,
  EXCESS_BASE,
  EXPIRE_PAST_TOLERANCE_MS,
  EXPIRY_SWEEP_INTERVAL_MS,
  FILL_SWARM_LOWER_PERCENTILE,
  FORWARDED_SIGNATURE_TOLERANCE_MS,
  GUARD_TEST_TIMEOUT_MS,
  HARDFORK,
  IDEAL_SWARM_MARGIN,
  IDEAL_SWARM_SIZE,
  INVALID_SWARM_ID,
  KEY_BYTES,
  MAX_MESSAGE_BASE64_LENGTH,
  MAX_MESSAGE_BYTES,
  MAX_ONION_HOPS,
  MAX_REQUEST_BODY_BYTES,
  MAX_REVOKED_SUBACCOUNTS,
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
  ONION_PROXY_TIMEOUT_MS,
  ONION_RELAY_TIMEOUT_MS,
  PATH_FAILURE_THRESHOLD,
  PUBKEY_BYTES,
  RATE_LIMIT_BUCKET_SIZE,
  RATE_LIMIT_CLIENT_PER_SECOND,
  RATE_LIMIT_MAX_CLIENTS,
  RATE_LIMIT_NODE_PER_SECOND,
  RETRIEVE_DEFAULT_MAX_SIZE,
  RETRIEVE_MAX_SIZE,
  RETRIEVE_MESSAGE_OVERHEAD,
  SEED_RESPONSE_CONTENT_TYPE,
  SIGNATURE_BYTES,
  SIGNATURE_TOLERANCE_MS,
  SNODE_POOL_MIN_COMMON,
  STEALING_SWARM_UPPER_PERCENTILE,
  STORAGE_SERVER_VERSION,
  STORAGE_SIZE_LIMIT_BYTES,
  STORE_TOLERANCE_MS,
  SUBACCOUNT_TOKEN_BYTES,
  SWARM_FORWARD_TIMEOUT_MS,
  SWARM_REFETCH_THRESHOLD,
  TTL_MAX_PRIVATE_MS,
  TTL_MAX_PUBLIC_MS,
  TTL_MIN_MS,
} from './constants.js';
export {
  base64ToBytes,
  bytesToBase32z,
  bytesToBase64,
  bytesToHex,
  concatBytes,
  equalBytes,
  hexToBytes,
  isBase64,
  isHex,
  portableBase64ToBytes,
  portableBytesToBase64,
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
  StorageFullError,
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
export { type JsonErrorAnswer, type JsonErrorOptions, jsonErrorAnswer } from './json-errors.js';
export { isLogLevel, LOG_LEVELS, type LogLevel, REDACTED_LOG_PATHS } from './log-levels.js';
export {
  encodeMonitorFrame,
  MONITOR_AUTH_CONTEXT,
  MONITOR_EXPORTER_LABEL,
  MONITOR_EXPORTER_LENGTH,
  MONITOR_MAX_NAMESPACES,
  MONITOR_MAX_NODE_FRAME_BYTES,
  MONITOR_MAX_REPLAY,
  MONITOR_MAX_SUBSCRIBER_FRAME_BYTES,
  MONITOR_PATH,
  MONITOR_PROTOCOL_VERSION,
  MONITOR_SIGNATURE_WINDOW_SECONDS,
  MonitorCloseCode,
  MonitorErrorCode,
  type MonitorNodeFrame,
  MonitorNodeFrameSchemas,
  type MonitorNotifyFrame,
  type MonitorSubscribeFrame,
  type MonitorSubscriberFrame,
  MonitorSubscriberFrameSchemas,
  monitorAuthMessage,
  monitorSignatureMessage,
  parseMonitorNodeFrame,
  parseMonitorSubscriberFrame,
} from './monitor.js';
export {
  isPublicInbox,
  isPublicOutbox,
  isRevokedRetrievable,
  isTtlInRange,
  isValidNamespace,
  type KnownNamespace,
  maxTtlMs,
  Namespace,
  namespaceSignaturePart,
  retrieveRequiresAuth,
  storeRequiresAuth,
} from './namespaces.js';
export {
  type DecodedOnionV4Request,
  type DecodedOnionV4Response,
  decodeOnionV4Request,
  decodeOnionV4Response,
  encodeOnionV4Request,
  encodeOnionV4Response,
  type OnionV4Request,
  OnionV4RequestMetaSchema,
  type OnionV4Response,
  type OnionV4ResponseMeta,
  OnionV4ResponseMetaSchema,
} from './onion-v4.js';
export {
  type BatchParams,
  isMetaRpcMethod,
  type MetaRpcMethod,
  RPC_METHOD_ALIASES,
  RPC_METHODS,
  type RpcMethod,
  type RpcMethodSpec,
  type RpcMethods,
  type RpcParamsInputMap,
  type RpcParamsMap,
  type RpcRequest,
  type RpcResponseMap,
  type RpcSubrequest,
  resolveRpcMethod,
  rpcMethods,
  type SubrequestMethod,
} from './rpc.js';
export {
  type CheckOptions,
  checkSchema,
  createChecker,
  type SchemaChecker,
  type SchemaProblem,
  schemaError,
} from './schema-check.js';
export {
  type BatchParamsInput,
  BatchParamsSchema,
  type BatchResponse,
  BatchResponseSchema,
  SubrequestSchema,
  type Subresult,
  SubresultSchema,
} from './schemas/batch.js';
export {
  BASE64_PATTERN,
  Base64Schema,
  DecimalStringSchema,
  DurationOrStringSchema,
  DurationSchema,
  Ed25519PubkeySchema,
  HardforkSchema,
  HashesByNamespaceSchema,
  Ipv4Schema,
  MessageDataSchema,
  MessageHashesSchema,
  MessageHashSchema,
  MillisecondsSchema,
  NamespaceOrAllSchema,
  NamespaceSchema,
  NetworkFields,
  NotFailed,
  OptionalNullable,
  PortSchema,
  PortStringSchema,
  PubkeySchema,
  SignatureSchema,
  type SignedAccount,
  SignedAccountFields,
  SubaccountTokenSchema,
  SwarmIdHexSchema,
  type SwarmMemberFailure,
  SwarmMemberFailureSchema,
  SwarmResults,
  TimestampOrStringSchema,
  TimestampSchema,
  X25519PubkeySchema,
} from './schemas/common.js';
export {
  DeleteMemberResultSchema,
  type DeleteParams,
  type DeleteParamsInput,
  DeleteParamsSchema,
  type DeleteResponse,
  DeleteResponseSchema,
} from './schemas/delete.js';
export {
  type DeleteAllParams,
  type DeleteAllParamsInput,
  DeleteAllParamsSchema,
  type DeleteAllResponse,
  DeleteAllResponseSchema,
  DeletedMemberResultSchema,
} from './schemas/delete-all.js';
export {
  type DeleteBeforeParams,
  type DeleteBeforeParamsInput,
  DeleteBeforeParamsSchema,
  type DeleteBeforeResponse,
  DeleteBeforeResponseSchema,
} from './schemas/delete-before.js';
export { type StorageRpcRequestInput, StorageRpcRequestSchema } from './schemas/envelope.js';
export {
  ExpireMemberResultSchema,
  type ExpireParams,
  type ExpireParamsInput,
  ExpireParamsSchema,
  type ExpireResponse,
  ExpireResponseSchema,
} from './schemas/expire.js';
export {
  ExpireAllMemberResultSchema,
  type ExpireAllParams,
  type ExpireAllParamsInput,
  ExpireAllParamsSchema,
  type ExpireAllResponse,
  ExpireAllResponseSchema,
} from './schemas/expire-all.js';
export {
  type GetExpiriesParams,
  type GetExpiriesParamsInput,
  GetExpiriesParamsSchema,
  type GetExpiriesResponse,
  GetExpiriesResponseSchema,
} from './schemas/get-expiries.js';
export {
  type GetSwarmParams,
  type GetSwarmParamsInput,
  GetSwarmParamsSchema,
  type GetSwarmResponse,
  GetSwarmResponseSchema,
  type SwarmNode,
  SwarmNodeSchema,
  toSwarmMember,
  toSwarmNode,
  type WrongSwarmBody,
  WrongSwarmBodySchema,
} from './schemas/get-swarm.js';
export {
  type InfoParams,
  type InfoParamsInput,
  InfoParamsSchema,
  type InfoResponse,
  InfoResponseSchema,
} from './schemas/info.js';
export {
  type EncTypeInput,
  EncTypeSchema,
  type OnionEncType,
  OnionFinalLayerSchema,
  type OnionLayer,
  OnionProxyLayerSchema,
  OnionRelayLayerSchema,
  type OnionRequest,
  type OnionRequestInput,
  OnionRequestSchema,
  type OnionSnodeReply,
  OnionSnodeReplySchema,
} from './schemas/onion.js';
export {
  ActiveNodesBinParamsSchema,
  ActiveNodesBinResponseSchema,
  OnsResolveResultSchema,
  type OxendRequestParams,
  type OxendRequestParamsInput,
  OxendRequestParamsSchema,
  type OxendRequestResponse,
  OxendRequestResponseSchema,
} from './schemas/oxend-request.js';
export {
  effectiveRetrieveLimits,
  type RetrievedMessage,
  RetrievedMessageSchema,
  type RetrieveParams,
  type RetrieveParamsInput,
  RetrieveParamsSchema,
  type RetrieveResponse,
  RetrieveResponseSchema,
} from './schemas/retrieve.js';
export {
  SERVICE_NODE_STATE_FIELDS,
  SeedMethodSchema,
  type SeedRequestInput,
  SeedRequestSchema,
  type SeedResponse,
  SeedResponseSchema,
  type ServiceNodeState,
  ServiceNodeStateSchema,
  type ServiceNodesQuery,
  type ServiceNodesQueryInput,
  ServiceNodesQuerySchema,
  type ServiceNodesResult,
  ServiceNodesResultSchema,
} from './schemas/seed.js';
export {
  type StoreMemberResult,
  StoreMemberResultSchema,
  type StoreParams,
  type StoreParamsInput,
  StoreParamsSchema,
  type StoreResponse,
  StoreResponseSchema,
} from './schemas/store.js';
export {
  type RevokeSubaccountParamsInput,
  RevokeSubaccountParamsSchema,
  SubaccountRevocationMemberResultSchema,
  type SubaccountRevocationParams,
  type SubaccountRevocationResponse,
  SubaccountRevocationResponseSchema,
  type UnrevokeSubaccountParamsInput,
  UnrevokeSubaccountParamsSchema,
} from './schemas/subaccount.js';
export {
  ACTIVE_NODE_RECORD_BYTES,
  decodeActiveNodesBin,
  encodeActiveNodesBin,
  encodeServiceNodeState,
  type ListedServiceNode,
  selectServiceNodes,
} from './service-nodes.js';
export {
  checkSettingValues,
  LOG_LEVEL_SETTING,
  type ResolvedSettings,
  resolveSettings,
  type SettingKind,
  type SettingSource,
  type SettingSpec,
  type SettingsInputs,
  settingFromText,
  settingsDataDir,
  shownSetting,
} from './settings.js';
export { MAX_TIMER_DELAY_MS, sleep } from './sleep.js';
export {
  type ErrorResponse,
  errorFromResponse,
  type ResponseFromErrorOptions,
  responseFromError,
  STATUS_BY_ERROR_CODE,
  statusForError,
} from './status.js';
export {
  assertSignatureTimestamp,
  assertStoreClock,
  assertStoreTtl,
  ignoredAliases,
  parseEncType,
  parseJsonBody,
  parseOnionLayer,
  parseOnionRequest,
  parseOnionSnodeReply,
  parseRequest,
  parseRequestParams,
  parseResponse,
  parseSeedRequest,
  parseSeedResponse,
} from './validate.js';
