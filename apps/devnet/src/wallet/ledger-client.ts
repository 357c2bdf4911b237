/**
 * The wallet's view of a ledger over HTTP: the registry's `httpLedgerSource` for genesis, state
 * and transactions, plus the devnet routes (wallet, node, transaction status, faucet, state
 * change). Every answer is checked against its schema before use.
 */
import {
  type GenesisConfig,
  httpLedgerSource,
  type StateResponse,
  type Transaction,
  TransactionAcceptedResponseSchema,
  TransactionRejectedResponseSchema,
  type TransactionResult,
} from '@murmur/registry';
import {
  type AbortOptions,
  ForbiddenError,
  InvalidResponseError,
  type MurmurError,
  NotFoundError,
  RequestTimeoutError,
  UnsupportedError,
  UpstreamFailedError,
} from '@murmur/wire';
import type { TSchema } from 'typebox';
import {
  type NodeResponse,
  NodeResponseSchema,
  type TransactionStatusResponse,
  TransactionStatusResponseSchema,
  type WalletResponse,
  WalletResponseSchema,
} from '../ledger/api-schemas.js';
import { checkValue, compileChecker } from '../schema-check.js';

/** The default ledger URL (the ledger's default address and port). */
export const DEFAULT_LEDGER_URL = 'http://127.0.0.1:7070';

/** Options of {@link createLedgerClient}. */
export interface LedgerClientInit {
  /** Base URL of the ledger. */
  url: string;
  /** Timeout of each request, ms (default 10 s). */
  requestTimeoutMs?: number | undefined;
}

/** Components of {@link createLedgerClient}. */
export interface LedgerClientComponents {
  fetch?: typeof fetch | undefined;
}

/** The wallet's ledger client. */
export interface LedgerClient {
  readonly url: string;
  /** The chain's genesis configuration (fetched once). */
  genesis(options?: AbortOptions): Promise<GenesisConfig>;
  /** Submits a transaction; refusals are results, not errors. */
  submit(tx: Transaction, options?: AbortOptions): Promise<TransactionResult>;
  /** `GET /wallet/:address`. */
  wallet(address: string, options?: AbortOptions): Promise<WalletResponse>;
  /** `GET /node/:node`; `undefined` for a node never registered. */
  node(key: string, options?: AbortOptions): Promise<NodeResponse | undefined>;
  /** `GET /state`. */
  state(options?: AbortOptions & { activeOnly?: boolean }): Promise<StateResponse>;
  /** `GET /tx/:id`. */
  transactionStatus(id: string, options?: AbortOptions): Promise<TransactionStatusResponse>;
  /** `POST /faucet` (devnet ledgers, from this machine). */
  faucet(address: string, amount: bigint, options?: AbortOptions): Promise<TransactionResult>;
  /** `POST /state-change` (devnet ledgers, from this machine). */
  stateChange(
    node: string,
    change: 'decommission' | 'recommission' | 'deregister',
    reason: string,
    options?: AbortOptions,
  ): Promise<TransactionResult>;
  /**
   * Waits until transaction `id` is in a block and resolves its height.
   *
   * @throws `RequestTimeoutError` after `timeoutMs` (default 30 s); `NotFoundError` when the
   * ledger no longer knows it (dropped from the mempool because it stopped passing).
   */
  waitForInclusion(
    id: string,
    options?: AbortOptions & { timeoutMs?: number; pollMs?: number },
  ): Promise<number>;
}

