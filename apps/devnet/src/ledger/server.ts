/**
 * The ledger's HTTP API as a fastify app factory (tests `inject` into it; `run.ts` listens).
 *
 * | route | answers |
 * |---|---|
 * | `GET /genesis` | 200 genesis configuration |
 * | `GET /blocks?from=H&limit=N` | 200 blocks from H (genesis is 0), at most N (default 100, max 1,000); 400 bad query |
 * | `POST /tx` | 200 `{accepted: true, id}` (stored in the mempool; resubmitting a waiting transaction answers the same), 400 `{accepted: false, reason, message}`, 413 body over 64 KiB, 503 mempool full |
 * | `GET /tx/:id` | 200 `{id, status: pending or included or unknown, height?}` |
 * | `GET /state?activeOnly=true` | 200 nodes, swarms, wallets |
 * | `GET /wallet/:address` | 200 balance, locked entries, nonce and next nonce (mempool included) |
 * | `GET /node/:node` | 200 node, history, minimum contribution; 404 never registered |
 * | `GET /health` | 200 `{status: "ok", chainId, height}` |
 * | `GET /metrics` | 200 Prometheus text |
 * | `POST /json_rpc` | 200 seed endpoint (`seed.ts`) |
 * | `POST /faucet` | devnet only, loopback only: as `POST /tx` (403 from elsewhere) |
 * | `POST /state-change` | devnet only, loopback only: as `POST /tx` |
 * | WebSocket `/feed` | `feed.ts` |
 *
 * Every schema (requests and answers) is `@murmur/registry`'s (`ledger-api.ts`), the same ones
 * its `httpLedgerSource` checks answers with. Other failures answer `{error, message}` (the
 * registry's `ErrorResponseSchema`) with a 4xx or 5xx status. Transaction routes parse their bodies themselves (any content type), so that every
 * 400 they give has the `{accepted: false, reason, message}` shape clients expect.
 */

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  decodeTransaction,
  encodeBlock,
  encodeGenesis,
  JsonGenesisConfigSchema,
  type RejectionReason,
  type Transaction,
} from '@murmur/registry';
import {
  AddressParamsSchema,
  BLOCKS_DEFAULT_LIMIT,
  BlocksQuerySchema,
  BlocksResponseSchema,
  type ErrorResponse,
  ErrorResponseSchema,
  encodeNodeResponse,
  encodeStateResponse,
  encodeWalletResponse,
  type FaucetRequest,
  FaucetRequestSchema,
  HealthResponseSchema,
  NodeParamsSchema,
  NodeResponseSchema,
  type StateChangeRequest,
  StateChangeRequestSchema,
  StateQuerySchema,
  StateResponseSchema,
  TransactionAcceptedResponseSchema,
  TransactionParamsSchema,
  type TransactionRejectedResponse,
  TransactionRejectedResponseSchema,
  TransactionStatusResponseSchema,
  WalletResponseSchema,
} from '@murmur/registry/ledger-http';
import {
  createChecker,
  InvalidInputError,
  type Logger,
  MurmurError,
  silentLogger,
} from '@murmur/wire';
import { jsonErrorAnswer } from '@murmur/wire/server';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import type { DevnetLedger, SubmitOutcome } from './ledger.js';
import type { LedgerMetrics } from './metrics.js';
import { registerSeedRoute } from './seed.js';

/** Largest request body the ledger reads (transactions are far smaller). */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Options of {@link createLedgerApp}. */
export interface LedgerAppInit {
  /** Largest request body, bytes (default 64 KiB). */
  bodyLimit?: number | undefined;
  /** Serve `POST /faucet` and `POST /state-change` (default: when the chain's faucet is on). */
  devnetRoutes?: boolean | undefined;
  /** Request timeout, ms (default 30 s). */
  requestTimeoutMs?: number | undefined;
}

/** Components of {@link createLedgerApp}. */
export interface LedgerAppComponents {
  ledger: DevnetLedger;
  metrics?: LedgerMetrics | undefined;
  logger?: Logger | undefined;
}

const MAX_MESSAGE = 2_000;

