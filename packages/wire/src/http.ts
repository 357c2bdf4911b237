/**
 * One HTTP exchange with a deadline and the caller's `AbortSignal`, for every Murmur component
 * that talks to a node, a seed or a ledger over `fetch` (injected, so it runs in tests and
 * browsers). Failures become typed errors, so callers branch on codes:
 *
 * - the caller's signal fired → {@link AbortError};
 * - no complete answer before `timeoutMs` → {@link RequestTimeoutError};
 * - the peer could not be reached or the connection broke → {@link UpstreamFailedError}.
 *
 * Any HTTP status is an answer (not an error here): callers map statuses with
 * `errorFromResponse`.
 */
import { AbortError, RequestTimeoutError, throwIfAborted, UpstreamFailedError } from './errors.js';

/** The subset of `fetch` Murmur uses. */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

/** What the peer answered: its status and the whole body. */
export interface HttpAnswer {
  status: number;
  body: Uint8Array;
}

/** Options of {@link fetchWithTimeout}. */
export interface FetchWithTimeoutOptions {
  /** Cancels the exchange (→ `AbortError`). */
  signal?: AbortSignal | undefined;
  /** How long the whole exchange (headers and body) may take, in milliseconds. */
  timeoutMs: number;
  /** The peer in words for messages ("seed 127.0.0.1:22100", "guard 10.0.0.1:22021"). */
  peer: string;
}

/**
 * Sends `init` to `url` with `fetchFunction` and reads the whole answer, within
 * `options.timeoutMs`. The timer and the listener on the caller's signal are always removed.
 */
export async function fetchWithTimeout(
  fetchFunction: FetchFunction,
  url: string,
  init: Omit<RequestInit, 'signal'>,
  options: FetchWithTimeoutOptions,
): Promise<HttpAnswer> {
  throwIfAborted(options.signal);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await fetchFunction(url, { ...init, signal: controller.signal });
    return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
  } catch (cause) {
    if (options.signal?.aborted) {
      throw new AbortError(`the request to ${options.peer} was aborted`, { cause });
    }
    if (timedOut) {
      throw new RequestTimeoutError(
        `no answer from ${options.peer} within ${options.timeoutMs} ms`,
        { cause, details: { timeoutMs: options.timeoutMs } },
      );
    }
    throw new UpstreamFailedError(`${options.peer} could not be reached`, { cause });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
