/**
 * `oxend_request`: Session clients refresh their node pool with `get_service_nodes` through any
 * node. A Murmur node answers from the registry it follows. `ons_resolve` is not offered.
 */
import {
  NodeNotReadyError,
  type OxendRequestParams,
  type ServiceNodeState,
  UnsupportedError,
} from '@murmur/wire';
import { swarmIdText } from '../../network/swarm-json.js';
import { networkFields, type RpcCall, type RpcContext, type RpcResult } from '../context.js';

/** `oxend_request`. */
export async function oxendRequest(
  context: RpcContext,
  params: OxendRequestParams,
  call: RpcCall,
): Promise<RpcResult> {
  if (params.endpoint !== 'get_service_nodes') {
    throw new UnsupportedError(
      `oxend_request: \`${params.endpoint}\` is not offered by Murmur nodes`,
    );
  }
  const snapshot = context.network.snapshot();
  if (snapshot === undefined) throw new NodeNotReadyError('Snode not ready');
  const query = params.params;
  let nodes = snapshot.nodes.filter((node) => node.ip !== undefined);
  if (query.limit !== undefined && query.limit < nodes.length) {
    const shuffled = [...nodes];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [shuffled[i], shuffled[j]] = [
        shuffled[j] as (typeof shuffled)[number],
        shuffled[i] as (typeof shuffled)[number],
      ];
    }
    nodes = shuffled.slice(0, query.limit);
  }
  const wanted = query.fields === undefined ? undefined : new Set(query.fields);
  const states = nodes.map((node) => {
    const full: ServiceNodeState = {
      public_ip: node.ip as string,
      pubkey_x25519: node.x25519,
      pubkey_ed25519: node.ed25519,
      requested_unlock_height: node.requestedUnlockHeight ?? 0,
      swarm_id: swarmIdText(node.swarmId),
    };
    if (node.storagePort !== undefined) full.storage_port = node.storagePort;
    if (node.relayPort !== undefined) full.relay_port = node.relayPort;
    if (wanted === undefined) return full;
    return Object.fromEntries(Object.entries(full).filter(([key]) => wanted.has(key)));
  });
  return {
    status: 200,
    body: {
      result: { service_node_states: states, height: snapshot.height },
      ...networkFields(context, call.now),
    },
  };
}
