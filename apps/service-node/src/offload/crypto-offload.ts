/**
 * Running the CPU-heavy steps of requests (signature checks, node signatures, onion layer
 * peeling) on worker threads, so that a node uses more than one core: the event loop keeps
 * parsing, storing and answering while the workers do the Ed25519 and X25519 work.
 *
 * Jobs asked for during one turn of the event loop go to the workers in messages of up to
 * `maxBatch` jobs (the cost of crossing threads is paid per message, not per job), each to the
 * worker with the fewest jobs in hand.
 * Workers start at the first job (until they are up, jobs run inline) and stop after
 * `idleMs` without work, so an idle node holds no threads. With `workers: 0` every job runs
 * inline. A worker that dies has its jobs run inline and is replaced at the next job.
 *
 * **Signature jobs run on the event loop while it has room.** Crossing to a worker (a structured
 * clone each way, a message, a wake-up on both threads) costs about as much CPU as a verify and a
 * sign themselves. So a verify or sign job runs inline, without crossing, when nothing waits in
 * the queue here and its window (`inlineWindowMs`) runs inline: chosen at the window's start,
 * when the event loop's delay (`loopDelayMs`, the load shedder's sample) is at most
 * `inlineMaxLoopDelayMs` and the jobs run inline during the last window took less than
 * `inlineMaxShare` of it. Under load (a late loop, a queue, or the share used up) jobs go to the
 * workers as before, so that the event loop keeps its time for the uptime prover and the peer
 * links. Inline and offloaded jobs run the same function and give the same answers. Onion layers
 * (peels) always go to the workers: inline, the relay hop measured worse.
 *
 * **The queue is bounded by wait time.** Each worker holds at most `maxJobsPerWorker` jobs;
 * the rest wait here, in two lanes: jobs of requests other swarm members forwarded (the `peer`
 * lane, see {@link CryptoOffload.forPeers}) go before client jobs, so that replication is not
 * starved by a client flood. A job that has waited longer than its lane's bound
 * (`maxWaitMs`, `peerMaxWaitMs`) when its turn comes is refused ({@link OverloadedError}, a 503
 * for the client) rather than run late, for an answer nobody waits for any more.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type {
  KeyPair,
  MurmurCrypto,
  SignedRequestMethod,
  SignedRequestParams,
} from '@murmur/crypto';
import { type Logger, OverloadedError, silentLogger } from '@murmur/wire';
import {
  type CryptoJob,
  type CryptoJobKeys,
  type CryptoResult,
  type PeelOutcome,
  restoreLayer,
  runCryptoJob,
  runSyncCryptoJob,
} from './crypto-jobs.js';

/** Options of {@link createCryptoOffload}. */
export interface CryptoOffloadInit {
  /** Worker threads (0: everything inline). */
  workers: number;
  /** Stop the workers after this long without a job, ms (default 60 s). */
  idleMs?: number | undefined;
  /** The worker script (default: `crypto-worker.js` beside this module). */
  workerUrl?: URL | undefined;
  /** At most this many jobs per message to a worker (default 8). */
  maxBatch?: number | undefined;
  /** Jobs in one worker's hands at once (default 4 messages' worth); the rest wait here. */
  maxJobsPerWorker?: number | undefined;
  /** A client job that waited longer than this before its turn is refused, ms (default 1 s). */
  maxWaitMs?: number | undefined;
  /** The same for the peer lane (forwarded requests), ms (default 4 s, under the 5 s forward timeout). */
  peerMaxWaitMs?: number | undefined;
  /** The clock of the waits, ms (default `performance.now`). */
  now?: (() => number) | undefined;
  /** Run jobs inline while the event loop has room (see the module's comment; default true). */
  inline?: boolean | undefined;
  /** Run inline only while the event loop's delay is at most this, ms (default 50: a fifth of the shedding threshold's default). */
  inlineMaxLoopDelayMs?: number | undefined;
  /** The window over which inline work is counted, ms (default 100). */
  inlineWindowMs?: number | undefined;
  /** A window runs inline only if inline work took less than this share of the last (default 0.5). */
  inlineMaxShare?: number | undefined;
}

/** Which queue a job waits in: other members' forwarded requests go first. */
export type CryptoLane = 'peer' | 'client';

/** Components of {@link createCryptoOffload}. */
export interface CryptoOffloadComponents {
  crypto: MurmurCrypto;
  /** The node's keys: Ed25519 (node signatures) and X25519 (onion layers). */
  keys: { ed25519: KeyPair; x25519: KeyPair };
  logger?: Logger | undefined;
  /** Called once per job refused for waiting too long. */
  onRefused?: ((lane: CryptoLane) => void) | undefined;
  /**
   * The event loop's current delay, ms (the load shedder's sample). Without it, jobs run inline
   * only within the share of the window.
   */
  loopDelayMs?: (() => number) | undefined;
  /** Counts jobs by where they ran: inline because the loop had room, or sent to a worker. */
  onJobs?: ((thread: 'event-loop' | 'worker', count: number) => void) | undefined;
}

