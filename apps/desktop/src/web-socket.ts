/**
 * The WebSocket the clients open to a guard relay. Node.js 20 has no global `WebSocket`, so
 * without this `@murmur/client` would only poll: `ws` gives one. Relays' certificates are
 * self-signed (the circuit's ntor handshake authenticates each hop), and a circuit cell is at
 * most 2 KiB, so larger frames are refused.
 */
import type { WebSocketFactory } from '@murmur/client';
import { WebSocket } from 'ws';

/** Largest frame a relay sends: one circuit cell. */
const MAX_CELL_BYTES = 2048;

/** `ws` sockets for the clients' relay circuits. */
export const nodeWebSocket: WebSocketFactory = (url) =>
  new WebSocket(url, { rejectUnauthorized: false, maxPayload: MAX_CELL_BYTES });
