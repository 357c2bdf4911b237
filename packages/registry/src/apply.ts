/**
 * The state machine: {@link applyBlock} and, for ledgers' mempools, {@link applyTransaction} and
 * {@link checkTransaction}.
 *
 * A block is applied in this order:
 * 1. the header is checked (height, previous hash, timestamp, size, hash); a bad header throws
 *    {@link InvalidBlockError} and nothing is applied;
 * 2. each transaction, in order, against the state as the previous ones left it: schema,
 *    signature(s), nonce, then the rules; a refused transaction changes nothing at all;
 * 3. nodes whose unlock height has come exit, and their stakes return;
 * 4. uptime is judged: an active node without a valid proof for `uptimeProofValidityMs` is
 *    decommissioned if its credit reaches `decommissionMinimumCreditBlocks`, else deregistered;
 *    a decommissioned node whose credit fell below zero is deregistered;
 * 5. deregistered stakes whose lock ended return to their contributors;
 * 6. the reward leader (oldest `(lastRewardHeight, activationHeight, ed25519)`) is paid;
 * 7. if the active set changed, swarms are recomputed with the block hash as randomness.
 *
 * Pure and deterministic: no clock, no randomness, nothing mutated (the state's maps are
 * persistent: a block copies only the shards it writes).
 */
import { assignSwarms } from '@murmur/swarm';
import { bytesToHex, hexToBytes, InvalidInputError } from '@murmur/wire';
import { blockHash } from './block.js';
import { encodeTransaction, isValidJsonTransaction } from './codec.js';
import { InvalidBlockError } from './errors.js';
import { isPublicIpv4, isUsableIpv4, parseIpv4 } from './ip.js';
import type { RegistryParams } from './params.js';
import { compareStrings, type MapDraft } from './persistent-map.js';
import type { JsonTransaction } from './schemas.js';
import { signingBytesOfJson, transactionIdOfJson, verifySignaturesOver } from './transactions.js';
import type {
  Block,
  ContributeTransaction,
  Contribution,
  FaucetTransaction,
  LockedEntry,
  NodeEvent,
  PendingRelease,
  RegisterTransaction,
  RegistryCrypto,
  RegistryState,
  RejectionReason,
  RequestUnlockTransaction,
  ServiceNodeState,
  StakingRequirementTransaction,
  StateChangeTransaction,
  SupplyCounters,
  Transaction,
  TransactionResult,
  TransferTransaction,
  UptimeProofTransaction,
  WalletState,
} from './types.js';

/** Basis points in a whole. */
export const BASIS_POINTS = 10_000;

/** Options of {@link applyBlock} and {@link applyTransaction}. */
export interface ApplyOptions {
  /**
   * Check signatures (default true). Turn off only to replay blocks this process produced or
   * verified itself (a ledger reloading its own database): every other rule still runs.
   */
  verifySignatures?: boolean | undefined;
}

/** The block a transaction is checked for: its height and timestamp (ms). */
export interface BlockTime {
  height: number;
  timestamp: number;
}

/** What {@link applyBlock} returns. */
export interface ApplyBlockResult {
  /** The state after the block (a new object; the input state is unchanged). */
  state: RegistryState;
  /** One result per transaction, in block order. */
  results: TransactionResult[];
}

/** A transaction refused by a rule; thrown inside the validation phase only. */
class Rejection {
  constructor(
    readonly reason: RejectionReason,
    readonly message: string,
  ) {}
}

function reject(reason: RejectionReason, message: string): never {
  throw new Rejection(reason, message);
}

const EMPTY_WALLET: WalletState = Object.freeze({
  balance: 0n,
  nonce: 0,
  locked: 0n,
  lockedEntries: Object.freeze([]) as readonly LockedEntry[],
});

/** The working copy of one block's (or one transaction's) changes. */
interface Context {
  /** Changed by a staking requirement transaction (from the next transaction on). */
  params: RegistryParams;
  readonly chainId: string;
  readonly authority: string;
  readonly crypto: RegistryCrypto;
  readonly verifySignatures: boolean;
  readonly height: number;
  readonly timestamp: number;
  readonly wallets: MapDraft<WalletState>;
  readonly nodes: MapDraft<ServiceNodeState>;
  readonly history: MapDraft<readonly NodeEvent[]>;
  pendingReleases: readonly PendingRelease[];
  supply: SupplyCounters;
  activeSetChanged: boolean;
}

function openContext(
  state: RegistryState,
  at: BlockTime,
  crypto: RegistryCrypto,
  options: ApplyOptions,
): Context {
  return {
    params: state.params,
    chainId: state.chainId,
    authority: state.authority,
    crypto,
    verifySignatures: options.verifySignatures !== false,
    height: at.height,
    timestamp: at.timestamp,
    wallets: state.wallets.draft(),
    nodes: state.nodes.draft(),
    history: state.history.draft(),
    pendingReleases: state.pendingReleases,
    supply: state.supply,
    activeSetChanged: false,
  };
}

function closeContext(
  state: RegistryState,
  ctx: Context,
  header: { height: number; hash: string; timestamp: number },
  swarmAssignment: ReadonlyMap<string, bigint>,
): RegistryState {
  return Object.freeze({
    chainId: state.chainId,
    params: ctx.params,
    authority: state.authority,
    genesisHash: state.genesisHash,
    height: header.height,
    hash: header.hash,
    timestamp: header.timestamp,
    wallets: ctx.wallets.commit(),
    nodes: ctx.nodes.commit(),
    history: ctx.history.commit(),
    swarmAssignment,
    pendingReleases: ctx.pendingReleases,
    supply: ctx.supply,
  });
}

