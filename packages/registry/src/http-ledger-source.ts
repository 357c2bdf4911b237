/**
 * {@link LedgerSource} over the devnet ledger's HTTP API (see `ledger-api.ts`): plain `fetch`
 * for genesis, blocks, state, wallets, nodes and transactions (and the devnet's faucet and
 * state-change routes), and a WebSocket for the block feed, reconnected with exponential
 * backoff. Every answer is checked with the shared schemas before use.
 */
import {
  AbortError,
  type AbortOptions,
  ForbiddenError,
  fetchWithTimeout,
  InvalidInputError,
  InvalidResponseError,
  type Logger,
  MurmurError,
  NotFoundError,
  RateLimitedError,
  type Startable,
  silentLogger,
  UnsupportedError,
  UpstreamFailedError,
  utf8Decode,
} from '@murmur/wire';
import {
  assertSchema,
  compileSchema,
  decodeBlock,
  decodeGenesis,
  encodeTransaction,
} from './codec.js';
import {
  BLOCKS_MAX_LIMIT,
  BlocksResponseSchema,
  ErrorResponseSchema,
  type FaucetRequest,
  FeedMessageSchema,
  type HealthResponse,
  HealthResponseSchema,
  type NodeResponse,
  NodeResponseSchema,
  type StateChangeRequest,
  type StateResponse,
  StateResponseSchema,
  type TransactionAcceptedResponse,
  TransactionAcceptedResponseSchema,
  type TransactionRejectedResponse,
  TransactionRejectedResponseSchema,
  type TransactionStatusResponse,
  TransactionStatusResponseSchema,
  type WalletResponse,
  WalletResponseSchema,
} from './ledger-api.js';
import type { GetBlocksOptions, LedgerSource } from './ledger-source.js';
import type { JsonBlock } from './schemas.js';
import type { Block, StateChange, Transaction, TransactionResult } from './types.js';

