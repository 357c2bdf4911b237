/**
 * `ifelse`: runs `then` or `else` depending on a condition about the node — hard fork
 * (`hf_at_least`, `hf_before`: `[major, minor]`), storage server version (`v_at_least`,
 * `v_before`: `[major, minor, patch]`) and chain height (`height_at_least`, `height_before`) —
 * as Session's server does (session-storage-server `oxenss/rpc/client_rpc_endpoints.cpp`
 * `ifelse::load_from`, `oxenss/rpc/request_handler.cpp` `process_client_req(rpc::ifelse&&)`):
 *
 * - every condition given must hold; versions given shorter are padded with zeros, longer ones
 *   cut; an empty list counts as not given; at least one condition is required;
 * - `then` and `else` are `{method, params}` of any storage RPC method, `ifelse`, `batch` and
 *   `sequence` included; at least one of them; both are checked before either runs;
 * - the answer (HTTP 200) is `{hf, v, height, condition}` plus, when the chosen branch exists,
 *   `result: {code, body}` with that request's status and answer.
 */
import { InvalidInputError } from '@murmur/wire';
import type { RpcResult } from '../context.js';

/** The method name. */
export const IFELSE_METHOD = 'ifelse';

/** A branch: a request to run. */
export interface IfElseBranch {
  method: string;
  params: unknown;
}

/** What the node is, for the condition. */
export interface NodeFacts {
  hardfork: readonly [number, number];
  version: readonly [number, number, number];
  height: number;
}

/** A parsed `ifelse` request. */
export interface IfElseRequest {
  condition: (facts: NodeFacts) => boolean;
  /** `then`. */
  whenTrue: IfElseBranch | undefined;
  /** `else`. */
  whenFalse: IfElseBranch | undefined;
}

function invalid(text: string, field: string): InvalidInputError {
  return new InvalidInputError(text, { details: { field } });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function intField(source: Record<string, unknown>, name: string): number | undefined {
  const value = source[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw invalid(`Invalid value given for '${name}': expected integer`, `if.${name}`);
  }
  return value;
}

function versionField(
  source: Record<string, unknown>,
  name: string,
  length: number,
): number[] | undefined {
  const value = source[name];
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    !value.every((item) => typeof item === 'number' && Number.isSafeInteger(item))
  ) {
    throw invalid(`Invalid value given for '${name}': expected list of integers`, `if.${name}`);
  }
  if (value.length === 0) return undefined;
  return Array.from({ length }, (_, index) => (value[index] as number | undefined) ?? 0);
}

/** -1, 0 or 1 as `a` sorts before, with or after `b` (same length). */
function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function parseCondition(value: unknown): (facts: NodeFacts) => boolean {
  if (!isObject(value)) throw invalid('Invalid ifelse request: no valid "if" field', 'if');
  const heightAtLeast = intField(value, 'height_at_least');
  const heightBefore = intField(value, 'height_before');
  const hfAtLeast = versionField(value, 'hf_at_least', 2);
  const hfBefore = versionField(value, 'hf_before', 2);
  const vAtLeast = versionField(value, 'v_at_least', 3);
  const vBefore = versionField(value, 'v_before', 3);
  const given = [heightAtLeast, heightBefore, hfAtLeast, hfBefore, vAtLeast, vBefore];
  if (given.every((item) => item === undefined)) {
    throw invalid('Invalid ifelse request: must specify at least one "if" condition', 'if');
  }
  return (facts) =>
    (hfAtLeast === undefined || compare(facts.hardfork, hfAtLeast) >= 0) &&
    (hfBefore === undefined || compare(facts.hardfork, hfBefore) < 0) &&
    (vAtLeast === undefined || compare(facts.version, vAtLeast) >= 0) &&
    (vBefore === undefined || compare(facts.version, vBefore) < 0) &&
    (heightAtLeast === undefined || facts.height >= heightAtLeast) &&
    (heightBefore === undefined || facts.height < heightBefore);
}

/**
 * Parses `ifelse` parameters. `check(method, params)` checks a branch's request (throwing as
 * the dispatcher would for it, and telling unknown methods apart by returning false).
 */
export function parseIfElse(
  params: unknown,
  check: (method: string, params: unknown) => boolean,
): IfElseRequest {
  const input: { if?: unknown; then?: unknown; else?: unknown } = isObject(params) ? params : {};
  const condition = parseCondition(input.if);
  const branch = (key: 'then' | 'else'): IfElseBranch | undefined => {
    const value = input[key];
    if (value === undefined) return undefined;
    if (!isObject(value)) throw invalid(`Invalid ifelse request: ${key} must be an object`, key);
    const { method, params: subParams } = value as { method?: unknown; params?: unknown };
    if (typeof method !== 'string' || !('params' in value)) {
      throw invalid(`Invalid ifelse request: ${key} must have method/params keys`, key);
    }
    const sub = { method, params: subParams };
    if (sub.method === IFELSE_METHOD) parseIfElse(sub.params, check);
    else if (!check(sub.method, sub.params)) {
      // Session's text names the key here, not the method.
      throw invalid(`Invalid ifelse request method "${key}"`, `${key}.method`);
    }
    return sub;
  };
  const request = { condition, whenTrue: branch('then'), whenFalse: branch('else') };
  if (request.whenTrue === undefined && request.whenFalse === undefined) {
    throw invalid('Invalid ifelse request: at least one of "then"/"else" required', 'then');
  }
  return request;
}

/** Runs a parsed `ifelse`: the answer, with the chosen branch's result when there is one. */
export async function runIfElse(
  request: IfElseRequest,
  facts: NodeFacts,
  run: (branch: IfElseBranch) => Promise<RpcResult>,
): Promise<RpcResult> {
  const condition = request.condition(facts);
  const body: {
    hf: number[];
    v: number[];
    height: number;
    condition: boolean;
    result?: { code: number; body: unknown };
  } = { hf: [...facts.hardfork], v: [...facts.version], height: facts.height, condition };
  const chosen = condition ? request.whenTrue : request.whenFalse;
  if (chosen !== undefined) {
    const result = await run(chosen);
    body.result = { code: result.status, body: result.body };
  }
  return { status: 200, body };
}
