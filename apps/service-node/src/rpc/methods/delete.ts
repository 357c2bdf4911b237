/**
 * `delete`: deletes messages by hash on every member. Each member answers the hashes it deleted
 * (sorted) and its signature of `pubkey ‖ requested hashes ‖ deleted hashes`. With `required`,
 * the answer is 404 when no member deleted anything.
 */
import type { DeleteParams } from '@murmur/wire';
import { SubaccountAccess, verifyRequestSignature } from '../auth.js';
import type { RpcCall, RpcContext, RpcResult } from '../context.js';
import { nodeSignature, runSwarmWide, sortedHashes } from '../swarm-wide.js';

/** `delete`. */
export async function deleteMessages(
  context: RpcContext,
  params: DeleteParams,
  call: RpcCall,
): Promise<RpcResult> {
  verifyRequestSignature(context, params, {
    method: 'delete',
    signed: { messages: params.messages },
    signature: params.signature,
    access: SubaccountAccess.Delete,
  });
  const result = await runSwarmWide(context, call, {
    method: 'delete',
    pubkey: params.pubkey,
    applyLocally() {
      const deleted = sortedHashes(context.store.deleteByHashes(params.pubkey, params.messages));
      return {
        deleted,
        signature: nodeSignature(context, params.pubkey, params.messages, deleted),
      };
    },
  });
  if (params.required && result.status === 200 && !call.forwarded) {
    const swarm = (result.body as { swarm: Record<string, { deleted?: unknown }> }).swarm;
    const deletedSome = Object.values(swarm).some(
      (member) => Array.isArray(member.deleted) && member.deleted.length > 0,
    );
    if (!deletedSome) return { status: 404, body: result.body };
  }
  return result;
}
