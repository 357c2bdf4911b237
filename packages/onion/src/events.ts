/**
 * A tiny typed event emitter (no `node:events`: the package runs in browsers too) and the events
 * a path manager emits.
 */
import type { Logger } from '@murmur/wire';

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

/** A listener; the function returned by `on` removes it. */
export type Listener<T> = (event: T) => void;

/** A typed emitter: `on(name, listener)` returns an unsubscribe function. */
export interface Emitter<Events extends object> {
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void;
  emit<K extends keyof Events>(name: K, event: Events[K]): void;
  clear(): void;
}

/**
 * Creates an emitter. A listener that throws is logged (at warn) and does not stop the others
 * or the emitter's owner.
 */
export function createEmitter<Events extends object>(logger: Logger): Emitter<Events> {
  const listeners = new Map<keyof Events, Set<Listener<never>>>();
  return {
    on(name, listener) {
      let set = listeners.get(name);
      if (set === undefined) {
        set = new Set();
        listeners.set(name, set);
      }
      set.add(listener as Listener<never>);
      return () => {
        set.delete(listener as Listener<never>);
      };
    },
    emit(name, event) {
      const set = listeners.get(name);
      if (set === undefined) return;
      for (const listener of [...set]) {
        try {
          (listener as Listener<typeof event>)(event);
        } catch (error) {
          logger.warn({ event: String(name), err: error }, 'onion: an event listener threw');
        }
      }
    },
    clear() {
      listeners.clear();
    },
  };
}
