/**
 * Between the registry's objects (with `bigint` amounts) and their JSON forms (decimal strings).
 * Every decoder checks its input against the TypeBox schema first and throws an
 * {@link InvalidInputError} that names the first offending field (`details.field`).
 */
import { InvalidInputError } from '@murmur/wire';
import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import type { RegistryParams } from './params.js';
import { validateParams } from './params.js';
import {
  type JsonBlock,
  JsonBlockSchema,
  type JsonGenesisConfig,
  JsonGenesisConfigSchema,
  type JsonRegistryParams,
  JsonRegistryParamsSchema,
  type JsonTransaction,
  JsonTransactionSchemas,
} from './schemas.js';
import type { Block, GenesisConfig, Transaction, TransactionType, Version } from './types.js';

type AnyValidator = Validator<Record<string, never>, TSchema>;

/** What the codec needs of a compiled schema. */
export interface SchemaValidator {
  Check(value: unknown): boolean;
  Errors(value: unknown): ReturnType<AnyValidator['Errors']>;
}

/**
 * A validator compiled on first use: compiling every transaction and block schema when the module
 * loads slowed the start of every process that imports the registry.
 */
function compile(schema: TSchema): SchemaValidator {
  let validator: AnyValidator | undefined;
  const compiled = (): AnyValidator => {
    validator ??= Compile(schema) as unknown as AnyValidator;
    return validator;
  };
  return Object.freeze({
    Check: (value: unknown) => compiled().Check(value),
    Errors: (value: unknown) => compiled().Errors(value),
  });
}

const transactionValidators: Readonly<Record<TransactionType, SchemaValidator>> = Object.freeze({
  transfer: compile(JsonTransactionSchemas.transfer),
  faucet: compile(JsonTransactionSchemas.faucet),
  register: compile(JsonTransactionSchemas.register),
  contribute: compile(JsonTransactionSchemas.contribute),
  'request-unlock': compile(JsonTransactionSchemas['request-unlock']),
  'uptime-proof': compile(JsonTransactionSchemas['uptime-proof']),
  'state-change': compile(JsonTransactionSchemas['state-change']),
  'staking-requirement': compile(JsonTransactionSchemas['staking-requirement']),
});

const blockHeaderValidator = compile({
  ...JsonBlockSchema,
  properties: { ...JsonBlockSchema.properties, transactions: { type: 'array', maxItems: 100_000 } },
} as TSchema);
const paramsValidator = compile(JsonRegistryParamsSchema);
const genesisValidator = compile(JsonGenesisConfigSchema);

/** The transaction types, in a stable order. */
export const TRANSACTION_TYPES: readonly TransactionType[] = Object.freeze(
  Object.keys(transactionValidators) as TransactionType[],
);

/**
 * Throws an {@link InvalidInputError} naming the first field of `value` that `validator` refuses
 * (as a path like `transactions/3/amount`), or returns when the value is valid.
 */
