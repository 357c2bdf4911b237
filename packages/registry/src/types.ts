/**
 * The registry's public types: transactions, blocks, the genesis configuration, results and
 * rejection reasons, the records the queries return, and the narrow crypto interfaces it takes.
 */
import type { RegistryParams } from './params.js';
import type { PersistentMap } from './persistent-map.js';

/**
 * The cryptography the state machine needs: strict Ed25519 verification, BLAKE2b and the
 * Ed25519 → X25519 conversion. `MurmurCrypto` from `@murmur/crypto` satisfies it.
 */
export interface RegistryCrypto {
  /** Strict Ed25519 verification (libsodium's answer). */
  verify(signature: Uint8Array, message: Uint8Array, ed25519PublicKey: Uint8Array): boolean;
  /** BLAKE2b with `outputLength` bytes (default 32). */
  blake2b(data: Uint8Array, outputLength?: number, key?: Uint8Array): Uint8Array;
  /** X25519 public key of an Ed25519 public key; throws for a key that is not a valid point. */
  ed25519PublicKeyToX25519(publicKey: Uint8Array): Uint8Array;
}

/** {@link RegistryCrypto} plus Ed25519 signing, for the transaction builders. */
export interface SigningCrypto extends RegistryCrypto {
  /** Ed25519 detached signature (64 bytes) with libsodium's 64-byte secret key. */
  sign(message: Uint8Array, ed25519SecretKey: Uint8Array): Uint8Array;
}

/** An Ed25519 key pair as `@murmur/crypto` makes them (secret key in libsodium's 64-byte form). */
export interface Ed25519KeyPair {
  /** 32-byte public key. */
  publicKey: Uint8Array;
  /** 64-byte secret key (seed ‖ public key). */
  secretKey: Uint8Array;
}

/** A `[major, minor, patch]` software version. */
export type Version = readonly [number, number, number];

/** Moves coins from one wallet to another. Signed by `from`. */
export interface TransferTransaction {
  readonly type: 'transfer';
  /** Sender wallet (hex Ed25519 public key). */
  readonly from: string;
  /** Recipient wallet (hex Ed25519 public key). */
  readonly to: string;
  /** Atomic units, > 0. */
  readonly amount: bigint;
  /** The sender's nonce + 1. */
  readonly nonce: number;
  /** Ed25519 signature by `from`, hex. */
  readonly signature: string;
}

/** Mints coins into a wallet. Devnet only; signed by the genesis authority. */
export interface FaucetTransaction {
  readonly type: 'faucet';
  /** Recipient wallet. */
  readonly to: string;
  /** Atomic units, > 0, at most `params.faucetMaxAmount`. */
  readonly amount: bigint;
  /** The authority's nonce + 1. */
  readonly nonce: number;
  /** Ed25519 signature by the authority, hex. */
  readonly signature: string;
}

/** A spot held for a named contributor at registration. */
export interface Reservation {
  /** The contributor's wallet. */
  readonly address: string;
  /** The amount held for it (it must contribute at least this much). */
  readonly amount: bigint;
}

/**
 * Registers a service node: its Ed25519 key, the operator's wallet, fee and stake, and optional
 * reserved spots. Signed by the node key (`nodeSignature`) and the operator wallet
 * (`operatorSignature`) over the same bytes.
 */
export interface RegisterTransaction {
  readonly type: 'register';
  /** The node's Ed25519 public key, hex. */
  readonly node: string;
  /** The operator's wallet. */
  readonly operator: string;
  /** Operator fee in basis points (0 … 10,000) taken from each reward before the split. */
  readonly feeBasisPoints: number;
  /** The operator's stake, moved from its balance to locked. */
  readonly operatorStake: bigint;
  /** Reserved spots for named contributors (may be empty). */
  readonly reserved: readonly Reservation[];
  /** The operator's nonce + 1. */
  readonly nonce: number;
  /** Signature by the node key, hex. */
  readonly nodeSignature: string;
  /** Signature by the operator wallet, hex. */
  readonly operatorSignature: string;
}

