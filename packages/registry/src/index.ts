/**
 * @packageDocumentation
 * `@murmur/registry`: Murmur's staking registry. The rules (Oxen's, by default) as a pure,
 * deterministic state machine over ledger blocks: wallets and transfers, node registrations
 * with pooled contributions, unlocks, uptime proofs, decommission credits, state changes,
 * per-block rewards and swarm assignment; the queries that nodes and clients need (active
 * nodes with keys, address, ports, swarm and stake; wallets; node histories); and the
 * {@link LedgerSource} interface, an in-process ledger, and a follower that keeps a state up to
 * date.
 *
 * Reading and writing key files (wallets, murmur-node's key file) is Node-only and lives in the
 * `@murmur/registry/key-files` subpath; the devnet ledger's HTTP API (its schemas, the
 * `httpLedgerSource` client, nonce and inclusion helpers) lives in `@murmur/registry/ledger-http`;
 * this entry stays browser-safe and small.
 *
 * Everything that can be refused is refused with a stable reason string
 * ({@link RejectionReason}); a block is applied whole or, if its header is wrong, not at all
 * ({@link InvalidBlockError}).
 *
 * @example
 * ```ts
 * import { loadCrypto } from '@murmur/crypto';
 * import {
 *   activeNodes, applyBlock, ATOMIC_UNITS_PER_COIN as COIN, createBlock, createGenesis,
 *   createRegistration, devnetParams,
 * } from '@murmur/registry';
 * import { bytesToHex } from '@murmur/wire';
 *
 * const crypto = await loadCrypto();
 * const newKey = () => crypto.ed25519KeyPairFromSeed(crypto.randomBytes(32));
 * const [authority, operator, node] = [newKey(), newKey(), newKey()];
 * const chainId = 'my-devnet';
 * const { block: genesis, state } = createGenesis({
 *   chainId,
 *   params: devnetParams,
 *   timestamp: Date.now(),
 *   authority: bytesToHex(authority.publicKey),
 *   allocations: [{ address: bytesToHex(operator.publicKey), amount: 100n * COIN }],
 * }, crypto);
 *
 * const register = createRegistration(
 *   { chainId, feeBasisPoints: 500, operatorStake: 100n * COIN, nonce: 1 },
 *   { node, operator },
 *   crypto,
 * );
 * const block = createBlock({
 *   height: 1, previousHash: genesis.hash, timestamp: genesis.timestamp + 1_000, transactions: [register],
 * }, crypto);
 * const { state: next, results } = applyBlock(state, block, crypto);
 * results[0];        // { id: '…', accepted: true }
 * activeNodes(next); // [{ ed25519: '…', status: 'active', stake: 100000000000n, swarmId: 0n, … }]
 * ```
 */
export { formatCoins, parseCoins } from './amounts.js';
export {
  type ApplyBlockResult,
  type ApplyOptions,
  applyBlock,
  applyTransaction,
  type BlockTime,
  checkTransaction,
  minimumContribution,
  openRoom,
} from './apply.js';
export {
  type BlockHeader,
  blockHash,
  type CreateBlockInput,
  createBlock,
  createGenesis,
} from './block.js';
export {
  type CanonicalValue,
  canonicalJson,
} from './canonical.js';
export {
  decodeBlock,
  decodeGenesis,
  decodeParams,
  decodeTransaction,
  encodeBlock,
  encodeGenesis,
  encodeParams,
  encodeTransaction,
} from './codec.js';
export { type BlockRejectionReason, InvalidBlockError } from './errors.js';
export {
  createRegistryFollower,
  type RegistryFollower,
  type RegistryFollowerComponents,
  type RegistryFollowerEvents,
  type RegistryFollowerInit,
} from './follower.js';
export { isPublicIpv4, parseIpv4 } from './ip.js';
export type { GetBlocksOptions, LedgerSource } from './ledger-source.js';
export {
  createMemoryLedger,
  type MemoryLedger,
  type MemoryLedgerComponents,
  type MemoryLedgerInit,
  type ProducedBlock,
} from './memory-ledger.js';
export {
  ATOMIC_UNITS_PER_COIN,
  BLOCK_COUNTED_PARAMS,
  devnetParams,
  oxenParams,
  parameterSets,
  type Rational,
  type RegistryParams,
  resolveParams,
  scaleParamsToBlockTime,
} from './params.js';
export { MapDraft, PersistentMap } from './persistent-map.js';
export {
  activeNodes,
  checkStateInvariants,
  getNode,
  listNodes,
  type NodeFilter,
  nextNonce,
  nodeHistory,
  stateDigest,
  swarms,
  walletInfo,
} from './queries.js';
export {
  type JsonBlock,
  type JsonContributeTransaction,
  JsonContributeTransactionSchema,
  type JsonFaucetTransaction,
  JsonFaucetTransactionSchema,
  type JsonGenesisConfig,
  JsonGenesisConfigSchema,
  type JsonRegisterTransaction,
  JsonRegisterTransactionSchema,
  type JsonRegistryParams,
  JsonRegistryParamsSchema,
  type JsonRequestUnlockTransaction,
  JsonRequestUnlockTransactionSchema,
  type JsonStakingRequirementTransaction,
  JsonStakingRequirementTransactionSchema,
  type JsonStateChangeTransaction,
  JsonStateChangeTransactionSchema,
  type JsonTransaction,
  type JsonTransferTransaction,
  JsonTransferTransactionSchema,
  type JsonUptimeProofTransaction,
  JsonUptimeProofTransactionSchema,
} from './schemas.js';
export {
  type ContributionInit,
  createContribution,
  createFaucet,
  createRegistration,
  createStakingRequirementChange,
  createStateChange,
  createTransfer,
  createUnlockRequest,
  createUptimeProof,
  type FaucetInit,
  type RegistrationInit,
  requiredSigners,
  type StakingRequirementInit,
  type StateChangeInit,
  type TransactionInit,
  type TransferInit,
  transactionId,
  transactionSigningBytes,
  type UnlockRequestInit,
  type UptimeProofInit,
} from './transactions.js';
export {
  type AcceptedTransaction,
  type Allocation,
  type Block,
  type ContributeTransaction,
  type Contribution,
  type Ed25519KeyPair,
  type FaucetTransaction,
  type GenesisConfig,
  type LockedEntry,
  type NodeEvent,
  type NodeEventType,
  type PendingRelease,
  REJECTION_REASONS,
  type RegisterTransaction,
  type RegistryCrypto,
  type RegistryState,
  type RejectedTransaction,
  type RejectionReason,
  type RequestUnlockTransaction,
  type Reservation,
  type ServiceNodeRecord,
  type ServiceNodeState,
  type ServiceNodeStatus,
  type SigningCrypto,
  type StakingRequirementTransaction,
  type StateChange,
  type StateChangeTransaction,
  type SupplyCounters,
  type Transaction,
  type TransactionResult,
  type TransferTransaction,
  type UptimeProofRecord,
  type UptimeProofTransaction,
  type Version,
  type WalletInfo,
  type WalletState,
} from './types.js';
