/**
 * The service node's HTTP application, as a fastify plugin that takes its components already
 * built (no environment, no files, no timers of its own): the launcher (`server.ts`) and the
 * tests register it the same way.
 *
 * Routes:
 * - `POST /storage_rpc/v1`: Session's storage RPC (any content type, or none; body ≤ 10 MiB);
 * - `POST /onion_req/v2`: onion requests (raw bytes);
 * - `GET /health`: 200 `{status: 'ready', ...}` or 503 `{status: 'starting' | 'not-active'}`;
 * - `GET /metrics`: Prometheus text.
 */
import type { IncomingMessage } from 'node:http';
import { MurmurError, OverloadedError, responseFromError } from '@murmur/wire';
import { BATCH_MAX_SUBREQUESTS, STORAGE_SERVER_VERSION } from '@murmur/wire/server';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import { MAX_RPC_BODY_BYTES } from './connection-guard.js';
import type { NodeMetrics } from './metrics.js';
import { swarmIdText } from './network/swarm-json.js';
import type { OnionRequestHandler } from './onion/types.js';
import type { RateLimiter } from './rate-limit.js';
import { DeadlineList, RequestScope } from './request-scope.js';
import type { RpcContext, RpcResult } from './rpc/context.js';
import { isUnexpected, type RpcDispatcher } from './rpc/dispatcher.js';
import type { Leave, LoadShedder } from './shedding.js';

/** What the app is built from. */
export interface MurmurNodeAppOptions {
  context: RpcContext;
  dispatcher: RpcDispatcher;
  metrics: NodeMetrics;
  /** Handles `POST /onion_req/v2`; without it the route answers 503. */
  onion?: OnionRequestHandler | undefined;
  /** Per-address limiter for `/storage_rpc/v1` (and onion requests from non-nodes). */
  rateLimiter?: RateLimiter | undefined;
  /** Overload shedding for the RPC and onion routes. */
  shedder?: LoadShedder | undefined;
  /** The software version shown by `/health`. */
  softwareVersion?: string | undefined;
  /** Longest an admitted storage RPC request runs before it is answered 503, ms (0 = none). */
  rpcDeadlineMs?: number | undefined;
  /** Longest an admitted onion request runs before it is answered 503, ms (0 = none). */
  onionDeadlineMs?: number | undefined;
  /**
   * When a request reached the node, on the shedder's clock (the connection guard's
   * `arrivedAt`): the shedder judges its wait from then, and its deadline counts from then.
   * Without it (or for requests it does not know), both count from admission.
   */
  arrivedAt?: ((request: IncomingMessage) => number | undefined) | undefined;
}

/**
 * The bound on an admitted storage RPC request, 10 s from its arrival (see `arrivedAt`): the
 * swarm forward timeout (5 s) and room for the node's own work. Past it the answer is 503 and
 * the request's signal aborts its work.
 */
export const RPC_DEADLINE_MS = 10_000;

/** The bound on an admitted onion request, 30 s: an exit's call may take 25 s. */
export const ONION_DEADLINE_MS = 30_000;

const TEXT = 'text/plain; charset=utf-8';
const OVERLOADED: RpcResult = { status: 503, body: 'Overloaded, try again shortly' };
const JSON_TYPE = 'application/json';

function sendResult(reply: FastifyReply, result: RpcResult): FastifyReply {
  reply.code(result.status);
  // Every 503 (shed, deadline, overloaded queue, not ready) says when to come back.
  if (result.status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '1');
  if (typeof result.body === 'string' && result.json !== true) {
    return reply.type(TEXT).send(result.body);
  }
  // As bytes, so that the content type stays exactly `application/json`, as Session's (the
  // handler's own serialisation when it made one).
  return reply
    .header('content-type', JSON_TYPE)
    .send(result.encoded ?? Buffer.from(JSON.stringify(result.body)));
}

/** What the app keeps of an admitted request. */
interface Admitted {
  /**
   * Its cancellation: aborted when the client goes away before the answer is sent, or when the
   * request outlives its deadline (with an {@link OverloadedError}: work that checks it stops
   * with a 503). Its `AbortSignal` is made only when some work asks for it (`request-scope.ts`).
   */
  scope: RequestScope;
  /** The shedder's mark of the handler start (the end of its queue wait). */
  leave: Leave | undefined;
  /** When it arrived, on the shedder's clock (its admission when the arrival is unknown). */
  arrived: number;
  /** Its bound from the arrival, ms (0 = none). */
  deadlineMs: number;
}

