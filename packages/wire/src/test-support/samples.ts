/**
 * Sample requests and answers for the tests: what real Session clients send (read from
 * session-desktop's `SnodeRequestTypes.ts`) and what Session nodes answer (session-storage-server
 * `request_handler.cpp`), plus what Murmur nodes answer. Not part of the published package.
 */
import type { RpcMethod } from '../rpc.js';

export const NOW = 1_732_600_000_000;
export const PUBKEY = `05${'a1'.repeat(32)}`;
export const GROUP_PUBKEY = `03${'b2'.repeat(32)}`;
export const ED25519 = 'c3'.repeat(32);
export const ED25519_UPPER = ED25519.toUpperCase();
export const X25519 = 'd4'.repeat(32);
export const NODE_A = 'e5'.repeat(32);
export const NODE_B = 'f6'.repeat(32);
export const SIGNATURE = `${'Sig0'.repeat(21)}AA`;
export const SIGNATURE_PADDED = `${SIGNATURE}==`;
export const HASH_1 = `${'Hash'.repeat(10)}abc`;
export const HASH_2 = `${'h4sh'.repeat(10)}xyz`;
export const DATA = 'SGVsbG8sIE11cm11ciE=';
export const SUBACCOUNT_HEX = `0301${'00'.repeat(2)}${'ab'.repeat(32)}`;
export const SUBACCOUNT_B64 = 'AwEAAKurq6urq6urq6urq6urq6urq6urq6urq6urq6urq6ur';

const signed = { pubkey: PUBKEY, pubkey_ed25519: ED25519, signature: SIGNATURE };