// ---------------------------------------------------------------------------------------------
// Wallet helpers (mutation phase only)

function walletOf(ctx: Context, address: string): WalletState {
  return ctx.wallets.get(address) ?? EMPTY_WALLET;
}

function putWallet(ctx: Context, address: string, wallet: WalletState): void {
  ctx.wallets.set(address, Object.freeze(wallet));
}

function addBalance(ctx: Context, address: string, amount: bigint): void {
  if (amount === 0n) return;
  const wallet = walletOf(ctx, address);
  putWallet(ctx, address, { ...wallet, balance: wallet.balance + amount });
}

function bumpNonce(ctx: Context, address: string): void {
  const wallet = walletOf(ctx, address);
  putWallet(ctx, address, { ...wallet, nonce: wallet.nonce + 1 });
}

function sameStake(entry: LockedEntry, node: ServiceNodeState): boolean {
  return entry.node === node.ed25519 && entry.registrationHeight === node.registrationHeight;
}

/** Moves `amount` from `address`'s balance into its stake in `node`. */
function lockStake(ctx: Context, address: string, node: ServiceNodeState, amount: bigint): void {
  const wallet = walletOf(ctx, address);
  const entries = [...wallet.lockedEntries];
  const index = entries.findIndex((entry) => sameStake(entry, node));
  const existing = entries[index];
  if (existing === undefined) {
    entries.push(
      Object.freeze({
        node: node.ed25519,
        registrationHeight: node.registrationHeight,
        amount,
        releaseHeight: 0,
        kind: 'staked' as const,
      }),
    );
  } else {
    entries[index] = Object.freeze({ ...existing, amount: existing.amount + amount });
  }
  putWallet(ctx, address, {
    balance: wallet.balance - amount,
    nonce: wallet.nonce,
    locked: wallet.locked + amount,
    lockedEntries: Object.freeze(entries),
  });
}

/** Returns `address`'s whole stake in `node` to its balance; the amount returned. */
function releaseStake(ctx: Context, address: string, node: ServiceNodeState): bigint {
  return releaseEntry(ctx, address, node.ed25519, node.registrationHeight);
}

function releaseEntry(
  ctx: Context,
  address: string,
  nodeKey: string,
  registrationHeight: number,
): bigint {
  const wallet = walletOf(ctx, address);
  let released = 0n;
  const entries = wallet.lockedEntries.filter((entry) => {
    if (entry.node === nodeKey && entry.registrationHeight === registrationHeight) {
      released += entry.amount;
      return false;
    }
    return true;
  });
  if (released === 0n && entries.length === wallet.lockedEntries.length) return 0n;
  putWallet(ctx, address, {
    balance: wallet.balance + released,
    nonce: wallet.nonce,
    locked: wallet.locked - released,
    lockedEntries: Object.freeze(entries),
  });
  return released;
}

/** Marks every contributor's stake in `node` with a new kind and release height. */
function markStakes(
  ctx: Context,
  node: ServiceNodeState,
  kind: LockedEntry['kind'],
  releaseHeight: number,
): void {
  for (const contribution of node.contributions) {
    if (contribution.amount === 0n) continue;
    const wallet = walletOf(ctx, contribution.address);
    const entries = wallet.lockedEntries.map((entry) =>
      sameStake(entry, node) ? Object.freeze({ ...entry, kind, releaseHeight }) : entry,
    );
    putWallet(ctx, contribution.address, { ...wallet, lockedEntries: Object.freeze(entries) });
  }
}

// ---------------------------------------------------------------------------------------------
// Node helpers

function putNode(ctx: Context, node: ServiceNodeState): void {
  ctx.nodes.set(node.ed25519, Object.freeze(node));
}

function addEvent(ctx: Context, nodeKey: string, event: Omit<NodeEvent, 'height' | 'timestamp'>) {
  const previous = ctx.history.get(nodeKey) ?? [];
  const full: NodeEvent = Object.freeze({
    type: event.type,
    height: ctx.height,
    timestamp: ctx.timestamp,
    ...(event.reason === undefined ? {} : { reason: event.reason }),
    ...(event.address === undefined ? {} : { address: event.address }),
    ...(event.amount === undefined ? {} : { amount: event.amount }),
    ...(event.credit === undefined ? {} : { credit: event.credit }),
  });
  ctx.history.set(nodeKey, Object.freeze([...previous, full]));
}

/**
 * A node's decommission credit in blocks at `height`: while active, the credit it started from
 * plus what it earned since (`floor(blocks × numerator / denominator)`), capped; while
 * decommissioned, what it had at the decommission minus one per block since (may go negative);
 * 0 while awaiting contributions.
 */
export function decommissionCredit(
  node: ServiceNodeState,
  height: number,
  params: RegistryParams,
): number {
  const blocks = Math.max(0, height - node.creditSinceHeight);
  if (node.status === 'active') {
    const earn = params.decommissionCreditEarnBlocksPerBlock;
    const earned = Math.floor((blocks * earn.numerator) / earn.denominator);
    return Math.min(params.decommissionCreditMaxBlocks, node.creditBase + earned);
  }
  if (node.status === 'decommissioned') return node.creditBase - blocks;
  return 0;
}

