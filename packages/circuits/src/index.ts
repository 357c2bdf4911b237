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
  allocateCircId,
  type Cell,
  type CellType,
  decodeCell,
  encodeCell,
  isOpenerCircId,
  peekCircId,
} from './cell.js';
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
export {
  BUILD_TIMEOUT_MS,
  CELL_BODY_LENGTH,
  CELL_LENGTH,
  CellCommand,
  CIRC_ID_LENGTH,
  CIRC_ID_OPENER_BIT,
  CIRCUIT_HOPS,
  DestroyReason,
  destroyReasonName,
  EXIT_MIN_RANDOM_PADDING,
  EXTEND_TIMEOUT_MS,
  FLAG_LOCAL,
  FLAG_PASS_THROUGH,
  HELLO_NONCE_LENGTH,
  HTYPE_NTOR,
  HTYPE_NTOR_MLKEM768,
  hopCapacity,
  LAYER_OVERHEAD,
  LAYER_TAG_LENGTH,
  LINK_VERSION,
  localPayloadLength,
  MAX_CIRCUIT_RETRIEVE_SIZE,
  MAX_DATA_REQUESTS_IN_FLIGHT,
  MAX_FRAGMENTS,
  MAX_NOTIFY_DATA_BYTES,
  MAX_QUEUED_CELLS_PER_CIRCUIT,
  MAX_SUBSCRIBES_PER_MINUTE,
  MAX_SUBSCRIPTIONS_PER_CIRCUIT,
  NTOR_ONIONSKIN_LENGTH,
  NTOR_REPLY_LENGTH,
  PING_TIMEOUT_MS,
  PING_TOKEN_LENGTH,
  RELAY_HEADER_LENGTH,
  RelayCommand,
  relayDataCapacity,
  SENDME_INCREMENT,
  SENDME_WINDOW,
} from './constants.js';
export { CircuitClosedError, NoCircuitPathError } from './errors.js';
export {
  createHopLayer,
  type HopLayer,
  layerNonce,
  type OpenedBackward,
  type OpenedForward,
  openBackward,
  openForward,
  sealBackwardLocal,
  sealBackwardRelay,
  sealForward,
  wipeHopLayer,
} from './layers.js';
export {
  LINK_EXPORTER_LABEL,
  LINK_EXPORTER_LENGTH,
  type LinkAuthInput,
  linkAuthMessage,
  PLAIN_LINK_EXPORTER,
  signLinkAuth,
  verifyLinkAuth,
} from './link-auth.js';
export {
  type HopKeys,
  NTOR_PROTOID,
  type NtorClientState,
  type NtorServerResult,
  ntorClientFinish,
  ntorClientStart,
  ntorServer,
  wipeNtorClient,
} from './ntor.js';
export {
  createRelayCore,
  DEFAULT_RELAY_LIMITS,
  type ExitService,
  type ExitSubscription,
  type ExitSubscriptionSink,
  type RelayCore,
  type RelayCoreComponents,
  type RelayDirectory,
  type RelayLimits,
  type RelayStats,
} from './relay-core.js';
export {
  DATA_FRAGMENT_HEADER,
  decodeExtend,
  decodeExtended,
  decodeFragment,
  decodePingToken,
  decodeRelayPayload,
  decodeSendme,
  EXTEND_DATA_LENGTH,
  type ExtendRequest,
  encodeExtend,
  encodeExtended,
  encodeFragment,
  encodeRelayPayload,
  encodeSendme,
  type Fragment,
  hasRandomPadding,
  NOTIFY_FRAGMENT_HEADER,
  Reassembler,
  type RelayPayload,
  type Sendme,
  splitIntoSlices,
} from './relay-payload.js';
export {
  decodeNotification,
  decodeSubscribe,
  decodeSubscribed,
  decodeSubscriptionEnded,
  decodeUnsubscribe,
  encodeNotification,
  encodeSubscribe,
  encodeSubscribed,
  encodeSubscriptionEnded,
  encodeUnsubscribe,
  monitorSignatureMessage,
  type Notification,
  SUBSCRIBE_ERROR_LIMIT,
  type SubscribeAnswer,
  type SubscribeRequest,
  type SubscriptionAccount,
  type SubscriptionEnded,
  type UnsubscribeRequest,
} from './subscribe.js';
export type { CellSink, CellTransport } from './transport.js';
