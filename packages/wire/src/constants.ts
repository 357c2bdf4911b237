/**
 * Every constant and limit of the Murmur protocol, in one module: the single place the rest of
 * the code reads them from. Durations are in milliseconds, sizes in bytes.
 *
 * Sources are cited as in `SESSION-FACTS.md`: SS = session-storage-server v2.8.0, CORE =
 * oxen-core, DESK = session-desktop. Where Murmur differs from Session, the TSDoc says so.
 */

const SECOND_MS = 1_000;
const DAY_MS = 24 * 60 * 60 * SECOND_MS;

// ---------------------------------------------------------------------------------------------
// Clock tolerances
// ---------------------------------------------------------------------------------------------

/**
 * How far in the future a `store` timestamp may be, and how far in the past its expiry may be,
 * before the node answers 406 (SS `request_handler.h` `STORE_TOLERANCE`).
 */
export const STORE_TOLERANCE_MS = 10_000;

/**
 * How far a request signature timestamp may be from the node's clock, either way (SS
 * `SIGNATURE_TOLERANCE`). Outside it the node answers 406.
 */
export const SIGNATURE_TOLERANCE_MS = 60_000;

/**
 * The signature tolerance for copies of a request that a swarm member forwarded to its peers
 * (SS `SIGNATURE_TOLERANCE_FORWARDED`): ten seconds more, for the forwarding delay.
 */
export const FORWARDED_SIGNATURE_TOLERANCE_MS = 70_000;

/**
 * How far in the past an `expire` / `expire_all` expiry may be (SS `request_handler.cpp`:
 * "expiry must be >= now - 60 s").
 */
export const EXPIRE_PAST_TOLERANCE_MS = 60_000;

/**
 * The smallest timestamp accepted anywhere a timestamp in milliseconds is expected. Smaller
 * values were almost certainly sent in seconds (SS `client_rpc_endpoints.cpp`: "timestamp must be
 * in milliseconds", any value below 1,000,000 seconds since the epoch).
 */
export const MIN_TIMESTAMP_MS = 1_000_000 * SECOND_MS;

// ---------------------------------------------------------------------------------------------
// TTLs
// ---------------------------------------------------------------------------------------------

/** The shortest TTL a message may have (SS `TTL_MINIMUM`, 10 s). Shorter: 403. */
export const TTL_MIN_MS = 10 * SECOND_MS;

/**
 * The longest TTL of a message in a public-inbox namespace (one divisible by 10), 14 days (SS
 * `TTL_MAXIMUM`). Longer: 403.
 */
export const TTL_MAX_PUBLIC_MS = 14 * DAY_MS;

/**
 * The longest TTL of a message in any other namespace, 30 days (SS `TTL_MAXIMUM_PRIVATE`). It is
 * also the cap an `expire` applies to a later expiry. Longer: 403.
 */
export const TTL_MAX_PRIVATE_MS = 30 * DAY_MS;

// ---------------------------------------------------------------------------------------------
// Sizes
// ---------------------------------------------------------------------------------------------

/** The largest message body `store` accepts, in raw bytes (SS `store::MAX_MESSAGE_BODY`). */
export const MAX_MESSAGE_BYTES = 76_800;

/** {@link MAX_MESSAGE_BYTES} as base64 characters (76,800 is divisible by 3: no padding). */
export const MAX_MESSAGE_BASE64_LENGTH = (MAX_MESSAGE_BYTES / 3) * 4;

/** The largest HTTP request body a node reads, 10 MiB (SS `https.cpp`). Larger: 413. */
export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;

/** The largest aggregate size one `retrieve` returns (SS `RETRIEVE_MAX_SIZE`, 7.8 MB). */
export const RETRIEVE_MAX_SIZE = 7_800_000;

/**
 * The `max_size` a `retrieve` uses when it gives neither `max_size` nor `max_count`: one fifth
 * of {@link RETRIEVE_MAX_SIZE} (negative values mean "this fraction of the maximum").
 */
export const RETRIEVE_DEFAULT_MAX_SIZE = -5;

/**
 * Bytes counted per message on top of its hash and base64 data when a `retrieve` sums sizes
 * (SS `Database::DEFAULT_MSG_OVERHEAD`).
 */