function activate(ctx: Context, node: ServiceNodeState): ServiceNodeState {
  const activated: ServiceNodeState = {
    ...node,
    status: 'active',
    activationHeight: ctx.height,
    lastRewardHeight: ctx.height,
    livenessSince: Math.max(ctx.timestamp, node.uptimeProof?.timestamp ?? 0),
    creditBase: ctx.params.decommissionCreditInitialBlocks,
    creditSinceHeight: ctx.height,
  };
  ctx.activeSetChanged = true;
  addEvent(ctx, node.ed25519, { type: 'activated', amount: node.stake });
  return activated;
}

function decommission(
  ctx: Context,
  node: ServiceNodeState,
  reason: string,
  by: 'uptime' | 'authority',
): void {
  const credit = decommissionCredit(node, ctx.height, ctx.params);
  putNode(ctx, {
    ...node,
    status: 'decommissioned',
    creditBase: credit,
    creditSinceHeight: ctx.height,
    decommissionHeight: ctx.height,
    decommissionedBy: by,
  });
  ctx.activeSetChanged = true;
  addEvent(ctx, node.ed25519, { type: 'decommissioned', reason, credit });
}

function recommission(
  ctx: Context,
  node: ServiceNodeState,
  reason: string,
  changes: Partial<ServiceNodeState> = {},
): void {
  const blocksDecommissioned = Math.max(0, ctx.height - node.decommissionHeight);
  const credit = Math.min(
    Math.max(0, node.creditBase - 2 * blocksDecommissioned),
    ctx.params.decommissionCreditMaxBlocks,
  );
  putNode(ctx, {
    ...node,
    ...changes,
    status: 'active',
    creditBase: credit,
    creditSinceHeight: ctx.height,
    decommissionHeight: 0,
    decommissionedBy: undefined,
    lastRewardHeight: ctx.height,
    livenessSince: Math.max(ctx.timestamp, changes.livenessSince ?? 0),
  });
  ctx.activeSetChanged = true;
  addEvent(ctx, node.ed25519, { type: 'recommissioned', reason, credit });
}

function deregister(ctx: Context, node: ServiceNodeState, reason: string): void {
  const releaseHeight = ctx.height + ctx.params.deregistrationLockBlocks;
  if (node.status === 'active') ctx.activeSetChanged = true;
  ctx.nodes.delete(node.ed25519);
  markStakes(ctx, node, 'deregistered', releaseHeight);
  ctx.pendingReleases = Object.freeze([
    ...ctx.pendingReleases,
    Object.freeze({
      node: node.ed25519,
      registrationHeight: node.registrationHeight,
      releaseHeight,
      contributions: Object.freeze(
        node.contributions
          .filter((contribution) => contribution.amount > 0n)
          .map((contribution) =>
            Object.freeze({ address: contribution.address, amount: contribution.amount }),
          ),
      ),
    }),
  ]);
  addEvent(ctx, node.ed25519, { type: 'deregistered', reason, amount: node.stake });
}

function exitNode(ctx: Context, node: ServiceNodeState): void {
  if (node.status === 'active') ctx.activeSetChanged = true;
  ctx.nodes.delete(node.ed25519);
  for (const contribution of node.contributions) {
    if (contribution.amount > 0n) releaseStake(ctx, contribution.address, node);
  }
  addEvent(ctx, node.ed25519, { type: 'exited', reason: 'unlock', amount: node.stake });
}

// ---------------------------------------------------------------------------------------------
// Validation helpers (no mutation)

function expectNonce(ctx: Context, address: string, nonce: number): WalletState {
  const wallet = walletOf(ctx, address);
  if (nonce !== wallet.nonce + 1) {
    reject(
      'bad-nonce',
      `nonce ${nonce} is not ${wallet.nonce + 1}, the next nonce of wallet ${address} (a replay or out of order)`,
    );
  }
  return wallet;
}

function expectNode(ctx: Context, key: string): ServiceNodeState {
  const node = ctx.nodes.get(key);
  if (node === undefined) reject('unknown-node', `no registered node has key ${key}`);
  return node;
}

function expectPositive(amount: bigint, field: string): void {
  if (amount <= 0n) reject('invalid-amount', `${field} must be greater than zero`);
}

function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}

/**
 * Unreserved room left in a node: requirement − contributed − reserved but not yet put in.
 * Exposed for wallets' UIs (the ledger's `GET /node/:key` answers it as `openRoom`).
 */
export function openRoom(node: ServiceNodeState, params: RegistryParams): bigint {
  let outstanding = 0n;
  for (const contribution of node.contributions) {
    if (contribution.reserved > contribution.amount) {
      outstanding += contribution.reserved - contribution.amount;
    }
  }
  return nodeRequirement(node, params) - node.stake - outstanding;
}

/**
 * The stake that fills `node`: the requirement it was registered at when the chain's changed
 * since, else the chain's current one.
 */
export function nodeRequirement(node: ServiceNodeState, params: RegistryParams): bigint {
  return node.requirement ?? params.stakingRequirement;
}

/**
 * The least a new (unreserved) contributor may put into `node` now: the open room divided by
 * the open slots, rounded up; `undefined` when every slot is taken. Exposed for wallets' UIs.
 */