/** Parameters Session clients send, which Murmur must accept. */
export const validParams: Record<RpcMethod, Record<string, unknown>[]> = {
  store: [
    // Old clients: stringified timestamp and ttl.
    { pubkey: PUBKEY, timestamp: String(NOW), ttl: '1209600000', data: DATA },
    // Desktop, a DM to someone else's public inbox: numbers, namespace 0, no signature.
    { pubkey: PUBKEY, timestamp: NOW, ttl: 1_209_600_000, data: DATA, namespace: 0 },
    // Desktop, own config namespace: signed, upper-case ed25519 key.
    {
      pubkey: PUBKEY,
      pubkey_ed25519: ED25519_UPPER,
      signature: SIGNATURE_PADDED,
      timestamp: NOW,
      ttl: 2_592_000_000,
      data: DATA,
      namespace: 2,
    },
    // A group message signed with a subaccount; expiry instead of ttl; old pubKey alias.
    {
      pubKey: GROUP_PUBKEY,
      timestamp: NOW,
      expiry: NOW + 60_000,
      data: '',
      namespace: 11,
      signature: SIGNATURE,
      sig_timestamp: NOW + 5,
      subaccount: SUBACCOUNT_HEX,
      subaccount_sig: SIGNATURE,
    },
    // null is an absent field.
    { pubkey: PUBKEY, timestamp: NOW, ttl: 20_000, expiry: null, data: DATA, namespace: null },
  ],
  retrieve: [
    // Desktop's signed retrieve, snake_case, empty last_hash.
    { ...signed, namespace: 0, timestamp: NOW, last_hash: '', max_size: -5 },
    // camelCase aliases.
    {
      pubKey: PUBKEY,
      pubkeyEd25519: ED25519_UPPER,
      signature: SIGNATURE,
      timestamp: NOW,
      lastHash: HASH_1,
      maxSize: -5,
      namespace: 5,
    },
    // Public outbox and legacy group: unsigned.
    { pubkey: PUBKEY, namespace: -1 },
    { pubkey: GROUP_PUBKEY, namespace: -10, last_hash: HASH_2, max_count: 10 },
    // A group member retrieving with a subaccount token in base64.
    {
      pubkey: GROUP_PUBKEY,
      namespace: 11,
      timestamp: NOW,
      signature: SIGNATURE,
      subaccount: SUBACCOUNT_B64,
      subaccount_sig: SIGNATURE_PADDED,
    },
  ],
  delete: [
    { ...signed, messages: [HASH_1, HASH_2] },
    { pubkey: GROUP_PUBKEY, signature: SIGNATURE, messages: HASH_1, required: true },
  ],
  delete_all: [
    { ...signed, pubkey_ed25519: ED25519_UPPER, timestamp: NOW, namespace: 'all' },
    { ...signed, timestamp: NOW },
    { ...signed, timestamp: NOW, namespace: 11 },
  ],
  delete_before: [
    { ...signed, before: NOW, namespace: 'all' },
    { ...signed, before: NOW },
  ],
  expire: [
    { ...signed, messages: [HASH_1], expiry: NOW + 1_000, extend: true },
    { ...signed, messages: [HASH_1, HASH_2], expiry: [NOW + 1, NOW + 2], shorten: true },
    { pubkey: GROUP_PUBKEY, signature: SIGNATURE, messages: HASH_1, expiry: NOW },
  ],
  expire_all: [
    { ...signed, expiry: NOW, namespace: 'all' },
    { ...signed, expiry: NOW },
  ],
  get_expiries: [
    { ...signed, pubkey_ed25519: ED25519_UPPER, messages: [HASH_1, HASH_2], timestamp: NOW },
    { ...signed, messages: 'all', timestamp: NOW },
  ],
  get_swarm: [
    // Desktop nests a leftover params object; it is ignored.
    { pubkey: PUBKEY, params: { active_only: true, fields: { public_ip: true } } },
    { pubKey: GROUP_PUBKEY },
  ],
  info: [{}, { anything: 1 }],
  batch: [
    {
      requests: [0, 2, 3, 4, 5].map((namespace) => ({
        method: 'retrieve',
        params: { ...signed, namespace, timestamp: NOW, last_hash: '', max_size: -5 },
      })),
    },
    { requests: [{ method: 'get_snodes_for_pubkey', params: { pubkey: PUBKEY } }] },
  ],
  sequence: [
    {
      requests: [
        { method: 'store', params: { pubkey: PUBKEY, timestamp: NOW, ttl: 20_000, data: DATA } },
        { method: 'info', params: {} },
      ],
    },
  ],
  oxend_request: [
    {
      endpoint: 'get_service_nodes',
      params: {
        active_only: true,
        fields: { public_ip: true, storage_port: true, pubkey_x25519: true, pubkey_ed25519: true },
      },
    },
    { endpoint: 'get_service_nodes' },
    { endpoint: 'ons_resolve', params: { type: 0, name_hash: 'abc' } },
  ],
  // session-android's ListSnodeApi sends the node-list parameters, fields as a list.
  active_nodes_bin: [
    {},
    {
      active_only: true,
      fields: ['public_ip', 'storage_port', 'pubkey_x25519', 'pubkey_ed25519'],
    },
  ],
  revoke_subaccount: [
    { pubkey: GROUP_PUBKEY, signature: SIGNATURE, revoke: [SUBACCOUNT_HEX], timestamp: NOW },
    { pubkey: GROUP_PUBKEY, signature: SIGNATURE, revoke: SUBACCOUNT_B64, timestamp: NOW },
  ],
  unrevoke_subaccount: [
    { pubkey: GROUP_PUBKEY, signature: SIGNATURE, unrevoke: [SUBACCOUNT_HEX], timestamp: NOW },
  ],
};

