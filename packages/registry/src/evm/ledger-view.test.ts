/**
 * The devnet ledger's read API over an EVM ledger source, on a real anvil: the same answer
 * shapes (checked with the ledger API's schemas), EVM addresses as wallets, and clear refusals
 * of what only a devnet ledger does.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { checkSchema } from '@murmur/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthResponseSchema, StateResponseSchema, WalletResponseSchema } from '../ledger-api.js';
import { COIN, testCrypto } from '../test-support/chain.js';
import { EvmTestChain } from '../test-support/evm.js';
import { EvmLedgerError } from './evm-ledger-source.js';
import { evmLedgerView } from './ledger-view.js';
import { evmWalletAddress } from './translate.js';

let crypto: MurmurCrypto;
let chain: EvmTestChain;
beforeAll(async () => {
  crypto = await testCrypto();
  chain = await EvmTestChain.start(crypto);
});
afterAll(async () => {
  await chain?.stop();
});

describe('evmLedgerView', () => {
  it('answers the devnet ledger routes from the chain, and refuses the devnet-only ones', async () => {
    const source = chain.ledgerSource();
    const view = evmLedgerView(source);
    try {
      await chain.register('op', 'solo', 100n * COIN, { storagePort: 20_500 });
      await chain.register('op', 'pooled', 25n * COIN, { storagePort: 20_510 });
      // Each read sees the chain as of the call (no sync needed by the caller).
      const state = checkSchema(StateResponseSchema, await view.getState(), 'state');
      expect(state.chainId).toBe(`evm-${chain.chainId}-${chain.staking.toLowerCase()}`);
      const byKey = new Map(state.nodes.map((node) => [node.ed25519, node]));
      expect(byKey.get(chain.nodeKeyHex('solo'))).toMatchObject({
        status: 'active',
        ip: '127.0.0.1',
        storagePort: 20_500,
      });
      expect(byKey.get(chain.nodeKeyHex('pooled'))?.status).toBe('awaiting-contributions');
      expect(state.swarms.flatMap((swarm) => swarm.members)).toEqual([chain.nodeKeyHex('solo')]);
      const active = await view.getState({ activeOnly: true });
      expect(active.nodes.map((node) => node.ed25519)).toEqual([chain.nodeKeyHex('solo')]);

      const health = checkSchema(HealthResponseSchema, await view.getHealth(), 'health');
      expect(health.height).toBe(state.height);
      const operator = await chain.walletAddress('op');
      const wallet = checkSchema(WalletResponseSchema, await view.getWallet(operator), 'wallet');
      expect(wallet.address).toBe(evmWalletAddress(operator));
      expect(wallet.locked).toBe((125n * COIN).toString());
      expect((await view.getNode(chain.nodeKeyHex('pooled')))?.openRoom).toBe(
        (75n * COIN).toString(),
      );
      expect(await view.getNode('ab'.repeat(32))).toBeUndefined();

      for (const refused of [
        view.requestFaucet(wallet.address, 1n),
        view.requestStateChange(chain.nodeKeyHex('solo'), 'deregister'),
        view.getTransactionStatus('00'.repeat(32)),
      ]) {
        const error = await refused.catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(EvmLedgerError);
        expect((error as EvmLedgerError).kind).toBe('unsupported');
      }
    } finally {
      await source.stop();
    }
  });
});
