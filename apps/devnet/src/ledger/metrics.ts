/**
 * The ledger's Prometheus metrics, in a registry of their own (no global registry): height,
 * mempool size, blocks produced and their production time, transactions accepted and rejected
 * (by reason), and connected feed clients. Served at `GET /metrics`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The ledger's metrics. */
export interface LedgerMetrics {
  /** The registry to serve. */
  readonly registry: Registry;
  /** A transaction was accepted (`duplicate`: it was already waiting). */
  transactionAccepted(type: string, duplicate: boolean): void;
  /** A transaction was refused, with its reason. */
  transactionRejected(reason: string): void;
  /** A block was produced and stored. */
  blockProduced(height: number, transactions: number, durationMs: number): void;
  /** Sets the gauges that follow the state. */
  update(values: { height: number; mempoolSize: number }): void;
  /** Sets the number of feed clients. */
  feedClients(count: number): void;
}

/** New metrics in a fresh registry, with `murmur_ledger_` names. */
export function createLedgerMetrics(): LedgerMetrics {
  const registry = new Registry();
  const height = new Gauge({
    name: 'murmur_ledger_height',
    help: 'Height of the last block',
    registers: [registry],
  });
  const mempool = new Gauge({
    name: 'murmur_ledger_mempool_transactions',
    help: 'Transactions waiting for a block',
    registers: [registry],
  });
  const accepted = new Counter({
    name: 'murmur_ledger_transactions_accepted_total',
    help: 'Transactions accepted into the mempool, by type',
    labelNames: ['type'],
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'murmur_ledger_transactions_duplicate_total',
    help: 'Submissions of a transaction that was already waiting',
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'murmur_ledger_transactions_rejected_total',
    help: 'Transactions refused, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const blocks = new Counter({
    name: 'murmur_ledger_blocks_produced_total',
    help: 'Blocks produced since the process started',
    registers: [registry],
  });
  const blockTransactions = new Counter({
    name: 'murmur_ledger_block_transactions_total',
    help: 'Transactions included in blocks since the process started',
    registers: [registry],
  });
  const blockDuration = new Histogram({
    name: 'murmur_ledger_block_production_seconds',
    help: 'Time to make, apply and store one block',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [registry],
  });
  const feed = new Gauge({
    name: 'murmur_ledger_feed_clients',
    help: 'Connected WebSocket feed clients',
    registers: [registry],
  });
  return {
    registry,
    transactionAccepted(type, duplicate) {
      if (duplicate) duplicates.inc();
      else accepted.inc({ type });
    },
    transactionRejected(reason) {
      rejected.inc({ reason });
    },
    blockProduced(blockHeight, transactions, durationMs) {
      blocks.inc();
      blockTransactions.inc(transactions);
      blockDuration.observe(durationMs / 1_000);
      height.set(blockHeight);
    },
    update(values) {
      height.set(values.height);
      mempool.set(values.mempoolSize);
    },
    feedClients(count) {
      feed.set(count);
    },
  };
}
