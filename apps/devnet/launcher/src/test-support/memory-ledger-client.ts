/**
 * Tests only: the ledger routes a testnet uses ({@link LauncherLedger}) answered by the
 * registry's in-process ledger — the same rules, mempool and blocks as the devnet ledger, with
 * its faucet and state changes signed by the chain's authority — and blocks made by hand
 * (`ledger.produceBlock()`). Answers go through the registry's own JSON encoders, as the HTTP
 * ledger's do.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import {
  createFaucet,
  createMemoryLedger,
  createStateChange,
  devnetParams,
  type GenesisConfig,
  type MemoryLedger,
  nextNonce,
  type RegistryParams,
  transactionId,
} from '@murmur/registry';
import { encodeStateResponse, encodeWalletResponse } from '@murmur/registry/ledger-http';
import { bytesToHex } from '@murmur/wire';
import type { LauncherLedger } from '../context.js';

/** What {@link memoryLedgerClient} made. */
export interface MemoryLedgerClient {
  ledger: MemoryLedger;
  client: LauncherLedger;
  genesis: GenesisConfig;
}

/** A devnet chain in memory (faucet on), behind the routes a testnet calls. */
export function memoryLedgerClient(
  crypto: MurmurCrypto,
  options: { chainId?: string; params?: Partial<RegistryParams> } = {},
): MemoryLedgerClient {
  const chainId = options.chainId ?? 'murmur-launcher-test';
  const authority = crypto.ed25519KeyPairFromSeed(crypto.randomBytes(32));
  const authorityAddress = bytesToHex(authority.publicKey);
  const genesis: GenesisConfig = {
    chainId,
    params: { ...devnetParams, ...options.params },
    timestamp: Date.now() - 60_000,
    authority: authorityAddress,
    allocations: [],
  };
  const ledger = createMemoryLedger({ genesis }, { crypto });
  const included = (id: string): number | undefined => {
    for (const block of ledger.blocks) {
      if (block.transactions.some((tx) => transactionId(tx, crypto) === id)) return block.height;
    }
    return undefined;
  };
  const client: LauncherLedger = {
    getGenesis: async () => genesis,
    getState: async (query = {}) =>
      encodeStateResponse(
        ledger.state,
        query.activeOnly === undefined ? {} : { activeOnly: query.activeOnly },
      ),
    getHealth: async () => ({ status: 'ok', chainId, height: ledger.height }),
    getWallet: async (address) =>
      encodeWalletResponse(ledger.state, address, nextNonce(ledger.pendingState, address)),
    getTransactionStatus: async (id) => {
      const height = included(id);
      if (height !== undefined) return { id, status: 'included', height };
      const pending = ledger.mempool.some((tx) => transactionId(tx, crypto) === id);
      return { id, status: pending ? 'pending' : 'unknown' };
    },
    submitTransaction: async (tx) => ledger.submit(tx),
    requestFaucet: async (address, amount) =>
      ledger.submit(
        createFaucet(
          { chainId, to: address, amount, nonce: nextNonce(ledger.pendingState, authorityAddress) },
          authority,
          crypto,
        ),
      ),
    requestStateChange: async (node, change, reason = '') =>
      ledger.submit(
        createStateChange(
          {
            chainId,
            node,
            change,
            reason,
            nonce: nextNonce(ledger.pendingState, authorityAddress),
          },
          authority,
          crypto,
        ),
      ),
  };
  return { ledger, client, genesis };
}
