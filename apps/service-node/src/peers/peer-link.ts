/**
 * One authenticated link to another service node, after the handshake: encrypted frames in
 * order, requests with correlation ids and timeouts, concurrent answers, a heartbeat,
 * backpressure and an orderly close. {@link createPeerNetwork} makes and keeps these.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { type Logger, MurmurError, RequestTimeoutError, sleep, utf8Encode } from '@murmur/wire';
import { statusForError } from '@murmur/wire/server';
import type WebSocket from 'ws';
import { PeerLinkError } from '../errors.js';
import {
  decodeMessagePlaintext,
  encodeFrame,
  encodeMessagePlaintext,
  MAX_BATCH_BYTES,
  openMessage,
  type PeerRequestKind,
  type RequestHeader,
  type ResponseHeader,
  type SessionKeys,
  sealMessage,
} from './protocol.js';

/** An answer on a peer link. */
export interface PeerResponse {
  /** HTTP-like status (200 success). */
  status: number;
  body: Uint8Array;
  /** Content type of the body, when it matters (onion answers). */
  contentType?: string | undefined;
}

/** A request that arrived on a link. */
export interface IncomingPeerRequest {
  /** The peer's Ed25519 key (hex), proven by the handshake. */
  peer: string;
  /** The peer's IP address as this node sees it. */
  remoteAddress: string | undefined;
  header: RequestHeader;
  body: Uint8Array;
  /** Aborted when the link closes. */
  signal: AbortSignal;
}

/** Answers a request (a thrown Murmur error becomes its status and message). */
export type PeerRequestHandler = (request: IncomingPeerRequest) => Promise<PeerResponse>;

/** Request fields besides `t` and `id` (per kind). */
export type RequestFields = RequestHeader extends infer Header
  ? Header extends { k: PeerRequestKind }
    ? Omit<Header, 't' | 'id'>
    : never
  : never;

