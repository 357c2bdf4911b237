/**
 * `delete_before`: deletes an account's messages whose timestamp is at most `before`. Signed
 * over `delete_before ‖ NS ‖ before`; `before` may be at most 60 s in the future.
 */
import { ClockOutOfSyncError, type DeleteBeforeParams, SIGNATURE_TOLERANCE_MS } from '@murmur/wire';
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
    // Session answers 401 here; Murmur says what it is: a clock problem (406).
    throw new ClockOutOfSyncError(
      `delete_before timestamp too far in the future (${params.before - call.now} ms ahead, at most ${SIGNATURE_TOLERANCE_MS} ms allowed)`,
      { details: { field: 'before' } },
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
