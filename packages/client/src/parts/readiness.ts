/**
 * Readiness: `whenReady` resolves once the client can send and receive (started, network time
 * synced, at least one onion path), re-checking on every change its sources announce.
 */
import { AbortError, type AbortOptions, throwIfAborted } from '@murmur/wire';

/** What readiness uses. */
export interface ReadinessComponents {
  /** Whether the client can send and receive now. */
  ready(): boolean;
  /** Calls `check` on every change that may make it ready; returns the unsubscribe functions. */
  subscribe(check: () => void): (() => void)[];
}

/** `MurmurClient.whenReady`. */
export type WhenReady = (options?: AbortOptions) => Promise<void>;

/** Creates `whenReady`. */
export function createReadiness(components: ReadinessComponents): WhenReady {
  return (options = {}) => {
    if (components.ready()) return Promise.resolve();
    throwIfAborted(options.signal);
    return new Promise<void>((resolve, reject) => {
      let offs: (() => void)[] = [];
      const cleanup = () => {
        for (const off of offs.splice(0)) off();
        options.signal?.removeEventListener('abort', onAbort);
      };
      const check = () => {
        if (!components.ready()) return;
        cleanup();
        resolve();
      };
      const onAbort = () => {
        cleanup();
        reject(new AbortError('whenReady aborted', { cause: options.signal?.reason }));
      };
      offs = components.subscribe(check);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  };
}
