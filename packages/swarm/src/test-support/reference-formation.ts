/**
 * A deliberately naive rendition of swarm formation for tests: every step written the way
 * SESSION-FACTS.md section 5 and PROTOCOL.md state it, re-sorting and rebuilding pools from
 * scratch at every draw. `assignSwarms` keeps incremental state for speed; the tests check that
 * both always give the same assignment. Not part of the build.
 */
import { EXCESS_BASE, IDEAL_SWARM_MARGIN, MIN_SWARM_SIZE, NEW_SWARM_SIZE } from '@murmur/wire';
import { UNASSIGNED_SWARM_ID } from '../constants.js';
import { rngFromBlockHash, uniformPortable } from '../mt19937-64.js';
import { newSwarmId } from '../new-swarm-id.js';

const compareIds = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** The reference algorithm; same contract as `assignSwarms` for valid input. */
export function referenceAssignSwarms(
  previous: ReadonlyMap<string, bigint>,
  activeNodes: readonly string[],
  blockHash: Uint8Array,
): Map<string, bigint> {
  const rng = rngFromBlockHash(blockHash);
  const previousLower = new Map([...previous].map(([key, id]) => [key.toLowerCase(), id]));
  const keys = activeNodes.map((key) => key.toLowerCase()).sort();
  const result = new Map<string, bigint>();
  if (keys.length === 0) return result;

  const swarms = new Map<bigint, string[]>();
  const unassigned: string[] = [];
  for (const key of keys) {
    const id = previousLower.get(key) ?? UNASSIGNED_SWARM_ID;
    if (id === UNASSIGNED_SWARM_ID) unassigned.push(key);
    else swarms.set(id, [...(swarms.get(id) ?? []), key]);
  }
  if (swarms.size === 0) swarms.set(0n, []);

  const members = (id: bigint): string[] => swarms.get(id) as string[];
  const idsAscending = (): bigint[] => [...swarms.keys()].sort(compareIds);
  const bySize = (): { id: bigint; size: number }[] =>
    idsAscending()
      .map((id) => ({ id, size: members(id).length }))
      .sort((a, b) => a.size - b.size || compareIds(a.id, b.id));
  const totalExcess = (): number =>
    [...swarms.values()].reduce((sum, list) => sum + Math.max(0, list.length - EXCESS_BASE), 0);
  const pool = (threshold: number) => {
    const nodes: { id: bigint; key: string }[] = [];
    let excess = 0;
    for (const id of idsAscending()) {
      const list = members(id);
      if (list.length <= threshold) continue;
      excess += list.length - MIN_SWARM_SIZE;
      for (const key of list) nodes.push({ id, key });
    }
    return { nodes, excess };
  };
  const take = (threshold: number): string => {
    const { nodes } = pool(threshold);
    if (nodes.length === 0) throw new Error('empty pool');
    const pick = nodes[uniformPortable(rng, nodes.length)] as { id: bigint; key: string };
    swarms.set(
      pick.id,
      members(pick.id).filter((key) => key !== pick.key),
    );
    return pick.key;
  };
  const add = (id: bigint, key: string): void => {
    swarms.set(id, [...members(id), key].sort());
  };

  const createFromExcess = (): void => {
    if ([...swarms.values()].some((list) => list.length < MIN_SWARM_SIZE)) return;
    while (totalExcess() >= NEW_SWARM_SIZE + swarms.size * IDEAL_SWARM_MARGIN) {
      const picked: string[] = [];
      while (picked.length < NEW_SWARM_SIZE) picked.push(take(EXCESS_BASE));
      const id = newSwarmId(idsAscending());
      if (swarms.has(id)) throw new Error('duplicate swarm id');
      swarms.set(id, picked.sort());
    }
  };

  const assign = (list: readonly string[], percentile: number): void => {
    for (const key of list) {
      const sorted = bySize();
      const percentileIndex = Math.floor((percentile * (sorted.length - 1)) / 100);
      const percentileSize = (sorted[percentileIndex] as { size: number }).size;
      let upper = sorted.length - 1;
      for (let i = percentileIndex; i < sorted.length; i++) {
        if ((sorted[i] as { size: number }).size > percentileSize) {
          upper = i - 1;
          break;
        }
      }
      add((sorted[uniformPortable(rng, upper + 1)] as { id: bigint }).id, key);
      createFromExcess();
    }
  };

  // 1. New nodes.
  assign(unassigned, 25);

  // 2. Robin Hood, over a snapshot of the sizes taken once.
  const snapshot = bySize();
  const percentileSize = (
    snapshot[Math.floor((75 * (snapshot.length - 1)) / 100)] as {
      size: number;
    }
  ).size;
  const threshold =
    percentileSize === 0 ? Number.POSITIVE_INFINITY : Math.max(5, percentileSize - 1);
  rescue: for (const entry of snapshot) {
    if (entry.size >= MIN_SWARM_SIZE) break;
    do {
      const { excess } = pool(threshold);
      if (excess < MIN_SWARM_SIZE - members(entry.id).length) break rescue;
      add(entry.id, take(threshold));
    } while (members(entry.id).length < MIN_SWARM_SIZE);
  }

  // 3. New swarms.
  createFromExcess();

  // 4. Dissolve.
  while (swarms.size > 1) {
    const starving = idsAscending().find((id) => members(id).length < MIN_SWARM_SIZE);
    if (starving === undefined) break;
    const orphans = members(starving);
    swarms.delete(starving);
    assign(orphans, 0);
  }

  for (const key of keys) {
    for (const [id, list] of swarms) if (list.includes(key)) result.set(key, id);
  }
  return result;
}
