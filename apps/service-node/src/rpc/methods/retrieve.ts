/**
 * `retrieve`: one page of an account's namespace, after `last_hash`, within `max_count` and
 * `max_size` (negative: a fraction of 7.8 MB; default −5). Signed except in legacy closed
 * groups (−10) and public outboxes.
 */
import {
  assertSignatureTimestamp,
  type RetrieveParams,
  SignatureRequiredError,
} from '@murmur/wire';
import {
  effectiveRetrieveLimits,
  isRevokedRetrievable,
  RETRIEVE_MESSAGE_OVERHEAD,
  retrieveRequiresAuth,
} from '@murmur/wire/server';
import { SubaccountAccess, verifyRequestSignatureAsync } from '../auth.js';
import { networkFields, type RpcCall, type RpcContext, type RpcResult } from '../context.js';
import { buildRetrieveAnswer } from './retrieve-answer.js';

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
    // Through the crypto offload like store's: inline when the loop has room, else a worker.
    await verifyRequestSignatureAsync(context, params, {
      method: 'retrieve',
      signed: { namespace: params.namespace, timestamp: params.timestamp },
      signature: params.signature,
      access: SubaccountAccess.Read,
      allowRevoked: isRevokedRetrievable(params.namespace),
    });
  }
  const limits = effectiveRetrieveLimits(params);
  const budget = call.budget;
  // The request's answer budget is spent (other subrequests of a batch took it): an empty page
  // with `more`, so the client asks again in a request of its own.
  if (budget !== undefined && budget.remaining <= 0) {
    return { status: 200, body: { messages: [], more: true, ...networkFields(context, now) } };
  }
  const maxBytes =
    budget === undefined ? limits.maxBytes : Math.min(limits.maxBytes, budget.remaining);
  const page = context.store.retrieve(params.pubkey, params.namespace, {
    lastHash: params.last_hash,
    maxCount: limits.maxCount,
    maxBytes,
    now,
  });
  if (budget !== undefined) {
    for (const message of page.messages) {
      budget.remaining -=
        RETRIEVE_MESSAGE_OVERHEAD + message.hash.length + Math.ceil(message.data.length / 3) * 4;
    }
  }
  // The answer is built once as objects (batch, onion and the schema check read those) and,
  // in the same pass, as the exact bytes of their JSON, which the HTTP answer sends as is.
  const { body, encoded } = buildRetrieveAnswer(page.messages, {
    more: page.more,
    ...networkFields(context, now),
  });
  return { status: 200, body, encoded };
}
