/**
 * A small typed event emitter for components (no `node:events`, so it runs in browsers too).
 * A listener that throws never breaks the emitter or the other listeners: the error goes to
 * `onListenerError` (usually the component's logger) and the next listener runs.
 */

/** A listener of one event. */
export type Listener<T> = (event: T) => void;

/** What a component exposes to its callers: subscribe and unsubscribe. */
export interface EventSource<Events extends object> {
  /** Adds `listener` for `name`; returns the function that removes it. */
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void;
  /** Removes `listener` for `name`. */
  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void;
}

/** The component's side: an {@link EventSource} that can also emit. */
export interface Emitter<Events extends object> extends EventSource<Events> {
  /** Calls every listener of `name` with `event`, in the order they were added. */
  emit<K extends keyof Events>(name: K, event: Events[K]): void;
  /** Number of listeners of `name`. */
  listenerCount(name: keyof Events): number;
  /** Removes every listener. */
  clear(): void;
}

/**
 * Creates an emitter. `onListenerError` hears about listeners that throw (with the event name);
 * without it such errors are dropped.
 */
export function createEmitter<Events extends object>(
  onListenerError: (error: unknown, name: keyof Events) => void = () => undefined,
): Emitter<Events> {
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
        listeners.get(name)?.delete(listener as Listener<never>);
      };
    },
    off(name, listener) {
      listeners.get(name)?.delete(listener as Listener<never>);
    },
    emit(name, event) {
      const set = listeners.get(name);
      if (set === undefined || set.size === 0) return;
      // A copy, so that listeners may remove themselves (or others) while being called.
      for (const listener of [...set]) {
        try {
          (listener as Listener<typeof event>)(event);
        } catch (error) {
          onListenerError(error, name);
        }
      }
    },
    listenerCount(name) {
      return listeners.get(name)?.size ?? 0;
    },
    clear() {
      listeners.clear();
    },
  };
}
