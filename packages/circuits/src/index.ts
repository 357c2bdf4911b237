/**
 * @packageDocumentation
 * `@murmur/circuits`: real-time delivery through long-lived 3-hop circuits of staked relays
 * (Murmur Circuit Protocol, MCP v1; normative text in `docs/PROTOCOL.md`).
 *
 * - **Codecs**: the 2048-byte link cell (`encodeCell` / `decodeCell`), the local relay payload
 *   (`encodeRelayPayload` / `decodeRelayPayload`), each relay command's data, fragments and
 *   the bencoded subscription messages.
 * - **Crypto**: murmur-ntor (`ntorClientStart` / `ntorClientFinish` / `ntorServer`), the
 *   per-hop ChaCha20-Poly1305 layers with counter nonces (`sealForward`, `openForward`,
 *   `sealBackwardLocal`, `sealBackwardRelay`, `openBackward`) and link AUTH signatures.
 * - **Client**: `createCircuitBuilder` picks guard / middle / exit (the exit inside the
 *   account's swarm), builds hop by hop with EXTEND over an injected transport, and returns a
 *   `Circuit` with SUBSCRIBE, DATA, PING and automatic SENDME.
 * - **Relay**: `createRelayCore` is the relay-side state machine (HELLO/AUTH links, CREATE,
 *   EXTEND, DESTROY, per-circuit ordered processing, flow control, queue bounds, rate limits),
 *   over injected transports, directory and exit service; `murmur-relay` runs it on WebSockets.
 *
 * @example
 * ```ts
 * import { loadCrypto } from '@murmur/crypto';
 * import { createCircuitBuilder } from '@murmur/circuits';
 *
 * const crypto = await loadCrypto();
 * const builder = createCircuitBuilder({}, { crypto, connect: (relay, sink) => openWebSocket(relay, sink) });
 * const path = builder.pickPath({ guards, relays, exits: swarmRelays });
 * const circuit = await builder.build(path, { signal: AbortSignal.timeout(10_000) });
 * circuit.on('notify', ({ notification }) => store(notification));
 * await circuit.subscribe(await signedSubscribeRequest(circuit.exit));
 * ```
 */
export {
  type Circuit,
  type CircuitBuilder,
  type CircuitBuilderComponents,
  type CircuitBuilderInit,
  type CircuitDataAnswer,
  type CircuitEvents,
  type CircuitRelay,
  createCircuitBuilder,
} from './circuit-builder.js';
export { CircuitClosedError, NoCircuitPathError } from './errors.js';
export { PLAIN_LINK_EXPORTER } from './link-auth.js';
export {
  type Fragment,
  Reassembler,
} from './relay-payload.js';
export {
  monitorSignatureMessage,
  type Notification,
  type SubscribeAnswer,
  type SubscribeRequest,
  type SubscriptionAccount,
  type SubscriptionEnded,
  type UnsubscribeRequest,
} from './subscribe.js';
export type { CellSink, CellTransport } from './transport.js';