/** Adds stake to a node awaiting contributions. Signed by the contributor. */
export interface ContributeTransaction {
  readonly type: 'contribute';
  /** The node's Ed25519 key. */
  readonly node: string;
  /** The contributor's wallet. */
  readonly contributor: string;
  /** Atomic units. */
  readonly amount: bigint;
  /** The contributor's nonce + 1. */
  readonly nonce: number;
  /** Signature by the contributor, hex. */
  readonly signature: string;
}

/**
 * Asks for a node's stakes back. On an active or decommissioned node, any contributor may ask:
 * the node exits `unlockBlocks` later and every stake returns. On a node still awaiting
 * contributions the operator cancels the registration (everyone refunded at once) and any other
 * contributor withdraws its own contribution at once.
 */
export interface RequestUnlockTransaction {
  readonly type: 'request-unlock';
  /** The node's Ed25519 key. */
  readonly node: string;
  /** The requesting contributor's wallet. */
  readonly contributor: string;
  /** The contributor's nonce + 1. */
  readonly nonce: number;
  /** Signature by the contributor, hex. */
  readonly signature: string;
}

/**
 * A node's uptime proof: where it can be reached and which version it runs. Signed by the node;
 * replay-protected by its timestamp (newer than the last accepted proof by at least
 * `uptimeProofMinGapMs`, within ± `uptimeProofTimestampToleranceMs` of the block). A node that
 * the uptime rules decommissioned is recommissioned by it; one the authority decommissioned is
 * not.
 */
export interface UptimeProofTransaction {
  readonly type: 'uptime-proof';
  /** The node's Ed25519 key. */
  readonly node: string;
  /** Dotted IPv4 address. */
  readonly ip: string;
  /** Storage RPC (HTTPS) port. */
  readonly storagePort: number;
  /** Relay (WebSocket circuits) port. */
  readonly relayPort: number;
  /** The node's software version. */
  readonly version: Version;
  /** When the proof was made, milliseconds since the Unix epoch. */
  readonly timestamp: number;
  /** Signature by the node key, hex. */
  readonly signature: string;
}

/** The state changes the authority (standing in for oxend's quorum) may order. */
export type StateChange = 'decommission' | 'recommission' | 'deregister';

/**
 * Orders a node's state change, with a reason. Signed by the genesis authority, which stands in
 * for oxend's state-change quorum in the devnet.
 */
export interface StateChangeTransaction {
  readonly type: 'state-change';
  /** The node's Ed25519 key. */
  readonly node: string;
  /** The change. */
  readonly change: StateChange;
  /** Why (free text, at most 200 characters), recorded in the node's history. */
  readonly reason: string;
  /** The authority's nonce + 1. */
  readonly nonce: number;
  /** Signature by the authority, hex. */
  readonly signature: string;
}

/**
 * Changes the staking requirement (and the operator's minimum) for registrations from this
 * block on. Signed by the genesis authority; on an EVM ledger it is derived from the contract
 * owner's `StakingRequirementUpdated`. A node registered before keeps the requirement it was
 * registered at ({@link ServiceNodeState.requirement}), as Session's contract does.
 */
export interface StakingRequirementTransaction {
  readonly type: 'staking-requirement';
  /** The new requirement, atomic units, > 0. */
  readonly stakingRequirement: bigint;
  /** The new operator minimum, atomic units, > 0 and ≤ the requirement. */
  readonly minOperatorStake: bigint;
  /** The authority's nonce + 1. */
  readonly nonce: number;
  /** Signature by the authority, hex. */
  readonly signature: string;
}

/** Every ledger transaction, discriminated by `type`. */
export type Transaction =
  | TransferTransaction
  | FaucetTransaction
  | RegisterTransaction
  | ContributeTransaction
  | RequestUnlockTransaction
  | UptimeProofTransaction
  | StateChangeTransaction
  | StakingRequirementTransaction;

/** The `type` of each transaction. */
export type TransactionType = Transaction['type'];

/** A ledger block. `hash` commits to the height, previous hash, timestamp and transaction IDs. */
export interface Block {
  /** 0 for genesis, then +1. */
  readonly height: number;
  /** Hash of the previous block; for genesis, the hash of the genesis configuration. */
  readonly previousHash: string;
  /** Milliseconds since the Unix epoch; strictly increasing. */
  readonly timestamp: number;
  /** Transactions, applied in order. */
  readonly transactions: readonly Transaction[];
  /** Hex BLAKE2b-256 of the canonical header. */
  readonly hash: string;
}

