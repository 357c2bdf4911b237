/**
 * The two swarm constants only swarm formation needs. The protocol's values (swarm sizes,
 * percentiles, the largest swarm ID) live in `@murmur/wire`, the single place every package
 * reads them from; the swarm code imports them from there.
 */
import { INVALID_SWARM_ID } from '@murmur/wire';

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
