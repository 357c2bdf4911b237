import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOnionRequest, type OnionNode } from '@murmur/onion';
import { encodeRelayBody } from '@murmur/onion/node';
import { type Logger, utf8Encode } from '@murmur/wire';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nodeKeysFromSeed } from '../keys.js';
import { seedOf, testCrypto } from '../test-support/harness.js';
import { peelOrRefuse } from './crypto-jobs.js';
import { type CryptoOffload, createCryptoOffload } from './crypto-offload.js';

// The worker runs the built JavaScript (the package's `test` script builds first).
const workerUrl = new URL('../../dist/offload/crypto-worker.js', import.meta.url);
const built = existsSync(fileURLToPath(workerUrl));

const offloads: CryptoOffload[] = [];
afterEach(async () => {
  for (const offload of offloads.splice(0)) await offload.stop();
});

async function setup(workers: number, idleMs = 200) {
  const crypto = await testCrypto();
  const keys = nodeKeysFromSeed(crypto, seedOf(41));
  const offload = createCryptoOffload(
    // Every job crosses to the worker (the inline path has its own tests below).
    { workers, workerUrl, idleMs, inline: false },
    { crypto, keys },
  );
  offloads.push(offload);
  const client = crypto.generateIdentity();
  const signed = { pubkey: client.sessionId, namespace: 3, sig_timestamp: 1_800_000_000_000 };
  const signature = crypto.signRequest('store', signed, client.ed25519.secretKey);
  const node: OnionNode = {
    ed25519: keys.ed25519Hex,
    x25519: keys.x25519Hex,
    ip: '127.0.0.1',
    port: 1,
  };
  const next: OnionNode = { ...node, ed25519: 'ab'.repeat(32) };
  return { crypto, keys, offload, client, signed, signature, node, next };
}

describe.each([
  ['inline', 0],
  ['on a worker thread', 1],
])('crypto offload, %s', (_name, workers) => {
  it.skipIf(workers > 0 && !built)('checks request signatures and signs as the node', async () => {
    const { crypto, keys, offload, client, signed, signature } = await setup(workers);
    const results = await Promise.all([
      offload.verifyRequest('store', signed, signature, client.ed25519.publicKey),
      offload.verifyRequest(
        'store',
        { ...signed, namespace: 4 },
        signature,
        client.ed25519.publicKey,
      ),
      offload.verifyRequest('store', signed, 'not base64!', client.ed25519.publicKey),
      offload.signText('hash'),
    ]);
    expect(results.slice(0, 3)).toEqual([true, false, false]);
    expect(
      crypto.verify(
        Buffer.from(results[3] as string, 'base64'),
        utf8Encode('hash'),
        keys.ed25519.publicKey,
      ),
    ).toBe(true);
    if (workers > 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await offload.signText('again');
      expect(offload.running()).toBe(1);
      // Stops after idleMs without work (waited for, not timed: a busy machine fires it late).
      await vi.waitFor(() => expect(offload.running()).toBe(0), { timeout: 30_000 });
    }
  });

  it.skipIf(workers > 0 && !built)(
    'checks a request signature and signs as the node in one job, signing nothing for a bad one',
    async () => {
      const { crypto, keys, offload, client, signed, signature } = await setup(workers, 5_000);
      await offload.signText('warm-up');
      await vi.waitFor(() => expect(offload.ready()).toBe(workers), { timeout: 30_000 });
      const [good, bad] = await Promise.all([
        offload.verifyRequestAndSign('store', signed, signature, client.ed25519.publicKey, 'h1'),
        offload.verifyRequestAndSign(
          'store',
          { ...signed, namespace: 4 },
          signature,
          client.ed25519.publicKey,
          'h2',
        ),
      ]);
      expect(bad).toBeUndefined();
      expect(
        crypto.verify(
          Buffer.from(good as string, 'base64'),
          utf8Encode('h1'),
          keys.ed25519.publicKey,
        ),
      ).toBe(true);
      if (workers > 0) expect(offload.running()).toBe(1);
    },
  );

  it.skipIf(workers > 0 && !built)(
    'peels onion layers, keeping a final layer’s key usable',
    async () => {
      const { crypto, keys, offload, node, next } = await setup(workers, 5_000);
      // Let a worker start, so that later jobs cross threads.
      await offload.signText('warm-up');
      await vi.waitFor(() => expect(offload.ready()).toBe(workers), { timeout: 30_000 });
      const toRelay = await buildOnionRequest(crypto, {
        path: [node],
        destination: { type: 'node', node: next },
        payload: { method: 'info', params: {} },
      });
      // A body that is a view into a larger buffer (as pooled and peer-link bodies are).
      const padded = new Uint8Array(toRelay.body.length + 64);
      padded.set(toRelay.body, 32);
      const relayed = await offload.peel(padded.subarray(32, 32 + toRelay.body.length));
      if (workers > 0) {
        // Peeled and encoded for the next node on the worker.
        if (!('relay' in relayed)) throw new Error('expected an encoded relay hop');
        expect(relayed.relay.destination).toBe(next.ed25519);
        const inline = await peelOrRefuse(crypto, keys.x25519, toRelay.body);
        if (!('layer' in inline) || inline.layer.role !== 'relay') throw new Error('not a relay');
        expect(relayed.relay.body).toEqual(encodeRelayBody(inline.layer.next));
        expect(offload.running()).toBe(1);
      } else {
        expect('layer' in relayed && relayed.layer.role).toBe('relay');
      }
      const final = await buildOnionRequest(crypto, {
        path: [],
        destination: { type: 'node', node },
        payload: { method: 'info', params: {} },
      });
      const peeled = await offload.peel(final.body);
      if (!('layer' in peeled) || peeled.layer.role !== 'final')
        throw new Error('expected a final layer');
      expect(peeled.layer.key).toHaveLength(32);
      expect(Object.keys(peeled.layer)).not.toContain('key');
      const refused = await offload.peel(new Uint8Array([1, 2, 3]));
      expect('refusal' in refused && refused.refusal.status).toBe(400);
    },
  );
});

