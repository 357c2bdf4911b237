/**
 * The client's link to a guard relay: one WebSocket, one binary message per 2048-byte cell.
 * Written against the WHATWG `WebSocket` interface, so the browser's own and the `ws` package's
 * (Node.js) both fit; the factory that makes the socket is injected.
 */
import type { CellSink, CellTransport, CircuitBuilderComponents } from '@murmur/circuits';
import { AbortError, UpstreamFailedError } from '@murmur/wire';

/** What the link needs of a WebSocket (the browser's, or `ws`' in Node.js). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

/**
 * Opens a WebSocket to a URL (`ws://ip:port/` or `wss://ip:port/`). In Node.js, for example
 * `(url) => new WebSocket(url, { rejectUnauthorized: false, maxPayload: 2048 })` with `ws`:
 * relays have self-signed certificates, and the ntor handshake, not TLS, authenticates each hop.
 */
export type WebSocketFactory = (url: string) => WebSocketLike;

/** The WebSocket `OPEN` ready state. */
const OPEN = 1;

/** The URL of a relay's link endpoint. */
export function relayUrl(scheme: 'ws' | 'wss', relay: { ip: string; port: number }): string {
  return `${scheme}://${relay.ip}:${relay.port}/`;
}

function bytesOf(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/**
 * A `connect` for the circuit builder over WebSockets: resolves once the socket is open; a text
 * message closes the link (cells are binary), and the sink hears every close.
 */
export function webSocketConnector(
  factory: WebSocketFactory,
  scheme: 'ws' | 'wss',
): CircuitBuilderComponents['connect'] {
  return (relay, sink: CellSink, { signal }) =>
    new Promise<CellTransport>((resolve, reject) => {
      if (signal.aborted) {
        reject(new AbortError('the link was aborted before it opened', { cause: signal.reason }));
        return;
      }
      const url = relayUrl(scheme, relay);
      let socket: WebSocketLike;
      try {
        socket = factory(url);
      } catch (cause) {
        reject(new UpstreamFailedError(`cannot open a WebSocket to ${url}`, { cause }));
        return;
      }
      socket.binaryType = 'arraybuffer';
      let opened = false;
      let closed = false;
      const transport: CellTransport = {
        send(cell) {
          if (socket.readyState === OPEN) socket.send(cell);
        },
        close() {
          try {
            socket.close(1000);
          } catch {
            // Already closing.
          }
        },
      };
      const onAbort = () => {
        if (opened) return;
        transport.close();
        reject(new AbortError('the link was aborted before it opened', { cause: signal.reason }));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.addEventListener('open', () => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) return;
        opened = true;
        resolve(transport);
      });
      socket.addEventListener('error', () => {
        if (opened) return;
        signal.removeEventListener('abort', onAbort);
        reject(new UpstreamFailedError(`the WebSocket to ${url} failed before it opened`));
      });
      socket.addEventListener('message', (event) => {
        if (closed) return;
        const bytes = bytesOf(event.data);
        if (bytes === undefined) {
          transport.close();
          return;
        }
        sink.receive(bytes);
      });
      socket.addEventListener('close', () => {
        signal.removeEventListener('abort', onAbort);
        if (!opened) {
          reject(new UpstreamFailedError(`the WebSocket to ${url} closed before it opened`));
          return;
        }
        if (closed) return;
        closed = true;
        sink.closed();
      });
    });
}
