/**
 * The client's health: computed from the parts' state, emitted only when something a user
 * would notice changed.
 */
import type { PathHealth, PathManagerStatus } from '@murmur/onion';
import type { ClientHealth, PollerState } from '../events.js';

/** What the health is computed from (read at each call). */
export interface HealthComponents {
  /** Whether the client is started. */
  started(): boolean;
  /** The path manager's status. */
  pathStatus(): PathManagerStatus;
  /** Network time. */
  time: { readonly synced: boolean; readonly offsetMs: number };
  /** The poller. */
  poller: {
    readonly state: PollerState;
    readonly failures: number;
    readonly lastCompletedAt: number | undefined;
  };
  /** Whether a push source is connected. */
  pushConnected(): boolean;
  /** Messages waiting in the outbox (queued or sending). */
  outboxPending(): number;
  /** Called with a health that differs from the last one emitted. */
  emit(health: ClientHealth): void;
}

/** Computes and emits the client's health. */
export interface HealthMonitor {
  /** The health now. */
  compute(): ClientHealth;
  /** Emits the health when it differs from the last one emitted. */
  update(): void;
  /** Forgets the last emitted health: the next {@link HealthMonitor.update} emits. */
  reset(): void;
}

/** Creates a health monitor. */
export function createHealthMonitor(components: HealthComponents): HealthMonitor {
  let lastKey = '';
  const compute = (): ClientHealth => {
    const { poller, time } = components;
    const started = components.started();
    const status = components.pathStatus();
    const pathHealth: PathHealth = started ? status.health : 'offline';
    const timeSynced = time.synced;
    let summary: ClientHealth['summary'];
    let reason: string;
    if (!started) {
      summary = 'offline';
      reason = 'the client is stopped';
    } else if (pathHealth === 'offline') {
      summary = 'offline';
      reason = `no onion path: ${status.reason}`;
    } else if (!timeSynced) {
      summary = 'offline';
      reason = 'waiting for network time from a service node';
    } else if (pathHealth !== 'healthy') {
      summary = 'degraded';
      reason = status.reason;
    } else if (poller.failures > 0) {
      summary = 'degraded';
      reason = `the last ${poller.failures} poll(s) failed; retrying`;
    } else if (poller.state === 'waiting-for-account') {
      summary = 'degraded';
      reason = 'no account yet: nothing to receive';
    } else {
      summary = 'healthy';
      reason = status.reason;
    }
    const health: ClientHealth = {
      summary,
      reason,
      paths: pathHealth,
      pathsReason: status.reason,
      timeSynced,
      timeOffsetMs: time.offsetMs,
      poller: poller.state,
      pollFailures: poller.failures,
      pushConnected: components.pushConnected(),
      outboxPending: components.outboxPending(),
    };
    if (poller.lastCompletedAt !== undefined) health.lastPollAt = poller.lastCompletedAt;
    return health;
  };
  return {
    compute,
    update() {
      const health = compute();
      const key = [
        health.summary,
        health.reason,
        health.paths,
        health.timeSynced,
        health.poller,
        health.pollFailures > 0,
        health.pushConnected,
        health.outboxPending,
      ].join('|');
      if (key === lastKey) return;
      lastKey = key;
      components.emit(health);
    },
    reset() {
      lastKey = '';
    },
  };
}
