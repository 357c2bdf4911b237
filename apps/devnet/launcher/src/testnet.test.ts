import { existsSync } from 'node:fs';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { loadNodeKeyFile } from '@murmur/registry/key-files';
import { InvalidInputError } from '@murmur/wire';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Context } from './context.js';
import { UnknownProcessError } from './errors.js';
import { stakeNodes } from './staking/stakes.js';
import { manifestNode, tempDir, testContext, writeNodeKeyFile } from './test-support/context.js';
import {
  type MemoryLedgerClient,
  memoryLedgerClient,
} from './test-support/memory-ledger-client.js';
import { TestnetInstance } from './testnet.js';

let crypto: MurmurCrypto;
let folder: ReturnType<typeof tempDir>;
let chain: MemoryLedgerClient;
let context: Context;
let testnet: TestnetInstance;

beforeAll(async () => {
  crypto = await loadCrypto();
});
beforeEach(() => {
  folder = tempDir('testnet-instance');
  chain = memoryLedgerClient(crypto);
  const nodes = [1, 2].map((index) =>
    manifestNode(index, { storagePort: 32_000 + 2 * index, relayPort: 32_001 + 2 * index }),
  );
  context = testContext(folder.dir, crypto, chain.client, {
    manifest: { ledgerPort: 32_000, chainId: chain.genesis.chainId, nodes },
  });
  for (const node of nodes) {
    writeNodeKeyFile(crypto, context.layout.nodeDir(node.name));
    const keys = loadNodeKeyFile(crypto, context.layout.nodeDir(node.name));
    node.ed25519 = keys.ed25519Hex;
    node.x25519 = keys.x25519Hex;
  }
  testnet = new TestnetInstance(context, { ledger: 5 });
});
afterEach(async () => {
  await testnet.stop();
  folder.remove();
});

describe('the Testnet views', () => {
  it('shows the ledger and the nodes from the manifest, none running', () => {
    expect(testnet.ledgerUrl).toBe('http://127.0.0.1:32000');
    expect(testnet.seedUrl).toBe('http://127.0.0.1:32000/json_rpc');
    expect(testnet.chainId).toBe(chain.genesis.chainId);
    expect(testnet.timings).toEqual({ ledger: 5 });
    expect(testnet.nodes.map((node) => [node.name, node.url, node.running])).toEqual([
      ['node-01', 'https://127.0.0.1:32002', false],
      ['node-02', 'https://127.0.0.1:32004', false],
    ]);
    const description = testnet.describe();
    expect(description.feedUrl).toBe('ws://127.0.0.1:32000/feed');
    expect(description.ledger.running).toBe(false);
    expect(description.nodes[1]).toMatchObject({
      name: 'node-02',
      ed25519: context.manifest.nodes[1]?.ed25519,
      dataDir: context.layout.nodeDir('node-02'),
      operatorWallet: context.layout.operatorWallet('node-02'),
      running: false,
    });
  });

  it('refuses names it does not know, listing those it does', async () => {
    expect(() => testnet.node('node-09')).toThrow(UnknownProcessError);
    await expect(testnet.kill('node-09')).rejects.toThrow(UnknownProcessError);
    await expect(testnet.startNode('relay-1')).rejects.toThrow(
      'no process named "relay-1" in this testnet (known: ledger, node-01, node-02)',
    );
  });
});

describe('the Testnet ledger operations', () => {
  it('funds a wallet from the faucet and waits for the block', async () => {
    const wallet = await testnet.createWallet();
    const id = await testnet.faucet(wallet.address, 7n);
    chain.ledger.produceBlock();
    expect(await testnet.waitForTransaction(id)).toBe(1);
    expect((await chain.client.getWallet(wallet.address)).balance).toBe('7');
  });

  it("finds a node's registry record and operator once it is staked", async () => {
    expect(await testnet.registryNode('node-01')).toBeUndefined();
    const operators = await stakeNodes(context, context.manifest.nodes, chain.genesis, undefined);
    for (const [name, address] of operators) testnet.setOperator(name, address);
    chain.ledger.produceBlock();
    chain.ledger.produceBlock();
    const record = await testnet.registryNode('node-01');
    expect(record?.status).toBe('active');
    expect(record?.operator).toBe(testnet.node('node-01').operator);
    const id = await testnet.stateChange('node-02', 'decommission', { reason: 'drill' });
    chain.ledger.produceBlock();
    expect(await testnet.waitForTransaction(id)).toBe(3);
    expect((await testnet.registryNode('node-02'))?.status).toBe('decommissioned');
  });

  it('names new wallets in turn, keeps given names and refuses bad ones', async () => {
    const first = await testnet.createWallet();
    const second = await testnet.createWallet();
    const named = await testnet.createWallet({ name: 'alice' });
    expect([first.file, second.file, named.file]).toEqual([
      `${context.layout.walletsDir}/wallet-1.json`,
      `${context.layout.walletsDir}/wallet-2.json`,
      `${context.layout.walletsDir}/alice.json`,
    ]);
    expect(existsSync(named.file)).toBe(true);
    await expect(testnet.createWallet({ name: '../escape' })).rejects.toThrow(InvalidInputError);
  });
});
