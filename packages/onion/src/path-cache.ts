/**
 * The persisted state of a path manager: the node pool and the guards, as versioned JSON with
 * the time the pool was fetched. Loading is strict: anything that is not exactly a current,
 * well-formed state is discarded (and the manager bootstraps from a seed), so a poisoned cache
 * can never keep a client offline.
 */
import { createChecker, Ed25519PubkeySchema, Ipv4Schema, X25519PubkeySchema } from '@murmur/wire';
import Type, { type Static } from 'typebox';
import type { OnionNode } from './onion-node.js';

/** The version {@link encodePathCache} writes; other versions are discarded on load. */
export const PATH_CACHE_VERSION = 1;

/** The largest pool a cache may hold. */
export const PATH_CACHE_MAX_NODES = 100_000;

/** How far in the future a `savedAt` may be (clock adjustments) before the cache is refused. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

const CachedNodeSchema = Type.Object(
  {
    ed25519: Ed25519PubkeySchema,
    x25519: X25519PubkeySchema,
    ip: Ipv4Schema,
    port: Type.Integer({ minimum: 1, maximum: 65_535, description: 'a port from 1 to 65535' }),
  },
  { additionalProperties: false },
);

/** The schema of a persisted path state (version 1). */
export const PathCacheSchema = Type.Object(
  {
    version: Type.Literal(PATH_CACHE_VERSION),
    savedAt: Type.Integer({ minimum: 0, description: 'a Unix time in milliseconds' }),
    pool: Type.Array(CachedNodeSchema, { maxItems: PATH_CACHE_MAX_NODES }),
    guards: Type.Array(Ed25519PubkeySchema, { maxItems: 64 }),
  },
  { additionalProperties: false },
);

/** A persisted path state. */
export type PathCache = Static<typeof PathCacheSchema>;

const checker = createChecker(PathCacheSchema);

/** Serialises a state (`savedAt` is when the pool was fetched, not when it was written). */
export function encodePathCache(state: {
  savedAt: number;
  pool: readonly OnionNode[];
  guards: readonly string[];
}): string {
  const cache: PathCache = {
    version: PATH_CACHE_VERSION,
    savedAt: state.savedAt,
    pool: state.pool.map(({ ed25519, x25519, ip, port }) => ({ ed25519, x25519, ip, port })),
    guards: [...state.guards],
  };
  return JSON.stringify(cache);
}

/** The result of {@link decodePathCache}. */
export type DecodedPathCache =
  | { ok: true; savedAt: number; pool: OnionNode[]; guards: string[] }
  | { ok: false; reason: string };

/**
 * Reads a persisted state. Never throws: garbage, another version, a schema failure, a guard
 * missing from the pool, a `0.0.0.0` node, a `savedAt` older than `ttlMs` or in the future all
 * give `{ ok: false, reason }`.
 */
export function decodePathCache(text: string, now: number, ttlMs: number): DecodedPathCache {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'it is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'it is not a JSON object' };
  }
  const version = (value as { version?: unknown }).version;
  if (version !== PATH_CACHE_VERSION) {
    return {
      ok: false,
      reason: `it has version ${JSON.stringify(version ?? null)}; this code reads version ${PATH_CACHE_VERSION}`,
    };
  }
  if (!checker.check(value)) {
    const problem = checker.firstProblem(value);
    return { ok: false, reason: `it does not match the schema: ${problem?.text ?? 'invalid'}` };
  }
  if (value.savedAt > now + FUTURE_TOLERANCE_MS) {
    return { ok: false, reason: 'its savedAt lies in the future' };
  }
  if (now - value.savedAt > ttlMs) {
    return {
      ok: false,
      reason: `it is stale (saved ${Math.round((now - value.savedAt) / 1000)} s ago; the limit is ${Math.round(ttlMs / 1000)} s)`,
    };
  }
  const pool = new Map<string, OnionNode>();
  for (const node of value.pool) {
    if (node.ip === '0.0.0.0') return { ok: false, reason: 'its pool lists a node at 0.0.0.0' };
    const key = node.ed25519.toLowerCase();
    pool.set(key, {
      ed25519: key,
      x25519: node.x25519.toLowerCase(),
      ip: node.ip,
      port: node.port,
    });
  }
  const guards = [...new Set(value.guards.map((guard) => guard.toLowerCase()))];
  for (const guard of guards) {
    if (!pool.has(guard)) return { ok: false, reason: 'a guard is missing from its pool' };
  }
  return { ok: true, savedAt: value.savedAt, pool: [...pool.values()], guards };
}