export function assertSchema(
  validator: SchemaValidator,
  value: unknown,
  what: string,
  prefix = '',
): void {
  if (validator.Check(value)) return;
  const errors = validator.Errors(value);
  const first =
    errors.find((error) => error.keyword !== 'boolean' && error.keyword !== 'anyOf') ?? errors[0];
  let field = `${prefix}${first?.instancePath ?? ''}`.replace(/^\//, '');
  const params = first?.params as
    | { additionalProperties?: unknown; requiredProperties?: unknown }
    | undefined;
  const named =
    first?.keyword === 'additionalProperties'
      ? params?.additionalProperties
      : first?.keyword === 'required'
        ? params?.requiredProperties
        : undefined;
  if (Array.isArray(named) && named.length > 0) {
    field = [field, String(named[0])].filter((part) => part !== '').join('/');
  }
  const where = field === '' ? what : `${what} field ${field}`;
  throw new InvalidInputError(`${where} ${first?.message ?? 'is invalid'}`, {
    details: { field: field === '' ? what : field },
  });
}

/** Compiles a TypeBox schema into a validator usable with {@link assertSchema}. */
export function compileSchema(schema: TSchema): SchemaValidator {
  return compile(schema);
}

function amountText(value: unknown, field: string): string {
  if (typeof value !== 'bigint' || value < 0n) {
    throw new InvalidInputError(`${field} must be a bigint ≥ 0`, { details: { field } });
  }
  return value.toString();
}

/**
 * The JSON form of a transaction (amounts as decimal strings). Throws {@link InvalidInputError}
 * where an amount is not a non-negative `bigint`; other fields are checked by the decoder.
 */
export function encodeTransaction(tx: Transaction): JsonTransaction {
  switch (tx.type) {
    case 'transfer':
      return {
        type: tx.type,
        from: tx.from,
        to: tx.to,
        amount: amountText(tx.amount, 'amount'),
        nonce: tx.nonce,
        signature: tx.signature,
      };
    case 'faucet':
      return {
        type: tx.type,
        to: tx.to,
        amount: amountText(tx.amount, 'amount'),
        nonce: tx.nonce,
        signature: tx.signature,
      };
    case 'register':
      return {
        type: tx.type,
        node: tx.node,
        operator: tx.operator,
        feeBasisPoints: tx.feeBasisPoints,
        operatorStake: amountText(tx.operatorStake, 'operatorStake'),
        reserved: tx.reserved.map((spot, index) => ({
          address: spot.address,
          amount: amountText(spot.amount, `reserved/${index}/amount`),
        })),
        nonce: tx.nonce,
        nodeSignature: tx.nodeSignature,
        operatorSignature: tx.operatorSignature,
      };
    case 'contribute':
      return {
        type: tx.type,
        node: tx.node,
        contributor: tx.contributor,
        amount: amountText(tx.amount, 'amount'),
        nonce: tx.nonce,
        signature: tx.signature,
      };
    case 'request-unlock':
      return {
        type: tx.type,
        node: tx.node,
        contributor: tx.contributor,
        nonce: tx.nonce,
        signature: tx.signature,
      };
    case 'uptime-proof':
      return {
        type: tx.type,
        node: tx.node,
        ip: tx.ip,
        storagePort: tx.storagePort,
        relayPort: tx.relayPort,
        version: Array.isArray(tx.version)
          ? [tx.version[0], tx.version[1], tx.version[2]]
          : (tx.version as never),
        timestamp: tx.timestamp,
        signature: tx.signature,
      };
    case 'state-change':
      return {
        type: tx.type,
        node: tx.node,
        change: tx.change,
        reason: tx.reason,
        nonce: tx.nonce,
        signature: tx.signature,
      };
    case 'staking-requirement':
      return {
        type: tx.type,
        stakingRequirement: amountText(tx.stakingRequirement, 'stakingRequirement'),
        minOperatorStake: amountText(tx.minOperatorStake, 'minOperatorStake'),
        nonce: tx.nonce,
        signature: tx.signature,
      };
    default:
      throw new InvalidInputError('unknown transaction type', { details: { field: 'type' } });
  }
}

/**
 * A transaction from its JSON form (a parsed JSON value, e.g. a request body). Throws
 * {@link InvalidInputError} naming the field for anything that does not match the schema.
 */
export function decodeTransaction(json: unknown, field = 'transaction'): Transaction {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidInputError(`${field} must be a JSON object`, { details: { field } });
  }
  const type = (json as { type?: unknown }).type;
  const validator =
    typeof type === 'string' && Object.hasOwn(transactionValidators, type)
      ? transactionValidators[type as TransactionType]
      : undefined;
  if (validator === undefined) {
    const path = field === 'transaction' ? 'type' : `${field}/type`;
    throw new InvalidInputError(`${field} type must be one of ${TRANSACTION_TYPES.join(', ')}`, {
      details: { field: path },
    });
  }
  assertSchema(validator, json, field, field === 'transaction' ? '' : field);
  const tx = json as JsonTransaction;
  switch (tx.type) {
    case 'transfer':
      return Object.freeze({ ...tx, amount: BigInt(tx.amount) });
    case 'faucet':
      return Object.freeze({ ...tx, amount: BigInt(tx.amount) });
    case 'register':
      return Object.freeze({
        ...tx,
        operatorStake: BigInt(tx.operatorStake),
        reserved: Object.freeze(
          tx.reserved.map((spot) =>
            Object.freeze({ address: spot.address, amount: BigInt(spot.amount) }),
          ),
        ),
      });
    case 'contribute':
      return Object.freeze({ ...tx, amount: BigInt(tx.amount) });
    case 'request-unlock':
      return Object.freeze({ ...tx });
    case 'uptime-proof':
      return Object.freeze({
        ...tx,
        version: Object.freeze([tx.version[0], tx.version[1], tx.version[2]]) as Version,
      });
    case 'state-change':
      return Object.freeze({ ...tx });
    case 'staking-requirement':
      return Object.freeze({
        ...tx,
        stakingRequirement: BigInt(tx.stakingRequirement),
        minOperatorStake: BigInt(tx.minOperatorStake),
      });
  }
}

/** Whether `json` matches the schema of its transaction type (no exception, no detail). */
export function isValidJsonTransaction(json: unknown): json is JsonTransaction {
  if (typeof json !== 'object' || json === null) return false;
  const type = (json as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(transactionValidators, type)) return false;
  return transactionValidators[type as TransactionType].Check(json);
}

