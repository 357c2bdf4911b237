/**
 * `store`: checks (size 400, TTL 403, clock 406, signature 401 outside public inboxes), then
 * stores the message on every member of the swarm. Each member answers the hash, its signature of the
 * hash, the expiry it keeps and `already: true` for a message it had.
 */
import {
  assertSignatureTimestamp,
  assertStoreClock,
  assertStoreTtl,
  ClockOutOfSyncError,
  InvalidInputError,
  MAX_MESSAGE_BYTES,
  SignatureRequiredError,
  type StoreParams,
} from '@murmur/wire';
import { isPublicOutbox, MAX_MESSAGE_BASE64_LENGTH, storeRequiresAuth } from '@murmur/wire/server';
import {
  SubaccountAccess,
  verifyRequestSignatureAndSign,
  verifyRequestSignatureAsync,
} from '../auth.js';
import type { RpcCall, RpcContext, RpcResult } from '../context.js';
import { nodeSignatureAsync, runSwarmWide } from '../swarm-wide.js';

/**
 * The answer to message data over 76,800 bytes: 400 with Session's text (SS
 * `rpc/client_rpc_endpoints.cpp` `load(store&)`, answered as "invalid request: ..." by
 * `request_handler.cpp`). Desktop counts a 413 against the node, so Session's 400 it is.
 */
export function oversizedStoreError(length?: number): InvalidInputError {
  return new InvalidInputError(
    // Session's text; the answer adds its `invalid request: ` prefix (session-errors.ts).
    `Message body exceeds maximum allowed length of ${MAX_MESSAGE_BYTES} bytes`,
    { details: { field: 'data', limit: MAX_MESSAGE_BYTES, length } },
  );
}

/**
 * Refuses message data over 76,800 bytes (400, Session's text) before the schema check. Applies
 * to raw, unchecked parameters.
 */
export function assertStoreDataSize(raw: unknown): void {
  if (typeof raw !== 'object' || raw === null) return;
  const data = (raw as { data?: unknown }).data;
  if (typeof data === 'string' && data.length > MAX_MESSAGE_BASE64_LENGTH) {
    throw oversizedStoreError(data.length);
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
    throw oversizedStoreError();
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
