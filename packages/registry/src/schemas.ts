/**
 * TypeBox schemas of the JSON forms of transactions, blocks, parameter sets and genesis
 * configurations. Amounts travel as decimal strings; keys, hashes and signatures as lower-case
 * hex. Every schema forbids unknown properties. The same schemas serve the ledger server (route
 * validation) and its clients (response validation).
 */
import Type, { type Static, type TSchema } from 'typebox';

/** Lower-case hex of a 32-byte key or hash. */
export const HexKeySchema = Type.String({ pattern: '^[0-9a-f]{64}$', maxLength: 64 });
/** Lower-case hex of a 64-byte Ed25519 signature. */
export const HexSignatureSchema = Type.String({ pattern: '^[0-9a-f]{128}$', maxLength: 128 });
/** A non-negative integer amount of atomic units as a decimal string (no sign, no leading zero). */
export const AmountSchema = Type.String({ pattern: '^(0|[1-9][0-9]{0,35})$', maxLength: 36 });
/** A chain identifier: 1 to 64 of `[A-Za-z0-9._-]`. */
export const ChainIdSchema = Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', maxLength: 64 });
/** A nonce: a non-negative safe integer. */
export const NonceSchema = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** A height: a non-negative safe integer. */
export const HeightSchema = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** A timestamp in milliseconds since the Unix epoch. */
export const TimestampSchema = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** A TCP port. */
export const PortSchema = Type.Integer({ minimum: 1, maximum: 65_535 });

/** JSON form of a transfer. */
export const JsonTransferTransactionSchema = Type.Object(
  {
    type: Type.Literal('transfer'),
    from: HexKeySchema,
    to: HexKeySchema,
    amount: AmountSchema,
    nonce: NonceSchema,
    signature: HexSignatureSchema,
  },
  { additionalProperties: false },
);

/** JSON form of a faucet transaction. */
export const JsonFaucetTransactionSchema = Type.Object(
  {
    type: Type.Literal('faucet'),
    to: HexKeySchema,
    amount: AmountSchema,
    nonce: NonceSchema,
    signature: HexSignatureSchema,
  },
  { additionalProperties: false },
);

/** JSON form of a reserved spot. */
export const JsonReservationSchema = Type.Object(
  { address: HexKeySchema, amount: AmountSchema },
  { additionalProperties: false },
);

/** JSON form of a registration. */
export const JsonRegisterTransactionSchema = Type.Object(
  {
    type: Type.Literal('register'),
    node: HexKeySchema,
    operator: HexKeySchema,
    feeBasisPoints: Type.Integer({ minimum: 0, maximum: 4_294_967_295 }),
    operatorStake: AmountSchema,
    reserved: Type.Array(JsonReservationSchema, { maxItems: 64 }),
    nonce: NonceSchema,
    nodeSignature: HexSignatureSchema,
    operatorSignature: HexSignatureSchema,
  },
  { additionalProperties: false },
);

/** JSON form of a contribution. */
export const JsonContributeTransactionSchema = Type.Object(
  {
    type: Type.Literal('contribute'),
    node: HexKeySchema,
    contributor: HexKeySchema,
    amount: AmountSchema,
    nonce: NonceSchema,
    signature: HexSignatureSchema,
  },
  { additionalProperties: false },
);

/** JSON form of an unlock request. */
export const JsonRequestUnlockTransactionSchema = Type.Object(
  {
    type: Type.Literal('request-unlock'),
    node: HexKeySchema,
    contributor: HexKeySchema,
    nonce: NonceSchema,
    signature: HexSignatureSchema,
  },
  { additionalProperties: false },
);

/** A `[major, minor, patch]` version. */
export const VersionSchema = Type.Tuple([
  Type.Integer({ minimum: 0, maximum: 65_535 }),
  Type.Integer({ minimum: 0, maximum: 65_535 }),
  Type.Integer({ minimum: 0, maximum: 65_535 }),
]);

/** JSON form of an uptime proof. */
export const JsonUptimeProofTransactionSchema = Type.Object(
  {
    type: Type.Literal('uptime-proof'),
    node: HexKeySchema,
    ip: Type.String({ minLength: 7, maxLength: 15 }),
    storagePort: PortSchema,
    relayPort: PortSchema,
    version: VersionSchema,
    timestamp: TimestampSchema,
    signature: HexSignatureSchema,
  },
  { additionalProperties: false },
);

/** A {@link StateChange}: what the authority orders for a node. */
export const StateChangeSchema = Type.Union([
  Type.Literal('decommission'),
  Type.Literal('recommission'),
  Type.Literal('deregister'),
]);

/** The longest reason a state change carries. */
export const STATE_CHANGE_REASON_MAX_LENGTH = 200;

/** JSON form of a state change. */
export const JsonStateChangeTransactionSchema = Type.Object(
  {
    type: Type.Literal('state-change'),
    node: HexKeySchema,
    change: StateChangeSchema,
    reason: Type.String({ maxLength: STATE_CHANGE_REASON_MAX_LENGTH }),
    nonce: NonceSchema,
    signature: HexSignatureSchema,
  },
  { additionalProperties: false },
);

/** JSON form of a staking requirement change. */
export const JsonStakingRequirementTransactionSchema = Type.Object(
  {
    type: Type.Literal('staking-requirement'),
    stakingRequirement: AmountSchema,
    minOperatorStake: AmountSchema,
    nonce: NonceSchema,
    signature: HexSignatureSchema,
  },
  { additionalProperties: false },
);

