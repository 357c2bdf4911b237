import { existsSync } from 'node:fs';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { ATOMIC_UNITS_PER_COIN } from '@murmur/registry';
import { loadNodeKeyFile, loadWalletFile } from '@murmur/registry/key-files';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Context } from '../context.js';
import { TransactionRefusedError } from '../errors.js';
import type { ManifestNode } from '../manifest.js';
import { manifestNode, tempDir, testContext, writeNodeKeyFile } from '../test-support/context.js';
import {
  type MemoryLedgerClient,
  memoryLedgerClient,
} from '../test-support/memory-ledger-client.js';
import { acceptedId, fundStakes, prepareStakes, registerStakes, stakeNodes } from './stakes.js';
import { fundingFor } from './staking-plan.js';

let crypto: MurmurCrypto;
let folder: ReturnType<typeof tempDir>;
let chain: MemoryLedgerClient;
let context: Context;
let nodes: ManifestNode[];

beforeAll(async () => {
  crypto = await loadCrypto();
});
beforeEach(() => {
  folder = tempDir('testnet-stakes');
  chain = memoryLedgerClient(crypto);
  context = testContext(folder.dir, crypto, chain.client);
  // node-01 and node-02 solo, node-03 pooled (every third).
  nodes = [1, 2, 3].map((index) => {
    const node = manifestNode(index, {
      storagePort: 30_000 + 2 * index,
      relayPort: 30_001 + 2 * index,
    });
    node.pooled = index === 3;
    writeNodeKeyFile(crypto, context.layout.nodeDir(node.name));
    node.ed25519 = loadNodeKeyFile(crypto, context.layout.nodeDir(node.name)).ed25519Hex;
    return node;
  });
});
afterEach(() => {
  folder.remove();
});

describe('prepareStakes', () => {
  it('plans each node and creates its wallet files once (a resume loads the same wallets)', () => {
    const stakes = prepareStakes(context, nodes, chain.genesis);
    expect(stakes.map((entry) => entry.plan.pooled)).toEqual([false, false, true]);
    expect(stakes[2]?.contributors.length).toBeGreaterThanOrEqual(2);
    expect(existsSync(context.layout.operatorWallet('node-01'))).toBe(true);
    expect(existsSync(context.layout.contributorWallet('node-03', 1))).toBe(true);
    const again = prepareStakes(context, nodes, chain.genesis);
    expect(again.map((entry) => entry.operator.address)).toEqual(
      stakes.map((entry) => entry.operator.address),
    );
    expect(loadWalletFile(crypto, context.layout.operatorWallet('node-02')).address).toBe(
      stakes[1]?.operator.address,
    );
  });
});

describe('fundStakes and registerStakes', () => {
  it('funds every wallet, registers every node and fills the pooled one: all active after a block', async () => {
    const stakes = prepareStakes(context, nodes, chain.genesis);
    const funded: number[] = [];
    await fundStakes(context, stakes, (done) => funded.push(done), undefined);
    const wallets = 3 + (stakes[2]?.contributors.length ?? 0);
    expect(funded).toEqual(Array.from({ length: wallets }, (_value, i) => i + 1));
    chain.ledger.produceBlock();
    const wallet = await chain.client.getWallet(stakes[0]?.operator.address as string);
    expect(BigInt(wallet.balance)).toBe(
      fundingFor(stakes[0]?.plan.operatorStake as bigint, ATOMIC_UNITS_PER_COIN),
    );

    let submitted = 0;
    await registerStakes(context, stakes, chain.genesis.chainId, () => submitted++, undefined);
    expect(submitted).toBe(wallets);
    chain.ledger.produceBlock();
    const state = await chain.client.getState();
    for (const node of nodes) {
      const record = state.nodes.find((entry) => entry.ed25519 === node.ed25519);
      expect(record?.status).toBe('active');
      expect(record?.operator).toBe(stakes[node.index - 1]?.operator.address);
    }
    const pooled = state.nodes.find((entry) => entry.ed25519 === nodes[2]?.ed25519);
    expect(pooled?.contributors.length).toBe(1 + (stakes[2]?.contributors.length ?? 0));
  });

  it('stakeNodes does it all and resolves the operators by node name', async () => {
    const operators = await stakeNodes(context, nodes.slice(0, 1), chain.genesis, undefined);
    chain.ledger.produceBlock();
    chain.ledger.produceBlock();
    expect([...operators.keys()]).toEqual(['node-01']);
    const state = await chain.client.getState();
    expect(state.nodes.map((entry) => [entry.ed25519, entry.operator])).toEqual([
      [nodes[0]?.ed25519, operators.get('node-01')],
    ]);
  });

  it("stops at the ledger's refusal, naming what was refused and why", async () => {
    const stakes = prepareStakes(context, nodes.slice(0, 1), chain.genesis);
    // Not funded: the registration cannot lock a stake the wallet does not have.
    const error = await registerStakes(
      context,
      stakes,
      chain.genesis.chainId,
      () => undefined,
      undefined,
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransactionRefusedError);
    expect((error as Error).message).toContain('the ledger refused the registration of node-01');
  });
});

describe('acceptedId', () => {
  it('passes the ID of an accepted transaction and throws the reason of a refused one', () => {
    expect(acceptedId({ accepted: true, id: 'ab'.repeat(32) }, 'x')).toBe('ab'.repeat(32));
    const error = (() => {
      try {
        acceptedId(
          {
            accepted: false,
            id: 'cd'.repeat(32),
            reason: 'bad-nonce',
            message: 'nonce 3, expected 2',
          },
          'faucet 1 to w',
        );
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(TransactionRefusedError);
    expect((error as TransactionRefusedError).reason).toBe('bad-nonce');
    expect((error as Error).message).toBe(
      'the ledger refused the faucet 1 to w: bad-nonce: nonce 3, expected 2',
    );
  });
});
