/**
 * @packageDocumentation
 * `@murmur/onion`: Session-compatible onion requests, both sides of them.
 *
 * - **Client side**: `createPathManager` builds and keeps onion paths (guard + 2 relays, one
 *   node per /24, no node on two paths, guards tested before use, strikes, bounded backoff, a
 *   persisted pool and guards that expire and are re-validated, watchable health);
 *   `buildOnionRequest` / `sendOnionRequest` build and send a request to a service node or an
 *   external server (aes-gcm or xchacha20, a fresh ephemeral key per layer);
 *   `decodeOnionResponse` reads the answer and `onionFailureKind` says what to strike;
 *   `fetchSeedNodes` bootstraps the node list from a seed.
 * - **Node side** (`@murmur/onion/node`): running a hop and answering a v4 request, which only
 *   service nodes and external servers need.
 *
 * @example
 * ```ts
 * import { loadCrypto } from '@murmur/crypto';
 * import { createPathManager, fetchSeedNodes, onionFailureKind, sendOnionRequest } from '@murmur/onion';
 *
 * const crypto = await loadCrypto();
 * const paths = createPathManager({}, { testGuard: (node, { signal }) => pingNode(node, signal) });
 * paths.on('bootstrap', async () => {
 *   const { nodes } = await fetchSeedNodes({ url: 'http://127.0.0.1:38157/json_rpc' }, { fetch });
 *   paths.setPool(nodes);
 * });
 * await paths.start();
 *
 * const path = await paths.getPath({ exclude: [target.ed25519] });
 * try {
 *   const answer = await sendOnionRequest(
 *     { path: path.nodes, destination: { type: 'node', node: target }, payload: { method: 'info', params: {} } },
 *     { crypto, fetch },
 *   );
 *   paths.reportSuccess(path.id);
 *   console.log(answer.status, answer.body);
 * } catch (error) {
 *   const kind = onionFailureKind(error);
 *   if (kind === 'path') paths.reportPathFailure(path.id);
 *   if (kind === 'node') paths.reportNodeFailure((error as { nodeKey: string }).nodeKey);
 *   throw error;
 * }
 * ```
 */
export {
  type BuildOnionRequestInput,
  buildOnionRequest,
  isAllowedOnionTarget,
  type OnionDestination,
  type OnionRequest,
  type OnionV4RequestInit,
} from './build-request.js';
export {
  decodeOnionResponse,
  destinationError,
  markOnionFailure,
  type OnionFailureKind,
  type OnionResponse,
  onionFailureKind,
  pathErrorFromResponse,
} from './decode-response.js';
export { OnionLayerRejectedError, PathUnavailableError } from './errors.js';
export type {
  BootstrapEvent,
  Listener,
  PathHealth,
  PathHealthEvent,
  PathManagerEvents,
  PathsEvent,
} from './events.js';
export { type OnionNode, subnetOf, toOnionNode } from './onion-node.js';
export {
  type DecodedPathCache,
  decodePathCache,
  encodePathCache,
  PATH_CACHE_VERSION,
  PathCacheSchema,
} from './path-cache.js';
export {
  createMemoryStore,
  createPathManager,
  type GetPathOptions,
  type KeyValueStore,
  type OnionPath,
  type OnionPathDetails,
  type PathManager,
  type PathManagerComponents,
  type PathManagerInit,
  type PathManagerStatus,
} from './path-manager.js';
export {
  poolShortfall,
  type RandomSource,
  secureRandom,
  selectRelays,
} from './path-selection.js';
export {
  type FetchSeedNodesComponents,
  type FetchSeedNodesInit,
  fetchSeedNodes,
  type SeedNode,
} from './seeds.js';
export {
  type SendOnionRequestComponents,
  type SendOnionRequestInput,
  sendOnionRequest,
} from './send-request.js';
