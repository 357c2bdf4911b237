/**
 * Swarm formation: oxend's `calc_swarm_changes` (CORE `service_node_swarm.cpp`), reproduced step
 * for step with the same random draws, over state kept sorted incrementally so that a 10,000-node
 * network is updated in milliseconds.
 *
 * Where oxend leaves an order unspecified (its `std::sort` by size is not stable) or misbehaves in a
 * corner case, Murmur fixes a rule, listed in the package README ("Deviations from oxend"):
 * - swarms of equal size are ordered by swarm ID, ascending;
 * - a swarm's members are always kept in ascending key order (oxend appends moved nodes at the
 *   end of its per-swarm vector during one update), so "the pool" of candidate nodes is ordered
 *   by swarm ID, then node key;
 * - the dissolve step stops when one swarm is left (oxend would dissolve the last swarm too and
 *   crash on an empty map when fewer than 5 nodes remain in 2+ swarms).
 */
import {
  EXCESS_BASE,
  FILL_SWARM_LOWER_PERCENTILE,
  IDEAL_SWARM_MARGIN,
  InternalError,
  InvalidInputError,
  MIN_SWARM_SIZE,
  NEW_SWARM_SIZE,
  STEALING_SWARM_UPPER_PERCENTILE,
} from '@murmur/wire';
import {
  DECOMMISSIONED_REDISTRIBUTION_LOWER_PERCENTILE,
  UNASSIGNED_SWARM_ID,
} from './constants.js';
import { type Mt19937_64, rngFromBlockHash, uniformPortable } from './mt19937-64.js';
import { GapIndex } from './new-swarm-id.js';
import type { SwarmId } from './swarm-space.js';

/**
 * One swarm while an update runs: its ID and its members. A member is a node's position in the
 * sorted list of active keys, so ascending numbers are ascending keys.
 */
interface Swarm {
  readonly id: SwarmId;
  readonly members: number[];
}

/** A node picked from a pool: the swarm it is in and its index in that swarm's members. */
interface PoolPick {
  swarm: Swarm;
  index: number;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Index of the first element of `list` (ascending by `id`) whose id is >= `id`. */
function lowerBoundById(list: readonly Swarm[], id: bigint): number {
  let from = 0;
  let to = list.length;
  while (from < to) {
    const middle = (from + to) >>> 1;
    if ((list[middle] as Swarm).id < id) from = middle + 1;
    else to = middle;
  }
  return from;
}

/** Index of the first node of `nodes` (ascending) that is >= `node`. */
function lowerBoundByNode(nodes: readonly number[], node: number): number {
  let from = 0;
  let to = nodes.length;
  while (from < to) {
    const middle = (from + to) >>> 1;
    if ((nodes[middle] as number) < node) from = middle + 1;
    else to = middle;
  }
  return from;
}

function compareNumbers(a: number, b: number): number {
  return a - b;
}

/**
 * The mutable state of one swarm update. Besides the swarms themselves it keeps, up to date after
 * every move:
 * - the swarms in ID order (for the pools, which are ordered by swarm ID then node key);
 * - for each size, the swarms of that size in ID order (the "sorted by size, ties by ID" view);
 * - the total excess Σ max(0, size - EXCESS_BASE) and the number of swarms under MIN_SWARM_SIZE;
 * - the gaps between swarm IDs (for new swarm IDs).
 */
class Formation {
  readonly #rng: Mt19937_64;
  readonly #byId: Swarm[] = [];
  readonly #bySize: Swarm[][] = [];
  readonly #gaps: GapIndex;
  #excess = 0;
  #starving = 0;

  /** `swarms` must be in ascending ID order with sorted members. */
  constructor(swarms: Swarm[], rng: Mt19937_64) {
    this.#rng = rng;
    this.#gaps = new GapIndex(swarms.map((swarm) => swarm.id));
    for (const swarm of swarms) {
      this.#byId.push(swarm);
      this.#bucket(swarm.members.length).push(swarm);
      this.#tally(swarm.members.length, 1);
    }
  }

  get swarmCount(): number {
    return this.#byId.length;
  }

  swarms(): readonly Swarm[] {
    return this.#byId;
  }

