/**
 * The testnet's client of the devnet ledger: the registry's `httpLedgerSource` (genesis, state,
 * health, transactions — every answer checked against the registry's schemas) plus the devnet
 * routes it does not cover (`POST /faucet`, `GET /wallet/:address`, `GET /tx/:id`) and the seed
 * endpoint (`POST /json_rpc`), whose answers are checked here.
 */
import {
  type GenesisConfig,
  type HealthResponse,
  type HttpLedgerSource,
  httpLedgerSource,
  type StateResponse,
  type Transaction,
  TransactionAcceptedResponseSchema,
  TransactionRejectedResponseSchema,
  type TransactionResult,
} from '@murmur/registry';
import {
  AbortError,
  type AbortOptions,
  checkSchema,
  createChecker,
  InvalidResponseError,
  RequestTimeoutError,
  type SeedResponse,
  SeedResponseSchema,
  UpstreamFailedError,
} from '@murmur/wire';

/** Timeout of each request to the ledger, ms. */
export const LEDGER_REQUEST_TIMEOUT_MS = 10_000;

const acceptedChecker = createChecker(TransactionAcceptedResponseSchema);
const rejectedChecker = createChecker(TransactionRejectedResponseSchema);
const seedChecker = createChecker(SeedResponseSchema);

/** What the authority can order for a node. */
export type StateChangeKind = 'decommission' | 'recommission' | 'deregister';

/** Where a transaction is. */
export interface TransactionStatus {
  id: string;
  status: 'pending' | 'included' | 'unknown';
  height?: number | undefined;
}

/** The ledger client. */
export interface TestnetLedgerClient {
  readonly url: string;
  readonly source: HttpLedgerSource;
  genesis(options?: AbortOptions): Promise<GenesisConfig>;
  state(options?: AbortOptions & { activeOnly?: boolean }): Promise<StateResponse>;
  health(options?: AbortOptions): Promise<HealthResponse>;
  submit(tx: Transaction, options?: AbortOptions): Promise<TransactionResult>;
  /** `POST /faucet`: the authority mints `amount` into `address` (answered like a transaction). */
  faucet(address: string, amount: bigint, options?: AbortOptions): Promise<TransactionResult>;
  /**
   * `POST /state-change`: the authority decommissions, recommissions or deregisters a node
   * (answered like a transaction).
   */
  stateChange(
    node: string,
    change: StateChangeKind,
    reason: string,
    options?: AbortOptions,
  ): Promise<TransactionResult>;
  /** The nonce the next transaction of `address` must carry (mempool included). */
  nextNonce(address: string, options?: AbortOptions): Promise<number>;
  /** `GET /tx/:id`. */
  transactionStatus(id: string, options?: AbortOptions): Promise<TransactionStatus>;
  /** `POST /json_rpc` `get_n_service_nodes`. */
  seedNodes(options?: AbortOptions & { activeOnly?: boolean }): Promise<SeedResponse>;
  /** Cancels requests in flight. */
  stop(): void;
}

function signalFor(options: AbortOptions): AbortSignal {
  const timeout = AbortSignal.timeout(LEDGER_REQUEST_TIMEOUT_MS);
  return options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
}

/** A client of the ledger at `url`. */
export function createLedgerClient(url: string): TestnetLedgerClient {
  const base = url.replace(/\/+$/, '');
  const source = httpLedgerSource({ url: base, requestTimeoutMs: LEDGER_REQUEST_TIMEOUT_MS });
  let cachedGenesis: GenesisConfig | undefined;

  async function call(
    path: string,
    options: AbortOptions & { method?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method: options.method ?? 'GET',
        headers:
          options.body === undefined
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json' },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: signalFor(options),
      });
    } catch (cause) {
      if (options.signal?.aborted === true) throw new AbortError(undefined, { cause });
      if ((cause as { name?: unknown }).name === 'TimeoutError') {
        throw new RequestTimeoutError(`the ledger did not answer ${path} in time`, { cause });
      }
      throw new UpstreamFailedError(`the ledger at ${base} could not be reached for ${path}`, {
        cause,
      });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch (cause) {
      throw new InvalidResponseError(`the ledger's answer to ${path} is not JSON`, {
        cause,
        status: response.status,
      });
    }
    return { status: response.status, body };
  }

  function transactionAnswer(path: string, status: number, body: unknown): TransactionResult {
    if (status === 200 && acceptedChecker.check(body)) return { id: body.id, accepted: true };
    if (status === 400 && rejectedChecker.check(body)) {
      return {
        id: body.id ?? '',
        accepted: false,
        reason: body.reason,
        message: body.message,
      } as TransactionResult;
    }
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? String((body as { message: unknown }).message).slice(0, 300)
        : '';
    throw new UpstreamFailedError(
      `the ledger answered ${status} to ${path}${message === '' ? '' : `: ${message}`}`,
      { status },
    );
  }

  return {
    url: base,
    source,
    async genesis(options = {}) {
      cachedGenesis ??= await source.getGenesis(options);
      return cachedGenesis;
    },
    state(options = {}) {
      return source.getState(options);
    },
    health(options = {}) {
      return source.getHealth(options);
    },
    submit(tx, options = {}) {
      return source.submitTransaction(tx, options);
    },
    async faucet(address, amount, options = {}) {
      const { status, body } = await call('/faucet', {
        ...options,
        method: 'POST',
        body: { address, amount: amount.toString() },
      });
      return transactionAnswer('/faucet', status, body);
    },
    async stateChange(node, change, reason, options = {}) {
      const { status, body } = await call('/state-change', {
        ...options,
        method: 'POST',
        body: reason === '' ? { node, change } : { node, change, reason },
      });
      return transactionAnswer('/state-change', status, body);
    },
    async nextNonce(address, options = {}) {
      const path = `/wallet/${address}`;
      const { status, body } = await call(path, options);
      const nonce = (body as { nextNonce?: unknown } | undefined)?.nextNonce;
      if (
        status !== 200 ||
        typeof nonce !== 'number' ||
        !Number.isSafeInteger(nonce) ||
        nonce < 1
      ) {
        throw new InvalidResponseError(
          `the ledger's answer to ${path} has no valid nextNonce (${status})`,
          {
            status,
          },
        );
      }
      return nonce;
    },
    async transactionStatus(id, options = {}) {
      const path = `/tx/${id}`;
      const { status, body } = await call(path, options);
      const answer = body as { status?: unknown; height?: unknown } | undefined;
      if (
        status !== 200 ||
        (answer?.status !== 'pending' &&
          answer?.status !== 'included' &&
          answer?.status !== 'unknown') ||
        (answer.height !== undefined && typeof answer.height !== 'number')
      ) {
        throw new InvalidResponseError(
          `the ledger's answer to ${path} is not a transaction status`,
          {
            status,
          },
        );
      }
      return { id, status: answer.status, height: answer.height as number | undefined };
    },
    async seedNodes(options = {}) {
      const { status, body } = await call('/json_rpc', {
        ...options,
        method: 'POST',
        body: {
          jsonrpc: '2.0',
          id: 1,
          method: 'get_n_service_nodes',
          params: { active_only: options.activeOnly ?? true },
        },
      });
      if (status !== 200) {
        throw new UpstreamFailedError(`the ledger answered ${status} to /json_rpc`, { status });
      }
      return checkSchema(seedChecker, body, 'seed answer', { as: 'response' });
    },
    stop() {
      source.stop();
    },
  };
}