/** Parameters a node must refuse, with the field the message must name. */
export const invalidParams: Record<RpcMethod, [Record<string, unknown>, RegExp][]> = {
  store: [
    [
      { pubkey: PUBKEY, timestamp: NOW, ttl: 1.5, data: DATA },
      /`ttl` must be an integer number of milliseconds/,
    ],
    [{ pubkey: PUBKEY, timestamp: NOW, ttl: -1, data: DATA }, /`ttl` must be/],
    [{ pubkey: PUBKEY, timestamp: NOW, ttl: '1e5', data: DATA }, /`ttl` must be/],
    [
      { pubkey: PUBKEY, timestamp: 'now', ttl: 1, data: DATA },
      /`timestamp` must be a Unix timestamp in milliseconds/,
    ],
    [
      { pubkey: PUBKEY, timestamp: 1_000, ttl: 1, data: DATA },
      /`timestamp` must be a Unix timestamp/,
    ],
    [{ pubkey: PUBKEY, ttl: 1, data: DATA }, /`timestamp` is required/],
    [
      { pubkey: PUBKEY, timestamp: NOW, expiry: String(NOW), data: DATA },
      /`expiry` must be a Unix timestamp/,
    ],
    [
      { pubkey: PUBKEY.slice(2), timestamp: NOW, ttl: 1, data: DATA },
      /`pubkey` must be a 66-character hex pubkey/,
    ],
    [
      { pubkey: PUBKEY, timestamp: NOW, ttl: 1, data: 'not base64!' },
      /`data` must be base64 message data/,
    ],
    [
      { pubkey: PUBKEY, timestamp: NOW, ttl: 1, data: 'A'.repeat(102_404) },
      /`data` must be base64 message data of at most 76800 bytes/,
    ],
    [
      { pubkey: PUBKEY, timestamp: NOW, ttl: 1, data: DATA, namespace: 40_000 },
      /`namespace` must be an integer namespace from -32768 to 32767/,
    ],
    [
      { pubkey: PUBKEY, timestamp: NOW, ttl: 1, data: DATA, signature: 'abc' },
      /`signature` must be a base64 Ed25519 signature/,
    ],
  ],
  retrieve: [
    [
      { pubkey: PUBKEY, last_hash: 'abc' },
      /`last_hash` must be a 43-character base64 message hash/,
    ],
    [
      { pubkey: PUBKEY, lastHash: `${HASH_1}=` },
      /`lastHash` must be a 43-character base64 message hash/,
    ],
    [{ pubkey: PUBKEY, max_size: 1.5 }, /`max_size` must be an integer/],
    [{ pubkey: PUBKEY, max_count: -1 }, /`max_count` must be a non-negative integer/],
    [
      { pubkey: PUBKEY, timestamp: 'x', signature: SIGNATURE },
      /`timestamp` must be a Unix timestamp/,
    ],
    [
      { pubkey: PUBKEY, pubkey_ed25519: 'xyz' },
      /`pubkey_ed25519` must be a 64-character hex Ed25519 public key/,
    ],
    [{}, /`pubkey` is required/],
  ],
  delete: [
    [{ ...signed, messages: [] }, /`messages` must be a message hash or a non-empty list/],
    [{ ...signed, messages: ['short'] }, /`messages` must be/],
    [{ pubkey: PUBKEY, messages: [HASH_1] }, /`signature` is required/],
  ],
  delete_all: [
    [
      { ...signed, timestamp: NOW, namespace: 'everything' },
      /`namespace` must be an integer namespace from -32768 to 32767, or "all"/,
    ],
    [{ ...signed }, /`timestamp` is required/],
  ],
  delete_before: [[{ ...signed, before: 'yesterday' }, /`before` must be a Unix timestamp/]],
  expire: [
    [
      { ...signed, messages: [HASH_1], expiry: [] },
      /`expiry` must be a Unix timestamp in milliseconds, or a non-empty list/,
    ],
    [{ ...signed, messages: [HASH_1] }, /`expiry` is required/],
  ],
  expire_all: [[{ ...signed, expiry: -5 }, /`expiry` must be a Unix timestamp/]],
  get_expiries: [[{ ...signed, messages: [HASH_1] }, /`timestamp` is required/]],
  get_swarm: [[{ pubkey: 'zz' }, /`pubkey` must be a 66-character hex pubkey/]],
  info: [],
  batch: [
    [{ requests: [] }, /`requests` must be a list of 1 to 20 subrequests/],
    [
      { requests: Array.from({ length: 21 }, () => ({ method: 'info', params: {} })) },
      /`requests` must be a list of 1 to 20/,
    ],
    [{ requests: [{ method: 'info' }] }, /`requests\[0\]\.params` is required/],
    [
      { requests: [{ method: 'info', params: [] }] },
      /`requests\[0\]\.params` must be an object of parameters/,
    ],
    [{}, /`requests` is required/],
  ],
  sequence: [[{ requests: 'info' }, /`requests` must be a list of 1 to 20 subrequests/]],
  oxend_request: [
    [{ endpoint: 'get_block' }, /`endpoint` must be "get_service_nodes" or "ons_resolve"/],
  ],
  active_nodes_bin: [],
  revoke_subaccount: [
    [
      { pubkey: GROUP_PUBKEY, signature: SIGNATURE, revoke: ['xx'], timestamp: NOW },
      /`revoke` must be a subaccount token or a list of 1 to 50 tokens/,
    ],
    [
      {
        pubkey: GROUP_PUBKEY,
        signature: SIGNATURE,
        revoke: Array(51).fill(SUBACCOUNT_HEX),
        timestamp: NOW,
      },
      /`revoke` must be/,
    ],
  ],
  unrevoke_subaccount: [
    [{ pubkey: GROUP_PUBKEY, signature: SIGNATURE, timestamp: NOW }, /`unrevoke` is required/],
  ],
};