/** The offload. */
export interface CryptoOffload {
  /** Checks a storage RPC request signature (as `crypto.verifyRequest`). */
  verifyRequest(
    method: SignedRequestMethod,
    signed: SignedRequestParams,
    signature: string,
    publicKey: Uint8Array,
  ): Promise<boolean>;
  /**
   * Checks a storage RPC request signature and, when it holds, signs `text` (UTF-8) as the node,
   * in one job: resolves to the node's signature (base64), or undefined for a bad request
   * signature (nothing is signed then).
   */
  verifyRequestAndSign(
    method: SignedRequestMethod,
    signed: SignedRequestParams,
    signature: string,
    publicKey: Uint8Array,
    text: string,
  ): Promise<string | undefined>;
  /** The node's Ed25519 signature of `text` (UTF-8), base64. */
  signText(text: string): Promise<string>;
  /**
   * Peels an onion request body with the node's X25519 key (or gives the refusal reply). A
   * relay layer peeled on a worker thread comes back already encoded for the next node.
   */
  peel(body: Uint8Array): Promise<PeelOutcome>;
  /**
   * The same operations, with their jobs in the peer lane (served first, longer wait bound):
   * for the requests other members of the swarm forward.
   */
  forPeers(): CryptoOffload;
  /** Jobs waiting here (not yet in a worker's hands), both lanes. */
  queued(): number;
  /** How long the oldest waiting client job has waited, ms (0 when none waits). */
  oldestWaitMs(): number;
  /** Worker threads running now. */
  running(): number;
  /** Jobs run inline so far because the event loop had room (not counting `workers: 0`). */
  inlined(): number;
  /** Worker threads running and ready for jobs (a starting one is not). */
  ready(): number;
  /** Stops the workers. */
  stop(): Promise<void>;
}

interface Waiting {
  job: CryptoJob;
  resolve: (result: CryptoResult) => void;
  reject: (error: Error) => void;
  /** When it was asked for, on the offload's clock. */
  at: number;
}

