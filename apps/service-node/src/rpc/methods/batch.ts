/**
 * `batch` (subrequests run concurrently) and `sequence` (in order, stopping after the first
 * answer that is not 2xx). Both answer HTTP 200 with `{results: [{code, body}]}`.
 */
import type { BatchParams, RpcSubrequest } from '@murmur/wire';
import type { RpcCall, RpcResult } from '../context.js';

/** Runs one checked subrequest (with its raw parameters) and returns its result. */
export type SubrequestRunner = (
  request: RpcSubrequest,
  raw: Record<string, unknown>,
) => Promise<RpcResult>;

function rawOf(call: RpcCall, index: number): Record<string, unknown> {
  const requests = (call.raw as { requests?: unknown }).requests;
  const entry = Array.isArray(requests) ? (requests[index] as { params?: unknown }) : undefined;
  const params = entry?.params;
  return typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {};
}

function subresult(result: RpcResult): { code: number; body: unknown } {
  return { code: result.status, body: result.body };
}

/** `batch`. */
export async function batch(
  params: BatchParams,
  call: RpcCall,
  run: SubrequestRunner,
): Promise<RpcResult> {
  const results = await Promise.all(
    params.requests.map((request, index) => run(request, rawOf(call, index))),
  );
  return { status: 200, body: { results: results.map(subresult) } };
}

/** `sequence`. */
export async function sequence(
  params: BatchParams,
  call: RpcCall,
  run: SubrequestRunner,
): Promise<RpcResult> {
  const results: { code: number; body: unknown }[] = [];
  for (const [index, request] of params.requests.entries()) {
    const result = await run(request, rawOf(call, index));
    results.push(subresult(result));
    if (result.status < 200 || result.status > 299) break;
  }
  return { status: 200, body: { results } };
}
