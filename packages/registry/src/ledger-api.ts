/**
 * The devnet ledger's HTTP API, as TypeBox schemas shared by the server (route validation,
 * responses included) and {@link httpLedgerSource} (which never trusts a peer's JSON). One
 * schema per message, used on both sides.
 *
 * | route | answer |
 * |---|---|
 * | `GET /genesis` | {@link JsonGenesisConfig} |
 * | `GET /blocks?from=H&limit=N` | {@link BlocksResponse}: blocks with height ≥ H (genesis is height 0), at most N (default 100, max 1,000), and the ledger's height |
 * | `POST /tx` (body: {@link JsonTransaction}) | 200 {@link TransactionAcceptedResponse} or 400 {@link TransactionRejectedResponse} (the same rules as {@link checkTransaction}) |
 * | `GET /tx/:id` | {@link TransactionStatusResponse}: pending, included (with its height) or unknown |
 * | `GET /state?activeOnly=true` | {@link StateResponse}: height, hash, nodes (all registered, or active only), swarms, wallets (amounts as decimal strings) |
 * | `GET /wallet/:address` | {@link WalletResponse}: balance, locked stakes, nonce and the next nonce (counting the mempool) |
 * | `GET /node/:node` | {@link NodeResponse}: the node, its history, the minimum contribution; 404 when never registered |
 * | `GET /health` | {@link HealthResponse} |
 * | `POST /faucet` (body: {@link FaucetRequest}) | devnet only, from the ledger's machine: answered as `POST /tx` |
 * | `POST /state-change` (body: {@link StateChangeRequest}) | devnet only, from the ledger's machine: answered as `POST /tx` |
 * | WebSocket `/feed` | {@link FeedMessage} per new block (a client catching up uses `/blocks`) |
 *
 * Other failures answer {@link ErrorResponse} with a 4xx or 5xx status.
 */
import { swarmIdToHex } from '@murmur/swarm';
import Type, { type Static } from 'typebox';
import { minimumContribution, openRoom } from './apply.js';
import {
  activeNodes,
  getNode,
  listNodes,
  listWallets,
  nodeHistory,
  swarms,
  walletInfo,
} from './queries.js';
import {
  AmountSchema,
  ChainIdSchema,
  HeightSchema,
  HexKeySchema,
  JsonBlockSchema,
  PortSchema,
  STATE_CHANGE_REASON_MAX_LENGTH,
  StateChangeSchema,
  TimestampSchema,
  VersionSchema,
} from './schemas.js';
import {
  type NodeEvent,
  REJECTION_REASONS,
  type RegistryState,
  type RejectionReason,
  type ServiceNodeRecord,
} from './types.js';

/** Blocks a `/blocks` answer holds when the request names no limit. */
export const BLOCKS_DEFAULT_LIMIT = 100;
/** Most blocks one `/blocks` answer may hold. */
export const BLOCKS_MAX_LIMIT = 1_000;

/** Query of `GET /blocks`. Numbers arrive as strings in a URL; servers coerce them. */
export const BlocksQuerySchema = Type.Object(
  {
    from: HeightSchema,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: BLOCKS_MAX_LIMIT })),
  },
  { additionalProperties: false },
);
/** Query of `GET /blocks`. */
export type BlocksQuery = Static<typeof BlocksQuerySchema>;

/** Answer of `GET /blocks`. */
export const BlocksResponseSchema = Type.Object(
  {
    blocks: Type.Array(JsonBlockSchema, { maxItems: BLOCKS_MAX_LIMIT }),
    /** The ledger's current height. */
    height: HeightSchema,
  },
  { additionalProperties: false },
);
/** Answer of `GET /blocks`. */
export type BlocksResponse = Static<typeof BlocksResponseSchema>;

/** A {@link RejectionReason} as a schema (every stable reason). */
export const RejectionReasonSchema = Type.Unsafe<RejectionReason>(
  Type.Union(REJECTION_REASONS.map((reason) => Type.Literal(reason))),
);

/** 200 answer of `POST /tx`. */
export const TransactionAcceptedResponseSchema = Type.Object(
  { accepted: Type.Literal(true), id: HexKeySchema },
  { additionalProperties: false },
);
/** 200 answer of `POST /tx`. */
export type TransactionAcceptedResponse = Static<typeof TransactionAcceptedResponseSchema>;

/** 400 answer of `POST /tx`: the transaction was refused, with its reason. */
export const TransactionRejectedResponseSchema = Type.Object(
  {
    accepted: Type.Literal(false),
    id: Type.Optional(HexKeySchema),
    reason: RejectionReasonSchema,
    message: Type.String({ maxLength: 2_000 }),
  },
  { additionalProperties: false },
);
/** 400 answer of `POST /tx`. */
export type TransactionRejectedResponse = Static<typeof TransactionRejectedResponseSchema>;