describe('crypto offload, jobs of one turn split over messages and workers', () => {
  it.skipIf(!built)('answers every job with its own result', async () => {
    const crypto = await testCrypto();
    const keys = nodeKeysFromSeed(crypto, seedOf(42));
    const offload = createCryptoOffload(
      // Workers must not retire while the test waits for both to start on a busy machine.
      { workers: 2, workerUrl, idleMs: 60_000, maxBatch: 3, inline: false },
      { crypto, keys },
    );
    offloads.push(offload);
    const client = crypto.generateIdentity();
    // Start the workers, then send 20 jobs in one turn: 7 messages of at most 3 jobs.
    await offload.signText('warm-up');
    await vi.waitFor(() => expect(offload.ready()).toBe(2), { timeout: 30_000 });
    const jobs = Array.from({ length: 20 }, (_, index) => {
      const signed = {
        pubkey: client.sessionId,
        namespace: 3,
        sig_timestamp: 1_800_000_000_000 + index,
      };
      const signature = crypto.signRequest('store', signed, client.ed25519.secretKey);
      // Every third request's signature belongs to another timestamp.
      const asked = index % 3 === 0 ? { ...signed, sig_timestamp: 1 } : signed;
      return offload.verifyRequestAndSign(
        'store',
        asked,
        signature,
        client.ed25519.publicKey,
        `hash-${index}`,
      );
    });
    const results = await Promise.all(jobs);
    results.forEach((result, index) => {
      if (index % 3 === 0) {
        expect(result).toBeUndefined();
        return;
      }
      expect(
        crypto.verify(
          Buffer.from(result as string, 'base64'),
          utf8Encode(`hash-${index}`),
          keys.ed25519.publicKey,
        ),
      ).toBe(true);
    });
  });
});