/** A coin allocation at genesis. */
export interface Allocation {
  /** Wallet. */
  readonly address: string;
  /** Atomic units. */
  readonly amount: bigint;
}

/** Everything that defines a chain before its first block. */
export interface GenesisConfig {
  /** Chain identifier, bound into every signature (1 to 64 of `[A-Za-z0-9._-]`). */
  readonly chainId: string;
  /** The rules' numbers. */
  readonly params: RegistryParams;
  /** Genesis timestamp, milliseconds since the Unix epoch. */
  readonly timestamp: number;
  /**
   * Hex Ed25519 key allowed to sign state changes and faucet transactions. It stands in for
   * oxend's state-change quorum on a devnet.
   */
  readonly authority: string;
  /** Initial balances. */
  readonly allocations?: readonly Allocation[] | undefined;
}

/** Why a transaction was refused. Stable strings: part of the API. */
export type RejectionReason =
  /** A field has the wrong type or form, or the transaction is not valid on this chain. */
  | 'malformed'
  /** A signature does not verify for the key that must sign. */
  | 'bad-signature'
  /** The nonce is not the wallet's nonce + 1 (a replay, or out of order). */
  | 'bad-nonce'
  /** The wallet's balance is smaller than the amount. */
  | 'insufficient-funds'
  /** An amount that must be positive is not, or a faucet amount above the limit. */
  | 'invalid-amount'
  /** Faucet transactions are off in this parameter set. */
  | 'faucet-disabled'
  /** The signer has no right to this transaction (not the authority, not a contributor). */
  | 'not-authorised'
  /** The node key is already registered. */
  | 'already-registered'
  /** The operator's stake is below `minOperatorStake`. */
  | 'operator-stake-too-low'
  /** Fee outside 0 … 10,000 basis points. */
  | 'invalid-fee'
  /** Reserved spots that are duplicated, name the operator, or cannot fit. */
  | 'invalid-reservation'
  /** The stake would exceed the requirement. */
  | 'over-requirement'
  /** A contribution under remaining / open slots (or under the contributor's reservation). */
  | 'below-minimum-contribution'
  /** Every contributor slot is taken. */
  | 'too-many-contributors'
  /** No such node is registered. */
  | 'unknown-node'
  /** The node is not in a state that allows this (for example contributing to an active node). */
  | 'invalid-node-state'
  /** An uptime proof not newer than the last accepted one. */
  | 'stale-uptime-proof'
  /** An uptime proof sooner than `uptimeProofMinGapMs` after the last accepted one. */
  | 'uptime-proof-too-soon'
  /** An uptime proof whose timestamp is too far from its block's. */
  | 'bad-timestamp'
  /** An uptime proof with an address that is not a usable (public, when required) IPv4. */
  | 'invalid-address'
  /** A state change that does not apply to the node's current state. */
  | 'invalid-state-change'
  /** An unlock was already requested for this node. */
  | 'already-unlocking';

/** Every rejection reason, in a stable order. */
export const REJECTION_REASONS: readonly RejectionReason[] = Object.freeze([
  'malformed',
  'bad-signature',
  'bad-nonce',
  'insufficient-funds',
  'invalid-amount',
  'faucet-disabled',
  'not-authorised',
  'already-registered',
  'operator-stake-too-low',
  'invalid-fee',
  'invalid-reservation',
  'over-requirement',
  'below-minimum-contribution',
  'too-many-contributors',
  'unknown-node',
  'invalid-node-state',
  'stale-uptime-proof',
  'uptime-proof-too-soon',
  'bad-timestamp',
  'invalid-address',
  'invalid-state-change',
  'already-unlocking',
] as const);

/** A transaction that was applied. */
export interface AcceptedTransaction {
  /** Transaction ID (hex). */
  readonly id: string;
  readonly accepted: true;
}

/** A transaction that was refused: nothing of it was applied. */
export interface RejectedTransaction {
  /** Transaction ID (hex), where the transaction was well-formed enough to compute it. */
  readonly id: string;
  readonly accepted: false;
  /** Stable reason. */
  readonly reason: RejectionReason;
  /** A sentence for people. */
  readonly message: string;
}