  /** Step 0 and step 3: a new swarm with the given members (sorted) and ID. */
  createSwarm(id: SwarmId, members: number[]): void {
    const at = lowerBoundById(this.#byId, id);
    if (this.#byId[at]?.id === id) {
      throw new InternalError('swarm formation produced a swarm ID that already exists', {
        details: { swarmId: id.toString() },
      });
    }
    const swarm: Swarm = { id, members };
    this.#byId.splice(at, 0, swarm);
    this.#bucketInsert(swarm, members.length);
    this.#tally(members.length, 1);
    this.#gaps.insert(id);
  }

  /**
   * Step 1 (and the reassignment in step 4): each node joins a swarm drawn uniformly among the
   * swarms up to the `percentile`-th smallest (extended to every swarm of that same size), and
   * after each node the new-swarm step runs.
   */
  assign(nodes: readonly number[], percentile: number): void {
    for (const node of nodes) {
      this.#addMember(this.#pickByPercentile(percentile), node);
      this.createFromExcess();
    }
  }

  /**
   * Step 2, the Robin Hood round: each swarm under MIN_SWARM_SIZE (smallest first, ties by ID)
   * takes random nodes from the swarms above the 75th percentile of sizes until it reaches the
   * minimum, or stops everything when their excess cannot cover its deficit.
   */
  robinHood(): void {
    if (this.#starving === 0) return;
    // oxend sorts once, before stealing, and keeps using that snapshot.
    const snapshot = this.#sortedBySize();
    const percentileIndex = Math.floor(
      (STEALING_SWARM_UPPER_PERCENTILE * (snapshot.length - 1)) / 100,
    );
    const percentileSize = (snapshot[percentileIndex] as Swarm).members.length;
    // oxend computes `size - 1` in size_t: a size of 0 wraps to 2^64 - 1 and no swarm qualifies.
    if (percentileSize === 0) return;
    const threshold = Math.max(MIN_SWARM_SIZE, percentileSize - 1);
    const poorSwarms = snapshot.filter((swarm) => swarm.members.length < MIN_SWARM_SIZE);
    for (const poor of poorSwarms) {
      do {
        const deficit = MIN_SWARM_SIZE - poor.members.length;
        if (this.#excessAbove(threshold) < deficit) return;
        const pick = this.#drawFromPool(threshold);
        this.#addMember(poor, this.#removeMember(pick));
      } while (poor.members.length < MIN_SWARM_SIZE);
    }
  }

  /**
   * Step 3: while no swarm is under MIN_SWARM_SIZE and the total excess reaches
   * NEW_SWARM_SIZE + IDEAL_SWARM_MARGIN x swarms, cut a new swarm of NEW_SWARM_SIZE random nodes
   * taken one at a time from the swarms above EXCESS_BASE, at the middle of the largest ID gap.
   */
  createFromExcess(): void {
    if (this.#starving > 0) return;
    while (this.#excess >= NEW_SWARM_SIZE + this.#byId.length * IDEAL_SWARM_MARGIN) {
      const members: number[] = [];
      for (let i = 0; i < NEW_SWARM_SIZE; i++) {
        // Unreachable when the excess is at least NEW_SWARM_SIZE; checked anyway.
        if (this.#excessAbove(EXCESS_BASE) === 0) {
          throw new InternalError('swarm formation ran out of excess nodes for a new swarm');
        }
        members.push(this.#removeMember(this.#drawFromPool(EXCESS_BASE)));
      }
      members.sort(compareNumbers);
      this.createSwarm(this.#gaps.nextId(), members);
    }
  }

  /**
   * Step 4: while more than one swarm exists and one is under MIN_SWARM_SIZE, dissolve the one
   * with the lowest ID and hand its nodes (in key order) to the smallest swarms.
   */
  dissolve(): void {
    while (this.#byId.length > 1 && this.#starving > 0) {
      let lowest: Swarm | undefined;
      for (let size = 0; size < MIN_SWARM_SIZE; size++) {
        const first = this.#bySize[size]?.[0];
        if (first !== undefined && (lowest === undefined || first.id < lowest.id)) lowest = first;
      }
      const swarm = lowest as Swarm;
      this.#deleteSwarm(swarm);
      this.assign(swarm.members, DECOMMISSIONED_REDISTRIBUTION_LOWER_PERCENTILE);
    }
  }

  #pickByPercentile(percentile: number): Swarm {
    const count = this.#byId.length;
    const percentileIndex = Math.floor((percentile * (count - 1)) / 100);
    // The candidates run from index 0 to the last swarm with the same size as the one at
    // percentileIndex, in (size, ID) order: whole size buckets, so only their total matters.
    let candidates = 0;
    for (const bucket of this.#bySize) {
      if (bucket === undefined) continue;
      candidates += bucket.length;
      if (candidates > percentileIndex) break;
    }
    let drawn = uniformPortable(this.#rng, candidates);
    for (const bucket of this.#bySize) {
      if (bucket === undefined) continue;
      if (drawn < bucket.length) return bucket[drawn] as Swarm;
      drawn -= bucket.length;
    }
    throw new InternalError('swarm formation drew a swarm index out of range');
  }

  /** Σ (size - MIN_SWARM_SIZE) over swarms larger than `threshold` (>= MIN_SWARM_SIZE). */
  #excessAbove(threshold: number): number {
    let excess = 0;
    for (let size = threshold + 1; size < this.#bySize.length; size++) {
      const bucket = this.#bySize[size];
      if (bucket !== undefined) excess += (size - MIN_SWARM_SIZE) * bucket.length;
    }
    return excess;
  }

  /**
   * A node drawn uniformly from every member of every swarm larger than `threshold`, listed by
   * swarm ID then node key (so a swarm is picked in proportion to its size). The pool must not be
   * empty.
   */
  #drawFromPool(threshold: number): PoolPick {
    let total = 0;
    for (let size = threshold + 1; size < this.#bySize.length; size++) {
      const bucket = this.#bySize[size];
      if (bucket !== undefined) total += size * bucket.length;
    }
    let drawn = uniformPortable(this.#rng, total);
    for (const swarm of this.#byId) {
      const size = swarm.members.length;
      if (size <= threshold) continue;
      if (drawn < size) return { swarm, index: drawn };
      drawn -= size;
    }
    throw new InternalError('swarm formation drew a pool index out of range');
  }

  #addMember(swarm: Swarm, node: number): void {
    const size = swarm.members.length;
    this.#bucketRemove(swarm, size);
    swarm.members.splice(lowerBoundByNode(swarm.members, node), 0, node);
    this.#bucketInsert(swarm, size + 1);
    this.#resize(size, size + 1);
  }

  #removeMember(pick: PoolPick): number {
    const { swarm, index } = pick;
    const size = swarm.members.length;
    this.#bucketRemove(swarm, size);
    const [node] = swarm.members.splice(index, 1);
    this.#bucketInsert(swarm, size - 1);
    this.#resize(size, size - 1);
    return node as number;
  }

  #deleteSwarm(swarm: Swarm): void {
    const size = swarm.members.length;
    this.#byId.splice(lowerBoundById(this.#byId, swarm.id), 1);
    this.#bucketRemove(swarm, size);
    this.#tally(size, -1);
    this.#gaps.remove(swarm.id);
  }

  /** Counts a swarm of `size` nodes in (`sign` 1) or out of (`sign` -1) the counters. */
  #tally(size: number, sign: 1 | -1): void {
    this.#excess += sign * Math.max(0, size - EXCESS_BASE);
    this.#starving += sign * (size < MIN_SWARM_SIZE ? 1 : 0);
  }

  /** Updates the counters for a swarm going from `before` to `after` nodes. */
  #resize(before: number, after: number): void {
    this.#tally(before, -1);
    this.#tally(after, 1);
  }