describe('crypto offload, the queue bounded by wait time', () => {
  it.skipIf(!built)(
    'refuses client jobs that waited past their bound (503 Overloaded), runs the peer lane’s',
    async () => {
      const crypto = await testCrypto();
      const keys = nodeKeysFromSeed(crypto, seedOf(43));
      const refusedLanes: string[] = [];
      const offload = createCryptoOffload(
        {
          workers: 1,
          workerUrl,
          idleMs: 60_000,
          maxWaitMs: 2_000,
          peerMaxWaitMs: 600_000,
          inline: false,
        },
        { crypto, keys, onRefused: (lane) => refusedLanes.push(lane) },
      );
      offloads.push(offload);
      // Warmed up on the peer lane (a busy machine may delay any job past the client bound).
      await offload.forPeers().signText('warm-up');
      await vi.waitFor(() => expect(offload.ready()).toBe(1), { timeout: 30_000 });
      // Jobs asked for, then the event loop is busy before they can be handed to the worker:
      // they wait in the node's queue longer than the client bound.
      const client = Array.from({ length: 5 }, (_, i) => offload.signText(`client-${i}`));
      const peer = Array.from({ length: 3 }, (_, i) => offload.forPeers().signText(`peer-${i}`));
      expect(offload.queued()).toBe(8);
      const busyUntil = Date.now() + 2_500;
      while (Date.now() < busyUntil) {
        // busy
      }
      const clientResults = await Promise.allSettled(client);
      const peerResults = await Promise.allSettled(peer);

      const refused = clientResults.filter((r) => r.status === 'rejected');
      expect(refused).toHaveLength(5);
      for (const result of refused) {
        const reason = (result as PromiseRejectedResult).reason as { code?: string };
        expect(reason.code).toBe('OVERLOADED');
      }
      expect(refusedLanes).toEqual(['client', 'client', 'client', 'client', 'client']);
      peerResults.forEach((result, i) => {
        if (result.status !== 'fulfilled') throw new Error('a peer job was refused');
        expect(
          crypto.verify(
            Buffer.from(result.value, 'base64'),
            utf8Encode(`peer-${i}`),
            keys.ed25519.publicKey,
          ),
        ).toBe(true);
      });
      // Not waiting behind anything, a new job runs.
      await expect(offload.forPeers().signText('later')).resolves.toEqual(expect.any(String));
      expect(offload.queued()).toBe(0);
    },
  );

  it.skipIf(!built)(
    'holds at most maxJobsPerWorker jobs in a worker; the rest wait here',
    async () => {
      const crypto = await testCrypto();
      const keys = nodeKeysFromSeed(crypto, seedOf(44));
      const offload = createCryptoOffload(
        { workers: 1, workerUrl, idleMs: 60_000, maxBatch: 2, maxJobsPerWorker: 4, inline: false },
        { crypto, keys },
      );
      offloads.push(offload);
      await offload.signText('warm-up');
      await vi.waitFor(() => expect(offload.ready()).toBe(1), { timeout: 30_000 });
      const jobs = Array.from({ length: 30 }, (_, i) => offload.signText(`job-${i}`));
      // After the first hand-over, 4 are in the worker's hands and 26 wait here.
      await new Promise((resolve) => setImmediate(resolve));
      const waiting = offload.queued();
      const results = await Promise.all(jobs);
      expect(waiting).toBe(26);
      expect(results).toHaveLength(30);
      expect(offload.queued()).toBe(0);
    },
  );
});

