/**
 * @packageDocumentation
 * `@murmur/registry/ledger-http`: the devnet ledger's HTTP API. The route schemas shared by the
 * ledger server and its clients (one schema per message, checked on both sides), the encoders
 * the server answers with, {@link httpLedgerSource} (a `LedgerSource` over HTTP and the
 * `/feed` WebSocket) and the calls built on it ({@link fetchNextNonce},
 * {@link waitForTransaction}). Only devnet tools, service nodes and relays need it, so it lives
 * outside the main `@murmur/registry` entry.
 *
 * @example
 * ```ts
 * import { loadCrypto } from '@murmur/crypto';
 * import { createRegistryFollower } from '@murmur/registry';
 * import { httpLedgerSource } from '@murmur/registry/ledger-http';
 *
 * const crypto = await loadCrypto();
 * const source = httpLedgerSource({ url: 'http://127.0.0.1:38150' });
 * const follower = createRegistryFollower({ source }, { crypto });
 * await follower.start();
 * ```
 */
export {
  type HttpLedgerSource,
  type HttpLedgerSourceComponents,
  type HttpLedgerSourceInit,
  httpLedgerSource,
  type LedgerRoutes,
  type WebSocketConstructor,
  type WebSocketLike,
} from './http-ledger-source.js';
export {
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
  FeedMessageSchema,
  type HealthResponse,
  HealthResponseSchema,
  type JsonServiceNode,
  JsonServiceNodeSchema,
  NodeParamsSchema,
  type NodeResponse,
  NodeResponseSchema,
  type StateChangeRequest,
  StateChangeRequestSchema,
  StateQuerySchema,
  type StateResponse,
  StateResponseSchema,
  TransactionAcceptedResponseSchema,
  TransactionParamsSchema,
  type TransactionRejectedResponse,
  TransactionRejectedResponseSchema,
  type TransactionStatusResponse,
  TransactionStatusResponseSchema,
  type WalletResponse,
  WalletResponseSchema,
} from './ledger-api.js';
export {
  fetchNextNonce,
  type WaitForTransactionOptions,
  waitForTransaction,
} from './ledger-calls.js';
