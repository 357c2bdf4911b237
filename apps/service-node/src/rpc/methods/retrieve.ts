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
  // The answer is built once as objects (batch, onion and the schema check read those) and once
  // as its JSON text, which the HTTP answer sends as is: base64 and integers need no escaping,
  // so this costs far less than serialising the objects again.
  const fields = networkFields(context, now);
  const messages: RetrievedMessage[] = new Array(page.messages.length);
  let text = '{"messages":[';
  page.messages.forEach((message, index) => {
    const data = Buffer.from(
      message.data.buffer,
      message.data.byteOffset,
      message.data.length,
    ).toString('base64');
    messages[index] = {
      hash: message.hash,
      timestamp: message.timestamp,
      expiration: message.expiry,
      data,
    };
    text += `${index === 0 ? '' : ','}{"hash":${JSON.stringify(message.hash)},"timestamp":${message.timestamp},"expiration":${message.expiry},"data":"${data}"}`;
  });
  text += `],"more":${page.more},"t":${fields.t},"hf":[${fields.hf[0]},${fields.hf[1]}]}`;
  return {
    status: 200,
    body: { messages, more: page.more, ...fields },
    encoded: Buffer.from(text),
  };
}

interface RetrievedMessage {
  hash: string;
  timestamp: number;
  expiration: number;
  data: string;
}