export function minimumContribution(
  node: ServiceNodeState,
  params: RegistryParams,
): bigint | undefined {
  const openSlots = params.maxContributors - node.contributions.length;
  if (openSlots <= 0) return undefined;
  return ceilDiv(openRoom(node, params), BigInt(openSlots));
}

// ---------------------------------------------------------------------------------------------
// Transactions

function applyTransfer(ctx: Context, tx: TransferTransaction): void {
  const from = expectNonce(ctx, tx.from, tx.nonce);
  expectPositive(tx.amount, 'amount');
  if (from.balance < tx.amount) {
    reject(
      'insufficient-funds',
      `wallet ${tx.from} has ${from.balance}, less than the ${tx.amount} it sends`,
    );
  }
  putWallet(ctx, tx.from, { ...from, balance: from.balance - tx.amount, nonce: from.nonce + 1 });
  addBalance(ctx, tx.to, tx.amount);
}

function applyFaucet(ctx: Context, tx: FaucetTransaction): void {
  expectNonce(ctx, ctx.authority, tx.nonce);
  expectPositive(tx.amount, 'amount');
  const max = ctx.params.faucetMaxAmount;
  if (max !== undefined && tx.amount > max) {
    reject('invalid-amount', `a faucet transaction may mint at most ${max}, not ${tx.amount}`);
  }
  bumpNonce(ctx, ctx.authority);
  addBalance(ctx, tx.to, tx.amount);
  ctx.supply = Object.freeze({ ...ctx.supply, faucet: ctx.supply.faucet + tx.amount });
}

function applyRegister(ctx: Context, tx: RegisterTransaction): void {
  const { params } = ctx;
  const operator = expectNonce(ctx, tx.operator, tx.nonce);
  if (ctx.nodes.has(tx.node)) reject('already-registered', `node ${tx.node} is already registered`);
  if (tx.feeBasisPoints > BASIS_POINTS) {
    reject('invalid-fee', `the fee must be 0 to ${BASIS_POINTS} basis points`);
  }
  if (tx.operatorStake < params.minOperatorStake) {
    reject(
      'operator-stake-too-low',
      `the operator must stake at least ${params.minOperatorStake}, not ${tx.operatorStake}`,
    );
  }
  if (tx.operatorStake > params.stakingRequirement) {
    reject('over-requirement', `the operator stake exceeds the requirement`);
  }
  if (tx.reserved.length + 1 > params.maxContributors) {
    reject(
      'too-many-contributors',
      `${tx.reserved.length} reserved spots and the operator exceed ${params.maxContributors} contributors`,
    );
  }
  const seen = new Set<string>([tx.operator]);
  let total = tx.operatorStake;
  for (const spot of tx.reserved) {
    if (seen.has(spot.address)) {
      reject('invalid-reservation', `reserved spot ${spot.address} repeats a contributor`);
    }
    if (spot.amount <= 0n) reject('invalid-reservation', 'a reserved amount must be positive');
    seen.add(spot.address);
    total += spot.amount;
  }
  if (total > params.stakingRequirement) {
    reject('over-requirement', 'the operator stake and reserved spots exceed the requirement');
  }
  if (tx.reserved.length + 1 === params.maxContributors && total < params.stakingRequirement) {
    reject('invalid-reservation', 'every spot is reserved but the reservations cannot fill it');
  }
  if (operator.balance < tx.operatorStake) {
    reject(
      'insufficient-funds',
      `operator ${tx.operator} has ${operator.balance}, less than its stake ${tx.operatorStake}`,
    );
  }
  let x25519: string;
  try {
    x25519 = bytesToHex(
      ctx.crypto.ed25519PublicKeyToX25519(hexToBytes(tx.node, { length: 32, field: 'node' })),
    );
  } catch {
    reject('malformed', `node key ${tx.node} is not a valid Ed25519 public key`);
  }

  const contributions: Contribution[] = [
    Object.freeze({ address: tx.operator, amount: tx.operatorStake, reserved: 0n }),
    ...tx.reserved.map((spot) =>
      Object.freeze({ address: spot.address, amount: 0n, reserved: spot.amount }),
    ),
  ];
  let node: ServiceNodeState = {
    ed25519: tx.node,
    x25519,
    operator: tx.operator,
    feeBasisPoints: tx.feeBasisPoints,
    status: 'awaiting-contributions',
    contributions: Object.freeze(contributions),
    stake: tx.operatorStake,
    registrationHeight: ctx.height,
    activationHeight: 0,
    requestedUnlockHeight: 0,
    lastRewardHeight: 0,
    uptimeProof: undefined,
    livenessSince: 0,
    creditBase: 0,
    creditSinceHeight: ctx.height,
    decommissionHeight: 0,
    decommissionedBy: undefined,
  };
  bumpNonce(ctx, tx.operator);
  lockStake(ctx, tx.operator, node, tx.operatorStake);
  addEvent(ctx, tx.node, {
    type: 'registered',
    address: tx.operator,
    amount: tx.operatorStake,
  });
  if (node.stake === params.stakingRequirement) node = activate(ctx, node);
  putNode(ctx, node);
}

