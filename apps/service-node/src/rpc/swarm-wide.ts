/**
 * The shape every swarm-wide request shares: forward to the rest of the swarm, apply locally,
 * gather each member's result under `swarm`, answer 200 if any member succeeded (else 500).
 */
import {
  type MurmurError,
  MurmurError as MurmurErrorClass,
  OverloadedError,
  utf8Encode,
} from '@murmur/wire';
import { type SwarmMemberFailure, statusForError } from '@murmur/wire/server';
import { networkFields, type RpcCall, type RpcContext, type RpcResult } from './context.js';
import type { MemberResult, SwarmWideMethod } from './replicator.js';

/** This node's Ed25519 signature of the concatenated parts (ASCII), base64. */
export function nodeSignature(
  context: RpcContext,
  ...parts: (string | readonly string[])[]
): string {
  const text = parts.map((part) => (typeof part === 'string' ? part : part.join(''))).join('');
  const signature = context.crypto.sign(utf8Encode(text), context.keys.ed25519.secretKey);
  return Buffer.from(signature).toString('base64');
}

/** {@link nodeSignature} of one text, on a worker thread when the context has an offload. */
export function nodeSignatureAsync(context: RpcContext, text: string): Promise<string> {
  return context.offload === undefined
    ? Promise.resolve(nodeSignature(context, text))
    : context.offload.signText(text);
}

/** The failure entry for this node's own result when applying the request failed. */
function failureOf(error: unknown): SwarmMemberFailure {
  if (MurmurErrorClass.isInstance(error) && error.code !== 'INTERNAL') {
    return {
      failed: true,
      query_failure: true,
      code: statusForError(error),
      reason: error.message,
    };
  }
  return { failed: true, query_failure: true };
}

function succeeded(result: MemberResult): boolean {
  return (result as { failed?: unknown }).failed !== true;
}

/** Options of {@link runSwarmWide}. */
export interface SwarmWideRun {
  method: SwarmWideMethod;
  pubkey: string;
  /** Applies the request to this node's store and returns this node's result. */
  applyLocally: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Fields of the top-level answer besides `swarm`, `t`, `hf` (store's `hash`). */
  topLevel?: Record<string, unknown> | undefined;
}

/**
 * Runs a checked swarm-wide request. A forwarded copy answers this node's own result only. An
 * entry node forwards first (as Session does), applies locally, then waits for the others.
 * When no member succeeded and this node's own failure is a Murmur error other than an internal
 * one (a full store, for example), that error is thrown so the client gets its status and text.
 */
export async function runSwarmWide(
  context: RpcContext,
  call: RpcCall,
  run: SwarmWideRun,
): Promise<RpcResult> {
  // A request past its deadline (its client was answered 503 already) or whose client went
  // away is neither forwarded nor applied late (issue 10): nothing is written for it.
  if (call.cancel !== undefined && (call.cancel.aborted ?? call.cancel.signal?.aborted)) {
    throw new OverloadedError('Overloaded, try again shortly (the request outlived its deadline)');
  }
  if (call.forwarded) return { status: 200, body: await run.applyLocally() };
  const remote = context.replicator
    .replicate(
      { method: run.method, pubkey: run.pubkey, raw: call.raw },
      // The options object itself: the replicator reads its signal only when there is a
      // member to forward to.
      call.cancel ?? {},
    )
    .catch((error: unknown) => {
      context.logger.warn({ err: error, method: run.method }, 'replication failed');
      return {} as Record<string, MemberResult>;
    });
  let mine: MemberResult;
  let localError: unknown;
  try {
    mine = await run.applyLocally();
  } catch (error) {
    localError = error;
    mine = failureOf(error);
  }
  const others = await remote;
  const swarm: Record<string, MemberResult> = { ...others, [context.keys.ed25519Hex]: mine };
  const anySuccess = Object.values(swarm).some(succeeded);
  if (!anySuccess && localError !== undefined) {
    if (MurmurErrorClass.isInstance(localError) && localError.code !== 'INTERNAL') {
      throw localError as MurmurError;
    }
    context.logger.error({ err: localError, method: run.method }, 'request failed on every member');
  }
  return {
    status: anySuccess ? 200 : 500,
    body: { swarm, ...run.topLevel, ...networkFields(context, call.now) },
  };
}

/** Hashes sorted as Session sorts them (byte order of the ASCII strings). */
export function sortedHashes(hashes: readonly string[]): string[] {
  return [...hashes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The `deleted` / `updated` value of a namespace-wide result and the hashes its signature covers:
 * a sorted list for one namespace; for `"all"`, hashes grouped by namespace (each list sorted)
 * with the signature over every hash sorted together.
 */
export function namespacedResult(
  namespace: number | 'all',
  rows: readonly { namespace: number; hash: string }[],
): { value: string[] | Record<string, string[]>; signed: string[] } {
  const sorted = [...rows].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const signed = sorted.map((row) => row.hash);
  if (namespace !== 'all') return { value: signed, signed };
  const grouped: Record<string, string[]> = {};
  for (const row of sorted) {
    const key = String(row.namespace);
    const list = grouped[key];
    if (list === undefined) grouped[key] = [row.hash];
    else list.push(row.hash);
  }
  return { value: grouped, signed };
}