/** The JSON form of a block. */
export function encodeBlock(block: Block): JsonBlock {
  return {
    height: block.height,
    previousHash: block.previousHash,
    timestamp: block.timestamp,
    transactions: block.transactions.map(encodeTransaction),
    hash: block.hash,
  };
}

/**
 * A block from its JSON form. Checks the shape and every transaction's schema (not the hash:
 * {@link applyBlock} does that against the state).
 */
export function decodeBlock(json: unknown, field = 'block'): Block {
  assertSchema(blockHeaderValidator, json, field);
  const block = json as JsonBlock;
  const prefix = field === 'block' ? '' : `${field}/`;
  const transactions = block.transactions.map((tx, index) =>
    decodeTransaction(tx, `${prefix}transactions/${index}`),
  );
  return Object.freeze({
    height: block.height,
    previousHash: block.previousHash,
    timestamp: block.timestamp,
    transactions: Object.freeze(transactions),
    hash: block.hash,
  });
}

/** The JSON form of a parameter set. */
export function encodeParams(params: RegistryParams): JsonRegistryParams {
  const json: JsonRegistryParams = {
    name: params.name,
    blockTimeMs: params.blockTimeMs,
    stakingRequirement: params.stakingRequirement.toString(),
    minOperatorStake: params.minOperatorStake.toString(),
    maxContributors: params.maxContributors,
    unlockBlocks: params.unlockBlocks,
    deregistrationLockBlocks: params.deregistrationLockBlocks,
    uptimeProofIntervalMs: params.uptimeProofIntervalMs,
    uptimeProofValidityMs: params.uptimeProofValidityMs,
    uptimeProofMinGapMs: params.uptimeProofMinGapMs,
    uptimeProofTimestampToleranceMs: params.uptimeProofTimestampToleranceMs,
    requirePublicIp: params.requirePublicIp,
    decommissionCreditInitialBlocks: params.decommissionCreditInitialBlocks,
    decommissionMinimumCreditBlocks: params.decommissionMinimumCreditBlocks,
    decommissionCreditEarnBlocksPerBlock: {
      numerator: params.decommissionCreditEarnBlocksPerBlock.numerator,
      denominator: params.decommissionCreditEarnBlocksPerBlock.denominator,
    },
    decommissionCreditMaxBlocks: params.decommissionCreditMaxBlocks,
    rewardPerBlock: params.rewardPerBlock.toString(),
    faucetEnabled: params.faucetEnabled,
    maxTransactionsPerBlock: params.maxTransactionsPerBlock,
  };
  if (params.faucetMaxAmount !== undefined)
    json.faucetMaxAmount = params.faucetMaxAmount.toString();
  return json;
}

/** A parameter set from its JSON form; checked with the schema and {@link validateParams}. */
export function decodeParams(json: unknown, field = 'params'): RegistryParams {
  assertSchema(paramsValidator, json, field);
  const value = json as JsonRegistryParams;
  const params: RegistryParams = {
    ...value,
    stakingRequirement: BigInt(value.stakingRequirement),
    minOperatorStake: BigInt(value.minOperatorStake),
    decommissionCreditEarnBlocksPerBlock: Object.freeze({
      ...value.decommissionCreditEarnBlocksPerBlock,
    }),
    rewardPerBlock: BigInt(value.rewardPerBlock),
    faucetMaxAmount:
      value.faucetMaxAmount === undefined ? undefined : BigInt(value.faucetMaxAmount),
  };
  validateParams(params);
  return Object.freeze(params);
}

/** The JSON form of a genesis configuration. */
export function encodeGenesis(config: GenesisConfig): JsonGenesisConfig {
  const json: JsonGenesisConfig = {
    chainId: config.chainId,
    params: encodeParams(config.params),
    timestamp: config.timestamp,
    authority: config.authority,
  };
  if (config.allocations !== undefined) {
    json.allocations = config.allocations.map((allocation) => ({
      address: allocation.address,
      amount: allocation.amount.toString(),
    }));
  }
  return json;
}

/** A genesis configuration from its JSON form. */
export function decodeGenesis(json: unknown, field = 'genesis'): GenesisConfig {
  assertSchema(genesisValidator, json, field);
  const value = json as JsonGenesisConfig;
  return Object.freeze({
    chainId: value.chainId,
    params: decodeParams(value.params, `${field}/params`),
    timestamp: value.timestamp,
    authority: value.authority,
    allocations:
      value.allocations === undefined
        ? undefined
        : Object.freeze(
            value.allocations.map((allocation) =>
              Object.freeze({ address: allocation.address, amount: BigInt(allocation.amount) }),
            ),
          ),
  });
}