export const RETRIEVE_MESSAGE_OVERHEAD = 100;

/** The most subrequests one `batch` or `sequence` may carry (SS `BATCH_REQUEST_MAX`). */
export const BATCH_MAX_SUBREQUESTS = 20;

/** The length of a message hash: unpadded base64 of a 32-byte BLAKE2b hash. */
export const MESSAGE_HASH_LENGTH = 43;

/** Bytes of an account pubkey: one type byte (`05`, `03`, ...) and 32 key bytes. */
export const PUBKEY_BYTES = 33;

/** Bytes of an Ed25519 or X25519 public key. */
export const KEY_BYTES = 32;

/** Bytes of an Ed25519 signature. */
export const SIGNATURE_BYTES = 64;

/**
 * Bytes of a subaccount token: prefix byte, flags byte, two reserved bytes and a 32-byte
 * Ed25519 key (SS `common/subaccount_token.h`).
 */
export const SUBACCOUNT_TOKEN_BYTES = 36;

/**
 * The most revoked subaccount tokens a node keeps per account, and the most one
 * `revoke_subaccount` / `unrevoke_subaccount` request may name (SS `MAX_SUBACCOUNT_TOKENS`).
 */
export const MAX_REVOKED_SUBACCOUNTS = 50;

/** The smallest namespace number (namespaces are 16-bit signed integers). */
export const NAMESPACE_MIN = -32_768;

/** The largest namespace number. */
export const NAMESPACE_MAX = 32_767;

/**
 * The storage size at which a node stops accepting new messages (SS v2.8.0
 * `Database::SIZE_LIMIT`, 3,584 MiB, "3.5 GB"). Beyond it `store` answers 507.
 */
export const STORAGE_SIZE_LIMIT_BYTES = 3_584 * 1024 * 1024;

/** How often a node deletes expired messages (SS `Database::CLEANUP_PERIOD`). */
export const EXPIRY_SWEEP_INTERVAL_MS = 10 * SECOND_MS;

// ---------------------------------------------------------------------------------------------
// Onion requests
// ---------------------------------------------------------------------------------------------

/** The most hops one onion request may take before a node refuses it (SS `MAX_ONION_HOPS`). */
export const MAX_ONION_HOPS = 15;

/** Nodes in a client's onion path: a guard and two relays (DESK `ONION_REQUEST_HOPS`). */
export const ONION_PATH_HOPS = 3;

/** Guard nodes (and so paths) a client keeps (DESK `desiredGuardCount`). */
export const ONION_GUARD_COUNT = 2;

/** The fewest guards a client may work with (DESK `minimumGuardCount`). */
export const ONION_MIN_GUARD_COUNT = 1;

/** Failures after which a client drops a whole path (DESK `pathFailureThreshold`). */
export const PATH_FAILURE_THRESHOLD = 3;

/** Failures after which a client drops one node (DESK `snodeFailureThreshold`). */
export const NODE_FAILURE_THRESHOLD = 3;

/**
 * The smallest node pool a client works from:
 * `ONION_MIN_GUARD_COUNT × (ONION_PATH_HOPS + 1) × 2` (DESK `minSnodePoolCount`).
 */
export const MIN_SNODE_POOL = ONION_MIN_GUARD_COUNT * (ONION_PATH_HOPS + 1) * 2;

/** How long a client waits for a guard candidate's `get_swarm` test (DESK, 10 s). */
export const GUARD_TEST_TIMEOUT_MS = 10 * SECOND_MS;

/** A client refetches a pubkey's swarm when fewer members than this remain (DESK). */
export const SWARM_REFETCH_THRESHOLD = 3;

/**
 * Nodes that the lists of several sources must have in common when a client refreshes its pool
 * from nodes instead of seeds (DESK, 24).
 */
export const SNODE_POOL_MIN_COMMON = 24;

/** How long an exit node waits for an external server it proxies to (SS `ONION_URL_TIMEOUT`). */
export const ONION_PROXY_TIMEOUT_MS = 25 * SECOND_MS;

/** How long a node waits for the next hop of an onion request (SS `send_onion_to_sn`, 30 s). */
export const ONION_RELAY_TIMEOUT_MS = 30 * SECOND_MS;