  #bucket(size: number): Swarm[] {
    while (this.#bySize.length <= size) this.#bySize.push([]);
    return this.#bySize[size] as Swarm[];
  }

  #bucketInsert(swarm: Swarm, size: number): void {
    const bucket = this.#bucket(size);
    bucket.splice(lowerBoundById(bucket, swarm.id), 0, swarm);
  }

  #bucketRemove(swarm: Swarm, size: number): void {
    const bucket = this.#bucket(size);
    bucket.splice(lowerBoundById(bucket, swarm.id), 1);
  }

  /** Every swarm, ascending by size, ties by ID. */
  #sortedBySize(): Swarm[] {
    return this.#bySize.flat();
  }
}

/**
 * Recomputes the swarms after a change of the active node set, as oxend does in each block that
 * changes it, with randomness from `blockHash` (mt19937_64 seeded with its first 8 bytes,
 * little-endian), so every follower of the same blocks gets the same answer:
 *
 * 0. nodes of `previous` that are not active are dropped; active nodes without a swarm (absent
 *    from `previous` or mapped to {@link UNASSIGNED_SWARM_ID}) are new; when no swarm has an
 *    active member, swarm 0 is created;
 * 1. each new node, in key order, joins a random swarm among the smallest 25%, and after each
 *    one a new swarm is cut if the excess allows (step 3);
 * 2. swarms under 5 nodes take random nodes from swarms above the 75th percentile of sizes;
 * 3. while the excess Σ max(0, size - 5) is at least 7 + 2 x swarms, 7 random nodes from swarms
 *    over 5 form a new swarm, at the middle of the largest gap between swarm IDs;
 * 4. while there is more than one swarm and one has under 5 nodes, the one with the lowest ID is
 *    dissolved and its nodes go to the smallest swarms.
 *
 * Node keys are Ed25519 public keys as 64 hex characters (either case; the result uses lower
 * case). The function is pure: it never mutates its inputs. The result maps every active node to
 * its swarm, in key order.
 *
 * Throws {@link InvalidInputError} for a malformed key, a duplicate active node, a swarm ID out of
 * range or a block hash shorter than 8 bytes.
 *
 * @example
 * ```ts
 * const nodes = ['aa'.repeat(32), 'bb'.repeat(32), 'cc'.repeat(32), 'dd'.repeat(32), 'ee'.repeat(32)];
 * const swarms = assignSwarms(new Map(), nodes, blockHash);
 * swarms.get('aa'.repeat(32)); // 0n: five nodes make one swarm, with ID 0
 * ```
 */
