/**
 * `expire_all`: shortens to `expiry` every later expiry of an account's messages (one namespace
 * or all). Signed over `expire_all ‖ NS ‖ expiry`; the expiry may be at most 60 s in the past
 * (70 s for forwarded copies).
 */
import { ClockOutOfSyncError, type ExpireAllParams } from '@murmur/wire';
import { FORWARDED_SIGNATURE_TOLERANCE_MS, SIGNATURE_TOLERANCE_MS } from '@murmur/wire/server';
import { SubaccountAccess, verifyRequestSignature } from '../auth.js';
import type { RpcCall, RpcContext, RpcResult } from '../context.js';
import { namespacedResult, nodeSignature, runSwarmWide } from '../swarm-wide.js';

/** `expire_all`. */
export async function expireAll(
  context: RpcContext,
  params: ExpireAllParams,
  call: RpcCall,
): Promise<RpcResult> {
  const tolerance = call.forwarded ? FORWARDED_SIGNATURE_TOLERANCE_MS : SIGNATURE_TOLERANCE_MS;
  if (params.expiry < call.now - tolerance) {
    throw new ClockOutOfSyncError(
      `expire_all timestamp should be >= current time (${params.expiry} is ${call.now - params.expiry} ms in the past)`,
      { details: { field: 'expiry' } },
    );
  }
  verifyRequestSignature(context, params, {
    method: 'expire_all',
    signed: { namespace: params.namespace, expiry: params.expiry },
    signature: params.signature,
    access: SubaccountAccess.Delete,
  });
  return runSwarmWide(context, call, {
    method: 'expire_all',
    pubkey: params.pubkey,
    applyLocally() {
      const rows = context.store.shortenAll(params.pubkey, params.namespace, params.expiry);
      const { value, signed } = namespacedResult(params.namespace, rows);
      return {
        updated: value,
        signature: nodeSignature(context, params.pubkey, String(params.expiry), signed),
      };
    },
  });
}