function applyContribute(ctx: Context, tx: ContributeTransaction): void {
  const { params } = ctx;
  const wallet = expectNonce(ctx, tx.contributor, tx.nonce);
  const node = expectNode(ctx, tx.node);
  if (node.status !== 'awaiting-contributions') {
    reject('invalid-node-state', `node ${tx.node} is ${node.status}, not awaiting contributions`);
  }
  expectPositive(tx.amount, 'amount');
  const room = openRoom(node, params);
  const index = node.contributions.findIndex((entry) => entry.address === tx.contributor);
  const existing = node.contributions[index];
  let minimum: bigint;
  let maximum: bigint;
  if (existing !== undefined && existing.reserved > existing.amount) {
    // A reserved contributor filling its spot: at least the rest of its reservation.
    minimum = existing.reserved - existing.amount;
    maximum = minimum + room;
    if (tx.amount < minimum) {
      reject(
        'below-minimum-contribution',
        `${tx.contributor} reserved ${existing.reserved} and must put in at least ${minimum}`,
      );
    }
  } else {
    const openSlots = params.maxContributors - node.contributions.length;
    if (existing === undefined && openSlots <= 0) {
      reject(
        'too-many-contributors',
        `node ${tx.node} already has ${node.contributions.length} contributors (at most ${params.maxContributors})`,
      );
    }
    minimum = openSlots > 0 ? ceilDiv(room, BigInt(openSlots)) : room;
    maximum = room;
    if (tx.amount < minimum) {
      reject(
        'below-minimum-contribution',
        `a contribution must be at least ${minimum} (remaining ${room} over ${Math.max(openSlots, 1)} open slots)`,
      );
    }
  }
  if (tx.amount > maximum) {
    reject('over-requirement', `at most ${maximum} can still be contributed to node ${tx.node}`);
  }
  if (wallet.balance < tx.amount) {
    reject(
      'insufficient-funds',
      `wallet ${tx.contributor} has ${wallet.balance}, less than the ${tx.amount} it contributes`,
    );
  }

  const contributions = [...node.contributions];
  if (existing === undefined) {
    contributions.push(Object.freeze({ address: tx.contributor, amount: tx.amount, reserved: 0n }));
  } else {
    contributions[index] = Object.freeze({ ...existing, amount: existing.amount + tx.amount });
  }
  let updated: ServiceNodeState = {
    ...node,
    contributions: Object.freeze(contributions),
    stake: node.stake + tx.amount,
  };
  bumpNonce(ctx, tx.contributor);
  lockStake(ctx, tx.contributor, updated, tx.amount);
  addEvent(ctx, tx.node, { type: 'contribution', address: tx.contributor, amount: tx.amount });
  if (updated.stake === nodeRequirement(updated, params)) updated = activate(ctx, updated);
  putNode(ctx, updated);
}

function applyRequestUnlock(ctx: Context, tx: RequestUnlockTransaction): void {
  expectNonce(ctx, tx.contributor, tx.nonce);
  const node = expectNode(ctx, tx.node);
  const index = node.contributions.findIndex(
    (entry) => entry.address === tx.contributor && entry.amount > 0n,
  );
  const contribution = node.contributions[index];
  if (contribution === undefined) {
    reject('not-authorised', `${tx.contributor} has no stake in node ${tx.node}`);
  }
  if (node.status === 'awaiting-contributions') {
    bumpNonce(ctx, tx.contributor);
    if (tx.contributor === node.operator) {
      // The operator cancels a registration that has not filled: everyone is refunded now.
      ctx.nodes.delete(node.ed25519);
      for (const entry of node.contributions) {
        if (entry.amount > 0n) releaseStake(ctx, entry.address, node);
      }
      addEvent(ctx, node.ed25519, {
        type: 'registration-cancelled',
        reason: 'cancelled by the operator',
        address: tx.contributor,
        amount: node.stake,
      });
      return;
    }
    // Another contributor withdraws its own contribution; a reservation stays held for it.
    const contributions = [...node.contributions];
    if (contribution.reserved > 0n) {
      contributions[index] = Object.freeze({ ...contribution, amount: 0n });
    } else {
      contributions.splice(index, 1);
    }
    releaseStake(ctx, tx.contributor, node);
    putNode(ctx, {
      ...node,
      contributions: Object.freeze(contributions),
      stake: node.stake - contribution.amount,
    });
    addEvent(ctx, node.ed25519, {
      type: 'contribution-withdrawn',
      address: tx.contributor,
      amount: contribution.amount,
    });
    return;
  }
  if (node.requestedUnlockHeight !== 0) {
    reject(
      'already-unlocking',
      `node ${tx.node} already exits at height ${node.requestedUnlockHeight}`,
    );
  }
  const unlockHeight = ctx.height + ctx.params.unlockBlocks;
  bumpNonce(ctx, tx.contributor);
  const updated = { ...node, requestedUnlockHeight: unlockHeight };
  putNode(ctx, updated);
  markStakes(ctx, updated, 'unlocking', unlockHeight);
  addEvent(ctx, node.ed25519, {
    type: 'unlock-requested',
    address: tx.contributor,
    reason: `exits at height ${unlockHeight}`,
  });
}

