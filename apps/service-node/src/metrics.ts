/**
 * The node's Prometheus metrics, on a prom-client `Registry` of its own (never the global
 * default registry, so several nodes can live in one process, as in tests).
 *
 * Stored-message gauges are read from the store's counters when scraped (cheap: no query).
 * The replication and peer-link metrics are fed by the peer network (`src/peers/`) and the
 * replication layer (`src/replication/`).
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
  /**
   * How old admitted requests were, from their arrival (their connection's acceptance, or the
   * headers of a later request on a kept-alive connection), at each stage: `admitted` (headers
   * read, admission passed), `handler` (body read, handler starting), `answered` (answer handed
   * to the socket, whatever its status). Where the time goes under load (docs/OPERATORS.md).
   */
  readonly requestAge: Histogram<'stage'>;
  /** Messages deleted by the expiry sweeper. */
  readonly expiredMessages: Counter;
  /** Uptime proofs sent, by result (`accepted`, `rejected`, `error`). */
  readonly uptimeProofs: Counter<'result'>;
  /** Ledger height the node has followed to. */
  readonly ledgerHeight: Gauge;
  /** 1 when the node is ready to serve (active in a swarm), else 0. */
  readonly ready: Gauge;
  /**
   * How far behind each swarm peer this node was at its last catch-up: the age (from the
   * sender's timestamp) of the oldest message that catch-up brought, 0 when it brought nothing.
   */
  readonly replicationLag: Gauge<'peer'>;
  /**
   * Forwarded requests to swarm members that failed, by reason (`timeout`, `unreachable`,
   * `refused`, `bad_response`), and catch-up or push exchanges that failed (`catch_up`, `push`).
   */
  readonly replicationFailures: Counter<'reason'>;
  /** Forwarded requests waiting for swarm members' answers, plus push and move jobs queued. */
  readonly replicationPending: Gauge;
  /** Peer links by state (`open`, `connecting`). */
  readonly peerLinks: Gauge<'state'>;
  /** Frames on peer links, by direction (`in`, `out`). */
  readonly peerFrames: Counter<'direction'>;
  /** Peer link handshakes that failed, by reason. */
  readonly peerHandshakeFailures: Counter<'reason'>;
  /** Messages stored here by catch-up (`catch_up`) or pushed by other nodes (`push`). */
  readonly syncedMessages: Counter<'source'>;
  /** Messages of accounts that moved to another swarm: pushed there, then deleted here. */
  readonly movedMessages: Counter;
  /**
   * Messages, journal entries and offers from other nodes refused by replication's checks, by
   * reason (`sender`: a node that may not hand over the account; `namespace`, `size`,
   * `timestamp`, `expiry`, `hash`: a message that fails a store's rules; `wanted-full`).
   */
  readonly replicationRefused: Counter<'reason'>;
  /** Forwarded requests a swarm member took on a background retry after failing at first. */
  readonly replicationRetried: Counter;
  /**
   * Copies of each store this node took from a client, when it answered: this node's and those
   * of the swarm members that took the forwarded copy (retries add copies later, counted by
   * `replicationRetried`). The `le="1"` bucket counts stores answered with one copy only.
   */
  readonly storeCopies: Histogram;
  /**
   * Crypto jobs of requests (signature checks, node signatures, onion layers) by where they ran:
   * `event-loop` (inline, the loop having room) or `worker` (sent to a crypto worker thread).
   */
  readonly cryptoJobs: Counter<'thread'>;
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
    cryptoJobs: new Counter({
      name: 'murmur_crypto_jobs_total',
      help: 'Crypto jobs of requests by where they ran: event-loop (inline while the loop had room) or worker (a crypto worker thread)',
      labelNames: ['thread'] as const,
      registers,
    }),
    shed: new Counter({
      name: 'murmur_shed_requests_total',
      help: 'Requests refused with 503 because the node is overloaded',
      labelNames: ['reason'] as const,
      registers,
    }),
    requestAge: new Histogram({
      name: 'murmur_request_age_seconds',
      help: 'Age of admitted requests since their arrival (connection accepted), by stage: admitted, handler, answered',
      labelNames: ['stage'] as const,
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 12.5, 15, 20, 30],
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
      help: 'Age of the oldest message the last catch-up from this swarm peer brought (0: none)',
      labelNames: ['peer'] as const,
      registers,
    }),
    replicationFailures: new Counter({
      name: 'murmur_replication_failures_total',
      help: 'Forwarded requests, catch-ups and pushes to other nodes that failed, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    replicationPending: new Gauge({
      name: 'murmur_replication_pending',
      help: 'Forwarded requests waiting for swarm members, plus push and move jobs queued',
      registers,
    }),
    peerLinks: new Gauge({
      name: 'murmur_peer_links',
      help: 'Peer links to other service nodes, by state',
      labelNames: ['state'] as const,
      registers,
    }),
    peerFrames: new Counter({
      name: 'murmur_peer_frames_total',
      help: 'Frames on peer links, by direction',
      labelNames: ['direction'] as const,
      registers,
    }),
    peerHandshakeFailures: new Counter({
      name: 'murmur_peer_handshake_failures_total',
      help: 'Peer link handshakes that failed, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    syncedMessages: new Counter({
      name: 'murmur_synced_messages_total',
      help: 'Messages stored by catch-up from swarm peers or pushed here by other nodes, by source',
      labelNames: ['source'] as const,
      registers,
    }),
    movedMessages: new Counter({
      name: 'murmur_moved_messages_total',
      help: 'Messages of accounts that moved to another swarm, pushed there and deleted here',
      registers,
    }),
    replicationRetried: new Counter({
      name: 'murmur_replication_retried_total',
      help: 'Forwarded requests a swarm member took on a background retry after failing at first',
      registers,
    }),
    storeCopies: new Histogram({
      name: 'murmur_store_copies',
      help: 'Copies of each client store when it was answered: this node and the swarm members that took it',
      buckets: [1, 2, 3, 4, 5, 6, 7, 8, 10, 12],
      registers,
    }),
    replicationRefused: new Counter({
      name: 'murmur_replication_refused_total',
      help: 'Messages and entries from other nodes refused by the replication checks, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
  };
}

/**
 * The dispatcher hook that counts and times storage RPC methods. The labelled series are looked
 * up once per method and status and kept (prom-client hashes a label object at every call
 * otherwise); methods and statuses are a small fixed set.
 */
export function rpcObserver(
  metrics: NodeMetrics,
): (method: string, status: number, seconds: number) => void {
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(seconds: number): void }>();
  return (method, status, seconds) => {
    const key = `${method} ${status}`;
    let counter = counters.get(key);
    if (counter === undefined) {
      counter = metrics.rpcRequests.labels(method, String(status));
      counters.set(key, counter);
    }
    counter.inc();
    let timer = timers.get(method);
    if (timer === undefined) {
      timer = metrics.rpcDuration.labels(method);
      timers.set(method, timer);
    }
    timer.observe(seconds);
  };
}

/**
 * A counter's series, each looked up once and kept: the returned function adds `amount`
 * (default 1) to the series of these label values (in the order of the counter's label names)
 * without building and hashing a label object each time. For label values from a small set.
 */
export function cachedCounter<L extends string>(
  counter: Counter<L>,
): (values: readonly string[], amount?: number) => void {
  const series = new Map<string, { inc(amount?: number): void }>();
  return (values, amount = 1) => {
    const key = values.join(' ');
    let entry = series.get(key);
    if (entry === undefined) {
      entry = counter.labels(...values);
      series.set(key, entry);
    }
    entry.inc(amount);
  };
}