const networkFields = { t: NOW, hf: [19, 4] };

/** A Session node's `get_swarm` member (every field it sends). */
export const SESSION_SWARM_NODE = {
  address: 'yyyyyyyyyyyyyyyy.snode',
  ip: '203.0.113.7',
  port: '22021',
  port_https: 22_021,
  port_omq: 22_020,
  port_quic: 22_020,
  pubkey_ed25519: NODE_A,
  pubkey_legacy: NODE_A,
  pubkey_x25519: X25519,
};

/** An older Murmur node's `get_swarm` member (no `address`, a `port_omq`). */
export const MURMUR_SWARM_NODE = {
  ip: '127.0.0.1',
  port: '40001',
  pubkey_ed25519: NODE_B,
  pubkey_x25519: X25519,
  port_https: 40_001,
  port_omq: 40_002,
};

/** A Murmur node's `get_swarm` member as `toSwarmNode` writes it: Session's fields, no QUIC. */
export const MURMUR_SWARM_NODE_NOW = {
  address: '655xp7zs655xp7zs655xp7zs655xp7zs655xp7zs655xp7zs655y.snode',
  pubkey_legacy: NODE_B,
  pubkey_x25519: X25519,
  pubkey_ed25519: NODE_B,
  port: '40001',
  port_https: 40_001,
  ip: '127.0.0.1',
};

/** Answers nodes give, which the response schemas must accept. */
export const validResponses: Record<RpcMethod, unknown[]> = {
  store: [
    {
      swarm: {
        [NODE_A]: { hash: HASH_1, signature: SIGNATURE_PADDED, expiry: NOW + 20_000, t: NOW },
        [NODE_B]: { failed: true, timeout: true },
      },
      hash: HASH_1,
      ...networkFields,
    },
    {
      swarm: {
        [NODE_A]: { hash: HASH_1, signature: SIGNATURE, expiry: NOW, already: true },
        [NODE_B]: { failed: true, code: '400', reason: 'bad' },
      },
      hash: HASH_1,
      ...networkFields,
    },
  ],
  retrieve: [
    {
      messages: [{ hash: HASH_1, timestamp: NOW, expiration: NOW + 1, data: DATA }],
      more: false,
      ...networkFields,
    },
    { messages: [], more: true, ...networkFields },
  ],
  delete: [
    {
      swarm: {
        [NODE_A]: { deleted: [HASH_1], signature: SIGNATURE },
        [NODE_B]: { failed: true, query_failure: true },
      },
      ...networkFields,
    },
  ],
  delete_all: [
    {
      swarm: { [NODE_A]: { deleted: { '0': [HASH_1], '-11': [HASH_2] }, signature: SIGNATURE } },
      ...networkFields,
    },
    { swarm: { [NODE_A]: { deleted: [], signature: SIGNATURE } }, ...networkFields },
  ],
  delete_before: [
    { swarm: { [NODE_A]: { deleted: [HASH_2], signature: SIGNATURE } }, ...networkFields },
  ],
  expire: [
    {
      swarm: {
        [NODE_A]: {
          updated: [HASH_1],
          unchanged: { [HASH_2]: NOW },
          expiry: NOW + 5,
          signature: SIGNATURE,
        },
      },
      ...networkFields,
    },
    { swarm: { [NODE_A]: { updated: [], expiry: [NOW], signature: SIGNATURE } }, ...networkFields },
  ],
  expire_all: [
    { swarm: { [NODE_A]: { updated: { '0': [HASH_1] }, signature: SIGNATURE } }, ...networkFields },
  ],
  get_expiries: [{ expiries: { [HASH_1]: NOW } }, { expiries: {}, ...networkFields }],
  get_swarm: [
    { snodes: [SESSION_SWARM_NODE], swarm: '3fffffffffffffff', ...networkFields },
    { snodes: [MURMUR_SWARM_NODE], swarm: '0', ...networkFields },
  ],
  info: [{ version: [2, 8, 0], timestamp: NOW, ...networkFields }],
  batch: [
    {
      results: [
        { code: 200, body: { messages: [], more: false, ...networkFields } },
        { code: 401, body: 'retrieve signature verification failed' },
      ],
    },
  ],
  sequence: [{ results: [] }],
  oxend_request: [
    {
      result: {
        service_node_states: [
          {
            public_ip: '203.0.113.7',
            storage_port: 22_021,
            pubkey_x25519: X25519,
            pubkey_ed25519: NODE_A,
          },
        ],
        height: 1_234_567,
      },
      ...networkFields,
    },
  ],
  // A bare JSON string (see service-nodes.test.ts).
  active_nodes_bin: [],
  revoke_subaccount: [{ swarm: { [NODE_A]: { signature: SIGNATURE } }, ...networkFields }],
  unrevoke_subaccount: [
    { swarm: { [NODE_A]: { count: 1, signature: SIGNATURE } }, ...networkFields },
  ],
};