describe('crypto offload, jobs inline while the event loop has room', () => {
  /** The same jobs on an offload: good, bad and malformed signatures, a sign, a relay peel. */
  async function answers(
    offload: CryptoOffload,
    s: Awaited<ReturnType<typeof setup>>,
    toRelay: { body: Uint8Array },
  ) {
    const [good, wrong, malformed, both, none, sign, peeled] = await Promise.all([
      offload.verifyRequest('store', s.signed, s.signature, s.client.ed25519.publicKey),
      offload.verifyRequest(
        'store',
        { ...s.signed, namespace: 4 },
        s.signature,
        s.client.ed25519.publicKey,
      ),
      offload.verifyRequest('store', s.signed, 'not base64!', s.client.ed25519.publicKey),
      offload.verifyRequestAndSign('store', s.signed, s.signature, s.client.ed25519.publicKey, 'h'),
      offload.verifyRequestAndSign(
        'store',
        { ...s.signed, sig_timestamp: 1 },
        s.signature,
        s.client.ed25519.publicKey,
        'h',
      ),
      offload.signText('hash'),
      offload.peel(toRelay.body),
    ]);
    // A relay layer comes back encoded from a worker, as a layer from the event loop.
    let relay: { destination: string; body: Uint8Array } | undefined;
    if ('relay' in peeled) relay = peeled.relay;
    else if ('layer' in peeled && peeled.layer.role === 'relay') {
      relay = { destination: peeled.layer.destination, body: encodeRelayBody(peeled.layer.next) };
    }
    return { good, wrong, malformed, both, none, sign, relay };
  }

  it.skipIf(!built)('gives the same answers inline as on a worker thread', async () => {
    const s = await setup(1, 60_000);
    const inline = createCryptoOffload(
      { workers: 1, workerUrl, idleMs: 60_000 },
      { crypto: s.crypto, keys: s.keys, loopDelayMs: () => 0 },
    );
    offloads.push(inline);
    // The setup's offload sends every job to its worker: start it first.
    await s.offload.signText('warm-up');
    await vi.waitFor(() => expect(s.offload.ready()).toBe(1), { timeout: 30_000 });
    const toRelay = await buildOnionRequest(s.crypto, {
      path: [s.node],
      destination: { type: 'node', node: s.next },
      payload: { method: 'info', params: {} },
    });
    const onWorker = await answers(s.offload, s, toRelay);
    const onLoop = await answers(inline, s, toRelay);
    expect(onLoop).toEqual(onWorker);
    expect(onLoop.good).toBe(true);
    expect([onLoop.wrong, onLoop.malformed, onLoop.none]).toEqual([false, false, undefined]);
    expect(onLoop.relay?.destination).toBe(s.next.ed25519);
    // Ed25519 signatures are deterministic: the same bytes, whichever thread signed.
    expect(
      s.crypto.verify(
        Buffer.from(onLoop.sign, 'base64'),
        utf8Encode('hash'),
        s.keys.ed25519.publicKey,
      ),
    ).toBe(true);
    // Every signature job of the inline offload ran on the event loop; the peel crossed.
    expect(inline.inlined()).toBe(6);
    expect(inline.running()).toBe(1);
    expect(s.offload.inlined()).toBe(0);
  });

  it.skipIf(!built)('a bad signature fails only its own request', async () => {
    const s = await setup(1);
    const offload = createCryptoOffload(
      { workers: 1, workerUrl },
      { crypto: s.crypto, keys: s.keys },
    );
    offloads.push(offload);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        offload.verifyRequestAndSign(
          'store',
          s.signed,
          // Every fourth one carries a signature of other bytes.
          index % 4 === 1
            ? s.crypto.signRequest(
                'store',
                { ...s.signed, namespace: 9 },
                s.client.ed25519.secretKey,
              )
            : s.signature,
          s.client.ed25519.publicKey,
          `hash-${index}`,
        ),
      ),
    );
    results.forEach((result, index) => {
      if (index % 4 === 1) {
        expect(result).toBeUndefined();
        return;
      }
      expect(
        s.crypto.verify(
          Buffer.from(result as string, 'base64'),
          utf8Encode(`hash-${index}`),
          s.keys.ed25519.publicKey,
        ),
      ).toBe(true);
    });
    expect(offload.inlined()).toBe(12);
  });

  it.skipIf(!built)('sends jobs to the workers while the event loop is late', async () => {
    const s = await setup(1);
    let delay = 50;
    const offload = createCryptoOffload(
      { workers: 1, workerUrl, idleMs: 60_000, inlineMaxLoopDelayMs: 10, inlineWindowMs: 1 },
      { crypto: s.crypto, keys: s.keys, loopDelayMs: () => delay },
    );
    offloads.push(offload);
    await offload.signText('first');
    await vi.waitFor(() => expect(offload.ready()).toBe(1), { timeout: 30_000 });
    const late = await offload.verifyRequest(
      'store',
      s.signed,
      s.signature,
      s.client.ed25519.publicKey,
    );
    expect(late).toBe(true);
    expect(offload.inlined()).toBe(0);
    delay = 3;
    // The mode is chosen per window (1 ms here): the next window runs inline.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await offload.signText('on time');
    expect(offload.inlined()).toBe(1);
  });

  it.skipIf(!built)(
    'sends a window’s jobs to the workers after a window over its share',
    async () => {
      const s = await setup(1);
      // A clock that moves 20 ms at every reading: an inline job costs 20 ms of its window, and
      // every job (inline or not) reads it twice, so each 100 ms window holds three jobs.
      let clock = 0;
      const offload = createCryptoOffload(
        {
          workers: 1,
          workerUrl,
          idleMs: 60_000,
          inlineWindowMs: 100,
          inlineMaxShare: 0.5,
          maxWaitMs: 600_000,
          now: () => {
            clock += 20;
            return clock;
          },
        },
        { crypto: s.crypto, keys: s.keys },
      );
      offloads.push(offload);
      const results: string[] = [];
      for (let i = 0; i < 12; i += 1) results.push(await offload.signText(`job-${i}`));
      // Windows of jobs 1-3 (inline, 60 ms of 100: over the half), 4-6 (workers), 7-9 (inline
      // again, the last window spent nothing inline), 10-12 (workers).
      expect(offload.inlined()).toBe(6);
      expect(new Set(results).size).toBe(12);
    },
  );

  it.skipIf(!built)('does not run inline while jobs wait in the queue', async () => {
    const s = await setup(1);
    let delay = 100;
    let clock = 0;
    const offload = createCryptoOffload(
      {
        workers: 1,
        workerUrl,
        idleMs: 60_000,
        inlineMaxLoopDelayMs: 10,
        maxWaitMs: 600_000,
        now: () => clock,
      },
      { crypto: s.crypto, keys: s.keys, loopDelayMs: () => delay },
    );
    offloads.push(offload);
    // The loop is late: these wait for the next hand-over.
    const queued = [offload.signText('a'), offload.signText('b')];
    expect(offload.queued()).toBe(2);
    // On time again in a new window, but behind waiting jobs: this one queues too (order kept).
    delay = 0;
    clock = 1_000;
    const behind = offload.signText('c');
    expect(offload.queued()).toBe(3);
    await Promise.all([...queued, behind]);
    expect(offload.inlined()).toBe(0);
  });
});

