/**
 * Schemas of the devnet ledger's routes beyond the registry's ledger API (`@murmur/registry`'s
 * `ledger-api.ts`, which the ledger serves unchanged): wallet and node views, transaction
 * status, and the devnet-only faucet and state-change routes. The server validates requests and
 * serialises answers with them; the wallet checks every answer with them.
 */
import {
  AmountSchema,
  HeightSchema,
  HexKeySchema,
  JsonServiceNodeSchema,
  TimestampSchema,
} from '@murmur/registry';
import Type, { type Static } from 'typebox';

/** Path parameters naming a wallet. */
export const AddressParamsSchema = Type.Object(
  { address: HexKeySchema },
  { additionalProperties: false },
);

/** Path parameters naming a node. */
export const NodeParamsSchema = Type.Object(
  { node: HexKeySchema },
  { additionalProperties: false },
);

/** Path parameters naming a transaction. */
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
    change: Type.Union([
      Type.Literal('decommission'),
      Type.Literal('recommission'),
      Type.Literal('deregister'),
    ]),
    reason: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
/** Body of `POST /state-change`. */
export type StateChangeRequest = Static<typeof StateChangeRequestSchema>;
