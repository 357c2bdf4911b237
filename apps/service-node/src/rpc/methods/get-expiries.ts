/**
 * `get_expiries`: the current expiry of messages by hash (or of every message, with `"all"`).
 * Signed over `get_expiries ‖ timestamp ‖ hash…`, timestamp within 60 s.
 */
import { assertSignatureTimestamp, type GetExpiriesParams } from '@murmur/wire';
import { SubaccountAccess, verifyRequestSignature } from '../auth.js';
import type { RpcCall, RpcContext, RpcResult } from '../context.js';

/** `get_expiries`. */
export async function getExpiries(
  context: RpcContext,
  params: GetExpiriesParams,
  call: RpcCall,
): Promise<RpcResult> {
  assertSignatureTimestamp('get_expiries', params.timestamp, call.now);
  verifyRequestSignature(context, params, {
    method: 'get_expiries',
    signed: { timestamp: params.timestamp, messages: params.messages },
    signature: params.signature,
    access: SubaccountAccess.Read,
  });
  const all = params.messages.length === 1 && params.messages[0] === 'all';
  const found = context.store.getExpiries(params.pubkey, all ? 'all' : params.messages, call.now);
  // Session's server answers `expiries` alone (no `t`, no `hf`).
  return { status: 200, body: { expiries: Object.fromEntries(found) } };
}
