/**
 * Swarm constants. The protocol's values live in `@murmur/wire` (the single place every package
 * reads them from); this module re-exports them under the names the swarm code uses and adds
 * the two that only swarm formation needs.
 */
import { INVALID_SWARM_ID } from '@murmur/wire';

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

/**
 * The swarm ID of a node not yet placed in a swarm: 2^64 − 1, the same value as Session's
 * `INVALID_SWARM_ID` / `UNASSIGNED_SWARM_ID` (SS `oxenss/snode/swarm.cpp`).
 */
export const UNASSIGNED_SWARM_ID: bigint = INVALID_SWARM_ID;

/**
 * Percentile used when a dissolved swarm's nodes are redistributed: 0, i.e. into the smallest
 * swarms (CORE `DECOMMISSIONED_REDISTRIBUTION_LOWER_PERCENTILE`).
 */
export const DECOMMISSIONED_REDISTRIBUTION_LOWER_PERCENTILE = 0;