const admittedRequests = new WeakMap<FastifyRequest, Admitted>();

function scopeOf(request: FastifyRequest): RequestScope {
  // Every admitted request has one; a scope of its own otherwise.
  return admittedRequests.get(request)?.scope ?? new RequestScope(SIGNAL_MAX_LISTENERS);
}

/** The reason an admitted request's deadline aborts its work with (a 503 where it is checked). */
export function deadlineError(): OverloadedError {
  return new OverloadedError('Overloaded, try again shortly (the request outlived its deadline)');
}

/**
 * A batch's subrequests each listen on the request's signal (one listener per swarm-wide
 * subrequest): bounded by the batch size, above Node's default warning threshold of 10.
 */
const SIGNAL_MAX_LISTENERS = BATCH_MAX_SUBREQUESTS + 8;

function bytesOf(body: unknown): Uint8Array {
  return body instanceof Uint8Array ? body : new Uint8Array(0);
}

/** The health report. */
export function healthReport(options: Pick<MurmurNodeAppOptions, 'context' | 'softwareVersion'>): {
  status: number;
  body: Record<string, unknown>;
} {
  const { context } = options;
  const state = context.network.state();
  const stats = context.store.stats();
  const common = {
    node: context.keys.ed25519Hex,
    version: options.softwareVersion ?? STORAGE_SERVER_VERSION.join('.'),
    storedMessages: stats.messages,
  };
  if (state.state === 'ready') {
    return {
      status: 200,
      body: {
        status: 'ready',
        height: state.height,
        swarm: swarmIdText(state.swarm.id),
        swarmMembers: state.swarm.members.length,
        ...common,
      },
    };
  }
  const body: { status: string; reason: string; height?: number } = {
    status: state.state,
    reason: state.reason,
    ...common,
  };
  if (state.height !== undefined) body.height = state.height;
  return { status: 503, body };
}

/** What `/onion_req/v2` answers when it sheds a client's request (SS `server/https.cpp`). */
export const ONION_BUSY_BODY = 'Server busy, try again later';

/**
 * The app plugin. Register it on a fastify instance (see {@link buildApp} for the settings it
 * expects: request logging off, `return503OnClosing`).
 */
