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
import type { LedgerRoutes } from '../http-ledger-source.js';
import { encodeNodeResponse, encodeStateResponse, encodeWalletResponse } from '../ledger-api.js';
import { nextNonce } from '../queries.js';
import type { GenesisConfig, RegistryState } from '../types.js';
import { EvmLedgerError, type EvmLedgerSource } from './evm-ledger-source.js';
import { evmWalletAddress } from './translate.js';

/**
 * The devnet ledger's client routes over an EVM ledger source: the reads answer from the chain;
 * `getTransactionStatus` (the chain's own receipts say whether a transaction is in),
 * `requestFaucet` (stake tokens come from the token's owner) and `requestStateChange` (only a
 * quorum of nodes removes a node) are refused, and so is `submitTransaction` (the source's
 * answer: stake through the contract).
 */
export interface EvmLedgerView extends LedgerRoutes {
  getGenesis(options?: AbortOptions): Promise<GenesisConfig>;
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
