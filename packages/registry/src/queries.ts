/**
 * Read-only queries over a {@link RegistryState}: nodes (active, by key, filtered), wallets,
 * node histories, swarms, a digest of the whole state, and the supply invariants.
 */
import { UNASSIGNED_SWARM_ID } from '@murmur/swarm';
import { bytesToHex, utf8Encode } from '@murmur/wire';
import { decommissionCredit } from './apply.js';
import { canonicalJson } from './canonical.js';
import { encodeParams } from './codec.js';
import { compareStrings } from './persistent-map.js';
import type {
  NodeEvent,
  RegistryCrypto,
  RegistryState,
  ServiceNodeRecord,
  ServiceNodeState,
  ServiceNodeStatus,
  WalletInfo,
} from './types.js';

/** A node's record with what derives from the state: swarm, credit, address and ports. */
export function toServiceNodeRecord(
  state: RegistryState,
  node: ServiceNodeState,
): ServiceNodeRecord {
  const proof = node.uptimeProof;
  return Object.freeze({
    ...node,
    swarmId:
      node.status === 'active'
        ? (state.swarmAssignment.get(node.ed25519) ?? UNASSIGNED_SWARM_ID)
        : UNASSIGNED_SWARM_ID,
    credit: decommissionCredit(node, state.height, state.params),
    ip: proof?.ip,
    storagePort: proof?.storagePort,
    relayPort: proof?.relayPort,
    version: proof?.version,
    lastUptimeProofAt: proof?.timestamp,
  });
}

/** The registered node with Ed25519 key `ed25519` (hex), or `undefined`. */
export function getNode(state: RegistryState, ed25519: string): ServiceNodeRecord | undefined {
  const node = state.nodes.get(ed25519);
  return node === undefined ? undefined : toServiceNodeRecord(state, node);
}

/** Which nodes {@link listNodes} returns. */
export interface NodeFilter {
  /** Only nodes in this status (or these). */
  status?: ServiceNodeStatus | readonly ServiceNodeStatus[] | undefined;
  /** Only nodes this wallet operates. */
  operator?: string | undefined;
  /** Only nodes this wallet has a stake (or a reservation) in. */
  contributor?: string | undefined;
  /** Only nodes that have sent an uptime proof (so have an address). */
  withAddress?: boolean | undefined;
}

/** Registered nodes matching `filter`, sorted by Ed25519 key. */
export function listNodes(state: RegistryState, filter: NodeFilter = {}): ServiceNodeRecord[] {
  const statuses =
    filter.status === undefined
      ? undefined
      : new Set<ServiceNodeStatus>(
          typeof filter.status === 'string' ? [filter.status] : filter.status,
        );
  const out: ServiceNodeRecord[] = [];
  for (const key of state.nodes.sortedKeys()) {
    const node = state.nodes.get(key) as ServiceNodeState;
    if (statuses !== undefined && !statuses.has(node.status)) continue;
    if (filter.operator !== undefined && node.operator !== filter.operator) continue;
    if (
      filter.contributor !== undefined &&
      !node.contributions.some((entry) => entry.address === filter.contributor)
    ) {
      continue;
    }
    if (filter.withAddress === true && node.uptimeProof === undefined) continue;
    out.push(toServiceNodeRecord(state, node));
  }
  return out;
}

/**
 * Active nodes (fully staked, not decommissioned) sorted by Ed25519 key, with keys, address,
 * ports, swarm and stake. A node without an uptime proof yet has `ip` undefined: clients must not
 * use it until it has one.
 */
export function activeNodes(state: RegistryState): ServiceNodeRecord[] {
  return listNodes(state, { status: 'active' });
}

/** A wallet's balance, locked stakes and nonce (zeros for a wallet never seen). */
export function walletInfo(state: RegistryState, address: string): WalletInfo {
  const wallet = state.wallets.get(address);
  return Object.freeze({
    address,
    balance: wallet?.balance ?? 0n,
    nonce: wallet?.nonce ?? 0,
    locked: wallet?.locked ?? 0n,
    lockedEntries: wallet?.lockedEntries ?? [],
  });
}

/** Every wallet, sorted by address. */
export function listWallets(state: RegistryState): WalletInfo[] {
  return state.wallets.sortedKeys().map((address) => walletInfo(state, address));
}

/** What happened to a node, oldest first (kept after it exits or is deregistered). */
export function nodeHistory(state: RegistryState, ed25519: string): readonly NodeEvent[] {
  return state.history.get(ed25519) ?? [];
}

