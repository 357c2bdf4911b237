/**
 * The ledger's seed endpoint (`POST /json_rpc` `get_n_service_nodes`), checked with
 * `@murmur/wire`'s seed schemas. Every other ledger route goes through `@murmur/registry`'s
 * `httpLedgerSource`.
 */
import {
  type AbortOptions,
  fetchWithTimeout,
  parseSeedResponse,
  type SeedResponse,
  UpstreamFailedError,
} from '@murmur/wire';

/** Timeout of a seed request to the ledger, ms (as `httpLedgerSource`'s requests). */
export const SEED_REQUEST_TIMEOUT_MS = 10_000;

/** `POST /json_rpc` `get_n_service_nodes` on the ledger at `url` (active nodes only by default). */
export async function fetchLedgerSeedNodes(
  url: string,
  options: AbortOptions & { activeOnly?: boolean } = {},
): Promise<SeedResponse> {
  const base = url.replace(/\/+$/, '');
  const answer = await fetchWithTimeout(
    fetch,
    `${base}/json_rpc`,
    {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'get_n_service_nodes',
        params: { active_only: options.activeOnly ?? true },
      }),
    },
    { signal: options.signal, timeoutMs: SEED_REQUEST_TIMEOUT_MS, peer: `the ledger at ${base}` },
  );
  if (answer.status !== 200) {
    throw new UpstreamFailedError(`the ledger answered ${answer.status} to /json_rpc`, {
      status: answer.status,
    });
  }
  return parseSeedResponse(answer.body);
}