export function assignSwarms(
  previous: ReadonlyMap<string, bigint>,
  activeNodes: readonly string[],
  blockHash: Uint8Array,
): Map<string, SwarmId> {
  const rng = rngFromBlockHash(blockHash);
  const active = normalizeActiveNodes(activeNodes);
  const previousSwarms = normalizePrevious(previous);
  const result = new Map<string, SwarmId>();
  if (active.length === 0) return result;

  // Group the active nodes by their previous swarm. Nodes are numbered by their position in the
  // sorted key list and visited in that order, so every member list starts sorted.
  const unassigned: number[] = [];
  const grouped = new Map<SwarmId, number[]>();
  for (let node = 0; node < active.length; node++) {
    const id = previousSwarms.get(active[node] as string);
    if (id === undefined || id === UNASSIGNED_SWARM_ID) {
      unassigned.push(node);
      continue;
    }
    const members = grouped.get(id);
    if (members === undefined) grouped.set(id, [node]);
    else members.push(node);
  }
  const swarms = [...grouped]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, members]) => ({ id, members }));

  const formation = new Formation(swarms, rng);
  if (formation.swarmCount === 0) formation.createSwarm(0n, []);
  formation.assign(unassigned, FILL_SWARM_LOWER_PERCENTILE);
  formation.robinHood();
  formation.createFromExcess();
  formation.dissolve();

  const swarmOf: SwarmId[] = new Array<SwarmId>(active.length);
  for (const swarm of formation.swarms()) {
    for (const node of swarm.members) swarmOf[node] = swarm.id;
  }
  for (let node = 0; node < active.length; node++) {
    result.set(active[node] as string, swarmOf[node] as SwarmId);
  }
  return result;
}

