import type { PathManagerStatus } from '@murmur/onion';
import { describe, expect, it } from 'vitest';
import type { ClientHealth, PollerState } from '../events.js';
import { createHealthMonitor } from './health.js';

function setup() {
  const state = {
    started: true,
    status: { health: 'healthy', reason: '2 of 2 paths ready' } as PathManagerStatus,
    time: { synced: true, offsetMs: 12 },
    poller: {
      state: 'idle' as PollerState,
      failures: 0,
      lastCompletedAt: undefined as number | undefined,
    },
    push: false,
    pending: 0,
  };
  const emitted: ClientHealth[] = [];
  const monitor = createHealthMonitor({
    started: () => state.started,
    pathStatus: () => state.status,
    time: state.time,
    poller: state.poller,
    pushConnected: () => state.push,
    outboxPending: () => state.pending,
    emit: (health) => emitted.push(health),
  });
  return { state, emitted, monitor };
}

describe('health monitor', () => {
  it('is healthy with paths, time and a quiet poller, and copies every field', () => {
    const { state, monitor } = setup();
    state.poller.lastCompletedAt = 1_000;
    state.pending = 3;
    state.push = true;
    expect(monitor.compute()).toEqual({
      summary: 'healthy',
      reason: '2 of 2 paths ready',
      paths: 'healthy',
      pathsReason: '2 of 2 paths ready',
      timeSynced: true,
      timeOffsetMs: 12,
      poller: 'idle',
      pollFailures: 0,
      pushConnected: true,
      outboxPending: 3,
      lastPollAt: 1_000,
    });
  });

  it('names the first thing missing, in order: started, paths, time, path health, polls, account', () => {
    const { state, monitor } = setup();
    state.started = false;
    expect(monitor.compute()).toMatchObject({
      summary: 'offline',
      reason: 'the client is stopped',
      paths: 'offline',
    });
    state.started = true;
    state.status = { ...state.status, health: 'offline', reason: 'no nodes' };
    expect(monitor.compute()).toMatchObject({
      summary: 'offline',
      reason: 'no onion path: no nodes',
    });
    state.status = { ...state.status, health: 'healthy', reason: 'ok' };
    state.time.synced = false;
    expect(monitor.compute()).toMatchObject({
      summary: 'offline',
      reason: 'waiting for network time from a service node',
    });
    state.time.synced = true;
    state.status = { ...state.status, health: 'degraded', reason: '1 of 2 paths ready' };
    expect(monitor.compute()).toMatchObject({ summary: 'degraded', reason: '1 of 2 paths ready' });
    state.status = { ...state.status, health: 'healthy' };
    state.poller.failures = 2;
    expect(monitor.compute()).toMatchObject({
      summary: 'degraded',
      reason: 'the last 2 poll(s) failed; retrying',
    });
    state.poller.failures = 0;
    state.poller.state = 'waiting-for-account';
    expect(monitor.compute()).toMatchObject({
      summary: 'degraded',
      reason: 'no account yet: nothing to receive',
    });
  });

  it('emits only on a change a user would notice, and again after reset', () => {
    const { state, emitted, monitor } = setup();
    monitor.update();
    monitor.update();
    expect(emitted).toHaveLength(1);
    // The offset and the last poll time are not part of the key.
    state.time.offsetMs = 99;
    state.poller.lastCompletedAt = 5_000;
    monitor.update();
    expect(emitted).toHaveLength(1);
    state.poller.failures = 1;
    monitor.update();
    expect(emitted.map((health) => health.summary)).toEqual(['healthy', 'degraded']);
    state.pending = 1;
    monitor.update();
    expect(emitted).toHaveLength(3);
    monitor.reset();
    monitor.update();
    expect(emitted).toHaveLength(4);
  });
});
