/**
 * {@link evmLedgerView}: the devnet ledger's read API (`GET /state`, `/health`, `/wallet`,
 * `/node`) answered from an {@link EvmLedgerSource}, with the same answer shapes
 * (`encodeStateResponse`, …) as the devnet ledger's HTTP server. Tools written against the
 * devnet ledger's client (the devnet launcher's readiness waits and status) read an EVM ledger
 * through it. Each read first runs a round of the source, so it sees the chain as of the call.
 * What only a devnet ledger does (faucet, ordered state changes, transaction status) is refused
 * with an {@link EvmLedgerError} of kind `unsupported`.
 */
import type { AbortOptions } from '@murmur/wire';
import {
  encodeNodeResponse,
  encodeStateResponse,
  encodeWalletResponse,
  type HealthResponse,
  type NodeResponse,
  type StateResponse,
  type TransactionStatusResponse,
  type WalletResponse,
} from '../ledger-api.js';
import { nextNonce } from '../queries.js';
import type { GenesisConfig, RegistryState, TransactionResult } from '../types.js';
import { EvmLedgerError, type EvmLedgerSource } from './evm-ledger-source.js';
import { evmWalletAddress } from './translate.js';

/** The read routes of the devnet ledger's client, over an EVM ledger source. */
export interface EvmLedgerView {
  getGenesis(options?: AbortOptions): Promise<GenesisConfig>;
  getState(options?: AbortOptions & { activeOnly?: boolean }): Promise<StateResponse>;
  getHealth(options?: AbortOptions): Promise<HealthResponse>;
  /** A registry wallet (64 hex), or an EVM address (`0x…`, turned into its registry wallet). */
  getWallet(address: string, options?: AbortOptions): Promise<WalletResponse>;
  getNode(key: string, options?: AbortOptions): Promise<NodeResponse | undefined>;
  /** Refused: the chain's own receipts say whether a transaction is in. */
  getTransactionStatus(id: string, options?: AbortOptions): Promise<TransactionStatusResponse>;
  /** Refused: stake tokens come from the token's owner on an EVM chain. */
  requestFaucet(
    address: string,
    amount: bigint,
    options?: AbortOptions,
  ): Promise<TransactionResult>;
  /** Refused: on an EVM chain only a quorum of nodes removes a node. */
  requestStateChange(
    node: string,
    change: string,
    reason?: string,
    options?: AbortOptions,
  ): Promise<TransactionResult>;
  /** Refused (the source's answer): stake through the contract. */
  submitTransaction: EvmLedgerSource['submitTransaction'];
}

/** The devnet ledger's read API over `source` (see the module comment). */
export function evmLedgerView(source: EvmLedgerSource): EvmLedgerView {
  async function fresh(options: AbortOptions = {}): Promise<RegistryState> {
    await source.sync(options);
    const state = source.state;
    if (state === undefined) {
      throw new EvmLedgerError('rpc-failed', 'the chain has not been read yet');
    }
    return state;
  }
  const unsupported = (what: string, instead: string) =>
    Promise.reject(
      new EvmLedgerError('unsupported', `${what} is a devnet ledger route: ${instead}`),
    );
  return {
    getGenesis: (options = {}) => source.getGenesis(options),
    async getState(options = {}) {
      return encodeStateResponse(await fresh(options), {
        ...(options.activeOnly === undefined ? {} : { activeOnly: options.activeOnly }),
      });
    },
    async getHealth(options = {}) {
      const state = await fresh(options);
      return { status: 'ok', chainId: state.chainId, height: state.height };
    },
    async getWallet(address, options = {}) {
      const state = await fresh(options);
      const wallet = address.startsWith('0x') ? evmWalletAddress(address) : address;
      return encodeWalletResponse(state, wallet, nextNonce(state, wallet));
    },
    async getNode(key, options = {}) {
      return encodeNodeResponse(await fresh(options), key);
    },
    getTransactionStatus: () =>
      unsupported('GET /tx/:id', 'wait for the EVM transaction receipt instead'),
    requestFaucet: () =>
      unsupported('POST /faucet', "mint stake tokens with the token owner's key instead"),
    requestStateChange: () =>
      unsupported(
        'POST /state-change',
        'two thirds of the active nodes sign a deregistration (the uptime quorum) instead',
      ),
    submitTransaction: (tx, options) => source.submitTransaction(tx, options),
  };
}
