/**
 * Where a new swarm goes on the ring: oxend's `get_new_swarm_id`. IDs live on a ring of
 * MAX_SWARM_ID + 1 = 2^64 - 1 points (0 and MAX_SWARM_ID are one apart). The new ID is the middle
 * (rounded down) of the largest gap between consecutive IDs; among equal gaps the one starting at
 * the lowest ID wins, and the wrap-around gap (from the highest ID back to the lowest) wins only
 * when it is strictly larger than every other gap.
 */
import { MAX_SWARM_ID } from '@murmur/wire';

/** Number of points on the swarm ID ring. */
const RING_SIZE = MAX_SWARM_ID + 1n;

/** Size of the gap from `start` to the next ID `end` going up (the whole ring when equal). */
function gapSize(start: bigint, end: bigint): bigint {
  return start < end ? end - start : RING_SIZE - start + end;
}

function midpoint(start: bigint, gap: bigint): bigint {
  return (start + gap / 2n) % RING_SIZE;
}

/**
 * The ID oxend gives a new swarm, given the existing IDs sorted ascending (0 when there are none).
 * The straightforward O(n) definition; {@link GapIndex} gives the same answers incrementally.
 */
export function newSwarmId(sortedIds: readonly bigint[]): bigint {
  const count = sortedIds.length;
  if (count === 0) return 0n;
  let bestGap = 0n;
  let bestStart = 0n;
  for (let i = 0; i + 1 < count; i++) {
    const gap = (sortedIds[i + 1] as bigint) - (sortedIds[i] as bigint);
    if (gap > bestGap) {
      bestGap = gap;
      bestStart = sortedIds[i] as bigint;
    }
  }
  const last = sortedIds[count - 1] as bigint;
  const wrapGap = gapSize(last, sortedIds[0] as bigint);
  if (wrapGap > bestGap) {
    bestGap = wrapGap;
    bestStart = last;
  }
  return midpoint(bestStart, bestGap);
}

interface Gap {
  start: bigint;
  end: bigint;
  size: bigint;
}

/** True when `a` should be taken before `b`: larger gap first, then lower start. */
function before(a: Gap, b: Gap): boolean {
  return a.size > b.size || (a.size === b.size && a.start < b.start);
}

/**
 * The set of swarm IDs as a ring with its gaps in a max-heap, so that inserting an ID, removing
 * one and asking for the next new ID each cost O(log n). Gaps that an insertion or removal made
 * stale stay in the heap and are skipped when they reach the top (a gap is live while its start
 * is present and its end is still the start's successor).
 */
export class GapIndex {
  readonly #next = new Map<bigint, bigint>();
  readonly #previous = new Map<bigint, bigint>();
  readonly #heap: Gap[] = [];

  /** Builds the ring from IDs in ascending order (distinct, each <= MAX_SWARM_ID). */
  constructor(sortedIds: readonly bigint[]) {
    const count = sortedIds.length;
    for (let i = 0; i < count; i++) {
      const start = sortedIds[i] as bigint;
      const end = sortedIds[(i + 1) % count] as bigint;
      this.#next.set(start, end);
      this.#previous.set(end, start);
      this.#heap.push({ start, end, size: gapSize(start, end) });
    }
    for (let i = (this.#heap.length >>> 1) - 1; i >= 0; i--) this.#siftDown(i);
  }

  /** Number of IDs on the ring. */
  get size(): number {
    return this.#next.size;
  }

  /** The ID {@link newSwarmId} would give for the current set. */
  nextId(): bigint {
    if (this.#next.size === 0) return 0n;
    for (;;) {
      const top = this.#heap[0] as Gap;
      if (this.#next.get(top.start) === top.end) return midpoint(top.start, top.size);
      this.#pop();
    }
  }

  /** Adds `id` (not present yet) to the ring. */
  insert(id: bigint): void {
    if (this.#next.size === 0) {
      this.#next.set(id, id);
      this.#previous.set(id, id);
      this.#push({ start: id, end: id, size: RING_SIZE });
      return;
    }
    // Find the gap holding id: its start is the largest ID below id (or the highest ID).
    const start = this.#predecessorOf(id);
    const end = this.#next.get(start) as bigint;
    this.#next.set(start, id);
    this.#previous.set(id, start);
    this.#next.set(id, end);
    this.#previous.set(end, id);
    this.#push({ start, end: id, size: gapSize(start, id) });
    this.#push({ start: id, end, size: gapSize(id, end) });
  }

  /** Removes `id` (present) from the ring. */
  remove(id: bigint): void {
    const start = this.#previous.get(id) as bigint;
    const end = this.#next.get(id) as bigint;
    this.#next.delete(id);
    this.#previous.delete(id);
    if (this.#next.size === 0) {
      this.#heap.length = 0;
      return;
    }
    this.#next.set(start, end);
    this.#previous.set(end, start);
    this.#push({ start, end, size: gapSize(start, end) });
  }

  /**
   * The ID whose gap contains `id`. New IDs are always inserted at the midpoint of the largest
   * gap, so the caller knows it; this walks the heap top instead of scanning when it can.
   */
  #predecessorOf(id: bigint): bigint {
    const top = this.#heap[0];
    if (top !== undefined && this.#next.get(top.start) === top.end && this.#contains(top, id)) {
      return top.start;
    }
    let best: bigint | undefined;
    let highest: bigint | undefined;
    for (const candidate of this.#next.keys()) {
      if (candidate < id && (best === undefined || candidate > best)) best = candidate;
      if (highest === undefined || candidate > highest) highest = candidate;
    }
    return (best ?? highest) as bigint;
  }

  #contains(gap: Gap, id: bigint): boolean {
    if (gap.start < gap.end) return id > gap.start && id < gap.end;
    return id > gap.start || id < gap.end;
  }

  #push(gap: Gap): void {
    const heap = this.#heap;
    heap.push(gap);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (!before(gap, heap[parent] as Gap)) break;
      heap[i] = heap[parent] as Gap;
      i = parent;
    }
    heap[i] = gap;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop() as Gap;
    if (heap.length === 0) return;
    heap[0] = last;
    this.#siftDown(0);
  }

  #siftDown(index: number): void {
    const heap = this.#heap;
    const length = heap.length;
    const item = heap[index] as Gap;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && before(heap[right] as Gap, heap[left] as Gap) ? right : left;
      if (!before(heap[child] as Gap, item)) break;
      heap[i] = heap[child] as Gap;
      i = child;
    }
    heap[i] = item;
  }
}
