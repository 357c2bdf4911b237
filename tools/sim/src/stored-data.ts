/**
 * The stored data model: `count` random pubkeys, each with the same amount of data, kept with
 * the swarm that stores it. When the set of swarm IDs changes, {@link StoredData.update} finds
 * the pubkeys whose swarm changed (their data must move to another swarm) with
 * `@murmur/swarm`'s own lookup ({@link createSwarmIndex}).
 *
 * Only pubkeys near an added or removed swarm ID can change swarm (a pubkey goes to the nearest
 * ID, and the distances to the IDs that stay do not change), so an update looks up only the
 * pubkeys between the neighbours of each added or removed ID, and every pubkey when many IDs
 * changed. {@link StoredData.verify} checks the result against a lookup of every pubkey.
 */
import { createSwarmIndex, pubkeyToSwarmSpace, type SwarmIndex } from '@murmur/swarm';
import type { Random } from './random.js';

const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

/** What one {@link StoredData.update} changed. */
export interface StoredDataUpdate {
  /** Pubkeys that were stored by one swarm and now belong to another. */
  moved: number;
  /** Pubkeys looked up (all of them, or those near the changed IDs). */
  lookedUp: number;
}

/** The pubkeys and where they are stored. */
export interface StoredData {
  /** Number of pubkeys. */
  readonly count: number;
  /** Swarm IDs of the last update, ascending. */
  readonly swarmIds: readonly bigint[];
  /** Moves every pubkey to its swarm among `swarmIds` (any order); what moved. */
  update(swarmIds: readonly bigint[]): StoredDataUpdate;
  /** Pubkeys stored by `swarmId` (0 for an unknown swarm). */
  pubkeysIn(swarmId: bigint): number;
  /** Pubkeys per swarm, for the current swarm IDs, by ascending ID. */
  countsBySwarm(): Map<bigint, number>;
  /** The swarm-space point of the pubkey at `position` (pubkeys are kept sorted by point). */
  pointAt(position: number): bigint;
  /** The swarm storing the pubkey at `position` (`undefined` before the first update). */
  swarmAt(position: number): bigint | undefined;
  /** Looks every pubkey up again; the number whose recorded swarm differs (0 when correct). */
  verify(): number;
}

/**
 * `count` uniformly random pubkeys (32 random bytes each, mapped with
 * {@link pubkeyToSwarmSpace}) drawn from `random`, none stored yet.
 */
