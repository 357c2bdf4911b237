/**
 * `revoke_subaccount` / `unrevoke_subaccount`: the account (never a subaccount) revokes or
 * restores subaccount tokens on every member. Signed over `<method> ‖ timestamp ‖ token bytes…`.
 */
import {
  assertSignatureTimestamp,
  base64ToBytes,
  hexToBytes,
  InvalidInputError,
  isHex,
  type SubaccountRevocationParams,
} from '@murmur/wire';
import { MAX_REVOKED_SUBACCOUNTS, SUBACCOUNT_TOKEN_BYTES } from '@murmur/wire/server';
import { verifyRequestSignature } from '../auth.js';
import type { RpcCall, RpcContext, RpcResult } from '../context.js';
import { runSwarmWide } from '../swarm-wide.js';

function tokenBytes(method: string, tokens: readonly string[]): Uint8Array[] {
  // Only `revoke` is capped, as on Session's server; an unrevoke may name any number of tokens.
  if (method === 'revoke_subaccount' && tokens.length > MAX_REVOKED_SUBACCOUNTS) {
    throw new InvalidInputError(
      `${method}: at most ${MAX_REVOKED_SUBACCOUNTS} tokens per request, got ${tokens.length}`,
    );
  }
  return tokens.map((token, index) => {
    const bytes = isHex(token, SUBACCOUNT_TOKEN_BYTES)
      ? hexToBytes(token)
      : base64ToBytes(token, { field: `tokens[${index}]` });
    if (bytes.length !== SUBACCOUNT_TOKEN_BYTES) {
      throw new InvalidInputError(`${method}: each token must be ${SUBACCOUNT_TOKEN_BYTES} bytes`);
    }
    return bytes;
  });
}

function signatureOver(
  context: RpcContext,
  pubkey: string,
  timestamp: number,
  tokens: readonly Uint8Array[],
): string {
  const head = new TextEncoder().encode(`${pubkey}${timestamp}`);
  const message = Buffer.concat([head, ...tokens]);
  return Buffer.from(context.crypto.sign(message, context.keys.ed25519.secretKey)).toString(
    'base64',
  );
}

/** `revoke_subaccount` and `unrevoke_subaccount`. */
export async function changeRevocation(
  method: 'revoke_subaccount' | 'unrevoke_subaccount',
  context: RpcContext,
  params: SubaccountRevocationParams,
  call: RpcCall,
): Promise<RpcResult> {
  assertSignatureTimestamp(method, params.timestamp, call.now, { forwarded: call.forwarded });
  const tokens = tokenBytes(method, params.tokens);
  verifyRequestSignature(context, params, {
    method,
    signed:
      method === 'revoke_subaccount'
        ? { timestamp: params.timestamp, revoke: tokens }
        : { timestamp: params.timestamp, unrevoke: tokens },
    signature: params.signature,
    access: undefined,
  });
  return runSwarmWide(context, call, {
    method,
    pubkey: params.pubkey,
    applyLocally() {
      const mine: { count?: number; signature?: string } = {};
      if (method === 'revoke_subaccount') {
        context.store.revokeSubaccounts(params.pubkey, tokens, call.now);
      } else {
        mine.count = context.store.unrevokeSubaccounts(params.pubkey, tokens);
      }
      mine.signature = signatureOver(context, params.pubkey, params.timestamp, tokens);
      return mine;
    },
  });
}
