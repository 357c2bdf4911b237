/**
 * @packageDocumentation
 * `@murmur/swarm`: which swarm stores a pubkey's messages, and how swarms form as service nodes
 * come and go, exactly as Session's storage server and oxend do it.
 *
 * - {@link pubkeyToSwarmSpace}, {@link swarmForPubkey}, {@link createSwarmIndex}: a pubkey's
 *   point on the 2^64 ring (XOR of its four big-endian 64-bit words) and the nearest swarm ID
 *   (ties go to the lower side).
 * - {@link assignSwarms}: oxend's swarm formation (fill the smallest 25%, Robin Hood rescue from
 *   above the 75th percentile, cut new swarms of 7 from the excess, dissolve swarms under 5),
 *   with mt19937_64 seeded from the block hash, so every follower computes the same swarms.
 * - {@link Mt19937_64}, {@link uniformPortable}, {@link rngFromBlockHash}: the random source,
 *   bit-exact with C++'s `std::mt19937_64` and oxend's portable uniform draw.
 *
 * @example
 * ```ts
 * import { assignSwarms, createSwarmIndex, swarmMembers } from '@murmur/swarm';
 *
 * const assignment = assignSwarms(previousAssignment, activeNodeKeys, blockHash);
 * const swarms = swarmMembers(assignment); // swarm ID -> member node keys
 * const index = createSwarmIndex([...swarms.keys()]);
 * const swarmId = index.swarmFor(sessionId); // '05…' (66 hex characters)
 * const members = swarms.get(swarmId);
 * ```
 */
// The protocol's swarm constants are @murmur/wire's; re-exported here for swarm users.
export {
  EXCESS_BASE,
  FILL_SWARM_LOWER_PERCENTILE,
  IDEAL_SWARM_MARGIN,
  IDEAL_SWARM_SIZE,
  MAX_SWARM_ID,
  MAX_SWARM_SIZE,
  MIN_SWARM_SIZE,
  NEW_SWARM_SIZE,
  STEALING_SWARM_UPPER_PERCENTILE,
} from '@murmur/wire';
export { UNASSIGNED_SWARM_ID } from './constants.js';
export { assignSwarms, swarmMembers } from './formation.js';
export {
  Mt19937_64,
  rngFromBlockHash,
  seedFromBlockHash,
  uniformPortable,
} from './mt19937-64.js';
export { newSwarmId } from './new-swarm-id.js';
export {
  createSwarmIndex,
  type PubkeyInput,
  pubkeyToSwarmSpace,
  type SwarmId,
  type SwarmIndex,
  swarmForPubkey,
  swarmIdFromHex,
  swarmIdToHex,
} from './swarm-space.js';
