/**
 * `delete_all`: deletes every message of an account in one namespace or in all. Signed over
 * `delete_all ‖ NS ‖ timestamp`; the timestamp must be within 60 s (70 s for forwarded copies).
 */
import { assertSignatureTimestamp, type DeleteAllParams } from '@murmur/wire';
import { SubaccountAccess, verifyRequestSignature } from '../auth.js';
import type { RpcCall, RpcContext, RpcResult } from '../context.js';
import { namespacedResult, nodeSignature, runSwarmWide } from '../swarm-wide.js';

/** `delete_all`. */
export async function deleteAll(
  context: RpcContext,
  params: DeleteAllParams,
  call: RpcCall,
): Promise<RpcResult> {
  assertSignatureTimestamp('delete_all', params.timestamp, call.now, {
    forwarded: call.forwarded,
  });
  verifyRequestSignature(context, params, {
    method: 'delete_all',
    signed: { namespace: params.namespace, timestamp: params.timestamp },
    signature: params.signature,
    access: SubaccountAccess.Delete,
  });
  return runSwarmWide(context, call, {
    method: 'delete_all',
    pubkey: params.pubkey,
    applyLocally() {
      const rows = context.store.deleteAll(params.pubkey, params.namespace);
      const { value, signed } = namespacedResult(params.namespace, rows);
      return {
        deleted: value,
        signature: nodeSignature(context, params.pubkey, String(params.timestamp), signed),
      };
    },
  });
}