function applyUptimeProof(ctx: Context, tx: UptimeProofTransaction): void {
  const { params } = ctx;
  const node = expectNode(ctx, tx.node);
  const octets = parseIpv4(tx.ip);
  if (octets === undefined || !isUsableIpv4(octets)) {
    reject('invalid-address', `${JSON.stringify(tx.ip)} is not a usable IPv4 address`);
  }
  if (params.requirePublicIp && !isPublicIpv4(octets)) {
    reject('invalid-address', `${tx.ip} is not a public IPv4 address`);
  }
  if (Math.abs(tx.timestamp - ctx.timestamp) > params.uptimeProofTimestampToleranceMs) {
    reject(
      'bad-timestamp',
      `the proof's timestamp ${tx.timestamp} is more than ${params.uptimeProofTimestampToleranceMs} ms from the block's ${ctx.timestamp}`,
    );
  }
  const last = node.uptimeProof?.timestamp;
  if (last !== undefined) {
    if (tx.timestamp <= last) {
      reject('stale-uptime-proof', `a proof from ${last} was already accepted (a replay?)`);
    }
    if (tx.timestamp - last < params.uptimeProofMinGapMs) {
      reject(
        'uptime-proof-too-soon',
        `a new proof is accepted ${params.uptimeProofMinGapMs} ms after the last one at the earliest`,
      );
    }
  }
  const uptimeProof = Object.freeze({
    ip: tx.ip,
    storagePort: tx.storagePort,
    relayPort: tx.relayPort,
    version: Object.freeze([tx.version[0], tx.version[1], tx.version[2]] as const),
    timestamp: tx.timestamp,
    height: ctx.height,
  });
  if (node.status === 'decommissioned') {
    if (node.decommissionedBy === 'uptime') {
      recommission(ctx, node, 'uptime proof received', {
        uptimeProof,
        livenessSince: tx.timestamp,
      });
    } else {
      // Decommissioned by the authority: the proof is recorded, only the authority recommissions.
      putNode(ctx, { ...node, uptimeProof });
    }
    return;
  }
  putNode(ctx, {
    ...node,
    uptimeProof,
    livenessSince: node.status === 'active' ? Math.max(node.livenessSince, tx.timestamp) : 0,
  });
}

function applyStateChange(ctx: Context, tx: StateChangeTransaction): void {
  expectNonce(ctx, ctx.authority, tx.nonce);
  const node = expectNode(ctx, tx.node);
  const reason = tx.reason === '' ? `${tx.change} ordered by the authority` : tx.reason;
  switch (tx.change) {
    case 'decommission':
      if (node.status !== 'active') {
        reject('invalid-state-change', `node ${tx.node} is ${node.status}, not active`);
      }
      bumpNonce(ctx, ctx.authority);
      decommission(ctx, node, reason, 'authority');
      return;
    case 'recommission':
      if (node.status !== 'decommissioned') {
        reject('invalid-state-change', `node ${tx.node} is ${node.status}, not decommissioned`);
      }
      bumpNonce(ctx, ctx.authority);
      recommission(ctx, node, reason);
      return;
    case 'deregister':
      if (node.status === 'awaiting-contributions') {
        reject('invalid-state-change', `node ${tx.node} is not active yet`);
      }
      bumpNonce(ctx, ctx.authority);
      deregister(ctx, node, reason);
      return;
  }
}

function applyStakingRequirement(ctx: Context, tx: StakingRequirementTransaction): void {
  expectNonce(ctx, ctx.authority, tx.nonce);
  expectPositive(tx.stakingRequirement, 'stakingRequirement');
  expectPositive(tx.minOperatorStake, 'minOperatorStake');
  if (tx.minOperatorStake > tx.stakingRequirement) {
    reject('invalid-amount', 'the operator minimum exceeds the staking requirement');
  }
  const previous = ctx.params.stakingRequirement;
  bumpNonce(ctx, ctx.authority);
  // Every node registered so far keeps the requirement it was registered at.
  const unstamped = [...ctx.nodes.entries()].filter(([, node]) => node.requirement === undefined);
  for (const [, node] of unstamped) putNode(ctx, { ...node, requirement: previous });
  ctx.params = Object.freeze({
    ...ctx.params,
    stakingRequirement: tx.stakingRequirement,
    minOperatorStake: tx.minOperatorStake,
  });
}

interface PreparedTransaction {
  readonly tx: Transaction;
  readonly json: JsonTransaction;
  readonly id: string;
  readonly valid: boolean;
}

/** Encodes and identifies a transaction; throws {@link InvalidInputError} if it cannot encode. */
function prepare(tx: Transaction, crypto: RegistryCrypto): PreparedTransaction {
  let json: JsonTransaction;
  try {
    json = encodeTransaction(tx);
  } catch (error) {
    throw new InvalidInputError('the transaction cannot be encoded', { cause: error });
  }
  const valid = isValidJsonTransaction(json);
  let id: string;
  try {
    id = transactionIdOfJson(json, crypto);
  } catch (error) {
    throw new InvalidInputError('the transaction cannot be encoded', { cause: error });
  }
  return { tx, json, id, valid };
}