/** A first-in first-out queue with O(1) take (an array and a head index, compacted). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  drain(): T[] {
    const all = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return all;
  }
}

interface WorkerSlot {
  worker: Worker;
  ready: boolean;
  inFlight: Map<number, Waiting[]>;
  load: number;
}

/** Creates the offload (no thread starts before the first job). */
export function createCryptoOffload(
  init: CryptoOffloadInit,
  components: CryptoOffloadComponents,
): CryptoOffload {
  const { crypto } = components;
  const logger = (components.logger ?? silentLogger()).child({ component: 'crypto-offload' });
  const idleMs = init.idleMs ?? 60_000;
  const maxBatch = Math.max(1, init.maxBatch ?? 8);
  const maxJobsPerWorker = Math.max(1, init.maxJobsPerWorker ?? 4 * maxBatch);
  const maxWait: Record<CryptoLane, number> = {
    client: init.maxWaitMs ?? 1_000,
    peer: init.peerMaxWaitMs ?? 4_000,
  };
  const now = init.now ?? (() => performance.now());
  const workerUrl = init.workerUrl ?? new URL('./crypto-worker.js', import.meta.url);
  // Run from TypeScript sources (tests) there is no worker script to start: stay inline.
  const workers = existsSync(fileURLToPath(workerUrl)) ? init.workers : 0;
  const jobKeys: CryptoJobKeys = {
    ed25519SecretKey: components.keys.ed25519.secretKey,
    x25519: components.keys.x25519,
  };
  const slots: WorkerSlot[] = [];
  const lanes: Record<CryptoLane, Fifo<Waiting>> = { peer: new Fifo(), client: new Fifo() };
  let flushScheduled = false;
  let nextBatchId = 1;
  let idleTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const inlineOn = init.inline ?? true;
  const inlineMaxDelay = init.inlineMaxLoopDelayMs ?? 50;
  const inlineWindow = Math.max(1, init.inlineWindowMs ?? 100);
  const inlineBudget = inlineWindow * Math.min(1, Math.max(0, init.inlineMaxShare ?? 0.5));
  let inlineWindowStart = Number.NEGATIVE_INFINITY;
  let inlineSpent = 0;
  /** This window's mode: every signature job inline, or every one to the workers. */
  let inlineWindowOn = true;
  let inlinedCount = 0;

  /**
   * Whether a job asked for at `at` may run on the event loop now (see the module's comment).
   * The choice is made once per window, from the last window's inline share and the loop's
   * delay, so that jobs do not alternate between the loop and a worker job by job (the jobs that
   * cross then go one a message, each with its wake-up, which costs more than it saves).
   */
  function roomInline(job: CryptoJob, at: number): boolean {
    // Peels always cross: inline, the relay hop measured worse in every compare round
    // (docs/BENCHMARKS.md, issue 16, third pass).
    if (!inlineOn || job.op === 'peel') return false;
    if (at - inlineWindowStart >= inlineWindow) {
      const delay = components.loopDelayMs?.() ?? 0;
      inlineWindowOn = inlineSpent < inlineBudget && delay <= inlineMaxDelay;
      inlineWindowStart = at;
      inlineSpent = 0;
    }
    // Never more than the whole window on the loop; never ahead of jobs already waiting.
    if (!inlineWindowOn || inlineSpent >= inlineWindow) return false;
    return lanes.peer.size + lanes.client.size === 0;
  }

  /** Runs a job on the event loop because it had room, counting the time against the window. */
  function runInline(waiting: Waiting, at: number): void {
    inlinedCount += 1;
    components.onJobs?.('event-loop', 1);
    const job = waiting.job as Exclude<CryptoJob, { op: 'peel' }>;
    let result: CryptoResult;
    try {
      result = runSyncCryptoJob(crypto, jobKeys, job);
    } catch (error) {
      result = { op: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
    inlineSpent += now() - at;
    waiting.resolve(result);
  }

  function inline(waiting: Waiting): void {
    runCryptoJob(crypto, jobKeys, waiting.job).then(waiting.resolve, (error: unknown) =>
      waiting.resolve({
        op: 'failed',
        message: error instanceof Error ? error.message : String(error),
      }),
    );
  }

  function startWorker(): WorkerSlot {
    const worker = new Worker(workerUrl, { workerData: { keys: jobKeys } });
    const slot: WorkerSlot = { worker, ready: false, inFlight: new Map(), load: 0 };
    worker.unref();
    worker.on('message', (message: { ready?: true; id?: number; results?: CryptoResult[] }) => {
      if (message.ready) {
        slot.ready = true;
        logger.debug({ workers: slots.length }, 'a crypto worker is ready');
        // Its idle time counts from now.
        armIdle();
        schedule();
        return;
      }
      const batch = slot.inFlight.get(message.id as number);
      if (batch === undefined) return;
      slot.inFlight.delete(message.id as number);
      slot.load -= batch.length;
      batch.forEach((waiting, index) => {
        const result = message.results?.[index];
        // A job the worker could not run is run here.
        if (result === undefined || result.op === 'failed') inline(waiting);
        else waiting.resolve(result);
      });
      // Room in this worker's hands: the next waiting jobs.
      schedule();
    });
    const lost = (why: unknown) => {
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
      for (const batch of slot.inFlight.values()) for (const waiting of batch) inline(waiting);
      slot.inFlight.clear();
      if (!stopped) {
        logger.warn({ err: why }, 'a crypto worker stopped; its jobs run inline');
        // The jobs waiting here go to its replacement.
        schedule();
      }
    };
    worker.on('error', lost);
    worker.on('exit', (code) => {
      if (slots.includes(slot)) lost(new Error(`exit code ${code}`));
    });
    slots.push(slot);
    return slot;
  }

  function armIdle(): void {
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      // A worker still starting has not had its chance to work (on a loaded machine a start can
      // take longer than idleMs): idleness counts once it is ready.
      if (slots.some((slot) => slot.load > 0 || !slot.ready)) {
        armIdle();
        return;
      }
      for (const slot of slots.splice(0)) void slot.worker.terminate();
    }, idleMs);
    idleTimer.unref();
  }

  function schedule(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  }

  /** The next job of `lane` still worth running; refuses those that waited too long. */
  function next(lane: CryptoLane, at: number): Waiting | undefined {
    const fifo = lanes[lane];
    for (;;) {
      const waiting = fifo.shift();
      if (waiting === undefined) return undefined;
      if (at - waiting.at <= maxWait[lane]) return waiting;
      components.onRefused?.(lane);
      waiting.reject(
        new OverloadedError(
          `the node's crypto queue is full (a job waited over ${maxWait[lane]} ms); try again shortly`,
        ),
      );
    }
  }

  /** Up to `count` jobs, the peer lane's first. */
  function take(count: number, at: number): Waiting[] {
    const part: Waiting[] = [];
    while (part.length < count) {
      const waiting = next('peer', at) ?? next('client', at);
      if (waiting === undefined) break;
      part.push(waiting);
    }
    return part;
  }

  function flush(): void {
    flushScheduled = false;
    if (lanes.peer.size + lanes.client.size === 0) return;
    while (!stopped && slots.length < workers) startWorker();
    armIdle();
    const at = now();
    const ready = slots.filter((slot) => slot.ready);
    if (ready.length === 0) {
      // Workers are starting: do this turn's jobs here rather than wait.
      for (const waiting of take(Number.POSITIVE_INFINITY, at)) inline(waiting);
      return;
    }
    // Messages of at most `maxBatch` jobs, each to the least busy ready worker with room. Smaller
    // messages let the two sides overlap: the event loop stores and answers the first results
    // while the worker still works on the rest. Jobs beyond the workers' room wait here, where
    // their wait is judged.
    for (;;) {
      let slot: WorkerSlot | undefined;
      for (const candidate of ready) {
        if (candidate.load >= maxJobsPerWorker) continue;
        if (slot === undefined || candidate.load < slot.load) slot = candidate;
      }
      if (slot === undefined) return;
      const part = take(Math.min(maxBatch, maxJobsPerWorker - slot.load), at);
      if (part.length === 0) return;
      post(slot, part);
    }
  }

  function post(slot: WorkerSlot, part: Waiting[]): void {
    const id = nextBatchId;
    nextBatchId += 1;
    slot.inFlight.set(id, part);
    slot.load += part.length;
    components.onJobs?.('worker', part.length);
    const transfer: ArrayBuffer[] = [];
    const jobs = part.map((waiting) => {
      const job = waiting.job;
      if (job.op !== 'peel') return job;
      // A body is often a view into a larger buffer (a pooled allocation, a peer message of
      // many frames), which a structured clone would copy whole: send an exact copy, moved.
      const body = new Uint8Array(job.body);
      transfer.push(body.buffer);
      return { op: 'peel' as const, body };
    });
    slot.worker.postMessage({ id, jobs }, transfer);
  }

  function submit(job: CryptoJob, lane: CryptoLane): Promise<CryptoResult> {
    return new Promise((resolve, reject) => {
      const at = now();
      const waiting: Waiting = { job, resolve, reject, at };
      if (workers <= 0 || stopped) {
        inline(waiting);
        return;
      }
      if (roomInline(job, at)) {
        runInline(waiting, at);
        return;
      }
      lanes[lane].push(waiting);
      schedule();
    });
  }

  function failed(result: CryptoResult): never {
    throw new Error(result.op === 'failed' ? result.message : `unexpected ${result.op} result`);
  }

  /** The operations, with their jobs in `lane`. */
  function operations(lane: CryptoLane): Omit<CryptoOffload, 'forPeers'> {
    async function signText(text: string): Promise<string> {
      const result = await submit({ op: 'sign', text }, lane);
      return result.op === 'sign' ? result.signature : failed(result);
    }
    return {
      async verifyRequest(method, signed, signature, publicKey) {
        const result = await submit({ op: 'verify', method, signed, signature, publicKey }, lane);
        return result.op === 'verify' ? result.ok : failed(result);
      },
      async verifyRequestAndSign(method, signed, signature, publicKey, text) {
        const result = await submit(
          { op: 'verify', method, signed, signature, publicKey, sign: text },
          lane,
        );
        if (result.op !== 'verify') return failed(result);
        if (!result.ok) return undefined;
        return result.signature ?? signText(text);
      },
      signText,
      async peel(body) {
        const result = await submit({ op: 'peel', body }, lane);
        if (result.op !== 'peel') return failed(result);
        if ('refusal' in result) return { refusal: result.refusal };
        if ('relay' in result) return { relay: result.relay };
        return { layer: restoreLayer(result.layer) };
      },
      queued: () => lanes.peer.size + lanes.client.size,
      oldestWaitMs() {
        const oldest = lanes.client.peek();
        return oldest === undefined ? 0 : Math.max(0, now() - oldest.at);
      },
      running: () => slots.length,
      inlined: () => inlinedCount,
      ready: () => slots.filter((slot) => slot.ready).length,
      async stop() {
        stopped = true;
        if (idleTimer !== undefined) clearTimeout(idleTimer);
        // What is queued or in flight finishes here.
        for (const waiting of [...lanes.peer.drain(), ...lanes.client.drain()]) inline(waiting);
        const all = slots.splice(0);
        for (const slot of all) {
          for (const batch of slot.inFlight.values()) for (const waiting of batch) inline(waiting);
          slot.inFlight.clear();
        }
        await Promise.all(all.map((slot) => slot.worker.terminate()));
      },
    };
  }

  const peerOffload: CryptoOffload = { ...operations('peer'), forPeers: () => peerOffload };
  const clientOffload: CryptoOffload = { ...operations('client'), forPeers: () => peerOffload };
  return clientOffload;
}
