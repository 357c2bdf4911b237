/**
 * `get_swarm` (alias `get_snodes_for_pubkey`): the members of the swarm an account belongs to.
 */
import { type GetSwarmParams, NodeNotReadyError } from '@murmur/wire';
import { swarmIdText, swarmNodes } from '../../network/swarm-json.js';
import { networkFields, type RpcCall, type RpcContext, type RpcResult } from '../context.js';

/** `get_swarm`. */
export async function getSwarm(
  context: RpcContext,
  params: GetSwarmParams,
  call: RpcCall,
): Promise<RpcResult> {
  const swarm = context.network.snapshot()?.swarmFor(params.pubkey);
  if (swarm === undefined) {
    throw new NodeNotReadyError('Snode not ready: no swarms are known yet');
  }
  return {
    status: 200,
    body: {
      snodes: swarmNodes(swarm),
      swarm: swarmIdText(swarm.id),
      ...networkFields(context, call.now),
    },
  };
}
