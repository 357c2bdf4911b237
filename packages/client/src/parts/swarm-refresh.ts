/**
 * Swarm refresh: finds the swarm of an account (after a 421, or before a first request).
 * With a ledger the swarm is computed locally; otherwise `get_swarm` is asked of up to three
 * random known nodes. One refresh per account at a time: callers share the one in flight.
 */
import type { OnionNode } from '@murmur/onion';
import {
  type AbortOptions,
  InvalidResponseError,
  raceAbort,
  UpstreamFailedError,
} from '@murmur/wire';
import type { NodeDirectory } from '../directory.js';
import { memberToNode, type SwarmCache } from '../swarm-cache.js';
import { responseParser, type Transport } from '../transport.js';

/** What swarm refresh uses. */
export interface SwarmRefreshComponents {
  directory: Pick<NodeDirectory, 'swarmFor'>;
  swarms: Pick<SwarmCache, 'set'>;
  transport: Pick<Transport, 'nodeRequest'>;
  /** Up to `count` random known nodes, none of `exclude`. */
  randomNodes(count: number, exclude: ReadonlySet<string>): OnionNode[];
  /** The signal that ends the requests (the client's lifecycle). */
  signal(): AbortSignal;
}

/** Swarm refresh. */
export interface SwarmRefresh {
  /** Refreshes the swarm of `pubkey` in the swarm cache. */
  refresh(pubkey: string, options: AbortOptions): Promise<void>;
  /** The refreshes in flight (to wait for after a stop). */
  running(): Promise<void>[];
}

/** Creates swarm refresh. */
export function createSwarmRefresh(components: SwarmRefreshComponents): SwarmRefresh {
  const { swarms, transport } = components;
  const swarmRefreshes = new Map<string, Promise<void>>();
  const refresh = (pubkey: string, options: AbortOptions): Promise<void> => {
    const computed = components.directory.swarmFor(pubkey);
    if (computed !== undefined) {
      swarms.set(pubkey, computed.members, computed.swarmId);
      return Promise.resolve();
    }
    let running = swarmRefreshes.get(pubkey);
    if (running === undefined) {
      running = (async () => {
        const tried = new Set<string>();
        let lastError: unknown;
        for (let attempt = 0; attempt < 3; attempt++) {
          const [node] = components.randomNodes(1, tried);
          if (node === undefined) break;
          tried.add(node.ed25519);
          try {
            const answer = await transport.nodeRequest(
              node,
              'get_swarm',
              { pubkey },
              responseParser('get_swarm'),
              { signal: components.signal() },
            );
            const members = answer.snodes
              .map((snode) =>
                memberToNode({
                  pubkeyEd25519: snode.pubkey_ed25519,
                  pubkeyX25519: snode.pubkey_x25519,
                  ip: snode.ip,
                  port: snode.port_https ?? Number(snode.port),
                }),
              )
              .filter((member): member is OnionNode => member !== undefined);
            if (members.length === 0) {
              throw new InvalidResponseError('get_swarm: the answer lists no usable member');
            }
            swarms.set(pubkey, members, answer.swarm.toLowerCase());
            return;
          } catch (error) {
            if (components.signal().aborted) throw error;
            lastError = error;
          }
        }
        throw lastError ?? new UpstreamFailedError('no known node to ask for the swarm');
      })().finally(() => swarmRefreshes.delete(pubkey));
      swarmRefreshes.set(pubkey, running);
    }
    return raceAbort(running, options.signal);
  };
  return { refresh, running: () => [...swarmRefreshes.values()] };
}
