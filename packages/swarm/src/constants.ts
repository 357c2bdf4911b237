/**
 * Swarm constants, with the values oxend uses (CORE `service_node_rules.h`,
 * `service_node_swarm.h`; see SESSION-FACTS.md section 5).
 *
 * TODO(wire): these belong in `@murmur/wire`'s constants module (`packages/wire/src/constants.ts`),
 * which does not exist yet. When it lands, re-export them from there instead of defining them here.
 */

/** The swarm ID of a node that has no swarm yet (and the "invalid swarm" marker): 2^64 - 1. */
export const UNASSIGNED_SWARM_ID: bigint = 0xffff_ffff_ffff_ffffn;

/** The largest swarm ID a swarm can have: 2^64 - 2 (oxend's `MAX_ID`). */
export const MAX_SWARM_ID: bigint = 0xffff_ffff_ffff_fffen;

/** A swarm with fewer members is rescued (Robin Hood round) or dissolved. */
export const MIN_SWARM_SIZE = 5;

/** The size swarms aim for. */
export const IDEAL_SWARM_SIZE = 7;

/** How many members a newly cut swarm gets. */
export const NEW_SWARM_SIZE = 7;

/** Excess each existing swarm keeps before a new swarm is cut (threshold = 7 + 2 x swarms). */
export const IDEAL_SWARM_MARGIN = 2;

/** Members above this count in a swarm are "excess" (available for a new swarm). */
export const EXCESS_BASE = 5;

/** Declared by oxend but unused by its formation algorithm; kept for reference. */
export const MAX_SWARM_SIZE = 10;

/** New nodes join a swarm picked among the smallest 25% (by size). */
export const FILL_SWARM_LOWER_PERCENTILE = 25;

/** Undersized swarms take nodes from swarms above the 75th percentile of sizes. */
export const STEALING_SWARM_UPPER_PERCENTILE = 75;

/** Nodes of a dissolved swarm go to the smallest swarms (percentile 0). */
export const DECOMMISSIONED_REDISTRIBUTION_LOWER_PERCENTILE = 0;
