/**
 * The node's Prometheus metrics, on a prom-client `Registry` of its own (never the global
 * default registry, so several nodes can live in one process, as in tests).
 *
 * Stored-message gauges are read from the store's counters when scraped (cheap: no query).
 * The replication and peer-link metrics are defined here and fed by the replication layer.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric the node exports. */
export interface NodeMetrics {
  readonly registry: Registry;
  /** Storage RPC requests (subrequests included) by method and status. */
  readonly rpcRequests: Counter<'method' | 'status'>;
  /** Storage RPC handling time by method. */
  readonly rpcDuration: Histogram<'method'>;
  /** Onion requests by role (`relay`, `final`, `proxy`, `invalid`) and status. */
  readonly onionRequests: Counter<'role' | 'status'>;
  /** Requests refused by the per-address rate limiter, by route. */
  readonly rateLimited: Counter<'route'>;
  /** Requests shed under overload, by reason (`event-loop-delay`, `in-flight`). */
  readonly shed: Counter<'reason'>;
  /** Messages deleted by the expiry sweeper. */
  readonly expiredMessages: Counter;
  /** Uptime proofs sent, by result (`accepted`, `rejected`, `error`). */
  readonly uptimeProofs: Counter<'result'>;
  /** Ledger height the node has followed to. */
  readonly ledgerHeight: Gauge;
  /** 1 when the node is ready to serve (active in a swarm), else 0. */
  readonly ready: Gauge;
  /** Seconds between a message's arrival at a peer and its replication here (replication layer). */
  readonly replicationLag: Gauge<'peer'>;
  /** Replication attempts that failed, by reason (replication layer). */
  readonly replicationFailures: Counter<'reason'>;
  /** Requests waiting to be retried to swarm peers (replication layer). */
  readonly replicationPending: Gauge;
  /** Peer links by state (`open`, `connecting`) (replication layer). */
  readonly peerLinks: Gauge<'state'>;
}

/** Figures the store gauges read at scrape time. */
export interface StoreFigures {
  messages: number;
  dataBytes: number;
  databaseBytes: number;
}

/** Options of {@link createNodeMetrics}. */
export interface NodeMetricsInit {
  /** Also export Node's process metrics (CPU, memory, event loop lag, GC) on this registry. */
  processMetrics?: boolean | undefined;
  /** Read at scrape time for `murmur_stored_messages`, `murmur_stored_bytes`, `murmur_database_bytes`. */
  storeFigures?: (() => StoreFigures) | undefined;
}

/** Creates the metrics on a new registry. */
export function createNodeMetrics(init: NodeMetricsInit = {}): NodeMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (init.processMetrics) collectDefaultMetrics({ register: registry });
  const figures = init.storeFigures;
  new Gauge({
    name: 'murmur_stored_messages',
    help: 'Messages in the store (expired ones count until the sweeper removes them)',
    registers,
    collect() {
      if (figures !== undefined) this.set(figures().messages);
    },
  });
  new Gauge({
    name: 'murmur_stored_bytes',
    help: 'Sum of the stored messages sizes, bytes',
    registers,
    collect() {
      if (figures !== undefined) this.set(figures().dataBytes);
    },
  });
  new Gauge({
    name: 'murmur_database_bytes',
    help: 'Size of the message database file, bytes',
    registers,
    collect() {
      if (figures !== undefined) this.set(figures().databaseBytes);
    },
  });
  return {
    registry,
    rpcRequests: new Counter({
      name: 'murmur_rpc_requests_total',
      help: 'Storage RPC requests by method and HTTP status (batch subrequests included)',
      labelNames: ['method', 'status'] as const,
      registers,
    }),
    rpcDuration: new Histogram({
      name: 'murmur_rpc_duration_seconds',
      help: 'Storage RPC handling time by method',
      labelNames: ['method'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    onionRequests: new Counter({
      name: 'murmur_onion_requests_total',
      help: 'Onion requests by this node role (relay, final, proxy, invalid) and status',
      labelNames: ['role', 'status'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: 'murmur_rate_limited_total',
      help: 'Requests refused with 429 by the per-address rate limiter',
      labelNames: ['route'] as const,
      registers,
    }),
    shed: new Counter({
      name: 'murmur_shed_requests_total',
      help: 'Requests refused with 503 because the node is overloaded',
      labelNames: ['reason'] as const,
      registers,
    }),
    expiredMessages: new Counter({
      name: 'murmur_expired_messages_total',
      help: 'Messages deleted by the expiry sweeper',
      registers,
    }),
    uptimeProofs: new Counter({
      name: 'murmur_uptime_proofs_total',
      help: 'Uptime proofs submitted to the ledger, by result',
      labelNames: ['result'] as const,
      registers,
    }),
    ledgerHeight: new Gauge({
      name: 'murmur_ledger_height',
      help: 'Ledger height the node has followed to',
      registers,
    }),
    ready: new Gauge({
      name: 'murmur_ready',
      help: '1 when the node is active in a swarm and serving, else 0',
      registers,
    }),
    replicationLag: new Gauge({
      name: 'murmur_replication_lag_seconds',
      help: 'Delay between a message arriving at a swarm peer and being stored here',
      labelNames: ['peer'] as const,
      registers,
    }),
    replicationFailures: new Counter({
      name: 'murmur_replication_failures_total',
      help: 'Replication attempts to swarm peers that failed, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    replicationPending: new Gauge({
      name: 'murmur_replication_pending',
      help: 'Requests waiting to be retried to swarm peers',
      registers,
    }),
    peerLinks: new Gauge({
      name: 'murmur_peer_links',
      help: 'Peer links to other service nodes, by state',
      labelNames: ['state'] as const,
      registers,
    }),
  };
}

/** The dispatcher hook that counts and times storage RPC methods. */
export function rpcObserver(
  metrics: NodeMetrics,
): (method: string, status: number, seconds: number) => void {
  return (method, status, seconds) => {
    metrics.rpcRequests.inc({ method, status: String(status) });
    metrics.rpcDuration.observe({ method }, seconds);
  };
}
