/**
 * `retrieve`: one page of an account's namespace, after `last_hash`, within `max_count` and
 * `max_size` (negative: a fraction of 7.8 MB; default −5). Signed except in legacy closed
 * groups (−10) and public outboxes.
 */
import {
  assertSignatureTimestamp,
  effectiveRetrieveLimits,
  isRevokedRetrievable,
  type RetrieveParams,
  retrieveRequiresAuth,
  SignatureRequiredError,
} from '@murmur/wire';
import { SubaccountAccess, verifyRequestSignature } from '../auth.js';
import { networkFields, type RpcCall, type RpcContext, type RpcResult } from '../context.js';

/** `retrieve`. */
export async function retrieve(
  context: RpcContext,
  params: RetrieveParams,
  call: RpcCall,
): Promise<RpcResult> {
  const { now } = call;
  if (params.signature === undefined || params.timestamp === undefined) {
    if (retrieveRequiresAuth(params.namespace)) {
      throw new SignatureRequiredError('retrieve: request signature required', {
        details: { field: 'signature' },
      });
    }
  } else {
    assertSignatureTimestamp('retrieve', params.timestamp, now);
    verifyRequestSignature(context, params, {
      method: 'retrieve',
      signed: { namespace: params.namespace, timestamp: params.timestamp },
      signature: params.signature,
      access: SubaccountAccess.Read,
      allowRevoked: isRevokedRetrievable(params.namespace),
    });
  }
  const limits = effectiveRetrieveLimits(params);
  const page = context.store.retrieve(params.pubkey, params.namespace, {
    lastHash: params.last_hash,
    maxCount: limits.maxCount,
    maxBytes: limits.maxBytes,
    now,
  });
  return {
    status: 200,
    body: {
      messages: page.messages.map((message) => ({
        hash: message.hash,
        timestamp: message.timestamp,
        expiration: message.expiry,
        data: Buffer.from(
          message.data.buffer,
          message.data.byteOffset,
          message.data.length,
        ).toString('base64'),
      })),
      more: page.more,
      ...networkFields(context, now),
    },
  };
}
