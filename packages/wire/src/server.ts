/**
 * @packageDocumentation
 * `@murmur/wire/server`: the answering side of Murmur's protocols, kept out of the client entry:
 * what a service node needs to check and serve storage RPC requests (method table, request
 * parameter schemas and parsing, server limits, rate limits, storage errors), the monitor
 * protocol between nodes and relays, and the service-node list a seed or ledger serves. Nothing
 * here needs Node itself; "server" is the service node, the relay and the devnet ledger.
 *
 * @example
 * ```ts
 * import { parseRequestParams, statusForError } from '@murmur/wire/server';
 *
 * // Typed, normalised parameters or a 400 with a message a person can act on.
 * const params = parseRequestParams('retrieve', { pubkey, lastHash: '', maxSize: -5 });
 * ```
 */
export {
  BATCH_MAX_SUBREQUESTS,
  DEFAULT_STORAGE_HTTPS_PORT,
  EXPIRE_PAST_TOLERANCE_MS,
  EXPIRY_SWEEP_INTERVAL_MS,
  FORWARDED_SIGNATURE_TOLERANCE_MS,
  MAX_MESSAGE_BASE64_LENGTH,
  MAX_REQUEST_BODY_BYTES,
  MAX_REVOKED_SUBACCOUNTS,
  ONION_PROXY_TIMEOUT_MS,
  ONION_RELAY_TIMEOUT_MS,
  RATE_LIMIT_BUCKET_SIZE,
  RATE_LIMIT_CLIENT_PER_SECOND,
  RATE_LIMIT_MAX_CLIENTS,
  RATE_LIMIT_NODE_PER_SECOND,
  RETRIEVE_MAX_SIZE,
  RETRIEVE_MESSAGE_OVERHEAD,
  SEED_RESPONSE_CONTENT_TYPE,
  SIGNATURE_TOLERANCE_MS,
  STORAGE_SERVER_VERSION,
  STORAGE_SIZE_LIMIT_BYTES,
  SUBACCOUNT_TOKEN_BYTES,
  SWARM_FORWARD_TIMEOUT_MS,
  TTL_MAX_PRIVATE_MS,
} from './constants.js';
export { bytesToBase32z } from './encoding.js';
export { StorageFullError } from './errors.js';
export { type JsonErrorAnswer, type JsonErrorOptions, jsonErrorAnswer } from './json-errors.js';
export {
  encodeMonitorFrame,
  MONITOR_EXPORTER_LABEL,
  MONITOR_EXPORTER_LENGTH,
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
  type MonitorSubscribeFrame,
  type MonitorSubscriberFrame,
  MonitorSubscriberFrameSchemas,
  monitorAuthMessage,
  parseMonitorNodeFrame,
  parseMonitorSubscriberFrame,
} from './monitor.js';
export {
  isPublicOutbox,
  isRevokedRetrievable,
  maxTtlMs,
  retrieveRequiresAuth,
  storeRequiresAuth,
} from './namespaces.js';
export {
  isMetaRpcMethod,
  resolveRpcMethod,
} from './rpc.js';
export {
  type SwarmMemberFailure,
  SwarmMemberFailureSchema,
} from './schemas/common.js';
export { DeleteMemberResultSchema } from './schemas/delete.js';
export { DeletedMemberResultSchema } from './schemas/delete-all.js';
export { StorageRpcRequestSchema } from './schemas/envelope.js';
export { ExpireMemberResultSchema } from './schemas/expire.js';
export { ExpireAllMemberResultSchema } from './schemas/expire-all.js';
export { toSwarmNode } from './schemas/get-swarm.js';
export { effectiveRetrieveLimits } from './schemas/retrieve.js';
export {
  SERVICE_NODE_STATE_FIELDS,
  type ServiceNodeState,
  ServiceNodeStateSchema,
} from './schemas/seed.js';
export { StoreMemberResultSchema } from './schemas/store.js';
export { SubaccountRevocationMemberResultSchema } from './schemas/subaccount.js';
export {
  decodeActiveNodesBin,
  encodeActiveNodesBin,
  encodeServiceNodeState,
  type ListedServiceNode,
  selectServiceNodes,
} from './service-nodes.js';
export { statusForError } from './status.js';
export {
  ignoredAliases,
  parseRequestParams,
} from './validate.js';