describe('crypto offload, a worker slow to start', () => {
  it.skipIf(!built)(
    'is not retired as idle before it is ready (a loaded machine starts threads late)',
    async () => {
      const crypto = await testCrypto();
      const keys = nodeKeysFromSeed(crypto, seedOf(43));
      const readies: string[] = [];
      const logger: Logger = {
        trace: () => undefined,
        debug: (_fields: unknown, message?: string) => {
          if (message === 'a crypto worker is ready') readies.push(message);
        },
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
        child: () => logger,
      };
      // The real worker, started 400 ms late: far beyond the 20 ms idle bound.
      const slowUrl = new URL('./slow-start-worker.test-fixture.mjs', import.meta.url);
      const offload = createCryptoOffload(
        { workers: 1, workerUrl: slowUrl, idleMs: 20, inline: false },
        { crypto, keys, logger },
      );
      offloads.push(offload);
      // One job: it runs here while the worker starts. Retired as idle while starting (20 ms
      // after the job), the worker would never be ready; it must be, then retire once idle.
      const signature = await offload.signText('while the worker starts');
      expect(
        crypto.verify(
          Buffer.from(signature, 'base64'),
          utf8Encode('while the worker starts'),
          keys.ed25519.publicKey,
        ),
      ).toBe(true);
      // Hang guards only.
      await vi.waitFor(() => expect(readies).toHaveLength(1), { timeout: 60_000 });
      await vi.waitFor(() => expect(offload.running()).toBe(0), { timeout: 60_000 });
    },
  );
});
