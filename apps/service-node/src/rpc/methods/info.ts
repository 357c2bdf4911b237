/**
 * `info`: the storage-server version this node follows and its clock (clients read network
 * time from `timestamp`).
 */
import { networkFields, type RpcCall, type RpcContext, type RpcResult } from '../context.js';

/** `info`. */
export async function info(context: RpcContext, call: RpcCall): Promise<RpcResult> {
  return {
    status: 200,
    body: {
      version: [...context.version],
      timestamp: call.now,
      ...networkFields(context, call.now),
    },
  };
}