function applyPrepared(ctx: Context, prepared: PreparedTransaction): TransactionResult {
  const { tx, id } = prepared;
  if (!prepared.valid) {
    return {
      id,
      accepted: false,
      reason: 'malformed',
      message: 'the transaction does not match its schema',
    };
  }
  try {
    if (tx.type === 'faucet' && !ctx.params.faucetEnabled) {
      reject('faucet-disabled', `faucet transactions are off on chain ${ctx.chainId}`);
    }
    if (
      ctx.verifySignatures &&
      !verifySignaturesOver(
        tx,
        signingBytesOfJson(prepared.json, ctx.chainId),
        ctx.authority,
        ctx.crypto,
      )
    ) {
      reject(
        'bad-signature',
        tx.type === 'faucet' || tx.type === 'state-change' || tx.type === 'staking-requirement'
          ? `the signature is not the authority's on chain ${ctx.chainId}`
          : `a signature does not verify on chain ${ctx.chainId}`,
      );
    }
    switch (tx.type) {
      case 'transfer':
        applyTransfer(ctx, tx);
        break;
      case 'faucet':
        applyFaucet(ctx, tx);
        break;
      case 'register':
        applyRegister(ctx, tx);
        break;
      case 'contribute':
        applyContribute(ctx, tx);
        break;
      case 'request-unlock':
        applyRequestUnlock(ctx, tx);
        break;
      case 'uptime-proof':
        applyUptimeProof(ctx, tx);
        break;
      case 'state-change':
        applyStateChange(ctx, tx);
        break;
      case 'staking-requirement':
        applyStakingRequirement(ctx, tx);
        break;
    }
  } catch (error) {
    if (error instanceof Rejection) {
      return { id, accepted: false, reason: error.reason, message: error.message };
    }
    throw error;
  }
  return { id, accepted: true };
}

// ---------------------------------------------------------------------------------------------
// End of block

function finishBlock(
  ctx: Context,
  previousAssignment: ReadonlyMap<string, bigint>,
  hash: string,
): ReadonlyMap<string, bigint> {
  const { params } = ctx;
  const exiting: string[] = [];
  const failing: string[] = [];
  const exhausted: string[] = [];
  for (const [key, node] of ctx.nodes.entries()) {
    if (node.requestedUnlockHeight !== 0 && node.requestedUnlockHeight <= ctx.height) {
      exiting.push(key);
    } else if (
      node.status === 'active' &&
      ctx.timestamp - node.livenessSince > params.uptimeProofValidityMs
    ) {
      failing.push(key);
    } else if (
      node.status === 'decommissioned' &&
      decommissionCredit(node, ctx.height, params) < 0
    ) {
      exhausted.push(key);
    }
  }
  // 3. Unlocked nodes exit.
  for (const key of exiting.sort(compareStrings)) {
    const node = ctx.nodes.get(key);
    if (node !== undefined) exitNode(ctx, node);
  }
  // 4. Uptime.
  for (const key of failing.sort(compareStrings)) {
    const node = ctx.nodes.get(key);
    if (node === undefined) continue;
    const credit = decommissionCredit(node, ctx.height, params);
    const since = node.uptimeProof === undefined ? 'activation' : 'its last uptime proof';
    addEvent(ctx, key, {
      type: 'proof-missed',
      reason: `no valid uptime proof for ${params.uptimeProofValidityMs} ms since ${since}`,
      credit,
    });
    if (credit >= params.decommissionMinimumCreditBlocks) {
      decommission(ctx, node, 'uptime proof missing', 'uptime');
    } else {
      deregister(ctx, node, 'uptime proof missing without enough decommission credit');
    }
  }
  for (const key of exhausted.sort(compareStrings)) {
    const node = ctx.nodes.get(key);
    if (node !== undefined) deregister(ctx, node, 'decommission credit exhausted');
  }
  // 5. Deregistered stakes whose lock ended.
  if (ctx.pendingReleases.some((release) => release.releaseHeight <= ctx.height)) {
    const remaining: PendingRelease[] = [];
    for (const release of ctx.pendingReleases) {
      if (release.releaseHeight > ctx.height) {
        remaining.push(release);
        continue;
      }
      let total = 0n;
      for (const contribution of release.contributions) {
        total += releaseEntry(ctx, contribution.address, release.node, release.registrationHeight);
      }
      addEvent(ctx, release.node, { type: 'stake-released', amount: total });
    }
    ctx.pendingReleases = Object.freeze(remaining);
  }
  // 6. Reward.
  payReward(ctx);
  // 7. Swarms.
  if (!ctx.activeSetChanged) return previousAssignment;
  const active: string[] = [];
  for (const [key, node] of ctx.nodes.entries()) if (node.status === 'active') active.push(key);
  active.sort(compareStrings);
  return assignSwarms(previousAssignment, active, hexToBytes(hash, { length: 32 }));
}

function rewardOrder(a: ServiceNodeState, b: ServiceNodeState): number {
  if (a.lastRewardHeight !== b.lastRewardHeight) return a.lastRewardHeight - b.lastRewardHeight;
  if (a.activationHeight !== b.activationHeight) return a.activationHeight - b.activationHeight;
  return compareStrings(a.ed25519, b.ed25519);
}

/**
 * Splits one reward: the operator's fee (`reward × fee / 10,000`, rounded down) first, the rest
 * pro rata to the stakes (each share rounded down), what rounding leaves to the operator.
 * Returns the amount per wallet, in contribution order.
 */
export function splitReward(
  reward: bigint,
  node: Pick<ServiceNodeState, 'operator' | 'feeBasisPoints' | 'contributions' | 'stake'>,
): Map<string, bigint> {
  const shares = new Map<string, bigint>();
  const fee = (reward * BigInt(node.feeBasisPoints)) / BigInt(BASIS_POINTS);
  const rest = reward - fee;
  let paid = 0n;
  for (const contribution of node.contributions) {
    if (contribution.amount === 0n || node.stake === 0n) continue;
    const share = (rest * contribution.amount) / node.stake;
    shares.set(contribution.address, (shares.get(contribution.address) ?? 0n) + share);
    paid += share;
  }
  shares.set(node.operator, (shares.get(node.operator) ?? 0n) + fee + (rest - paid));
  return shares;
}

