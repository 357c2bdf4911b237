/**
 * The hold of a resumed ledger. When a chain with active nodes resumes after a stop longer than
 * the uptime-proof validity, its very next block would judge every node by proofs made before
 * the stop: all of them would be decommissioned (and a node whose decommission credit is low,
 * deregistered) only because the ledger itself was down. So the ledger makes no block until
 * every active node has a fresh uptime proof waiting in the mempool — the nodes' first proofs
 * after their own restart — and then includes them all in one block, which keeps every node
 * active. The hold also ends when any other transaction waits (a wallet or a launcher must not
 * wait for proofs) and, at the latest, after a grace time.
 *
 * Nothing in the rules changes: the hold only delays blocks, as a slow producer would.
 */
import type { Transaction, UptimeProofTransaction } from '@murmur/registry';
import type { Logger } from '@murmur/wire';
import type { DevnetLedger } from './ledger.js';

/** How much younger than the timestamp tolerance a waiting proof must be to count, ms. */
const FRESHNESS_MARGIN_MS = 100;

/** Default longest hold, ms. */
export const DEFAULT_RESUME_GRACE_MS = 30_000;

/** Options of {@link createResumeHold}. */
export interface ResumeHoldInit {
  /** Longest hold, ms (0: no hold). */
  graceMs: number;
}

/** Components of {@link createResumeHold}. */
export interface ResumeHoldComponents {
  ledger: Pick<DevnetLedger, 'state' | 'mempool'>;
  /** Wall-clock milliseconds (default `Date.now`): block timestamps are wall time. */
  now?: (() => number) | undefined;
  logger?: Logger | undefined;
}

/**
 * The hold of `components.ledger` as it is now (call right after opening it): a predicate for
 * the producer's `holdWhile`, or `undefined` when no hold is needed (a new or recent chain, no
 * active node, or `graceMs` 0).
 */
export function createResumeHold(
  init: ResumeHoldInit,
  components: ResumeHoldComponents,
): (() => boolean) | undefined {
  const { ledger } = components;
  const now = components.now ?? (() => Date.now());
  const state = ledger.state;
  const params = state.params;
  if (init.graceMs <= 0 || state.height === 0) return undefined;
  const stoppedFor = now() - state.timestamp;
  if (stoppedFor <= params.uptimeProofValidityMs) return undefined;
  const active: string[] = [];
  for (const [key, node] of state.nodes.entries()) {
    if (node.status === 'active') active.push(key);
  }
  if (active.length === 0) return undefined;
  const deadline = now() + init.graceMs;
  // A proof must still be within the timestamp tolerance when the block is made, which is in
  // the same tick as this check: a small margin is enough. (Each node proves every interval, so
  // its newest proof is at most about one interval old; a margin as large as a block time would
  // leave some node outside the window at almost every tick.)
  const freshFor = Math.max(0, params.uptimeProofTimestampToleranceMs - FRESHNESS_MARGIN_MS);
  let released = false;
  components.logger?.info(
    { stoppedForMs: stoppedFor, activeNodes: active.length, graceMs: init.graceMs },
    'resumed after a long stop: holding blocks until the active nodes have sent fresh uptime proofs',
  );

  const release = (reason: string, extra: Record<string, unknown> = {}) => {
    released = true;
    components.logger?.info({ ...extra }, `block production resumes: ${reason}`);
    return false;
  };

  return () => {
    if (released) return false;
    const time = now();
    const pending: readonly Transaction[] = ledger.mempool;
    if (pending.some((tx) => tx.type !== 'uptime-proof')) {
      return release('a transaction other than an uptime proof is waiting');
    }
    const proven = new Set(
      pending
        .filter((tx): tx is UptimeProofTransaction => tx.type === 'uptime-proof')
        .filter((tx) => Math.abs(time - tx.timestamp) <= freshFor)
        .map((tx) => tx.node),
    );
    const missing = active.filter((key) => !proven.has(key));
    if (missing.length === 0) return release('every active node sent a fresh uptime proof');
    if (time >= deadline) {
      return release(`the ${init.graceMs} ms grace is over`, { withoutProof: missing.length });
    }
    return true;
  };
}