/** Options of one request. */
export interface PeerRequestOptions {
  /** How long to wait for the answer, ms. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** Options of {@link createPeerLink}. */
export interface PeerLinkInit {
  /** The peer's Ed25519 key (hex). */
  peer: string;
  /** Which side this node took in the handshake. */
  role: 'dialer' | 'listener';
  /** The key of the node that dialed (for choosing between duplicate links). */
  dialer: string;
  remoteAddress: string | undefined;
  socket: WebSocket;
  keys: SessionKeys;
  /** Ping interval; a link that answered nothing for a whole interval is terminated, ms. */
  heartbeatMs: number;
  /** Writes wait while more than this many bytes are buffered for the socket. */
  maxBufferedBytes: number;
  /** Requests from the peer handled at once; more are answered 503. */
  maxIncomingRequests: number;
}

/** Components of {@link createPeerLink}. */
export interface PeerLinkComponents {
  crypto: MurmurCrypto;
  logger: Logger;
  onRequest: PeerRequestHandler;
  /** Called once when the link is closed (by either side, or broken). */
  onClose: (link: PeerLink, code: number, reason: string) => void;
  /** Called per message with its number of frames (metrics). */
  onFrame?: ((direction: 'in' | 'out', frames: number) => void) | undefined;
}

/** A link's state. */
export type PeerLinkState = 'open' | 'draining' | 'closed';

/** An open link. */
export interface PeerLink {
  readonly peer: string;
  readonly role: 'dialer' | 'listener';
  readonly dialer: string;
  readonly remoteAddress: string | undefined;
  readonly openedAt: number;
  /** Last frame in or out, ms (Date.now()). */
  readonly lastActivity: number;
  readonly state: PeerLinkState;
  /** Requests sent and not answered, plus requests received and not answered. */
  busy(): number;
  /** Sends a request and resolves to the answer. @throws PeerLinkError, RequestTimeoutError */
  request(
    fields: RequestFields,
    body: Uint8Array,
    options: PeerRequestOptions,
  ): Promise<PeerResponse>;
  /** Takes no new requests; closes with `code` once nothing is in flight, or after `timeoutMs`. */
  drain(code: number, reason: string, timeoutMs: number): void;
  /** Starts the close handshake. */
  close(code: number, reason: string): void;
  /** Destroys the socket at once. */
  terminate(): void;
}

const BACKPRESSURE_POLL_MS = 10;
/** How long a write may wait for the socket buffer to drain before the link is given up. */
const BACKPRESSURE_GIVE_UP_MS = 30_000;

function errorResponse(error: unknown): PeerResponse {
  if (MurmurError.isInstance(error) && error.code !== 'INTERNAL') {
    return { status: statusForError(error), body: utf8Encode(error.message) };
  }
  return { status: 500, body: utf8Encode('Internal error') };
}

/** Wraps an authenticated socket. The socket's `message`, `pong` and `close` are taken over. */
export function createPeerLink(init: PeerLinkInit, components: PeerLinkComponents): PeerLink {
  const { socket, keys, peer } = init;
  const { crypto, logger } = components;
  const log = logger.child({ peer: peer.slice(0, 16), role: init.role });
  let state: PeerLinkState = 'open';
  let lastActivity = Date.now();
  let alive = true;
  let nextId = 1;
  let sendSeq = 0;
  let receiveSeq = 0;
  let incoming = 0;
  let sendChain: Promise<unknown> = Promise.resolve();
  let receiveChain: Promise<unknown> = Promise.resolve();
  let drainTimer: NodeJS.Timeout | undefined;
  let drainClose: { code: number; reason: string } | undefined;
  const aborter = new AbortController();
  const pending = new Map<
    number,
    { resolve: (response: PeerResponse) => void; reject: (error: unknown) => void }
  >();

  const heartbeat = setInterval(() => {
    if (!alive) {
      log.debug('peer link missed a heartbeat: terminating');
      socket.terminate();
      return;
    }
    alive = false;
    try {
      socket.ping();
    } catch {
      // The close handler cleans up.
    }
  }, init.heartbeatMs);
  heartbeat.unref();

  let closeCode: number | undefined;
  /** True once this side started closing: requests that arrive now are left unanswered (and
   * unprocessed), so the peer may safely send them again on another link. */
  let closing = false;

  function closedError(): PeerLinkError {
    return new PeerLinkError(`the peer link to ${peer} closed`, 'closed', peer, { closeCode });
  }

  async function waitForBuffer(): Promise<void> {
    if (socket.bufferedAmount <= init.maxBufferedBytes) return;
    const giveUp = Date.now() + BACKPRESSURE_GIVE_UP_MS;
    while (socket.bufferedAmount > init.maxBufferedBytes) {
      if (state === 'closed') throw closedError();
      if (Date.now() > giveUp) {
        log.warn('peer link write buffer did not drain: terminating');
        socket.terminate();
        throw closedError();
      }
      await sleep(BACKPRESSURE_POLL_MS);
    }
  }

  /** Frames waiting for the end of this event-loop turn, and their senders. */
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  let batchWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  let flushScheduled = false;

  /** Encrypts and writes the queued frames as one message; messages leave in order. */
  function flush(): void {
    flushScheduled = false;
    if (batch.length === 0) return;
    const frames = batch;
    const waiters = batchWaiters;
    batch = [];
    batchBytes = 0;
    batchWaiters = [];
    const task = sendChain.then(async () => {
      if (state === 'closed') throw closedError();
      await waitForBuffer();
      const seq = sendSeq;
      sendSeq += 1;
      const sealed = await sealMessage(crypto, keys.send, seq, encodeMessagePlaintext(seq, frames));
      if ((state as PeerLinkState) === 'closed') throw closedError();
      socket.send(sealed, { binary: true });
      lastActivity = Date.now();
      components.onFrame?.('out', frames.length);
    });
    sendChain = task.catch(() => undefined);
    task.then(
      () => {
        for (const waiter of waiters) waiter.resolve();
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    );
  }

  /** Queues one frame for the message of this event-loop turn; resolves once it is written. */
  function sendFrame(header: RequestHeader | ResponseHeader, body: Uint8Array): Promise<void> {
    let frame: Uint8Array;
    try {
      frame = encodeFrame(header, body);
    } catch (error) {
      return Promise.reject(error);
    }
    if (batch.length > 0 && batchBytes + frame.length > MAX_BATCH_BYTES) flush();
    return new Promise<void>((resolve, reject) => {
      batch.push(frame);
      batchBytes += frame.length;
      batchWaiters.push({ resolve, reject });
      if (batchBytes >= MAX_BATCH_BYTES) {
        flush();
      } else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    });
  }

  function maybeFinishDrain(): void {
    if (state === 'draining' && drainClose !== undefined && pending.size === 0 && incoming === 0) {
      link.close(drainClose.code, drainClose.reason);
    }
  }

  function answer(id: number, response: PeerResponse): void {
    const header: ResponseHeader = { t: 'res', id, s: response.status };
    if (response.contentType !== undefined) header.ct = response.contentType;
    sendFrame(header, response.body).catch((error: unknown) => {
      log.debug({ err: error }, 'could not send an answer on the peer link');
    });
  }

  function onRequestFrame(header: RequestHeader, body: Uint8Array): void {
    if (closing) return;
    if (incoming >= init.maxIncomingRequests) {
      answer(header.id, { status: 503, body: utf8Encode('Too many requests on this peer link') });
      return;
    }
    incoming += 1;
    let handled: Promise<PeerResponse>;
    try {
      handled = components.onRequest({
        peer,
        remoteAddress: init.remoteAddress,
        header,
        body,
        signal: aborter.signal,
      });
    } catch (error) {
      handled = Promise.reject(error);
    }
    handled
      .catch((error: unknown) => {
        if (!MurmurError.isInstance(error)) {
          log.error({ err: error, kind: header.k }, 'a peer request failed');
        }
        return errorResponse(error);
      })
      .then((response) => answer(header.id, response))
      .finally(() => {
        incoming -= 1;
        maybeFinishDrain();
      });
  }

  function protocolError(error: unknown): void {
    if (state === 'closed') return;
    log.warn({ err: error }, 'peer link protocol error: closing');
    link.close(1002, 'protocol error');
  }

  socket.on('pong', () => {
    alive = true;
  });
  socket.on('message', (data, isBinary) => {
    alive = true;
    lastActivity = Date.now();
    if (!isBinary) {
      protocolError(new Error('a text frame after the handshake'));
      return;
    }
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : (data as Buffer);
    receiveChain = receiveChain
      .then(async () => {
        if (state === 'closed') return;
        const plaintext = await openMessage(crypto, keys.receive, bytes);
        const frames = decodeMessagePlaintext(plaintext, receiveSeq);
        receiveSeq += 1;
        components.onFrame?.('in', frames.length);
        for (const frame of frames) {
          if (frame.header.t === 'res') {
            const waiter = pending.get(frame.header.id);
            if (waiter === undefined) continue; // timed out already
            pending.delete(frame.header.id);
            const response: PeerResponse = { status: frame.header.s, body: frame.body };
            if (frame.header.ct !== undefined) response.contentType = frame.header.ct;
            waiter.resolve(response);
            maybeFinishDrain();
            continue;
          }
          onRequestFrame(frame.header, frame.body);
        }
      })
      .catch(protocolError);
  });
  socket.on('close', (code, reason) => {
    if (state === 'closed') return;
    state = 'closed';
    closeCode = code;
    clearInterval(heartbeat);
    if (drainTimer !== undefined) clearTimeout(drainTimer);
    aborter.abort();
    const error = closedError();
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    components.onClose(link, code, reason.toString());
  });

  const link: PeerLink = {
    peer,
    role: init.role,
    dialer: init.dialer,
    remoteAddress: init.remoteAddress,
    openedAt: Date.now(),
    get lastActivity() {
      return lastActivity;
    },
    get state() {
      return state;
    },
    busy: () => pending.size + incoming,
    request(fields, body, options) {
      if (state !== 'open') return Promise.reject(closedError());
      const id = nextId;
      nextId += 1;
      return new Promise<PeerResponse>((resolve, reject) => {
        const cleanup = () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
        };
        const timer = setTimeout(() => {
          pending.delete(id);
          cleanup();
          reject(
            new RequestTimeoutError(`${peer} did not answer a ${fields.k} request in time`, {
              details: { peer, kind: fields.k, timeoutMs: options.timeoutMs },
            }),
          );
          maybeFinishDrain();
        }, options.timeoutMs);
        const onAbort = () => {
          pending.delete(id);
          cleanup();
          reject(options.signal?.reason ?? new Error('aborted'));
          maybeFinishDrain();
        };
        if (options.signal?.aborted) {
          clearTimeout(timer);
          reject(options.signal.reason);
          return;
        }
        options.signal?.addEventListener('abort', onAbort, { once: true });
        pending.set(id, {
          resolve: (response) => {
            cleanup();
            resolve(response);
          },
          reject: (error) => {
            cleanup();
            reject(error);
          },
        });
        const header = { ...fields, t: 'req', id } as RequestHeader;
        sendFrame(header, body).catch((error: unknown) => {
          const waiter = pending.get(id);
          if (waiter === undefined) return;
          pending.delete(id);
          waiter.reject(error);
        });
      });
    },
    drain(code, reason, timeoutMs) {
      if (state !== 'open') return;
      state = 'draining';
      drainClose = { code, reason };
      drainTimer = setTimeout(() => link.close(code, reason), timeoutMs);
      drainTimer.unref();
      maybeFinishDrain();
    },
    close(code, reason) {
      if (state === 'closed' || closing) return;
      // No new requests while the close handshake runs; the close event finishes the rest.
      state = 'draining';
      closing = true;
      drainClose = undefined;
      // After the frames already queued (answers included).
      flush();
      void sendChain.then(() => {
        try {
          socket.close(code, reason);
        } catch {
          socket.terminate();
        }
      });
    },
    terminate() {
      socket.terminate();
    },
  };
  return link;
}