const walletChecker = compileChecker(WalletResponseSchema);
const nodeChecker = compileChecker(NodeResponseSchema);
const statusChecker = compileChecker(TransactionStatusResponseSchema);
const acceptedChecker = compileChecker(TransactionAcceptedResponseSchema);
const rejectedChecker = compileChecker(TransactionRejectedResponseSchema);

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** A client of the ledger at `init.url`. */
export function createLedgerClient(
  init: LedgerClientInit,
  components: LedgerClientComponents = {},
): LedgerClient {
  const base = init.url.replace(/\/+$/, '');
  try {
    new URL(base);
  } catch (cause) {
    throw new UnsupportedError(`ledger URL ${JSON.stringify(init.url)} is not a URL`, { cause });
  }
  const fetchImpl = components.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = init.requestTimeoutMs ?? 10_000;
  const source = httpLedgerSource({ url: base, requestTimeoutMs: timeoutMs }, { fetch: fetchImpl });
  let genesis: Promise<GenesisConfig> | undefined;

  async function request(
    path: string,
    options: AbortOptions & { method?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: unknown }> {
    const signals = [AbortSignal.timeout(timeoutMs)];
    if (options.signal !== undefined) signals.push(options.signal);
    let response: Response;
    try {
      response = await fetchImpl(`${base}${path}`, {
        method: options.method ?? 'GET',
        headers:
          options.body === undefined
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json' },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: AbortSignal.any(signals),
      });
    } catch (cause) {
      if (options.signal?.aborted === true) throw cause;
      throw new UpstreamFailedError(`the ledger at ${base} could not be reached (${path})`, {
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

  function failure(status: number, path: string, body: unknown): MurmurError {
    const message =
      typeof body === 'object' &&
      body !== null &&
      typeof (body as { message?: unknown }).message === 'string'
        ? (body as { message: string }).message
        : `status ${status}`;
    if (status === 404) return new NotFoundError(`${path}: ${message}`);
    if (status === 403) return new ForbiddenError(`${path}: ${message}`);
    if (status >= 500) return new UpstreamFailedError(`${path}: ${message}`, { status });
    return new InvalidResponseError(`the ledger answered ${status} to ${path}: ${message}`, {
      status,
    });
  }

  async function getChecked<T extends TSchema>(
    path: string,
    checker: ReturnType<typeof compileChecker<T>>,
    what: string,
    options: AbortOptions = {},
  ) {
    const { status, body } = await request(path, options);
    if (status !== 200) throw failure(status, path, body);
    return checkValue(checker, body, what, { as: 'response' });
  }

  async function postTransaction(
    path: string,
    payload: unknown,
    options: AbortOptions,
  ): Promise<TransactionResult> {
    const { status, body } = await request(path, { ...options, method: 'POST', body: payload });
    if (status === 200) {
      const answer = checkValue(acceptedChecker, body, 'transaction answer', { as: 'response' });
      return { id: answer.id, accepted: true };
    }
    if (status === 400) {
      const answer = checkValue(rejectedChecker, body, 'transaction refusal', { as: 'response' });
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
      );
    }
    throw failure(status, path, body);
  }

  return {
    url: base,
    genesis(options = {}) {
      genesis ??= source.getGenesis(options).catch((error: unknown) => {
        genesis = undefined;
        throw error;
      });
      return genesis;
    },
    submit(tx, options = {}) {
      return source.submitTransaction(tx, options);
    },
    wallet(address, options = {}) {
      return getChecked(`/wallet/${address}`, walletChecker, 'wallet answer', options);
    },
    async node(key, options = {}) {
      const path = `/node/${key}`;
      const { status, body } = await request(path, options);
      if (status === 404) return undefined;
      if (status !== 200) throw failure(status, path, body);
      return checkValue(nodeChecker, body, 'node answer', { as: 'response' });
    },
    state(options = {}) {
      return source.getState(options);
    },
    transactionStatus(id, options = {}) {
      return getChecked(`/tx/${id}`, statusChecker, 'transaction status', options);
    },
    faucet(address, amount, options = {}) {
      return postTransaction('/faucet', { address, amount: amount.toString() }, options);
    },
    stateChange(node, change, reason, options = {}) {
      return postTransaction('/state-change', { node, change, reason }, options);
    },
    async waitForInclusion(id, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 30_000);
      const pollMs = options.pollMs ?? 200;
      for (;;) {
        const status = await this.transactionStatus(id, options);
        if (status.status === 'included') return status.height as number;
        if (status.status === 'unknown') {
          throw new NotFoundError(
            `transaction ${id} left the mempool without being included (it stopped passing the rules)`,
          );
        }
        if (Date.now() >= deadline) {
          throw new RequestTimeoutError(`transaction ${id} is still waiting for a block`);
        }
        await sleep(pollMs, options.signal);
      }
    },
  };
}