/** Answers a client must refuse, with what the message must say. */
export const invalidResponses: [RpcMethod, unknown, RegExp][] = [
  ['store', { swarm: {}, ...networkFields }, /`hash` is required/],
  [
    'store',
    { swarm: {}, hash: '', ...networkFields },
    /`hash` must be a 43-character base64 message hash/,
  ],
  [
    'store',
    { swarm: { nope: {} }, hash: HASH_1, ...networkFields },
    /`swarm.nope` is not allowed there/,
  ],
  [
    'store',
    {
      swarm: { [NODE_A]: { hash: HASH_1, signature: 'x', expiry: 1 } },
      hash: HASH_1,
      ...networkFields,
    },
    /`swarm\.e5e5.*\.signature` must be a base64 Ed25519 signature/,
  ],
  ['store', { swarm: {}, hash: HASH_1, t: NOW }, /`hf` is required/],
  [
    'retrieve',
    {
      messages: [{ hash: HASH_1, timestamp: NOW, expiry: NOW, data: DATA }],
      more: false,
      ...networkFields,
    },
    /`messages\[0\]\.expiration` is required/,
  ],
  ['retrieve', { messages: [], ...networkFields }, /`more` is required/],
  [
    'get_swarm',
    { snodes: [{ ...MURMUR_SWARM_NODE, port: 40_001 }], swarm: '0', ...networkFields },
    /`snodes\[0\]\.port` must be a port number from 0 to 65535 as a decimal string/,
  ],
  [
    'get_swarm',
    { snodes: [{ ...MURMUR_SWARM_NODE, ip: '::1' }], swarm: '0', ...networkFields },
    /`snodes\[0\]\.ip` must be a dotted-quad IPv4 address/,
  ],
  [
    'get_swarm',
    { snodes: [], swarm: 'not hex', ...networkFields },
    /`swarm` must be a 64-bit swarm ID in hex/,
  ],
  ['info', { version: [2, 8], timestamp: NOW, ...networkFields }, /`version`/],
  [
    'info',
    { version: [2, 8, 0], timestamp: NOW, t: NOW, hf: [19, 3, 1] },
    /`hf` has too many items/,
  ],
  [
    'batch',
    { results: [{ code: 42, body: {} }] },
    /`results\[0\]\.code` must be an HTTP status code/,
  ],
  ['get_expiries', { expiries: { [HASH_1]: 'soon' } }, /must be a Unix timestamp in milliseconds/],
  ['retrieve', 'null', /the answer must be/],
  ['retrieve', '{"messages": [', /not valid JSON/],
];
