/**
 * `expire`: sets the expiry of messages by hash (one expiry for all, or one per hash), only
 * later with `extend`, only sooner with `shorten`. Expiries more than 60 s in the past are
 * refused (401, as Session); later ones are capped at now + 30 days. Each member answers the hashes it updated
 * (sorted), the expiry or expiries applied, the unchanged ones with their current expiry (with
 * `extend`/`shorten`), and its signature of
 * `pubkey ‖ expiries ‖ requested hashes ‖ updated hashes ‖ (unchanged hash ‖ expiry)…`.
 */
import { ClockOutOfSyncError, type ExpireParams, InvalidInputError } from '@murmur/wire';
import { EXPIRE_PAST_TOLERANCE_MS, TTL_MAX_PRIVATE_MS } from '@murmur/wire/server';
import { parseSubaccountToken, SubaccountAccess, verifyRequestSignature } from '../auth.js';
import type { RpcCall, RpcContext, RpcResult } from '../context.js';
import { nodeSignature, runSwarmWide, sortedHashes } from '../swarm-wide.js';

/** `expire`. */
export async function expire(
  context: RpcContext,
  params: ExpireParams,
  call: RpcCall,
): Promise<RpcResult> {
  const { now } = call;
  const applied = params.expiry.map((expiry) => {
    if (expiry < now - EXPIRE_PAST_TOLERANCE_MS) {
      // 401 as Session (SS `request_handler.cpp`): a 406 makes Android resync its clock and
      // then drop the node, for what is the caller's mistake.
      throw new ClockOutOfSyncError(
        `expire: timestamp should be >= current time (${expiry} is ${now - expiry} ms in the past)`,
        { details: { field: 'expiry' }, status: 401 },
      );
    }
    return Math.min(now + TTL_MAX_PRIVATE_MS, expiry);
  });
  verifyRequestSignature(context, params, {
    method: 'expire',
    signed: {
      messages: params.messages,
      expiry: params.expiry.length === 1 ? params.expiry[0] : params.expiry,
      shorten: params.shorten,
      extend: params.extend,
    },
    signature: params.signature,
    access: SubaccountAccess.Write,
  });
  let extendOnly = params.extend;
  if (params.subaccount !== undefined) {
    const token = parseSubaccountToken(params.subaccount, 'expire');
    if ((token.flags & SubaccountAccess.Delete) === 0) {
      // Shortening is nearly deleting: a subaccount without delete access may only extend.
      if (params.shorten) {
        throw new InvalidInputError(
          'expire: `shorten` cannot be used with this subaccount token (it has no delete access)',
          { details: { field: 'shorten' } },
        );
      }
      extendOnly = true;
    }
  }
  return runSwarmWide(context, call, {
    method: 'expire',
    pubkey: params.pubkey,
    applyLocally() {
      const mode = extendOnly ? 'extend' : params.shorten ? 'shorten' : 'any';
      const updated = context.store
        .updateExpiries(params.pubkey, params.messages, applied, mode)
        .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
      const updatedHashes = updated.map((entry) => entry.hash);
      const unchanged: Record<string, number> = {};
      if (params.extend || params.shorten) {
        const done = new Set(updatedHashes);
        const rest = params.messages.filter((hash) => !done.has(hash));
        const current = context.store.getExpiries(params.pubkey, rest, Number.MIN_SAFE_INTEGER);
        for (const hash of sortedHashes([...current.keys()])) {
          unchanged[hash] = current.get(hash) as number;
        }
      }
      const expiries =
        params.expiry.length > 1 ? updated.map((entry) => entry.expiry) : [applied[0] as number];
      const mine: {
        expiry: number | number[];
        updated: string[];
        unchanged?: Record<string, number>;
        signature?: string;
      } = {
        expiry: params.expiry.length > 1 ? expiries : (expiries[0] as number),
        updated: updatedHashes,
      };
      if (params.extend || params.shorten) mine.unchanged = unchanged;
      mine.signature = nodeSignature(
        context,
        params.pubkey,
        expiries.map(String),
        params.messages,
        updatedHashes,
        Object.entries(unchanged).map(([hash, expiry]) => `${hash}${expiry}`),
      );
      return mine;
    },
  });
}
