/**
 * @packageDocumentation
 * `@murmur/circuits/relay`: the relay side of the Murmur Circuit Protocol, kept out of the
 * client entry: the relay core (`createRelayCore`: links, CREATE/EXTEND, the exit's
 * subscriptions, flow control, limits), and the cell, relay-payload, murmur-ntor, layer and link
 * AUTH primitives a relay (or a test or devnet that drives one cell by cell) works with. A
 * client builds circuits with `createCircuitBuilder` from `@murmur/circuits`.
 *
 * @example
 * ```ts
 * import { createRelayCore } from '@murmur/circuits/relay';
 *
 * const relay = createRelayCore({ limits }, { crypto, identity, directory, dial, exit });
 * ```
 */
export {
  type Cell,
  decodeCell,
  encodeCell,
} from './cell.js';
export {
  CELL_BODY_LENGTH,
  CELL_LENGTH,
  DestroyReason,
  HTYPE_NTOR,
  MAX_CIRCUIT_RETRIEVE_SIZE,
  RelayCommand,
} from './constants.js';
export {
  createHopLayer,
  type HopLayer,
  type OpenedBackward,
  type OpenedForward,
  openBackward,
  openForward,
  sealBackwardLocal,
  sealBackwardRelay,
  sealForward,
} from './layers.js';
export {
  LINK_EXPORTER_LABEL,
  LINK_EXPORTER_LENGTH,
  type LinkAuthInput,
  signLinkAuth,
} from './link-auth.js';
export {
  type HopKeys,
  type NtorClientState,
  type NtorServerResult,
  ntorClientFinish,
  ntorClientStart,
  ntorServer,
} from './ntor.js';
export {
  createRelayCore,
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
  decodeExtended,
  decodeRelayPayload,
  type ExtendRequest,
  encodeExtend,
  encodeRelayPayload,
  type RelayPayload,
} from './relay-payload.js';