function payReward(ctx: Context): void {
  const reward = ctx.params.rewardPerBlock;
  let leader: ServiceNodeState | undefined;
  for (const node of ctx.nodes.entries()) {
    const candidate = node[1];
    if (candidate.status !== 'active') continue;
    if (leader === undefined || rewardOrder(candidate, leader) < 0) leader = candidate;
  }
  if (leader === undefined) return;
  putNode(ctx, { ...leader, lastRewardHeight: ctx.height });
  if (reward === 0n) return;
  for (const [address, amount] of splitReward(reward, leader)) addBalance(ctx, address, amount);
  ctx.supply = Object.freeze({ ...ctx.supply, rewards: ctx.supply.rewards + reward });
}

// ---------------------------------------------------------------------------------------------
// Public entry points

function checkHeader(state: RegistryState, block: Block): void {
  if (typeof block !== 'object' || block === null || !Array.isArray(block.transactions)) {
    throw new InvalidBlockError('malformed', 'a block must be an object with transactions');
  }
  const height = typeof block.height === 'number' ? block.height : undefined;
  if (block.height !== state.height + 1) {
    throw new InvalidBlockError(
      'bad-height',
      `block height ${block.height} does not follow the state's height ${state.height}`,
      { height },
    );
  }
  if (block.previousHash !== state.hash) {
    throw new InvalidBlockError(
      'bad-previous-hash',
      `block ${block.height} does not build on ${state.hash} (another chain or a fork)`,
      { height },
    );
  }
  if (!Number.isSafeInteger(block.timestamp) || block.timestamp <= state.timestamp) {
    throw new InvalidBlockError(
      'bad-timestamp',
      `block ${block.height} has timestamp ${block.timestamp}, not after ${state.timestamp}`,
      { height },
    );
  }
  if (block.transactions.length > state.params.maxTransactionsPerBlock) {
    throw new InvalidBlockError(
      'too-many-transactions',
      `block ${block.height} has ${block.transactions.length} transactions (at most ${state.params.maxTransactionsPerBlock})`,
      { height },
    );
  }
}

/**
 * Applies one block to `state` and returns the new state and each transaction's result. Never
 * mutates `state`. Throws {@link InvalidBlockError} (and applies nothing) if the block does not
 * follow the state (height, previous hash, timestamp) or its hash is wrong.
 */
export function applyBlock(
  state: RegistryState,
  block: Block,
  crypto: RegistryCrypto,
  options: ApplyOptions = {},
): ApplyBlockResult {
  checkHeader(state, block);
  let prepared: PreparedTransaction[];
  try {
    prepared = block.transactions.map((tx) => prepare(tx, crypto));
  } catch (error) {
    throw new InvalidBlockError(
      'malformed',
      `block ${block.height} holds a malformed transaction`,
      {
        height: block.height,
        cause: error,
      },
    );
  }
  const expected = blockHash(
    {
      height: block.height,
      previousHash: block.previousHash,
      timestamp: block.timestamp,
      transactionIds: prepared.map((entry) => entry.id),
    },
    crypto,
  );
  if (expected !== block.hash) {
    throw new InvalidBlockError(
      'bad-hash',
      `block ${block.height} has hash ${block.hash}, its header hashes to ${expected}`,
      { height: block.height },
    );
  }
  const ctx = openContext(state, block, crypto, options);
  const results = prepared.map((entry) => applyPrepared(ctx, entry));
  const swarmAssignment = finishBlock(ctx, state.swarmAssignment, block.hash);
  return { state: closeContext(state, ctx, block, swarmAssignment), results };
}

/**
 * Applies one transaction to `state` as if it were included in the block `at` (normally
 * `state.height + 1` and the block's expected timestamp), without the end-of-block steps.
 * For ledgers' mempools: the returned state is a pending state (same height and hash) on which
 * the next transaction can be checked. A transaction that cannot even be encoded is refused as
 * `malformed` with an empty ID.
 */
export function applyTransaction(
  state: RegistryState,
  tx: Transaction,
  crypto: RegistryCrypto,
  at: BlockTime,
  options: ApplyOptions = {},
): { state: RegistryState; result: TransactionResult } {
  let prepared: PreparedTransaction;
  try {
    prepared = prepare(tx, crypto);
  } catch {
    return {
      state,
      result: {
        id: '',
        accepted: false,
        reason: 'malformed',
        message: 'the transaction cannot be encoded',
      },
    };
  }
  const ctx = openContext(state, at, crypto, options);
  const result = applyPrepared(ctx, prepared);
  if (!result.accepted) return { state, result };
  return { state: closeContext(state, ctx, state, state.swarmAssignment), result };
}

/**
 * Checks one transaction against `state` with exactly the rules of {@link applyBlock}, as if
 * included in the block `at`. A ledger answers `POST /tx` with this (400 and the reason when
 * refused).
 */
export function checkTransaction(
  state: RegistryState,
  tx: Transaction,
  crypto: RegistryCrypto,
  at: BlockTime,
): TransactionResult {
  return applyTransaction(state, tx, crypto, at).result;
}