/** Either answer of `POST /tx`. */
export const TransactionResponseSchema = Type.Union([
  TransactionAcceptedResponseSchema,
  TransactionRejectedResponseSchema,
]);

/** Query of `GET /state`: `activeOnly=true` lists active nodes only. */
export const StateQuerySchema = Type.Object(
  { activeOnly: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
/** Query of `GET /state`. */
export type StateQuery = Static<typeof StateQuerySchema>;

/** A contributor in {@link JsonServiceNode}. */
export const JsonContributionSchema = Type.Object(
  { address: HexKeySchema, amount: AmountSchema, reserved: AmountSchema },
  { additionalProperties: false },
);

/** A node in `GET /state`. */
export const JsonServiceNodeSchema = Type.Object(
  {
    ed25519: HexKeySchema,
    x25519: HexKeySchema,
    operator: HexKeySchema,
    status: Type.Union([
      Type.Literal('awaiting-contributions'),
      Type.Literal('active'),
      Type.Literal('decommissioned'),
    ]),
    ip: Type.Optional(Type.String({ maxLength: 15 })),
    storagePort: Type.Optional(PortSchema),
    relayPort: Type.Optional(PortSchema),
    version: Type.Optional(VersionSchema),
    lastUptimeProofAt: Type.Optional(TimestampSchema),
    /** 16 hex digits; `ffffffffffffffff` when not in a swarm. */
    swarmId: Type.String({ pattern: '^[0-9a-f]{16}$' }),
    stake: AmountSchema,
    feeBasisPoints: Type.Integer({ minimum: 0, maximum: 10_000 }),
    contributors: Type.Array(JsonContributionSchema, { maxItems: 64 }),
    registrationHeight: HeightSchema,
    activationHeight: HeightSchema,
    requestedUnlockHeight: HeightSchema,
    lastRewardHeight: HeightSchema,
    decommissionHeight: HeightSchema,
    decommissionedBy: Type.Optional(
      Type.Union([Type.Literal('uptime'), Type.Literal('authority')]),
    ),
    credit: Type.Integer(),
  },
  { additionalProperties: false },
);
/** A node in `GET /state`. */
export type JsonServiceNode = Static<typeof JsonServiceNodeSchema>;

/** A swarm in `GET /state`. */
export const JsonSwarmSchema = Type.Object(
  { id: Type.String({ pattern: '^[0-9a-f]{16}$' }), members: Type.Array(HexKeySchema) },
  { additionalProperties: false },
);

/** A wallet in `GET /state`. */
export const JsonWalletSchema = Type.Object(
  { address: HexKeySchema, balance: AmountSchema, locked: AmountSchema, nonce: HeightSchema },
  { additionalProperties: false },
);

/** Answer of `GET /state`. */
export const StateResponseSchema = Type.Object(
  {
    chainId: ChainIdSchema,
    height: HeightSchema,
    hash: HexKeySchema,
    timestamp: TimestampSchema,
    nodes: Type.Array(JsonServiceNodeSchema),
    swarms: Type.Array(JsonSwarmSchema),
    wallets: Type.Array(JsonWalletSchema),
  },
  { additionalProperties: false },
);
/** Answer of `GET /state`. */
export type StateResponse = Static<typeof StateResponseSchema>;

/** Answer of `GET /health`. */
export const HealthResponseSchema = Type.Object(
  { status: Type.Literal('ok'), chainId: ChainIdSchema, height: HeightSchema },
  { additionalProperties: false },
);
/** Answer of `GET /health`. */
export type HealthResponse = Static<typeof HealthResponseSchema>;

/** Path parameters of `GET /wallet/:address`. */
export const AddressParamsSchema = Type.Object(
  { address: HexKeySchema },
  { additionalProperties: false },
);

/** Path parameters of `GET /node/:node`. */
export const NodeParamsSchema = Type.Object(
  { node: HexKeySchema },
  { additionalProperties: false },
);

/** Path parameters of `GET /tx/:id`. */
export const TransactionParamsSchema = Type.Object(
  { id: HexKeySchema },
  { additionalProperties: false },
);

/** A locked amount in `GET /wallet/:address`. */
export const JsonLockedEntrySchema = Type.Object(
  {
    node: HexKeySchema,
    registrationHeight: HeightSchema,
    amount: AmountSchema,
    /** 0 while staked with no unlock requested. */
    releaseHeight: HeightSchema,
    kind: Type.Union([
      Type.Literal('staked'),
      Type.Literal('unlocking'),
      Type.Literal('deregistered'),
    ]),
  },
  { additionalProperties: false },
);

/** Answer of `GET /wallet/:address`: balance, locked stakes and nonces (zeros if never seen). */
export const WalletResponseSchema = Type.Object(
  {
    address: HexKeySchema,
    /** The ledger's height. */
    height: HeightSchema,
    balance: AmountSchema,
    locked: AmountSchema,
    /** Transactions this wallet signed that are in blocks. */
    nonce: HeightSchema,
    /** The nonce its next transaction must carry, counting those waiting in the mempool. */
    nextNonce: HeightSchema,
    lockedEntries: Type.Array(JsonLockedEntrySchema),
  },
  { additionalProperties: false },
);
/** Answer of `GET /wallet/:address`. */
export type WalletResponse = Static<typeof WalletResponseSchema>;

/** One event of a node's history. */
export const JsonNodeEventSchema = Type.Object(
  {
    type: Type.Union([
      Type.Literal('registered'),
      Type.Literal('contribution'),
      Type.Literal('contribution-withdrawn'),
      Type.Literal('registration-cancelled'),
      Type.Literal('activated'),
      Type.Literal('proof-missed'),
      Type.Literal('decommissioned'),
      Type.Literal('recommissioned'),
      Type.Literal('unlock-requested'),
      Type.Literal('exited'),
      Type.Literal('deregistered'),
      Type.Literal('stake-released'),
    ]),
    height: HeightSchema,
    timestamp: TimestampSchema,
    reason: Type.Optional(Type.String({ maxLength: 2_000 })),
    address: Type.Optional(HexKeySchema),
    amount: Type.Optional(AmountSchema),
    credit: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
/** One event of a node's history. */
export type JsonNodeEvent = Static<typeof JsonNodeEventSchema>;

/**
 * Answer of `GET /node/:node`: the node (absent once it has left: exited or deregistered),
 * its whole history, and while it awaits contributions the least a new contributor may put in
 * and the room left.
 */
export const NodeResponseSchema = Type.Object(
  {
    height: HeightSchema,
    node: Type.Optional(JsonServiceNodeSchema),
    history: Type.Array(JsonNodeEventSchema),
    minimumContribution: Type.Optional(AmountSchema),
    openRoom: Type.Optional(AmountSchema),
  },
  { additionalProperties: false },
);
/** Answer of `GET /node/:node`. */
export type NodeResponse = Static<typeof NodeResponseSchema>;

/** Answer of `GET /tx/:id`. */
export const TransactionStatusResponseSchema = Type.Object(
  {
    id: HexKeySchema,
    status: Type.Union([
      Type.Literal('pending'),
      Type.Literal('included'),
      Type.Literal('unknown'),
    ]),
    /** The block that carries it (when included). */
    height: Type.Optional(HeightSchema),
  },
  { additionalProperties: false },
);
/** Answer of `GET /tx/:id`. */
export type TransactionStatusResponse = Static<typeof TransactionStatusResponseSchema>;

/** Body of `POST /faucet` (devnet only): mint `amount` atomic units into `address`. */
export const FaucetRequestSchema = Type.Object(
  { address: HexKeySchema, amount: AmountSchema },
  { additionalProperties: false },
);
/** Body of `POST /faucet`. */
export type FaucetRequest = Static<typeof FaucetRequestSchema>;

/** Body of `POST /state-change` (devnet only): the authority orders a node's state change. */
export const StateChangeRequestSchema = Type.Object(
  {
    node: HexKeySchema,
    change: StateChangeSchema,
    reason: Type.Optional(Type.String({ maxLength: STATE_CHANGE_REASON_MAX_LENGTH })),
  },
  { additionalProperties: false },
);
/** Body of `POST /state-change`. */
export type StateChangeRequest = Static<typeof StateChangeRequestSchema>;

/** A WebSocket `/feed` message: one per new block. */
export const FeedMessageSchema = Type.Object(
  { type: Type.Literal('block'), block: JsonBlockSchema },
  { additionalProperties: false },
);
/** A WebSocket `/feed` message. */
export type FeedMessage = Static<typeof FeedMessageSchema>;

/** Any other failure (404, 500 …): a stable code and a sentence. */
export const ErrorResponseSchema = Type.Object(
  { error: Type.String({ maxLength: 100 }), message: Type.String({ maxLength: 2_000 }) },
  { additionalProperties: false },
);
/** Any other failure. */
export type ErrorResponse = Static<typeof ErrorResponseSchema>;

/** The JSON form of a node record, as `GET /state` lists it. */
export function encodeServiceNode(node: ServiceNodeRecord): JsonServiceNode {
  const json: JsonServiceNode = {
    ed25519: node.ed25519,
    x25519: node.x25519,
    operator: node.operator,
    status: node.status,
    swarmId: swarmIdToHex(node.swarmId),
    stake: node.stake.toString(),
    feeBasisPoints: node.feeBasisPoints,
    contributors: node.contributions.map((entry) => ({
      address: entry.address,
      amount: entry.amount.toString(),
      reserved: entry.reserved.toString(),
    })),
    registrationHeight: node.registrationHeight,
    activationHeight: node.activationHeight,
    requestedUnlockHeight: node.requestedUnlockHeight,
    lastRewardHeight: node.lastRewardHeight,
    decommissionHeight: node.decommissionHeight,
    credit: node.credit,
  };
  if (node.ip !== undefined) json.ip = node.ip;
  if (node.storagePort !== undefined) json.storagePort = node.storagePort;
  if (node.relayPort !== undefined) json.relayPort = node.relayPort;
  if (node.version !== undefined) json.version = [...node.version];
  if (node.lastUptimeProofAt !== undefined) json.lastUptimeProofAt = node.lastUptimeProofAt;
  if (node.decommissionedBy !== undefined) json.decommissionedBy = node.decommissionedBy;
  return json;
}

/**
 * The `GET /state` answer for `state`: every registered node (active or not), the swarms and
 * every wallet. `activeOnly` lists only active nodes.
 */
export function encodeStateResponse(
  state: RegistryState,
  options: { activeOnly?: boolean } = {},
): StateResponse {
  const nodes = options.activeOnly === true ? activeNodes(state) : listNodes(state);
  return {
    chainId: state.chainId,
    height: state.height,
    hash: state.hash,
    timestamp: state.timestamp,
    nodes: nodes.map(encodeServiceNode),
    swarms: [...swarms(state)].map(([id, members]) => ({ id: swarmIdToHex(id), members })),
    wallets: listWallets(state).map((wallet) => ({
      address: wallet.address,
      balance: wallet.balance.toString(),
      locked: wallet.locked.toString(),
      nonce: wallet.nonce,
    })),
  };
}

/** The longest `reason` a {@link JsonNodeEvent} carries (longer ones are cut with `…`). */
const MAX_EVENT_REASON = 2_000;

/** The JSON form of a node history event, as `GET /node/:node` lists it. */
export function encodeNodeEvent(event: NodeEvent): JsonNodeEvent {
  const json: JsonNodeEvent = {
    type: event.type,
    height: event.height,
    timestamp: event.timestamp,
  };
  if (event.reason !== undefined) {
    json.reason =
      event.reason.length <= MAX_EVENT_REASON
        ? event.reason
        : `${event.reason.slice(0, MAX_EVENT_REASON - 1)}…`;
  }
  if (event.address !== undefined) json.address = event.address;
  if (event.amount !== undefined) json.amount = event.amount.toString();
  if (event.credit !== undefined) json.credit = event.credit;
  return json;
}

/**
 * The `GET /wallet/:address` answer for `address` in `state` (zeros for a wallet never seen).
 * `nextNonce` is the ledger's: it counts the wallet's transactions still in the mempool.
 */
export function encodeWalletResponse(
  state: RegistryState,
  address: string,
  nextNonce: number,
): WalletResponse {
  const wallet = walletInfo(state, address);
  return {
    address,
    height: state.height,
    balance: wallet.balance.toString(),
    locked: wallet.locked.toString(),
    nonce: wallet.nonce,
    nextNonce,
    lockedEntries: wallet.lockedEntries.map((entry) => ({
      node: entry.node,
      registrationHeight: entry.registrationHeight,
      amount: entry.amount.toString(),
      releaseHeight: entry.releaseHeight,
      kind: entry.kind,
    })),
  };
}

/**
 * The `GET /node/:node` answer for the node `key` in `state`, or `undefined` when it was never
 * registered (the route answers 404).
 */
export function encodeNodeResponse(state: RegistryState, key: string): NodeResponse | undefined {
  const node = getNode(state, key);
  const history = nodeHistory(state, key);
  if (node === undefined && history.length === 0) return undefined;
  const answer: NodeResponse = { height: state.height, history: history.map(encodeNodeEvent) };
  if (node !== undefined) {
    answer.node = encodeServiceNode(node);
    if (node.status === 'awaiting-contributions') {
      const minimum = minimumContribution(node, state.params);
      if (minimum !== undefined) answer.minimumContribution = minimum.toString();
      answer.openRoom = openRoom(node, state.params).toString();
    }
  }
  return answer;
}
