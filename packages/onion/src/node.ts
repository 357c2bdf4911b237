/**
 * @packageDocumentation
 * `@murmur/onion/node`: the receiving side of onion requests, kept out of the client entry.
 * `parseOnionRequestBody`, `peelOnionLayer`, `encodeRelayBody` and `encryptFinalResponse` run
 * one hop on a service node; `openServerRequest` / `sealServerResponse` are an external
 * server's side of a v4 request. Nothing here needs Node itself (it runs wherever
 * `@murmur/crypto` does); "node" is the service node.
 *
 * @example
 * ```ts
 * import { encodeRelayBody, encryptFinalResponse, parseOnionRequestBody, peelOnionLayer } from '@murmur/onion/node';
 *
 * const request = parseOnionRequestBody(body);
 * const layer = await peelOnionLayer(crypto, nodeKeyPair, request);
 * ```
 */
export {
  encodeRelayBody,
  encryptFinalResponse,
  type FinalReply,
  type OnionLayerRequest,
  type PeeledLayer,
  parseOnionRequestBody,
  peelOnionLayer,
} from './peel-layer.js';
export {
  type OpenedServerRequest,
  openServerRequest,
  type ServerResponse,
  sealServerResponse,
} from './server-side.js';
