/**
 * `delete_before`: deletes an account's messages whose timestamp is at most `before`. Signed
 * over `delete_before ‖ NS ‖ before`; `before` may be at most 60 s in the future (else 401, as
 * Session).
 */
import { ClockOutOfSyncError, type DeleteBeforeParams } from '@murmur/wire';
import { SIGNATURE_TOLERANCE_MS } from '@murmur/wire/server';
import { SubaccountAccess, verifyRequestSignature } from '../auth.js';
import type { RpcCall, RpcContext, RpcResult } from '../context.js';
import { namespacedResult, nodeSignature, runSwarmWide } from '../swarm-wide.js';

/** `delete_before`. */
export async function deleteBefore(
  context: RpcContext,
  params: DeleteBeforeParams,
  call: RpcCall,
): Promise<RpcResult> {
  if (params.before > call.now + SIGNATURE_TOLERANCE_MS) {
    // 401 as Session (SS `request_handler.cpp`): a 406 makes Android resync its clock and
    // then drop the node.
    throw new ClockOutOfSyncError(
      `delete_before timestamp too far in the future (${params.before - call.now} ms ahead, at most ${SIGNATURE_TOLERANCE_MS} ms allowed)`,
      { details: { field: 'before' }, status: 401 },
    );
  }
  verifyRequestSignature(context, params, {
    method: 'delete_before',
    signed: { namespace: params.namespace, before: params.before },
    signature: params.signature,
    access: SubaccountAccess.Delete,
  });
  return runSwarmWide(context, call, {
    method: 'delete_before',
    pubkey: params.pubkey,
    applyLocally() {
      const rows = context.store.deleteBefore(params.pubkey, params.namespace, params.before);
      const { value, signed } = namespacedResult(params.namespace, rows);
      return {
        deleted: value,
        signature: nodeSignature(context, params.pubkey, String(params.before), signed),
      };
    },
  });
}
