/**
 * The byte pipe under a link: whatever carries one 2048-byte cell per message (a WebSocket in
 * `murmur-relay` and the client, an in-memory pair in tests). The owner of a link feeds what it
 * receives into a {@link CellSink}.
 */

/** Sends cells over one link. */
export interface CellTransport {
  /** Queues one cell (exactly 2048 bytes) for sending, in order. */
  send(cell: Uint8Array): void;
  /** Closes the link; the other side's sink hears `closed()`. */
  close(): void;
}

/** Receives what arrives on one link. */
export interface CellSink {
  /** One message as received (it should be a 2048-byte cell; any other length closes the link). */
  receive(bytes: Uint8Array): void;
  /** The link closed (either side, or the network). */
  closed(): void;
}