/** What happened to one transaction. */
export type TransactionResult = AcceptedTransaction | RejectedTransaction;

/** A node's lifecycle status while registered. */
export type ServiceNodeStatus = 'awaiting-contributions' | 'active' | 'decommissioned';

/** One contributor's stake in a node. */
export interface Contribution {
  /** Wallet. */
  readonly address: string;
  /** Atomic units contributed so far. */
  readonly amount: bigint;
  /** Atomic units reserved for it at registration (0 when none). */
  readonly reserved: bigint;
}

/** Where a node says it can be reached, from its last accepted uptime proof. */
export interface UptimeProofRecord {
  readonly ip: string;
  readonly storagePort: number;
  readonly relayPort: number;
  readonly version: Version;
  /** The proof's own timestamp (ms). */
  readonly timestamp: number;
  /** Height of the block that carried it. */
  readonly height: number;
}

/**
 * A registered node as stored in the state. Credit is not stored per block: it is computed from
 * the fields below (see {@link decommissionCredit}), so that a block touches only the nodes
 * whose record really changes.
 */
export interface ServiceNodeState {
  /** Ed25519 public key, hex. */
  readonly ed25519: string;
  /** X25519 public key, hex (libsodium's conversion of the Ed25519 key). */
  readonly x25519: string;
  /** Operator wallet. */
  readonly operator: string;
  /** Operator fee in basis points. */
  readonly feeBasisPoints: number;
  /**
   * The staking requirement it was registered at, set when the chain's requirement changes
   * after its registration; absent: the chain's current `params.stakingRequirement`.
   */
  readonly requirement?: bigint | undefined;
  /** Lifecycle status. */
  readonly status: ServiceNodeStatus;
  /** Contributors in order (the operator first); reserved spots not yet filled have amount 0. */
  readonly contributions: readonly Contribution[];
  /** Sum of the contributed amounts. */
  readonly stake: bigint;
  /** Height of the registration. */
  readonly registrationHeight: number;
  /** Height at which it became active (0 while awaiting contributions). */
  readonly activationHeight: number;
  /** Height at which it exits after an unlock request (0 = none requested). */
  readonly requestedUnlockHeight: number;
  /** Height of the last reward it earned (its activation or recommission height before that). */
  readonly lastRewardHeight: number;
  /** Last accepted uptime proof. */
  readonly uptimeProof: UptimeProofRecord | undefined;
  /**
   * Block timestamp from which missing proofs are counted: the latest of its activation, its
   * recommission and its last proof's timestamp.
   */
  readonly livenessSince: number;
  /** Credit (blocks) at `creditSinceHeight`, before what was earned since. */
  readonly creditBase: number;
  /** Height from which credit is earned (while active) or burnt (while decommissioned). */
  readonly creditSinceHeight: number;
  /** Height of the decommission (0 unless decommissioned). */
  readonly decommissionHeight: number;
  /**
   * Who decommissioned it: the uptime rules (`uptime`: a fresh proof recommissions it) or the
   * authority (`authority`: only the authority recommissions it). `undefined` unless
   * decommissioned.
   */
  readonly decommissionedBy: 'uptime' | 'authority' | undefined;
}

/** A node as the queries return it: its state plus what derives from it. */
export interface ServiceNodeRecord extends ServiceNodeState {
  /** Its swarm ({@link UNASSIGNED_SWARM_ID} unless active). */
  readonly swarmId: bigint;
  /** Decommission credit, in blocks, at the state's height (negative when exhausted). */
  readonly credit: number;
  /** Address from the last uptime proof (absent: none yet; clients must not use the node). */
  readonly ip: string | undefined;
  /** Storage RPC port from the last uptime proof. */
  readonly storagePort: number | undefined;
  /** Relay port from the last uptime proof. */
  readonly relayPort: number | undefined;
  /** Version from the last uptime proof. */
  readonly version: Version | undefined;
  /** Timestamp (ms) of the last accepted uptime proof. */
  readonly lastUptimeProofAt: number | undefined;
}