/** The part of the WebSocket API the feed uses (browsers' `WebSocket` and `ws` both have it). */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType?: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor (`globalThis.WebSocket`, or `ws`'s default export on Node 20). */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Options of {@link httpLedgerSource}. */
export interface HttpLedgerSourceInit {
  /** Base URL of the ledger, e.g. `http://127.0.0.1:7070`. */
  url: string;
  /** URL of the block feed; default: `url` with `ws(s)://` and the path `/feed`. */
  feedUrl?: string | undefined;
  /** Timeout of each HTTP request (default 10 s). */
  requestTimeoutMs?: number | undefined;
  /** First reconnection delay of the feed (default 250 ms); it doubles on each failure. */
  reconnectInitialDelayMs?: number | undefined;
  /** Longest reconnection delay (default 10 s). */
  reconnectMaxDelayMs?: number | undefined;
}

/** Components of {@link httpLedgerSource}. */
export interface HttpLedgerSourceComponents {
  /** `fetch` (default `globalThis.fetch`). */
  fetch?: typeof fetch | undefined;
  /** WebSocket constructor (default `globalThis.WebSocket`; pass `ws` on Node 20). */
  WebSocket?: WebSocketConstructor | undefined;
  logger?: Logger | undefined;
}

/**
 * The devnet ledger's routes beyond a {@link LedgerSource}'s, as its clients call them: the
 * HTTP ledger client ({@link HttpLedgerSource}) and the same reads over an EVM chain
 * (`evmLedgerView` in `@murmur/registry/evm`, which refuses the devnet-only ones).
 */
export interface LedgerRoutes {
  /** `GET /state`: the ledger's view of nodes, swarms and wallets (checked, amounts as text). */
  getState(options?: AbortOptions & { activeOnly?: boolean }): Promise<StateResponse>;
  /** `GET /health`. */
  getHealth(options?: AbortOptions): Promise<HealthResponse>;
  /**
   * `GET /wallet/:address`: balance, locked stakes, nonce and `nextNonce`, the nonce the
   * wallet's next transaction must carry (counting its transactions still in the mempool).
   * A wallet never seen answers zeros.
   *
   * @throws `InvalidInputError` when `address` is not 64 lower-case hex characters.
   */
  getWallet(address: string, options?: AbortOptions): Promise<WalletResponse>;
  /**
   * `GET /node/:node`: the node (absent once it has left), its history, and while it awaits
   * contributions the minimum contribution and the open room; `undefined` for a node never
   * registered.
   *
   * @throws `InvalidInputError` when `key` is not 64 lower-case hex characters.
   */
  getNode(key: string, options?: AbortOptions): Promise<NodeResponse | undefined>;
  /**
   * `GET /tx/:id`: whether the transaction waits in the mempool (`pending`), is in a block
   * (`included`, with its height) or is unknown to the ledger (never seen, or dropped from the
   * mempool because it stopped passing the rules).
   *
   * @throws `InvalidInputError` when `id` is not 64 lower-case hex characters.
   */
  getTransactionStatus(id: string, options?: AbortOptions): Promise<TransactionStatusResponse>;
  /**
   * `POST /faucet` (devnet ledgers, from the ledger's own machine): the authority mints
   * `amount` atomic units into `address`. Answered like {@link submitTransaction}: a refusal is
   * a result, not an error.
   *
   * @throws `UnsupportedError` when the ledger has no faucet (its parameter set turns it off);
   * `ForbiddenError` when asked from another machine.
   */
  requestFaucet(
    address: string,
    amount: bigint,
    options?: AbortOptions,
  ): Promise<TransactionResult>;
  /**
   * `POST /state-change` (devnet ledgers, from the ledger's own machine): the authority
   * decommissions, recommissions or deregisters `node`, with a reason recorded in its history.
   * Answered like {@link submitTransaction}.
   *
   * @throws `UnsupportedError` when the ledger has no state-change route; `ForbiddenError` when
   * asked from another machine.
   */
  requestStateChange(
    node: string,
    change: StateChange,
    reason?: string,
    options?: AbortOptions,
  ): Promise<TransactionResult>;
}

/**
 * The HTTP ledger client: a {@link LedgerSource} with the devnet's extra routes. Every answer is
 * checked with the schemas of `ledger-api.ts`: a bad one is an `InvalidResponseError`; a 403 a
 * `ForbiddenError`, a 404 a `NotFoundError`, a 5xx an `UpstreamFailedError`, each carrying the
 * ledger's own message; an unreachable ledger an `UpstreamFailedError`, a slow one a
 * `RequestTimeoutError`.
 */
export interface HttpLedgerSource extends LedgerSource, LedgerRoutes, Startable {
  /** Whether the feed is connected now. */
  readonly feedConnected: boolean;
}

const blocksValidator = compileSchema(BlocksResponseSchema);
const acceptedValidator = compileSchema(TransactionAcceptedResponseSchema);
const rejectedValidator = compileSchema(TransactionRejectedResponseSchema);
const stateValidator = compileSchema(StateResponseSchema);
const healthValidator = compileSchema(HealthResponseSchema);
const feedValidator = compileSchema(FeedMessageSchema);
const walletValidator = compileSchema(WalletResponseSchema);
const nodeValidator = compileSchema(NodeResponseSchema);
const transactionStatusValidator = compileSchema(TransactionStatusResponseSchema);
const errorValidator = compileSchema(ErrorResponseSchema);

const HEX_KEY = /^[0-9a-f]{64}$/;

/** `value` when it is a 64-hex key (it goes into a URL path), else an `InvalidInputError`. */
function hexKey(value: string, what: string): string {
  if (typeof value !== 'string' || !HEX_KEY.test(value)) {
    throw new InvalidInputError(`${what} must be 64 lower-case hex characters`, {
      details: { field: what },
    });
  }
  return value;
}

/** The ledger's own message in an error answer (`{error, message}`), if it sent one. */
function ledgerMessage(body: unknown): string | undefined {
  return errorValidator.Check(body) ? (body as { message: string }).message : undefined;
}

function invalidResponse(what: string, cause: unknown): InvalidResponseError {
  return new InvalidResponseError(`the ledger sent an invalid ${what}`, { cause });
}

function checked<T>(validator: ReturnType<typeof compileSchema>, value: unknown, what: string): T {
  try {
    assertSchema(validator, value, what);
  } catch (error) {
    throw invalidResponse(what, error);
  }
  return value as T;
}

function defaultFeedUrl(base: string): string {
  const url = new URL(base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/$/, '')}/feed`;
  url.search = '';
  return url.toString();
}

/**
 * A {@link LedgerSource} that talks to the devnet ledger over HTTP and its WebSocket feed.
 * HTTP calls work at once; the feed connects while at least one subscriber is registered and
 * reconnects after failures (backoff from 250 ms doubling to 10 s). `stop()` closes the feed,
 * cancels reconnection and in-flight requests; `start()` allows them again.
 */
export function httpLedgerSource(
  init: HttpLedgerSourceInit,
  components: HttpLedgerSourceComponents = {},
): HttpLedgerSource {
  const base = init.url.replace(/\/+$/, '');
  try {
    new URL(base);
  } catch (error) {
    throw new UnsupportedError(`ledger URL ${JSON.stringify(init.url)} is not a URL`, {
      cause: error,
    });
  }
  const feedUrl = init.feedUrl ?? defaultFeedUrl(base);
  const fetchImpl = components.fetch ?? globalThis.fetch?.bind(globalThis);
  const WebSocketImpl =
    components.WebSocket ??
    (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
    undefined;
  const logger = (components.logger ?? silentLogger()).child({ component: 'ledger-source' });
  const timeoutMs = init.requestTimeoutMs ?? 10_000;
  const initialDelay = init.reconnectInitialDelayMs ?? 250;
  const maxDelay = init.reconnectMaxDelayMs ?? 10_000;

  let stopped = false;
  let lifecycle = new AbortController();
  let socket: WebSocketLike | undefined;
  let connected = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let attempts = 0;
  const subscribers = new Set<{
    listener: (block: Block) => void;
    onError: ((error: unknown) => void) | undefined;
  }>();

  function reportError(error: unknown): void {
    for (const subscriber of [...subscribers]) {
      try {
        subscriber.onError?.(error);
      } catch (listenerError) {
        logger.warn({ err: listenerError }, 'feed error listener threw');
      }
    }
  }

  async function request(
    path: string,
    options: AbortOptions & { method?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: unknown }> {
    if (fetchImpl === undefined) throw new UnsupportedError('no fetch implementation available');
    // The caller's signal and stop() both cancel the request.
    const signal =
      options.signal === undefined
        ? lifecycle.signal
        : AbortSignal.any([options.signal, lifecycle.signal]);
    const answer = await fetchWithTimeout(
      fetchImpl,
      `${base}${path}`,
      {
        method: options.method ?? 'GET',
        headers:
          options.body === undefined
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json' },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      },
      { signal, timeoutMs, peer: `the ledger at ${base} (${options.method ?? 'GET'} ${path})` },
    );
    const response = { status: answer.status };
    const text = new TextDecoder().decode(answer.body);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch (error) {
      if (response.status >= 500) {
        throw new UpstreamFailedError(`the ledger answered ${response.status} to ${path}`, {
          status: response.status,
        });
      }
      throw new InvalidResponseError(`the ledger's answer to ${path} is not JSON`, {
        cause: error,
        status: response.status,
      });
    }
    return { status: response.status, body };
  }

  function unexpectedStatus(status: number, path: string, body: unknown): MurmurError {
    if (status === 429) return new RateLimitedError(`the ledger rate-limited ${path}`);
    const said = ledgerMessage(body);
    const message = `the ledger answered ${status} to ${path}${said === undefined ? '' : `: ${said}`}`;
    if (status === 403) return new ForbiddenError(message, { status });
    if (status === 404) return new NotFoundError(message, { status });
    if (status >= 500) {
      return new UpstreamFailedError(message, {
        status,
        details: { body: typeof body === 'object' ? body : undefined },
      });
    }
    return new InvalidResponseError(message, { status });
  }

  async function getJson(path: string, options: AbortOptions = {}): Promise<unknown> {
    const { status, body } = await request(path, options);
    if (status !== 200) throw unexpectedStatus(status, path, body);
    return body;
  }

  /** POSTs to a route answered like `POST /tx`: 200 accepted, 400 refused (a result). */
  async function postTransaction(
    path: '/tx' | '/faucet' | '/state-change',
    payload: unknown,
    options: AbortOptions,
  ): Promise<TransactionResult> {
    const { status, body } = await request(path, { ...options, method: 'POST', body: payload });
    if (status === 200) {
      const answer = checked<TransactionAcceptedResponse>(
        acceptedValidator,
        body,
        'transaction answer',
      );
      return { id: answer.id, accepted: true };
    }
    if (status === 400) {
      const answer = checked<TransactionRejectedResponse>(
        rejectedValidator,
        body,
        'transaction refusal',
      );
      return {
        id: answer.id ?? '',
        accepted: false,
        reason: answer.reason,
        message: answer.message,
      };
    }
    if (status === 404 && path !== '/tx') {
      throw new UnsupportedError(
        `the ledger at ${base} has no ${path} route (its parameter set turns the faucet and state changes off)`,
        { status },
      );
    }
    throw unexpectedStatus(status, path, body);
  }

  // -------------------------------------------------------------------------------------------
  // Feed

  function connect(): void {
    if (stopped || socket !== undefined || subscribers.size === 0) return;
    if (WebSocketImpl === undefined) {
      reportError(
        new UnsupportedError(
          'no WebSocket implementation: pass components.WebSocket (e.g. the ws package) for the feed',
        ),
      );
      return;
    }
    let ws: WebSocketLike;
    try {
      ws = new WebSocketImpl(feedUrl);
    } catch (error) {
      reportError(new UpstreamFailedError('the ledger feed could not be opened', { cause: error }));
      scheduleReconnect();
      return;
    }
    socket = ws;
    if ('binaryType' in ws) ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      connected = true;
      attempts = 0;
      logger.debug({ url: feedUrl }, 'ledger feed connected');
    };
    ws.onmessage = (event) => onMessage(event.data);
    ws.onerror = (event) => {
      logger.debug({ url: feedUrl }, 'ledger feed error');
      reportError(new UpstreamFailedError('the ledger feed failed', { cause: event }));
    };
    ws.onclose = () => {
      const wasCurrent = socket === ws;
      if (wasCurrent) {
        socket = undefined;
        connected = false;
      }
      if (wasCurrent && !stopped && subscribers.size > 0) scheduleReconnect();
    };
  }

  function scheduleReconnect(): void {
    if (stopped || reconnectTimer !== undefined) return;
    const delay = Math.min(maxDelay, initialDelay * 2 ** Math.min(attempts, 20));
    attempts++;
    logger.debug({ delay }, 'ledger feed reconnecting');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, delay);
  }

  function disconnect(): void {
    if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
    const ws = socket;
    socket = undefined;
    connected = false;
    if (ws !== undefined) {
      ws.onopen = null;
      ws.onmessage = null;
      // Keep an error listener: the `ws` package reports closing a socket that is still
      // connecting as an 'error' event, which it throws when nobody listens.
      ws.onerror = () => undefined;
      ws.onclose = null;
      try {
        ws.close(1000, 'closing');
      } catch {
        // Closing a socket that never opened may throw in some implementations: nothing to do.
      }
    }
  }

  function onMessage(data: unknown): void {
    let block: Block;
    try {
      let text: string;
      if (typeof data === 'string') text = data;
      else if (data instanceof ArrayBuffer) text = utf8Decode(new Uint8Array(data));
      else if (data instanceof Uint8Array) text = utf8Decode(data);
      else throw new InvalidResponseError('a feed message is neither text nor bytes');
      const message = checked<{ block: JsonBlock }>(
        feedValidator,
        JSON.parse(text),
        'feed message',
      );
      block = decodeBlock(message.block);
    } catch (error) {
      reportError(
        MurmurError.isInstance(error) && error.code === 'INVALID_RESPONSE'
          ? error
          : invalidResponse('feed message', error),
      );
      return;
    }
    for (const subscriber of [...subscribers]) {
      try {
        subscriber.listener(block);
      } catch (error) {
        logger.warn({ err: error }, 'feed listener threw');
      }
    }
  }

  // -------------------------------------------------------------------------------------------

  return {
    get feedConnected() {
      return connected;
    },

    start() {
      if (!stopped) return;
      stopped = false;
      lifecycle = new AbortController();
      connect();
    },

    stop() {
      stopped = true;
      lifecycle.abort(new AbortError('the ledger source stopped'));
      disconnect();
    },

    async getGenesis(options = {}) {
      const body = await getJson('/genesis', options);
      try {
        return decodeGenesis(body);
      } catch (error) {
        throw invalidResponse('genesis', error);
      }
    },

    async getBlocks(fromHeight: number, options: GetBlocksOptions = {}): Promise<Block[]> {
      const limit = Math.min(options.limit ?? 100, BLOCKS_MAX_LIMIT);
      if (!Number.isSafeInteger(fromHeight) || fromHeight < 0 || limit < 1) {
        throw new UnsupportedError('getBlocks needs a height ≥ 0 and a limit ≥ 1');
      }
      const body = await getJson(`/blocks?from=${fromHeight}&limit=${limit}`, options);
      const answer = checked<{ blocks: JsonBlock[]; height: number }>(
        blocksValidator,
        body,
        'blocks answer',
      );
      if (answer.blocks.length > limit) {
        throw new InvalidResponseError(`the ledger sent more than the ${limit} blocks asked for`);
      }
      const blocks: Block[] = [];
      for (const [index, json] of answer.blocks.entries()) {
        if (json.height !== fromHeight + index) {
          throw new InvalidResponseError(
            `the ledger sent block ${json.height} where block ${fromHeight + index} belongs`,
          );
        }
        try {
          blocks.push(decodeBlock(json));
        } catch (error) {
          throw invalidResponse('block', error);
        }
      }
      return blocks;
    },

    subscribe(listener, onError) {
      const subscriber = { listener, onError };
      subscribers.add(subscriber);
      connect();
      return () => {
        subscribers.delete(subscriber);
        if (subscribers.size === 0) disconnect();
      };
    },

    async submitTransaction(tx: Transaction, options = {}): Promise<TransactionResult> {
      return postTransaction('/tx', encodeTransaction(tx), options);
    },

    async getState(options = {}) {
      const query = options.activeOnly === true ? '?activeOnly=true' : '';
      return checked<StateResponse>(
        stateValidator,
        await getJson(`/state${query}`, options),
        'state',
      );
    },

    async getHealth(options = {}) {
      return checked<HealthResponse>(healthValidator, await getJson('/health', options), 'health');
    },

    async getWallet(address, options = {}) {
      const path = `/wallet/${hexKey(address, 'address')}`;
      return checked<WalletResponse>(
        walletValidator,
        await getJson(path, options),
        'wallet answer',
      );
    },

    async getNode(key, options = {}) {
      const path = `/node/${hexKey(key, 'node key')}`;
      const { status, body } = await request(path, options);
      if (status === 404) return undefined;
      if (status !== 200) throw unexpectedStatus(status, path, body);
      return checked<NodeResponse>(nodeValidator, body, 'node answer');
    },

    async getTransactionStatus(id, options = {}) {
      const path = `/tx/${hexKey(id, 'transaction ID')}`;
      const answer = checked<TransactionStatusResponse>(
        transactionStatusValidator,
        await getJson(path, options),
        'transaction status',
      );
      if (answer.id !== id) {
        throw new InvalidResponseError(
          `the ledger answered about transaction ${answer.id}, not ${id}`,
        );
      }
      return answer;
    },

    async requestFaucet(address, amount, options = {}) {
      if (typeof amount !== 'bigint' || amount < 0n) {
        throw new InvalidInputError('the faucet amount must be a bigint ≥ 0', {
          details: { field: 'amount' },
        });
      }
      const payload: FaucetRequest = {
        address: hexKey(address, 'address'),
        amount: amount.toString(),
      };
      return postTransaction('/faucet', payload, options);
    },

    async requestStateChange(node, change, reason = '', options = {}) {
      const payload: StateChangeRequest = { node: hexKey(node, 'node key'), change };
      if (reason !== '') payload.reason = reason;
      return postTransaction('/state-change', payload, options);
    },
  };
}