/** The port an exit node proxies to when the layer gives none (SS `process_inner_request`). */
export const ONION_PROXY_DEFAULT_PORT = 443;

/** The protocol an exit node proxies with when the layer gives none. */
export const ONION_PROXY_DEFAULT_PROTOCOL = 'https';

/** The layer cipher a request uses when it names none (SS, DESK: `aes-gcm`). */
export const DEFAULT_ONION_ENC_TYPE = 'aes-gcm';

/** Bytes of the little-endian length prefix of an onion combined payload. */
export const COMBINED_PAYLOAD_PREFIX_BYTES = 4;

/** The deepest nesting the bencode decoder accepts (lists and dicts inside each other). */
export const BENCODE_MAX_DEPTH = 64;

// ---------------------------------------------------------------------------------------------
// Swarms (CORE `service_node_rules.h`, SS `swarm.cpp`)
// ---------------------------------------------------------------------------------------------

/** A swarm below this size takes nodes from others, or dissolves. */
export const MIN_SWARM_SIZE = 5;

/** The size swarm formation aims for. */
export const IDEAL_SWARM_SIZE = 7;

/** The size of a newly cut swarm. */
export const NEW_SWARM_SIZE = 7;

/** Per-swarm margin in the new-swarm rule: excess ≥ NEW_SWARM_SIZE + margin × swarms. */
export const IDEAL_SWARM_MARGIN = 2;

/** The size above which a swarm's nodes count as excess (CORE `EXCESS_BASE`). */
export const EXCESS_BASE = 5;

/** Declared by oxen-core; not used by the formation algorithm. */
export const MAX_SWARM_SIZE = 10;

/** New nodes fill swarms from this percentile of sizes down. */
export const FILL_SWARM_LOWER_PERCENTILE = 25;

/** Undersized swarms take nodes from swarms above this percentile of sizes. */
export const STEALING_SWARM_UPPER_PERCENTILE = 75;

/** The largest valid swarm ID, 2^64 − 2 (CORE `get_new_swarm_id`). */
export const MAX_SWARM_ID: bigint = 2n ** 64n - 2n;

/** The swarm ID of "no swarm" / unassigned, 2^64 − 1 (SS `INVALID_SWARM_ID`). */
export const INVALID_SWARM_ID: bigint = 2n ** 64n - 1n;

/** How long an entry node waits for each swarm peer it forwards a request to (SS, 5 s). */
export const SWARM_FORWARD_TIMEOUT_MS = 5 * SECOND_MS;

// ---------------------------------------------------------------------------------------------
// Rate limits (SS `rpc/rate_limiter.h`; direct `/storage_rpc/v1` requests only)
// ---------------------------------------------------------------------------------------------

/** Tokens in each address's bucket. */
export const RATE_LIMIT_BUCKET_SIZE = 600;

/** Tokens per second a client address earns. */
export const RATE_LIMIT_CLIENT_PER_SECOND = 300;

/** Tokens per second a service node's address earns. */
export const RATE_LIMIT_NODE_PER_SECOND = 600;

/** The most client addresses the limiter tracks at once. */
export const RATE_LIMIT_MAX_CLIENTS = 10_000;

// ---------------------------------------------------------------------------------------------
// Versions, ports, content types
// ---------------------------------------------------------------------------------------------

/**
 * The storage-server version a Murmur node reports in `info` (the Session version whose
 * behaviour it follows: SS 2.8.0).
 */
export const STORAGE_SERVER_VERSION: readonly [number, number, number] = Object.freeze([
  2, 8, 0,
] as const);

/**
 * The hard fork `[major, minor]` a Murmur node reports as `hf` in its answers. Session nodes
 * report the chain's hard fork; Murmur reports the Session rules it follows: 19.4, because it
 * accepts multi-expiry `expire` requests (SS `snode/service_node.h` `MULTI_EXPIRY_HARDFORK`;
 * clients check `hf` before sending one).
 */
export const HARDFORK: readonly [number, number] = Object.freeze([19, 4] as const);

/** The default HTTPS port of the storage RPC (SS `daemon/command_line.h`). */
export const DEFAULT_STORAGE_HTTPS_PORT = 22_021;

/** The exact content type of seed endpoint answers (clients compare it literally). */
export const SEED_RESPONSE_CONTENT_TYPE = 'application/json';
