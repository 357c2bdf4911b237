/**
 * Errors that belong to the node app itself (configuration, key files, peer links). Protocol
 * conditions use the classes of `@murmur/wire`.
 */
import { type MurmurErrorOptions, UpstreamFailedError } from '@murmur/wire';

/** Why a peer link could not carry a request. */
export type PeerLinkFailure =
  /** No address, the connection or the handshake failed, or the peer refused the link. */
  | 'unreachable'
  /** The link closed before the answer came. */
  | 'closed'
  /** The node is not an active registered node (in this node's view). */
  | 'not-active'
  /** This node is shutting down. */
  | 'stopping';

/**
 * A request to another service node over a peer link failed before an answer (502). The
 * `failure` says why; timeouts are `RequestTimeoutError` (504) instead.
 */
export class PeerLinkError extends UpstreamFailedError {
  /** Why. */
  readonly failure: PeerLinkFailure;
  /** The peer's Ed25519 key (hex). */
  readonly peer: string;
  /** The WebSocket close code, when the link closed. */
  readonly closeCode: number | undefined;

  constructor(
    message: string,
    failure: PeerLinkFailure,
    peer: string,
    options: MurmurErrorOptions & { closeCode?: number | undefined } = {},
  ) {
    const { closeCode, ...rest } = options;
    super(message, { ...rest, details: { ...rest.details, peer, failure, closeCode } });
    this.name = 'PeerLinkError';
    this.failure = failure;
    this.peer = peer;
    this.closeCode = closeCode;
  }
}