/** Swarm ID → member Ed25519 keys (sorted), for the active nodes, by ascending swarm ID. */
export function swarms(state: RegistryState): Map<bigint, string[]> {
  const grouped = new Map<bigint, string[]>();
  for (const [key, id] of state.swarmAssignment) {
    const members = grouped.get(id);
    if (members === undefined) grouped.set(id, [key]);
    else members.push(key);
  }
  const sorted = new Map<bigint, string[]>();
  for (const id of [...grouped.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    sorted.set(id, (grouped.get(id) as string[]).sort(compareStrings));
  }
  return sorted;
}

/** The nonce the next transaction signed by `address` must carry. */
export function nextNonce(state: RegistryState, address: string): number {
  return (state.wallets.get(address)?.nonce ?? 0) + 1;
}

/**
 * The whole state as canonical JSON-safe data (every map sorted by key, amounts as decimal
 * strings). Two followers of the same blocks produce identical snapshots.
 */
export function stateSnapshot(state: RegistryState): Record<string, unknown> {
  const amount = (value: bigint) => value.toString();
  return {
    chainId: state.chainId,
    params: encodeParams(state.params),
    authority: state.authority,
    genesisHash: state.genesisHash,
    height: state.height,
    hash: state.hash,
    timestamp: state.timestamp,
    supply: {
      allocated: amount(state.supply.allocated),
      faucet: amount(state.supply.faucet),
      rewards: amount(state.supply.rewards),
    },
    wallets: state.wallets.sortedKeys().map((address) => {
      const wallet = walletInfo(state, address);
      return {
        address,
        balance: amount(wallet.balance),
        nonce: wallet.nonce,
        locked: amount(wallet.locked),
        lockedEntries: wallet.lockedEntries.map((entry) => ({
          ...entry,
          amount: amount(entry.amount),
        })),
      };
    }),
    nodes: state.nodes.sortedKeys().map((key) => {
      const node = state.nodes.get(key) as ServiceNodeState;
      const { requirement, ...rest } = node;
      return {
        ...rest,
        ...(requirement === undefined ? {} : { requirement: amount(requirement) }),
        uptimeProof: node.uptimeProof === undefined ? null : { ...node.uptimeProof },
        stake: amount(node.stake),
        contributions: node.contributions.map((entry) => ({
          address: entry.address,
          amount: amount(entry.amount),
          reserved: amount(entry.reserved),
        })),
      };
    }),
    history: state.history.sortedKeys().map((key) => ({
      node: key,
      events: nodeHistory(state, key).map((event) => ({
        ...event,
        amount: event.amount === undefined ? undefined : amount(event.amount),
      })),
    })),
    swarmAssignment: [...state.swarmAssignment.keys()]
      .sort(compareStrings)
      .map((key) => [key, (state.swarmAssignment.get(key) as bigint).toString(16)]),
    pendingReleases: state.pendingReleases.map((release) => ({
      ...release,
      contributions: release.contributions.map((entry) => ({
        address: entry.address,
        amount: amount(entry.amount),
      })),
    })),
  };
}

/** Hex BLAKE2b-256 of the canonical JSON of {@link stateSnapshot}: equal states, equal digests. */
export function stateDigest(state: RegistryState, crypto: Pick<RegistryCrypto, 'blake2b'>): string {
  const text = canonicalJson(stateSnapshot(state) as never);
  return bytesToHex(crypto.blake2b(utf8Encode(`murmur-registry-state-v1\n${text}`), 32));
}

/**
 * Checks the invariants every state must hold and returns the broken ones (empty when all
 * hold): supply conserved (balances + locked = allocations + faucet + rewards), no negative
 * balance or lock, each wallet's `locked` equal to its entries, active and decommissioned
 * nodes fully staked, no node over the requirement or above `maxContributors`, and every active
 * node (only those) in a swarm.
 */
export function checkStateInvariants(state: RegistryState): string[] {
  const problems: string[] = [];
  const { params } = state;
  let total = 0n;
  for (const [address, wallet] of state.wallets) {
    if (wallet.balance < 0n) problems.push(`wallet ${address} has a negative balance`);
    if (wallet.locked < 0n) problems.push(`wallet ${address} has a negative locked amount`);
    let sum = 0n;
    for (const entry of wallet.lockedEntries) {
      if (entry.amount <= 0n) problems.push(`wallet ${address} has a non-positive locked entry`);
      sum += entry.amount;
    }
    if (sum !== wallet.locked) problems.push(`wallet ${address} locked ≠ its entries`);
    total += wallet.balance + wallet.locked;
  }
  const created = state.supply.allocated + state.supply.faucet + state.supply.rewards;
  if (total !== created) {
    problems.push(`supply not conserved: wallets hold ${total}, ${created} were created`);
  }
  for (const [key, node] of state.nodes) {
    const sum = node.contributions.reduce((acc, entry) => acc + entry.amount, 0n);
    if (sum !== node.stake) problems.push(`node ${key} stake ≠ its contributions`);
    const requirement = node.requirement ?? params.stakingRequirement;
    if (node.stake > requirement) problems.push(`node ${key} is over-staked`);
    if (node.contributions.length > params.maxContributors) {
      problems.push(`node ${key} has too many contributors`);
    }
    if (node.status !== 'awaiting-contributions' && node.stake !== requirement) {
      problems.push(`node ${key} is ${node.status} without the full stake`);
    }
    const inSwarm = state.swarmAssignment.has(key);
    if ((node.status === 'active') !== inSwarm) {
      problems.push(`node ${key} is ${node.status} but ${inSwarm ? 'in' : 'not in'} a swarm`);
    }
  }
  for (const key of state.swarmAssignment.keys()) {
    if (!state.nodes.has(key)) problems.push(`swarm member ${key} is not registered`);
  }
  return problems;
}
