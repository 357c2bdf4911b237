/**
 * A tiny typed event emitter (packages also run in browsers, so no `node:events`). A listener
 * that throws does not stop the others; its error goes to the `onListenerError` hook.
 */

/** A map from event name to the listener's argument type. */
export type EventMap = Record<string, unknown>;

/** Subscribe and unsubscribe to typed events. */
export interface TypedEvents<Events extends EventMap> {
  /** Adds `listener` for `event`; returns a function that removes it. */
  on<Name extends keyof Events>(event: Name, listener: (value: Events[Name]) => void): () => void;
  /** Removes `listener` for `event`. */
  off<Name extends keyof Events>(event: Name, listener: (value: Events[Name]) => void): void;
}

/** The emitting side of {@link TypedEvents}. */
export class TypedEmitter<Events extends EventMap> implements TypedEvents<Events> {
  readonly #listeners = new Map<keyof Events, Set<(value: never) => void>>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = () => undefined) {
    this.#onListenerError = onListenerError;
  }

  on<Name extends keyof Events>(event: Name, listener: (value: Events[Name]) => void): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as (value: never) => void);
    return () => this.off(event, listener);
  }

  off<Name extends keyof Events>(event: Name, listener: (value: Events[Name]) => void): void {
    this.#listeners.get(event)?.delete(listener as (value: never) => void);
  }

  /** Number of listeners of `event`. */
  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** Calls every listener of `event` with `value`. */
  emit<Name extends keyof Events>(event: Name, value: Events[Name]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as (value: Events[Name]) => void)(value);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
