/**
 * The interfaces of the onion route (`POST /onion_req/v2`).
 */
import type { AbortOptions } from '@murmur/wire';

/** What the node answers to an onion request: status and raw body (or a text). */
export interface OnionReply {
  status: number;
  body: Uint8Array | string;
  /** Content type of a binary body (default `application/octet-stream`). */
  contentType?: string | undefined;
}

/** Handles the body of one `POST /onion_req/v2`. Never throws: errors are replies. */
export interface OnionRequestHandler {
  handle(body: Uint8Array, options: { remoteAddress: string } & AbortOptions): Promise<OnionReply>;
}