export function createStoredData(count: number, random: Random): StoredData {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new RangeError(`the number of pubkeys must be a positive integer, got ${count}`);
  }
  const points = new BigUint64Array(count);
  const key = new Uint8Array(32);
  for (let i = 0; i < count; i++) points[i] = pubkeyToSwarmSpace(random.fill(key));
  points.sort();
  const owner = new Int32Array(count).fill(-1);
  const handles = new Map<bigint, number>();
  const counts: number[] = [];
  const idByHandle: bigint[] = [];
  let ids: readonly bigint[] = [];
  let index: SwarmIndex | undefined;

  function handleOf(id: bigint): number {
    let handle = handles.get(id);
    if (handle === undefined) {
      handle = counts.length;
      handles.set(id, handle);
      counts.push(0);
      idByHandle.push(id);
    }
    return handle;
  }

  /** First position whose point is ≥ `value`. */
  function lowerBound(value: bigint): number {
    let from = 0;
    let to = count;
    while (from < to) {
      const middle = (from + to) >>> 1;
      if ((points[middle] as bigint) < value) from = middle + 1;
      else to = middle;
    }
    return from;
  }

  /** Position ranges [start, end) of the points in the ring arc from `low` to `high` inclusive. */
  function arc(low: bigint, high: bigint): [number, number][] {
    if (low <= high) return [[lowerBound(low), lowerBound(high + 1n)]];
    return [
      [lowerBound(low), count],
      [0, high === UINT64_MAX ? count : lowerBound(high + 1n)],
    ];
  }

  function relocate(position: number, lookup: SwarmIndex): boolean {
    const handle = handleOf(lookup.swarmFor(points[position] as bigint));
    const previous = owner[position] as number;
    if (handle === previous) return false;
    if (previous >= 0) counts[previous] = (counts[previous] as number) - 1;
    counts[handle] = (counts[handle] as number) + 1;
    owner[position] = handle;
    return previous >= 0;
  }

  function update(swarmIds: readonly bigint[]): StoredDataUpdate {
    const next = swarmIds.length === 0 ? undefined : createSwarmIndex(swarmIds);
    const nextIds = next?.ids ?? [];
    const added: number[] = [];
    const removed: number[] = [];
    let i = 0;
    let j = 0;
    while (i < ids.length || j < nextIds.length) {
      const a = ids[i];
      const b = nextIds[j];
      if (b === undefined || (a !== undefined && a < b)) removed.push(i++);
      else if (a === undefined || b < a) added.push(j++);
      else {
        i++;
        j++;
      }
    }
    const previousIds = ids;
    ids = nextIds;
    index = next;
    if (added.length === 0 && removed.length === 0) return { moved: 0, lookedUp: 0 };
    if (next === undefined) {
      let moved = 0;
      for (let p = 0; p < count; p++) {
        if ((owner[p] as number) >= 0) moved++;
        owner[p] = -1;
      }
      counts.fill(0);
      return { moved, lookedUp: 0 };
    }
    const changed = added.length + removed.length;
    let ranges: [number, number][];
    if (previousIds.length < 3 || nextIds.length < 3 || changed * 8 > nextIds.length) {
      ranges = [[0, count]];
    } else {
      ranges = [];
      const around = (list: readonly bigint[], position: number) => {
        const n = list.length;
        const low = list[(position - 1 + n) % n] as bigint;
        const high = list[(position + 1) % n] as bigint;
        ranges.push(...arc(low, high));
      };
      for (const position of removed) around(previousIds, position);
      for (const position of added) around(nextIds, position);
      ranges = mergeRanges(ranges);
    }
    let moved = 0;
    let lookedUp = 0;
    for (const [start, end] of ranges) {
      for (let p = start; p < end; p++) if (relocate(p, next)) moved++;
      lookedUp += end - start;
    }
    return { moved, lookedUp };
  }

  return {
    count,
    get swarmIds() {
      return ids;
    },
    update,
    pubkeysIn(swarmId: bigint): number {
      const handle = handles.get(swarmId);
      return handle === undefined ? 0 : (counts[handle] as number);
    },
    pointAt(position: number): bigint {
      checkPosition(position, count);
      return points[position] as bigint;
    },
    swarmAt(position: number): bigint | undefined {
      checkPosition(position, count);
      const handle = owner[position] as number;
      return handle < 0 ? undefined : idByHandle[handle];
    },
    countsBySwarm(): Map<bigint, number> {
      const out = new Map<bigint, number>();
      for (const id of ids) out.set(id, counts[handles.get(id) as number] ?? 0);
      return out;
    },
    verify(): number {
      let wrong = 0;
      if (index === undefined) {
        for (let p = 0; p < count; p++) if ((owner[p] as number) !== -1) wrong++;
        return wrong;
      }
      for (let p = 0; p < count; p++) {
        const expected = handles.get(index.swarmFor(points[p] as bigint));
        if (expected !== owner[p]) wrong++;
      }
      return wrong;
    },
  };
}

function checkPosition(position: number, count: number): void {
  if (!Number.isInteger(position) || position < 0 || position >= count) {
    throw new RangeError(`position must be an integer in [0, ${count}), got ${position}`);
  }
}

/** Sorted, non-overlapping union of index ranges [start, end). */
function mergeRanges(ranges: readonly [number, number][]): [number, number][] {
  const sorted = ranges.filter(([start, end]) => end > start).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}
