/**
 * `store`: checks (TTL 403, clock 406, signature 401 outside public inboxes), then stores the
 * message on every member of the swarm. Each member answers the hash, its signature of the
 * hash, the expiry it keeps and `already: true` for a message it had.
 */
import {
  assertSignatureTimestamp,
  assertStoreClock,
  assertStoreTtl,
  ClockOutOfSyncError,
  isPublicOutbox,
  MAX_MESSAGE_BASE64_LENGTH,
  MAX_MESSAGE_BYTES,
  SignatureRequiredError,
  type StoreParams,
  storeRequiresAuth,
  TooLargeError,
} from '@murmur/wire';
import {
  SubaccountAccess,
  verifyRequestSignatureAndSign,
  verifyRequestSignatureAsync,
} from '../auth.js';
import type { RpcCall, RpcContext, RpcResult } from '../context.js';
import { nodeSignatureAsync, runSwarmWide } from '../swarm-wide.js';

/**
 * Refuses message data over 76,800 bytes with 413 before the schema check (which would say
 * 400). Applies to raw, unchecked parameters.
 */
export function assertStoreDataSize(raw: unknown, what = 'store'): void {
  if (typeof raw !== 'object' || raw === null) return;
  const data = (raw as { data?: unknown }).data;
  if (typeof data === 'string' && data.length > MAX_MESSAGE_BASE64_LENGTH) {
    throw new TooLargeError(
      `${what}: \`data\` is larger than ${MAX_MESSAGE_BYTES} bytes (${data.length} base64 characters, at most ${MAX_MESSAGE_BASE64_LENGTH})`,
      { details: { field: 'data', limit: MAX_MESSAGE_BYTES } },
    );
  }
}

/** `store`. */
export async function store(
  context: RpcContext,
  params: StoreParams,
  call: RpcCall,
): Promise<RpcResult> {
  const { now } = call;
  assertStoreTtl(params);
  assertStoreClock(params, now);
  const data = Buffer.from(params.data, 'base64');
  const tooLarge = data.length > MAX_MESSAGE_BYTES;
  const hash = tooLarge ? '' : context.crypto.messageHash(params.pubkey, params.namespace, data);
  /** The node's signature of the hash, made with the request signature check when there is one. */
  let signature: string | undefined;
  if (storeRequiresAuth(params.namespace)) {
    if (params.signature === undefined) {
      throw new SignatureRequiredError(
        `store: signature required to store to namespace ${params.namespace}`,
        { details: { field: 'signature' } },
      );
    }
    const signedAt = params.sig_timestamp ?? params.timestamp;
    try {
      assertSignatureTimestamp('store signature', signedAt, now, { forwarded: call.forwarded });
    } catch (cause) {
      // The signature's time, not the message's: Session answers its own text for it.
      throw new ClockOutOfSyncError(
        `store: signature timestamp ${signedAt} is too far from the node's clock (${now})`,
        { cause, details: { field: 'sig_timestamp', timestamp: signedAt, now } },
      );
    }
    const check = {
      method: 'store' as const,
      signed: { namespace: params.namespace, sig_timestamp: signedAt },
      signature: params.signature,
      access: isPublicOutbox(params.namespace)
        ? SubaccountAccess.Write | SubaccountAccess.Delete
        : SubaccountAccess.Write,
    };
    if (tooLarge) await verifyRequestSignatureAsync(context, params, check);
    else signature = await verifyRequestSignatureAndSign(context, params, check, hash);
  }
  if (tooLarge) {
    throw new TooLargeError(`store: \`data\` is larger than ${MAX_MESSAGE_BYTES} bytes`, {
      details: { field: 'data', limit: MAX_MESSAGE_BYTES },
    });
  }
  return runSwarmWide(context, call, {
    method: 'store',
    pubkey: params.pubkey,
    topLevel: { hash },
    async applyLocally() {
      const [outcome, nodeSigned] = await Promise.all([
        context.store.storeQueued({
          owner: params.pubkey,
          namespace: params.namespace,
          hash,
          timestamp: params.timestamp,
          expiry: params.expiry,
          data,
        }),
        signature ?? nodeSignatureAsync(context, hash),
      ]);
      const mine: { hash: string; signature: string; expiry: number; already?: true; t?: number } =
        { hash, signature: nodeSigned, expiry: outcome.expiry };
      if (outcome.status === 'already') mine.already = true;
      // Session puts the entry node's clock here too (kept for old clients).
      if (!call.forwarded) mine.t = now;
      return mine;
    },
  });
}