function clip(text: string): string {
  return text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE - 1)}…`;
}

function errorBody(error: string, message: string): ErrorResponse {
  return { error: error.slice(0, 100), message: clip(message) };
}

/** The 400 answer of the transaction routes. */
function rejected(
  reason: RejectionReason,
  message: string,
  id?: string,
): TransactionRejectedResponse {
  const body: TransactionRejectedResponse = { accepted: false, reason, message: clip(message) };
  if (id !== undefined && /^[0-9a-f]{64}$/.test(id)) body.id = id;
  return body;
}

function isLoopback(address: string | undefined): boolean {
  return (
    address !== undefined &&
    (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'))
  );
}

/** Parses a raw body as JSON; `undefined` when it is not JSON. */
function parseJson(body: unknown): { ok: true; value: unknown } | { ok: false } {
  if (body === undefined || body === null) return { ok: false };
  try {
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : String(body);
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

const faucetChecker = createChecker(FaucetRequestSchema);
const stateChangeChecker = createChecker(StateChangeRequestSchema);

const transactionResponses = {
  200: TransactionAcceptedResponseSchema,
  400: TransactionRejectedResponseSchema,
  403: ErrorResponseSchema,
  413: ErrorResponseSchema,
  500: ErrorResponseSchema,
  503: ErrorResponseSchema,
} satisfies Record<number, TSchema>;

/**
 * The ledger's fastify app (not listening). Register the feed on `app.server` after `ready()`
 * when serving for real.
 */
export async function createLedgerApp(
  init: LedgerAppInit,
  components: LedgerAppComponents,
): Promise<FastifyInstance> {
  const { ledger, metrics } = components;
  const logger = (components.logger ?? silentLogger()).child({ component: 'http' });
  const bodyLimit = init.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const devnetRoutes = init.devnetRoutes ?? ledger.genesis.params.faucetEnabled;

  const app = Fastify({
    logger: false,
    bodyLimit,
    requestTimeout: init.requestTimeoutMs ?? 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 10_000,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onResponse', async (request, reply) => {
    logger.debug(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });

  app.setNotFoundHandler(async (request, reply) =>
    reply
      .code(404)
      .send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );

  app.setErrorHandler(async (error, request, reply) => {
    const answer = jsonErrorAnswer(error);
    if (answer.log !== undefined)
      logger[answer.log]({ err: error, url: request.url }, 'request failed');
    return reply.code(answer.status).send(errorBody(answer.code, answer.message));
  });

  // --- Chain ----------------------------------------------------------------------------------

  app.get('/genesis', { schema: { response: { 200: JsonGenesisConfigSchema } } }, async () =>
    encodeGenesis(ledger.genesis),
  );

  app.get(
    '/blocks',
    {
      schema: {
        querystring: BlocksQuerySchema,
        response: { 200: BlocksResponseSchema, 400: ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      const { from, limit = BLOCKS_DEFAULT_LIMIT } = request.query;
      // The blocks go out as the feed sends them (JSON.stringify of `encodeBlock`), not through
      // the schema's compiled serializer: its transaction union picks each branch with a
      // validator compiled on first use, and those first compilations made the first
      // `/blocks` answers of a new devnet take 0.3 s on a quiet machine and 2.4 s on a busy
      // one, just when every node and relay catches up at once (docs/BENCHMARKS.md). The
      // schema still documents the answer, and followers validate it on their side.
      reply.type('application/json; charset=utf-8').serializer(JSON.stringify);
      return { blocks: ledger.getBlocks(from, limit).map(encodeBlock), height: ledger.height };
    },
  );

  app.get(
    '/state',
    { schema: { querystring: StateQuerySchema, response: { 200: StateResponseSchema } } },
    async (request) =>
      encodeStateResponse(ledger.state, { activeOnly: request.query.activeOnly === true }),
  );

  app.get('/health', { schema: { response: { 200: HealthResponseSchema } } }, async () => ({
    status: 'ok' as const,
    chainId: ledger.genesis.chainId,
    height: ledger.height,
  }));

  app.get('/metrics', async (_request, reply) => {
    if (metrics === undefined) {
      return reply.code(404).send(errorBody('NOT_FOUND', 'metrics are off'));
    }
    metrics.update({ height: ledger.height, mempoolSize: ledger.mempoolSize });
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get(
    '/wallet/:address',
    {
      schema: {
        params: AddressParamsSchema,
        response: { 200: WalletResponseSchema, 400: ErrorResponseSchema },
      },
    },
    async (request) => {
      const { address } = request.params;
      return encodeWalletResponse(ledger.state, address, ledger.nextNonce(address));
    },
  );

  app.get(
    '/node/:node',
    {
      schema: {
        params: NodeParamsSchema,
        response: { 200: NodeResponseSchema, 400: ErrorResponseSchema, 404: ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      const { node: key } = request.params;
      const answer = encodeNodeResponse(ledger.state, key);
      if (answer === undefined) {
        return reply.code(404).send(errorBody('NOT_FOUND', `node ${key} was never registered`));
      }
      return answer;
    },
  );

  app.get(
    '/tx/:id',
    {
      schema: {
        params: TransactionParamsSchema,
        response: { 200: TransactionStatusResponseSchema, 400: ErrorResponseSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const status = ledger.transactionStatus(id);
      return status.status === 'included'
        ? { id, status: status.status, height: status.height }
        : { id, status: status.status };
    },
  );

  // --- Transactions: raw bodies, any content type, 400s in the rejection shape ----------------

  function answer(reply: FastifyReply, outcome: SubmitOutcome, type: string) {
    const { result } = outcome;
    if (result.accepted) {
      metrics?.transactionAccepted(type, outcome.duplicate);
      return reply.code(200).send({ accepted: true, id: result.id });
    }
    metrics?.transactionRejected(result.reason);
    return reply.code(400).send(rejected(result.reason, result.message, result.id));
  }

  function malformed(reply: FastifyReply, message: string) {
    metrics?.transactionRejected('malformed');
    return reply.code(400).send(rejected('malformed', message));
  }

  function loopbackOnly(request: FastifyRequest, reply: FastifyReply): boolean {
    if (isLoopback(request.socket.remoteAddress)) return true;
    void reply
      .code(403)
      .send(errorBody('FORBIDDEN', `${request.url} answers only requests from this machine`));
    return false;
  }

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) =>
      done(null, body),
    );

    scope.post('/tx', { schema: { response: transactionResponses } }, async (request, reply) => {
      const parsed = parseJson(request.body);
      if (!parsed.ok) return malformed(reply, 'the body is not a JSON transaction');
      let tx: Transaction;
      try {
        tx = decodeTransaction(parsed.value);
      } catch (error) {
        return malformed(reply, MurmurError.isInstance(error) ? error.message : 'malformed');
      }
      return answer(reply, ledger.submit(tx), tx.type);
    });

    if (!devnetRoutes) return;

    scope.post(
      '/faucet',
      { schema: { response: transactionResponses } },
      async (request, reply) => {
        if (!loopbackOnly(request, reply)) return reply;
        const parsed = parseJson(request.body);
        if (!parsed.ok) return malformed(reply, 'the body is not JSON {address, amount}');
        const problem = faucetChecker.firstProblem(parsed.value);
        if (problem !== undefined) return malformed(reply, `faucet request: ${problem.text}`);
        const body = parsed.value as FaucetRequest;
        let outcome: SubmitOutcome;
        try {
          outcome = ledger.faucet(body.address, BigInt(body.amount));
        } catch (error) {
          if (error instanceof InvalidInputError) return malformed(reply, error.message);
          throw error;
        }
        return answer(reply, outcome, 'faucet');
      },
    );

    scope.post(
      '/state-change',
      { schema: { response: transactionResponses } },
      async (request, reply) => {
        if (!loopbackOnly(request, reply)) return reply;
        const parsed = parseJson(request.body);
        if (!parsed.ok) return malformed(reply, 'the body is not JSON {node, change, reason}');
        const problem = stateChangeChecker.firstProblem(parsed.value);
        if (problem !== undefined) return malformed(reply, `state change: ${problem.text}`);
        const body = parsed.value as StateChangeRequest;
        let outcome: SubmitOutcome;
        try {
          outcome = ledger.stateChange(body.node, body.change, body.reason ?? '');
        } catch (error) {
          if (error instanceof InvalidInputError) return malformed(reply, error.message);
          throw error;
        }
        return answer(reply, outcome, 'state-change');
      },
    );
  });

  await registerSeedRoute(app, { state: () => ledger.state, bodyLimit });

  return app;
}