function normalizeActiveNodes(activeNodes: readonly string[]): string[] {
  if (!Array.isArray(activeNodes)) {
    throw new InvalidInputError('activeNodes must be an array of node keys (64 hex characters)', {
      details: { field: 'activeNodes' },
    });
  }
  const keys = activeNodes.map((key, index) => normalizeNodeKey(key, `activeNodes[${index}]`));
  // The default sort compares UTF-16 code units: for lower-case hex, the order of the key bytes.
  keys.sort();
  for (let i = 1; i < keys.length; i++) {
    if (keys[i] === keys[i - 1]) {
      throw new InvalidInputError(`activeNodes lists node ${keys[i]} more than once`, {
        details: { field: 'activeNodes', node: keys[i] },
      });
    }
  }
  return keys;
}

/** `previous` itself when every key is already lower case (the usual case), else a copy. */
function normalizePrevious(previous: ReadonlyMap<string, bigint>): ReadonlyMap<string, bigint> {
  if (!(previous instanceof Map)) {
    throw new InvalidInputError('previous must be a Map from node key to swarm ID', {
      details: { field: 'previous' },
    });
  }
  let allLowerCase = true;
  for (const [key, id] of previous) {
    const form = nodeKeyForm(key);
    if (form === KeyForm.Invalid) throw invalidNodeKey('previous key');
    if (form === KeyForm.MixedCase) allLowerCase = false;
    if (typeof id !== 'bigint' || id < 0n || id > UNASSIGNED_SWARM_ID) {
      throw new InvalidInputError(
        `previous maps node ${key} to ${String(id)}; a swarm ID is a bigint between 0 and 2^64 - 1`,
        { details: { field: 'previous', node: key } },
      );
    }
  }
  if (allLowerCase) return previous;
  const normalized = new Map<string, bigint>();
  for (const [key, id] of previous) {
    const node = key.toLowerCase();
    if (normalized.has(node) && normalized.get(node) !== id) {
      throw new InvalidInputError(`previous maps node ${node} to two different swarms`, {
        details: { field: 'previous', node },
      });
    }
    normalized.set(node, id);
  }
  return normalized;
}

/** What {@link nodeKeyForm} found. */
const KeyForm = { Invalid: 0, LowerCase: 1, MixedCase: 2 } as const;
type KeyForm = (typeof KeyForm)[keyof typeof KeyForm];

/** Whether `key` is 64 hex characters, and whether any of them is an upper-case letter. */
function nodeKeyForm(key: unknown): KeyForm {
  if (typeof key !== 'string' || key.length !== 64) return KeyForm.Invalid;
  let form: KeyForm = KeyForm.LowerCase;
  for (let i = 0; i < 64; i++) {
    const code = key.charCodeAt(i);
    if ((code >= 48 && code <= 57) || (code >= 97 && code <= 102)) continue;
    if (code >= 65 && code <= 70) form = KeyForm.MixedCase;
    else return KeyForm.Invalid;
  }
  return form;
}

function normalizeNodeKey(key: unknown, field: string): string {
  const form = nodeKeyForm(key);
  if (form === KeyForm.Invalid) throw invalidNodeKey(field);
  return form === KeyForm.LowerCase ? (key as string) : (key as string).toLowerCase();
}

function invalidNodeKey(field: string): InvalidInputError {
  return new InvalidInputError(
    `${field} must be a node's Ed25519 public key as 64 hex characters`,
    {
      details: { field },
    },
  );
}

/**
 * Groups an assignment (node key -> swarm ID, such as {@link assignSwarms} returns) by swarm:
 * swarm IDs ascending, each with its members in ascending key order. Nodes mapped to
 * {@link UNASSIGNED_SWARM_ID}, if any, are grouped under that ID like the others.
 */
export function swarmMembers(assignment: ReadonlyMap<string, bigint>): Map<SwarmId, string[]> {
  if (!(assignment instanceof Map)) {
    throw new InvalidInputError('assignment must be a Map from node key to swarm ID', {
      details: { field: 'assignment' },
    });
  }
  const grouped = new Map<SwarmId, string[]>();
  for (const [key, id] of assignment) {
    const members = grouped.get(id);
    if (members === undefined) grouped.set(id, [key]);
    else members.push(key);
  }
  const result = new Map<SwarmId, string[]>();
  for (const id of [...grouped.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    result.set(id, (grouped.get(id) as string[]).sort(compareStrings));
  }
  return result;
}
