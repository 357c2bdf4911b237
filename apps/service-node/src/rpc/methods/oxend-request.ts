/**
 * `oxend_request`: Session clients refresh their node pool with `get_service_nodes` through any
 * node, and desktop resolves ONS names with `ons_resolve`. A Murmur node answers the first from
 * the registry it follows, with oxend's fields and selection (`@murmur/wire`'s one encoder, the
 * same the devnet seed uses), inside Session's `{"result": ...}`; it has no names yet, so
 * `ons_resolve` answers what oxend answers for an unknown name: a result without
 * `encrypted_value` (desktop: "not found").
 *
 * `active_nodes_bin` (session-android's `ListSnodeApi`): every active node as 51-byte records,
 * base64, as a JSON string.
 */
import { randomInt } from 'node:crypto';
import { NodeNotReadyError, type OxendRequestParams } from '@murmur/wire';
import {
  encodeActiveNodesBin,
  encodeServiceNodeState,
  type ListedServiceNode,
  selectServiceNodes,
} from '@murmur/wire/server';
import type { ServiceNodeInfo } from '../../network/network-view.js';
import { networkFields, type RpcCall, type RpcContext, type RpcResult } from '../context.js';

function listed(context: RpcContext): { nodes: ListedServiceNode[]; height: number } {
  const snapshot = context.network.snapshot();
  if (snapshot === undefined) throw new NodeNotReadyError('Snode not ready');
  // The network view holds the active nodes (decommissioned ones leave it).
  const nodes = snapshot.nodes.map(
    (node: ServiceNodeInfo): ListedServiceNode => ({
      ed25519: node.ed25519,
      x25519: node.x25519,
      ip: node.ip,
      storagePort: node.storagePort,
      relayPort: node.relayPort,
      swarmId: node.swarmId,
      requestedUnlockHeight: node.requestedUnlockHeight ?? 0,
      active: true,
    }),
  );
  return { nodes, height: snapshot.height };
}

/** `oxend_request`. */
export async function oxendRequest(
  context: RpcContext,
  params: OxendRequestParams,
  call: RpcCall,
): Promise<RpcResult> {
  if (params.endpoint === 'ons_resolve') {
    // oxend (core_rpc_server.cpp ONS_RESOLVE) sets `encrypted_value` / `nonce` only for a name
    // it knows; Murmur knows none.
    return { status: 200, body: { result: {}, ...networkFields(context, call.now) } };
  }
  const { nodes, height } = listed(context);
  const query = params.params;
  const withAddress = nodes.filter((node) => node.ip !== undefined);
  const states = selectServiceNodes(withAddress, query, randomInt).map((node) =>
    encodeServiceNodeState(node, query.fields),
  );
  return {
    status: 200,
    body: {
      result: { service_node_states: states, height },
      ...networkFields(context, call.now),
    },
  };
}

/** `active_nodes_bin`. */
export async function activeNodesBin(context: RpcContext): Promise<RpcResult> {
  return { status: 200, body: encodeActiveNodesBin(listed(context).nodes), json: true };
}
