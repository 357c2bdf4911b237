/**
 * Is a node ready? Its `/health` answer ({@link nodeHealth}, over HTTPS without certificate
 * checks: the nodes' certificates are self-signed) and its registry record
 * ({@link notActiveReason}: active, with the address it announces and a swarm).
 */
import type { JsonServiceNode } from '@murmur/registry/ledger-http';
import { createNodeFetch } from '@murmur/wire/node';
import { errorText } from '../context.js';
import type { ManifestNode } from '../manifest.js';
import { announcedAddress } from '../ports.js';
import type { NodeHealth } from '../types.js';

/** The swarm ID of a node not in a swarm yet. */
export const UNASSIGNED_SWARM = 'ffffffffffffffff';

/** How long one `/health` request may take, ms. */
const HEALTH_TIMEOUT_MS = 3_000;

/** What a node's health endpoint said. */
export interface HealthAnswer extends NodeHealth {
  /** One line for messages: `/health 503 starting (catching up …)`. */
  text: string;
}

/** Talks to the nodes: HTTPS without certificate checks (self-signed), nothing global changed. */
const nodeFetch = createNodeFetch({ keepAlive: false });

/**
 * Asks `GET <url>/health` once (with `fetcher`, default a fetch that opens a new connection per
 * request). Never throws: an unreachable or slow node is an answer that is not ready, with the
 * reason in `text` (and no `httpStatus`).
 */
export async function nodeHealth(
  url: string,
  signal?: AbortSignal,
  fetcher: typeof fetch = nodeFetch,
): Promise<HealthAnswer> {
  const timeout = AbortSignal.timeout(HEALTH_TIMEOUT_MS);
  try {
    const response = await fetcher(`${url}/health`, {
      signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
    });
    const body = (await response.json().catch(() => undefined)) as
      | { status?: unknown; reason?: unknown }
      | undefined;
    const status = typeof body?.status === 'string' ? body.status : 'unknown';
    const reason = typeof body?.reason === 'string' ? ` (${body.reason})` : '';
    return {
      ready: response.status === 200 && status === 'ready',
      httpStatus: response.status,
      body,
      text: `/health ${response.status} ${status}${reason}`,
    };
  } catch (error) {
    return {
      ready: false,
      httpStatus: undefined,
      body: undefined,
      text: `/health unreachable (${errorText(error)})`,
    };
  }
}

/** Why a registry record is not yet "active with an address and a swarm", or undefined. */
export function notActiveReason(
  record: JsonServiceNode | undefined,
  node: Pick<ManifestNode, 'host' | 'storagePort'>,
): string | undefined {
  if (record === undefined) return 'not in the registry';
  if (record.status !== 'active') return `registry status ${record.status}`;
  if (record.ip === undefined || record.storagePort === undefined) {
    return 'active, no address yet (no uptime proof accepted)';
  }
  if (record.ip !== announcedAddress(node.host) || record.storagePort !== node.storagePort) {
    return `active at ${record.ip}:${record.storagePort}, not yet at ${announcedAddress(node.host)}:${node.storagePort}`;
  }
  if (record.swarmId === UNASSIGNED_SWARM) return 'active, no swarm yet';
  return undefined;
}