export const murmurNodeApp: FastifyPluginAsync<MurmurNodeAppOptions> = async (app, options) => {
  const { context, dispatcher, metrics, rateLimiter, shedder } = options;
  const log = context.logger;
  const rpcDeadlineMs = options.rpcDeadlineMs ?? RPC_DEADLINE_MS;
  const onionDeadlineMs = options.onionDeadlineMs ?? ONION_DEADLINE_MS;
  // Deadlines and ages count on the shedder's clock, the one `arrivedAt` gives.
  const clockNow = (): number => shedder?.now() ?? performance.now();
  const deadlines = new DeadlineList({ now: clockNow });
  app.addHook('onClose', (_instance, done) => {
    deadlines.close();
    done();
  });

  /** An admitted request's age since its arrival, ms. */
  function ageOf(entry: Admitted): number {
    return clockNow() - entry.arrived;
  }

  /**
   * Whether an admitted request can no longer be served within its bound: its deadline passed
   * (the deadline timer already answered 503, or could not, its event loop stalled) or the
   * client went away. A request found so at a stage is not served late: it is answered 503 (if
   * nothing was sent) and its work is aborted, counted as shed with `reason`.
   */
  function stale(request: FastifyRequest, reply: FastifyReply, reason: string): boolean {
    const entry = admittedRequests.get(request);
    if (entry === undefined) return false;
    const scope = entry.scope;
    const late = entry.deadlineMs > 0 && ageOf(entry) > entry.deadlineMs;
    if (!late && !scope.aborted && !reply.sent) return false;
    // Its deadline entry has nothing left to do.
    if (scope.deadline !== undefined) scope.deadline.done = true;
    scope.abort(deadlineError());
    if (!reply.sent) {
      // A client that went away is not counted as shed (it gets no answer anyway).
      if (late || !reply.raw.destroyed) metrics.shed.inc({ reason });
      request.log.debug({ reason }, 'shedding a request that outlived its deadline');
      reply.header('connection', 'close');
      sendResult(reply, OVERLOADED);
    }
    return true;
  }

  /** The handler's start: the end of the queue wait; false when the request is shed there. */
  function started(request: FastifyRequest, reply: FastifyReply): boolean {
    const entry = admittedRequests.get(request);
    entry?.leave?.started?.();
    if (stale(request, reply, 'stale-handler')) return false;
    if (entry !== undefined) {
      metrics.requestAge.observe({ stage: 'handler' }, ageOf(entry) / 1000);
    }
    return true;
  }

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (MurmurError.isInstance(error)) {
      const answer = responseFromError(error, { now: context.clock.now() });
      if (isUnexpected(error)) request.log.error({ err: error }, 'request failed');
      else request.log.debug({ status: answer.status, reason: error.message }, 'request refused');
      return sendResult(reply, answer);
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status === 413) {
      return sendResult(reply, {
        status,
        body: `the request body is larger than ${MAX_RPC_BODY_BYTES} bytes`,
      });
    }
    if (status >= 400 && status < 500) {
      return sendResult(reply, { status, body: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return sendResult(reply, { status: 500, body: 'Internal error' });
  });

  app.setNotFoundHandler((request, reply) => {
    log.debug({ method: request.method, url: request.url }, 'no such route');
    return sendResult(reply, { status: 404, body: `Not found: ${request.method} ${request.url}` });
  });

  // One debug line per request, only when the logger writes debug lines (the hook and its log
  // object cost every request something otherwise).
  const logLevels = app.log as { isLevelEnabled?: (level: string) => boolean };
  if (logLevels.isLevelEnabled?.('debug') !== false) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.debug(
        {
          method: request.method,
          url: request.url,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request',
      );
      done();
    });
  }

  // Every body is raw bytes, whatever its Content-Type (Session desktop sends none).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: MAX_RPC_BODY_BYTES },
    (_request, body, done) => done(null, body),
  );

  // Fastify answers 415 to a Content-Type it cannot parse (such as one without a slash), before
  // any parser runs; Session nodes never do. The body is read as bytes in every case. (A
  // callback hook: an async one costs a promise per request.)
  app.addHook('onRequest', (request, _reply, done) => {
    request.headers['content-type'] = 'application/octet-stream';
    done();
  });

  /**
   * Sheds load: true when the request was answered (503); otherwise the request is counted in
   * flight and the function to call when it is over is returned.
   */
  function shed(
    request: FastifyRequest,
    reply: FastifyReply,
    arrived: number | undefined,
  ): true | Leave | undefined {
    if (shedder === undefined) return undefined;
    const reason = shedder.check(arrived);
    if (reason !== undefined) {
      metrics.shed.inc({ reason });
      request.log.debug({ reason }, 'shedding load');
      // The body is not read: close the connection rather than drain it.
      reply.header('connection', 'close');
      reply.header('retry-after', String(shedder.retryAfterSeconds()));
      sendResult(reply, { status: 503, body: 'Overloaded, try again shortly' });
      return true;
    }
    return shedder.enter();
  }

  /**
   * Applies the rate limit; true when the request was answered: 429 on the storage RPC, as
   * Session; 503 "Server busy, try again later" on `/onion_req/v2`, which Session never rate
   * limits and where clients strike the whole path on a 429 (a 503 is what Session's nodes answer
   * when busy, and what desktop, Android and libsession-util retry on another path).
   */
  function limited(
    request: FastifyRequest,
    reply: FastifyReply,
    route: string,
    exemptNodes: boolean,
  ): boolean {
    if (rateLimiter === undefined) return false;
    const address = request.ip;
    const isNode = context.network.snapshot()?.isNodeAddress(address) ?? false;
    if (exemptNodes && isNode) return false;
    if (rateLimiter.take(address, isNode)) return false;
    metrics.rateLimited.inc({ route });
    request.log.debug({ route }, 'rate limited');
    reply.header('connection', 'close');
    sendResult(
      reply,
      route === 'onion_req'
        ? { status: 503, body: ONION_BUSY_BODY }
        : {
            status: 429,
            body: 'Too many requests from this address; slow down and try again shortly',
          },
    );
    return true;
  }

  /**
   * Admission before the body is read (a route `onRequest` hook): sheds load (503) and applies
   * the rate limit (429); an admitted request counts in flight until its answer is sent.
   */
  function admit(route: string, exemptNodes: boolean, deadlineMs: number) {
    return (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
      const arrived = options.arrivedAt?.(request.raw);
      const leave = shed(request, reply, arrived);
      if (leave === true) return;
      if (limited(request, reply, route, exemptNodes)) {
        leave?.();
        return;
      }
      const scope = new RequestScope(route === 'onion_req' ? undefined : SIGNAL_MAX_LISTENERS);
      const entry: Admitted = { scope, leave, arrived: arrived ?? clockNow(), deadlineMs };
      admittedRequests.set(request, entry);
      metrics.requestAge.observe({ stage: 'admitted' }, ageOf(entry) / 1000);
      // The bound on an admitted request (docs/OPERATORS.md), from its arrival: past it, 503 and
      // its work stops (at its next stage boundary, see `stale`, or through its signal if it made
      // one). One list and one timer for every request's deadline, not a timer each; every later
      // stage checks the age itself too, so a stalled loop does not serve the request late.
      scope.deadline =
        deadlineMs > 0
          ? deadlines.add(entry.arrived + deadlineMs, () => {
              if (reply.sent) return;
              metrics.shed.inc({ reason: 'deadline' });
              scope.abort(deadlineError());
              reply.header('connection', 'close');
              sendResult(reply, OVERLOADED);
            })
          : undefined;
      reply.raw.once('close', () => {
        if (scope.deadline !== undefined) scope.deadline.done = true;
        leave?.();
        metrics.requestAge.observe({ stage: 'answered' }, ageOf(entry) / 1000);
        if (!reply.raw.writableFinished) scope.abort();
      });
      done();
    };
  }

  app.post(
    '/storage_rpc/v1',
    { onRequest: admit('storage_rpc', false, rpcDeadlineMs) },
    async (request, reply) => {
      if (!started(request, reply)) return reply;
      if (request.headers['x-loki-long-poll'] !== undefined) {
        return sendResult(reply, { status: 410, body: 'Long polling is no longer supported' });
      }
      // The scope is the call's options: its signal is made only if some work asks for it.
      const result = await dispatcher.handleBody(bytesOf(request.body), scopeOf(request));
      // Answered 503 at its deadline already, or found past it now: not answered late.
      if (stale(request, reply, 'stale-answer')) return reply;
      return sendResult(reply, result);
    },
  );

  app.post(
    '/onion_req/v2',
    { onRequest: admit('onion_req', true, onionDeadlineMs) },
    async (request, reply) => {
      if (!started(request, reply)) return reply;
      const handler = options.onion;
      if (handler === undefined) {
        return sendResult(reply, { status: 503, body: 'Snode not ready' });
      }
      const scope = scopeOf(request);
      const answer = await handler.handle(bytesOf(request.body), {
        remoteAddress: request.ip,
        // Made when the layer is forwarded (a relay hop, an exit's call), not before.
        get signal() {
          return scope.signal;
        },
      });
      if (stale(request, reply, 'stale-answer')) return reply;
      reply.code(answer.status);
      if (typeof answer.body === 'string') return reply.type(TEXT).send(answer.body);
      return reply
        .type(answer.contentType ?? 'application/octet-stream')
        .send(Buffer.from(answer.body));
    },
  );

  app.get('/health', async (_request, reply) => {
    const report = healthReport(options);
    return sendResult(reply, report);
  });

  app.get('/metrics', async (_request, reply) => {
    const state = context.network.state();
    metrics.ready.set(state.state === 'ready' ? 1 : 0);
    if (state.height !== undefined) metrics.ledgerHeight.set(state.height);
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
};

/** Fastify settings the app relies on (the launcher adds timeouts and its logger). */
export function appServerOptions(): FastifyServerOptions {
  return {
    bodyLimit: MAX_RPC_BODY_BYTES,
    // One debug line per request comes from the app's onResponse hook instead.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  };
}

/** Builds a fastify instance with the app registered (tests use `app.inject`). */
export async function buildApp(
  options: MurmurNodeAppOptions,
  server: FastifyServerOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({ ...appServerOptions(), ...server });
  await app.register(murmurNodeApp, options);
  return app;
}