/** Each transaction type's JSON schema, by `type`. */
export const JsonTransactionSchemas = {
  transfer: JsonTransferTransactionSchema,
  faucet: JsonFaucetTransactionSchema,
  register: JsonRegisterTransactionSchema,
  contribute: JsonContributeTransactionSchema,
  'request-unlock': JsonRequestUnlockTransactionSchema,
  'uptime-proof': JsonUptimeProofTransactionSchema,
  'state-change': JsonStateChangeTransactionSchema,
  'staking-requirement': JsonStakingRequirementTransactionSchema,
} as const satisfies Record<string, TSchema>;

/** JSON form of any transaction (for route schemas; the decoder dispatches on `type` itself). */
export const JsonTransactionSchema = Type.Union([
  JsonTransferTransactionSchema,
  JsonFaucetTransactionSchema,
  JsonRegisterTransactionSchema,
  JsonContributeTransactionSchema,
  JsonRequestUnlockTransactionSchema,
  JsonUptimeProofTransactionSchema,
  JsonStateChangeTransactionSchema,
  JsonStakingRequirementTransactionSchema,
]);

/** JSON form of a transfer. */
export type JsonTransferTransaction = Static<typeof JsonTransferTransactionSchema>;
/** JSON form of a faucet transaction. */
export type JsonFaucetTransaction = Static<typeof JsonFaucetTransactionSchema>;
/** JSON form of a registration. */
export type JsonRegisterTransaction = Static<typeof JsonRegisterTransactionSchema>;
/** JSON form of a contribution. */
export type JsonContributeTransaction = Static<typeof JsonContributeTransactionSchema>;
/** JSON form of an unlock request. */
export type JsonRequestUnlockTransaction = Static<typeof JsonRequestUnlockTransactionSchema>;
/** JSON form of an uptime proof. */
export type JsonUptimeProofTransaction = Static<typeof JsonUptimeProofTransactionSchema>;
/** JSON form of a state change. */
export type JsonStateChangeTransaction = Static<typeof JsonStateChangeTransactionSchema>;
/** JSON form of a staking requirement change. */
export type JsonStakingRequirementTransaction = Static<
  typeof JsonStakingRequirementTransactionSchema
>;
/** JSON form of any transaction. */
export type JsonTransaction =
  | JsonTransferTransaction
  | JsonFaucetTransaction
  | JsonRegisterTransaction
  | JsonContributeTransaction
  | JsonRequestUnlockTransaction
  | JsonUptimeProofTransaction
  | JsonStateChangeTransaction
  | JsonStakingRequirementTransaction;

/** JSON form of a block. */
export const JsonBlockSchema = Type.Object(
  {
    height: HeightSchema,
    previousHash: HexKeySchema,
    timestamp: TimestampSchema,
    transactions: Type.Array(JsonTransactionSchema, { maxItems: 100_000 }),
    hash: HexKeySchema,
  },
  { additionalProperties: false },
);

/** JSON form of a block. */
export interface JsonBlock {
  height: number;
  previousHash: string;
  timestamp: number;
  transactions: JsonTransaction[];
  hash: string;
}

const BlockCountSchema = Type.Integer({ minimum: 0, maximum: 10_000_000 });

/** JSON form of a parameter set (amounts as decimal strings). */
export const JsonRegistryParamsSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    blockTimeMs: Type.Integer({ minimum: 1, maximum: 86_400_000 }),
    stakingRequirement: AmountSchema,
    minOperatorStake: AmountSchema,
    maxContributors: Type.Integer({ minimum: 1, maximum: 64 }),
    unlockBlocks: BlockCountSchema,
    deregistrationLockBlocks: BlockCountSchema,
    uptimeProofIntervalMs: TimestampSchema,
    uptimeProofValidityMs: TimestampSchema,
    uptimeProofMinGapMs: TimestampSchema,
    uptimeProofTimestampToleranceMs: TimestampSchema,
    requirePublicIp: Type.Boolean(),
    decommissionCreditInitialBlocks: BlockCountSchema,
    decommissionMinimumCreditBlocks: BlockCountSchema,
    decommissionCreditEarnBlocksPerBlock: Type.Object(
      {
        numerator: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
        denominator: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      },
      { additionalProperties: false },
    ),
    decommissionCreditMaxBlocks: BlockCountSchema,
    rewardPerBlock: AmountSchema,
    faucetEnabled: Type.Boolean(),
    faucetMaxAmount: Type.Optional(AmountSchema),
    maxTransactionsPerBlock: Type.Integer({ minimum: 1, maximum: 100_000 }),
  },
  { additionalProperties: false },
);

/** JSON form of a parameter set. */
export type JsonRegistryParams = Static<typeof JsonRegistryParamsSchema>;

/** JSON form of a genesis allocation. */
export const JsonAllocationSchema = Type.Object(
  { address: HexKeySchema, amount: AmountSchema },
  { additionalProperties: false },
);

/** JSON form of a genesis configuration. */
export const JsonGenesisConfigSchema = Type.Object(
  {
    chainId: ChainIdSchema,
    params: JsonRegistryParamsSchema,
    timestamp: TimestampSchema,
    authority: HexKeySchema,
    allocations: Type.Optional(Type.Array(JsonAllocationSchema, { maxItems: 1_000_000 })),
  },
  { additionalProperties: false },
);

/** JSON form of a genesis configuration. */
export type JsonGenesisConfig = Static<typeof JsonGenesisConfigSchema>;