/** A locked amount in a wallet. */
export interface LockedEntry {
  /** The node it is staked in (or was, before deregistration). */
  readonly node: string;
  /** Height of that node's registration (a key may register again after it left). */
  readonly registrationHeight: number;
  /** Atomic units. */
  readonly amount: bigint;
  /**
   * Height at which it returns to the balance: 0 while staked with no unlock requested, the
   * exit height after an unlock request, the release height after a deregistration.
   */
  readonly releaseHeight: number;
  /** Why it is locked. */
  readonly kind: 'staked' | 'unlocking' | 'deregistered';
}

/** A wallet as stored. */
export interface WalletState {
  /** Spendable atomic units. */
  readonly balance: bigint;
  /** Number of transactions it has signed (the next must carry nonce + 1). */
  readonly nonce: number;
  /** Sum of `lockedEntries`. */
  readonly locked: bigint;
  /** Stakes, in order. */
  readonly lockedEntries: readonly LockedEntry[];
}

/** What {@link walletInfo} returns: a wallet, or zeros for one never seen. */
export interface WalletInfo extends WalletState {
  /** The address asked about. */
  readonly address: string;
}

/** What can happen to a node. */
export type NodeEventType =
  | 'registered'
  | 'contribution'
  | 'contribution-withdrawn'
  | 'registration-cancelled'
  | 'activated'
  | 'proof-missed'
  | 'decommissioned'
  | 'recommissioned'
  | 'unlock-requested'
  | 'exited'
  | 'deregistered'
  | 'stake-released';

/** One event in a node's history. */
export interface NodeEvent {
  /** What happened. */
  readonly type: NodeEventType;
  /** Height of the block. */
  readonly height: number;
  /** Timestamp of the block (ms). */
  readonly timestamp: number;
  /** Why (state changes, proofs missed, cancellations). */
  readonly reason?: string | undefined;
  /** The wallet concerned (contributions, unlock requests, withdrawals). */
  readonly address?: string | undefined;
  /** The amount concerned (contributions, withdrawals, releases). */
  readonly amount?: bigint | undefined;
  /** Credit (blocks) at the moment of a decommission or recommission. */
  readonly credit?: number | undefined;
}

/** A deregistered node's stakes waiting for their release height. */
export interface PendingRelease {
  /** The node. */
  readonly node: string;
  /** Its registration height. */
  readonly registrationHeight: number;
  /** Height at which the stakes return to their contributors. */
  readonly releaseHeight: number;
  /** Each contributor's amount. */
  readonly contributions: readonly { readonly address: string; readonly amount: bigint }[];
}

/** Coins created since genesis, to check that supply is conserved. */
export interface SupplyCounters {
  /** Sum of the genesis allocations. */
  readonly allocated: bigint;
  /** Minted by faucet transactions. */
  readonly faucet: bigint;
  /** Minted as block rewards. */
  readonly rewards: bigint;
}

/**
 * The registry state after a block. Immutable: {@link applyBlock} returns a new state that
 * shares every unchanged part with the old one. Read it through the query functions.
 */
export interface RegistryState {
  /** Chain identifier. */
  readonly chainId: string;
  /** The rules' numbers. */
  readonly params: RegistryParams;
  /** The authority key (hex). */
  readonly authority: string;
  /** Hash of the genesis block. */
  readonly genesisHash: string;
  /** Height of the last applied block. */
  readonly height: number;
  /** Hash of the last applied block. */
  readonly hash: string;
  /** Timestamp (ms) of the last applied block. */
  readonly timestamp: number;
  /** Wallets by address. */
  readonly wallets: PersistentMap<WalletState>;
  /** Registered nodes by Ed25519 key (deregistered and exited nodes are removed). */
  readonly nodes: PersistentMap<ServiceNodeState>;
  /** Every node's history by Ed25519 key (kept after it leaves). */
  readonly history: PersistentMap<readonly NodeEvent[]>;
  /** Swarm of each active node. */
  readonly swarmAssignment: ReadonlyMap<string, bigint>;
  /** Deregistered nodes' stakes waiting for release, in release order. */
  readonly pendingReleases: readonly PendingRelease[];
  /** Coins created since genesis. */
  readonly supply: SupplyCounters;
}
