/**
 * A tiny typed event emitter (no `node:events`: the package runs in browsers too) and the events
 * a path manager emits.
 */

/**
 * The health of a client's onion paths:
 * - `healthy`: every wanted path exists;
 * - `degraded`: some paths exist, fewer than wanted, and none is being built right now;
 * - `rebuilding`: a build is running and fewer paths than wanted exist;
 * - `offline`: no path exists and none can be built now (see the reason).
 */
export type PathHealth = 'healthy' | 'degraded' | 'rebuilding' | 'offline';

/** Emitted when the health changes. */
export interface PathHealthEvent {
  health: PathHealth;
  previous: PathHealth;
  /** Why, in words for a person ("only 5 usable nodes; 6 are needed"). */
  reason: string;
}

/** Emitted when the manager needs a fresh node list from the seed endpoint. */
export interface BootstrapEvent {
  /** Why ("no cached node pool", "the cached node pool expired", ...). */
  reason: string;
}

/** Emitted whenever the set of paths changes. */
export interface PathsEvent {
  paths: readonly { id: string; nodes: readonly { ed25519: string }[] }[];
}

/** Every event of a path manager. */
export interface PathManagerEvents {
  health: PathHealthEvent;
  bootstrap: BootstrapEvent;
  paths: PathsEvent;
}

export type { Emitter, Listener } from '@murmur/wire';
