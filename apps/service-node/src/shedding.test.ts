/**
 * The real load shedder (what `--max-event-loop-delay` and `--max-in-flight` configure) against a
 * real event loop: the test blocks the loop with synchronous work and watches the shedder and
 * the node's HTTP routes react, then lets the loop recover. Nothing is stubbed; nothing asserts
 * on how fast the machine is (each wait polls until its condition holds, with a hang guard).
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLoadShedder, type LoadShedder } from './shedding.js';
import { buildTestApp, createHarness, type Harness } from './test-support/harness.js';

/** Keeps the event loop busy for `ms` (synchronous: no timer can fire meanwhile). */
function blockEventLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps the loop late, as sustained overload does: synchronous work in 100 ms slices with only a
 * `setImmediate` between them, until `condition` holds after a slice. Returns the slices used,
 * or undefined when it never held (a hang guard of `slices`, far more than needed).
 */
async function keepBusyUntil(
  condition: () => boolean | Promise<boolean>,
  slices = 300,
): Promise<number | undefined> {
  for (let slice = 1; slice <= slices; slice++) {
    blockEventLoop(100);
    await new Promise((resolve) => setImmediate(resolve));
    if (await condition()) return slice;
  }
  return undefined;
}

/** Waits (without blocking) until `condition` holds; returns false after the hang guard. */
async function settleUntil(condition: () => boolean, guardMs = 30_000): Promise<boolean> {
  const end = Date.now() + guardMs;
  while (Date.now() < end) {
    if (condition()) return true;
    await tick(50);
  }
  return condition();
}

let shedder: LoadShedder | undefined;
let h: Harness | undefined;
let app: FastifyInstance | undefined;

afterEach(async () => {
  shedder?.stop();
  shedder = undefined;
  await app?.close();
  app = undefined;
  h?.close();
  h = undefined;
});

describe('the load shedder on a real event loop', () => {
  it('sheds while the loop is late by more than --max-event-loop-delay, then recovers', async () => {
    shedder = createLoadShedder({ maxEventLoopDelayMs: 40, sampleIntervalMs: 250 });
    shedder.start();
    const live = shedder;
    expect(await keepBusyUntil(() => live.check() === 'event-loop-delay')).toBeDefined();
    expect(live.eventLoopDelayMs()).toBeGreaterThan(40);
    expect(await settleUntil(() => live.check() === undefined)).toBe(true);
  });

  it('never sheds for delay when --max-event-loop-delay is 0 (off)', async () => {
    shedder = createLoadShedder({ maxEventLoopDelayMs: 0, sampleIntervalMs: 100 });
    shedder.start();
    const live = shedder;
    let shed = 0;
    for (let slice = 0; slice < 10; slice++) {
      blockEventLoop(100);
      await new Promise((resolve) => setImmediate(resolve));
      if (live.check() !== undefined) shed += 1;
    }
    expect(shed).toBe(0);
    expect(live.eventLoopDelayMs()).toBe(0);
  });

  it('sheds at --max-in-flight requests in flight, and each request leaves once', () => {
    shedder = createLoadShedder({ maxInFlight: 2 });
    const first = shedder.enter();
    expect(shedder.check()).toBeUndefined();
    const second = shedder.enter();
    expect(shedder.check()).toBe('in-flight');
    second();
    second();
    expect(shedder.inFlight()).toBe(1);
    expect(shedder.check()).toBeUndefined();
    first();
    expect(shedder.inFlight()).toBe(0);
  });

  it("the node's routes answer 503 while the loop is late, never /health, and 200 again after", async () => {
    h = await createHarness();
    shedder = createLoadShedder({ maxEventLoopDelayMs: 40, sampleIntervalMs: 250 });
    shedder.start();
    const live = shedder;
    ({ app } = await buildTestApp(h, { shedder: live }));
    const server = app;
    const info = () =>
      server.inject({
        method: 'POST',
        url: '/storage_rpc/v1',
        payload: '{"method":"info","params":{}}',
      });

    expect((await info()).statusCode).toBe(200);
    // Requests made while the shedder's last sample saw a late loop are shed; /health never is.
    let healthRefused = 0;
    let shedBody = '';
    const slices = await keepBusyUntil(async () => {
      const [response, health] = await Promise.all([
        info(),
        server.inject({ method: 'GET', url: '/health' }),
      ]);
      if (health.statusCode !== 200) healthRefused += 1;
      if (response.statusCode !== 503) return false;
      shedBody = response.body;
      return true;
    });
    expect(slices).toBeDefined();
    expect(shedBody).toBe('Overloaded, try again shortly');
    expect(healthRefused).toBe(0);
    const metrics = await server.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/murmur_shed_requests_total\{reason="event-loop-delay"\} [1-9]/);

    expect(await settleUntil(() => live.check() === undefined)).toBe(true);
    expect((await info()).statusCode).toBe(200);
  });
});
