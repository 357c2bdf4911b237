/**
 * The EVM ledger source on a real anvil: derivation through the registry follower, confirmation
 * depth, a reorg (snapshot/revert, then other blocks), resume from a checkpoint, RPC failures
 * retried, reconciliation against the contract, and registrations whose binding fails.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, InvalidInputError } from '@murmur/wire';
import { createPublicClient, custom, type Hex, http, type PublicClient } from 'viem';
import { foundry } from 'viem/chains';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRegistryFollower, type RegistryFollower } from '../follower.js';
import { activeNodes, getNode } from '../queries.js';
import { testCrypto } from '../test-support/chain.js';
import { COIN, EvmTestChain } from '../test-support/evm.js';
import type { EvmLedgerError, EvmLedgerSource, EvmLedgerSourceInit } from './evm-ledger-source.js';
import { evmWalletAddress } from './translate.js';

let crypto: MurmurCrypto;
let chain: EvmTestChain;
let snapshot: Hex;
const running: { stop(): unknown }[] = [];

beforeAll(async () => {
  crypto = await testCrypto();
  chain = await EvmTestChain.start(crypto);
  // Fund the actors once, before the snapshot every test starts from.
  for (const name of ['op', 'a', 'b', 'c', 'x']) await chain.wallet(name);
  snapshot = await chain.test.snapshot();
});
afterAll(async () => {
  await chain?.stop();
});
beforeEach(async () => {
  await chain.test.revert({ id: snapshot });
  snapshot = await chain.test.snapshot();
  chain.nodeIds.clear();
});
afterEach(async () => {
  for (const item of running.splice(0)) await item.stop();
});

function source(init: Partial<EvmLedgerSourceInit> = {}): EvmLedgerSource {
  const created = chain.ledgerSource({
    pollIntervalMs: 50,
    retry: { initialDelayMs: 10, maxDelayMs: 40 },
    ...init,
  });
  running.push(created);
  return created;
}

function follower(from: EvmLedgerSource): RegistryFollower {
  // No applyOptions: the source says it derives its blocks (as a client's directory relies on).
  const created = createRegistryFollower({ source: from, pollIntervalMs: 50 }, { crypto });
  running.push(created);
  return created;
}

const key = (name: string) => bytesToHex(chain.nodeKey(name).pair.publicKey);

describe('EvmLedgerSource', () => {
  it('derives registration, pooling, activation and the address for the registry follower', async () => {
    await chain.register('op', 'n1', 25n * COIN, {
      fee: 1_000,
      ipv4: 0x0a000001,
      storagePort: 1_234,
      relayPort: 1_235,
    });
    await chain.contribute('a', 'n1', 25n * COIN);
    await chain.contribute('b', 'n1', 50n * COIN);
    const evm = source();
    const view = follower(evm);
    await evm.sync();
    view.start();
    await view.ready;
    const node = view.getNode(key('n1'));
    expect(node).toMatchObject({
      status: 'active',
      operator: evmWalletAddress(await chain.walletAddress('op')),
      feeBasisPoints: 1_000,
      stake: 100n * COIN,
      ip: '10.0.0.1',
      storagePort: 1_234,
      relayPort: 1_235,
      swarmId: 0n,
    });
    expect(node?.contributions.map((entry) => entry.amount)).toEqual([
      25n * COIN,
      25n * COIN,
      50n * COIN,
    ]);
    expect(node?.x25519).toBe(
      bytesToHex(crypto.ed25519PublicKeyToX25519(chain.nodeKey('n1').pair.publicKey)),
    );
    expect(view.state?.chainId).toBe(`evm-${chain.chainId}-${chain.staking.toLowerCase()}`);
    expect(await evm.reconcile()).toBe(true);
  });

  it('ignores a registration whose Ed25519 signature does not bind the attestation key, and what follows it', async () => {
    await chain.register('op', 'bad', 100n * COIN, { badBinding: true });
    await chain.register('op', 'good', 25n * COIN);
    await chain.contribute('a', 'good', 75n * COIN);
    const evm = source();
    const errors: EvmLedgerError[] = [];
    evm.on('error', (error) => errors.push(error));
    await evm.sync();
    const state = evm.state;
    if (state === undefined) throw new Error('no state');
    expect(getNode(state, key('bad'))).toBeUndefined();
    expect(getNode(state, key('good'))?.status).toBe('active');
    expect(errors.map((error) => [error.kind, (error.details as { note?: string }).note])).toEqual([
      ['event-ignored', 'ignored-registration'],
    ]);
    // The contract lists the ignored node; reconciliation leaves it out too.
    expect(await evm.reconcile()).toBe(true);
  });

  it('reads only blocks `confirmations` deep', async () => {
    const evm = source({ confirmations: 2 });
    await chain.register('op', 'n1', 100n * COIN);
    await evm.sync();
    expect(evm.state?.nodes.size).toBe(0);
    await chain.test.mine({ blocks: 2 });
    await evm.sync();
    expect(evm.state && getNode(evm.state, key('n1'))?.status).toBe('active');
  });

  it('a reorg (snapshot, revert, other blocks) ends in the new branch, for the source and its follower', async () => {
    // keptStates 1: the branch point's state is not kept and is replayed from genesis.
    const evm = source({ keptStates: 1 });
    const view = follower(evm);
    const reorgs: unknown[] = [];
    evm.on('reorg', (event) => reorgs.push(event));
    const followerReorgs: { from: number; to: number }[] = [];
    view.on('reorg', (event) => followerReorgs.push(event));
    view.start();
    await chain.register('op', 'n1', 100n * COIN);
    const fork = await chain.test.snapshot();
    await chain.register('op', 'n2', 100n * COIN);
    await chain.register('op', 'n3', 25n * COIN);
    await evm.sync();
    await view.sync();
    expect(
      activeNodes(view.state as never)
        .map((node) => node.ed25519)
        .sort(),
    ).toEqual([key('n1'), key('n2')].sort());
    const oldHeight = view.height;
    // The other branch: n2 never registered; n4 registers instead, two blocks later.
    await chain.test.revert({ id: fork });
    chain.nodeIds.delete('n2');
    chain.nodeIds.delete('n3');
    await chain.test.mine({ blocks: 2 });
    await chain.register('op', 'n4', 100n * COIN);
    await evm.sync();
    expect(reorgs).toHaveLength(1);
    await view.sync();
    expect(followerReorgs).toEqual([{ from: oldHeight, to: 1 }]);
    expect(
      activeNodes(view.state as never)
        .map((node) => node.ed25519)
        .sort(),
    ).toEqual([key('n1'), key('n4')].sort());
    expect(view.getNode(key('n3'))).toBeUndefined();
    expect(view.state?.hash).toBe(evm.state?.hash);
    expect(await evm.reconcile()).toBe(true);
  });

  it('a reorg that drops an exit, a deregistration and a requirement change ends where a fresh follower of the new branch ends', async () => {
    const evm = source();
    const view = follower(evm);
    view.start();
    for (const name of ['n1', 'n2', 'n3', 'n4']) await chain.register('op', name, 100n * COIN);
    await chain.advance(400);
    await evm.sync();
    const fork = await chain.test.snapshot();
    // The branch that will vanish: an exit (two registry blocks from one EVM block), a removal
    // by the quorum and a requirement change.
    await chain.requestExit('op', 'n1');
    await chain.advance(700);
    await chain.exit('x', 'n1');
    await chain.deregister('x', 'n2', ['n3', 'n4']);
    await chain.setRequirement(300n * COIN);
    await evm.sync();
    await view.sync();
    expect(view.state?.params.stakingRequirement).toBe(300n * COIN);
    expect(
      activeNodes(view.state as never)
        .map((node) => node.ed25519)
        .sort(),
    ).toEqual([key('n3'), key('n4')].sort());
    // The branch that stays: n3 asks to exit, a new node registers, more blocks.
    await chain.test.revert({ id: fork });
    await chain.test.mine({ blocks: 3 });
    await chain.requestExit('op', 'n3');
    await chain.register('op', 'n5', 100n * COIN);
    await evm.sync();
    await view.sync();
    const fresh = source();
    await fresh.sync();
    expect(evm.state?.hash).toBe(fresh.state?.hash);
    expect(view.state?.hash).toBe(fresh.state?.hash);
    expect(view.state?.params.stakingRequirement).toBe(100n * COIN);
    expect(
      activeNodes(view.state as never)
        .map((node) => node.ed25519)
        .sort(),
    ).toEqual([key('n1'), key('n2'), key('n3'), key('n4'), key('n5')].sort());
    expect(view.getNode(key('n3'))?.requestedUnlockHeight).toBe(0);
    expect(await evm.reconcile()).toBe(true);
  });

  it('resumes from its checkpoint after a restart and goes on deriving', async () => {
    let saved: unknown;
    const store = {
      load: () => saved,
      save: (data: unknown) => {
        saved = data;
      },
    };
    await chain.register('op', 'n1', 25n * COIN);
    const first = source({ checkpoint: store });
    await first.sync();
    await first.stop();
    const before = first.state;
    await chain.contribute('a', 'n1', 75n * COIN);
    // A client that counts the logs requests: the restart reads only the new range.
    const ranges: { fromBlock: string; toBlock: string }[] = [];
    const transport = http(chain.anvil.url, { retryCount: 0 });
    const counting = createPublicClient({
      chain: foundry,
      transport: custom(
        {
          async request({ method, params }) {
            if (method === 'eth_getLogs')
              ranges.push((params as [{ fromBlock: string; toBlock: string }])[0]);
            return transport({ chain: foundry }).request({ method, params } as never);
          },
        },
        { retryCount: 0 },
      ),
    });
    const second = source({ checkpoint: store, client: counting as PublicClient, keptStates: 1 });
    const genesis = await second.getGenesis();
    expect(genesis.chainId).toBe(before?.chainId);
    expect(second.state?.hash).toBe(before?.hash);
    await second.sync();
    expect(BigInt(ranges[0]?.fromBlock ?? '0')).toBe((first.scanned?.number ?? 0n) + 1n);
    expect(second.state && getNode(second.state, key('n1'))?.status).toBe('active');
    // The same blocks as a source that derives everything from the deployment block.
    const fresh = source();
    await fresh.sync();
    expect(fresh.state?.hash).toBe(second.state?.hash);
  });

  it('refuses a damaged checkpoint, naming the field, and derives from the deployment block', async () => {
    let saved: unknown;
    const store = {
      load: () => saved,
      save: (data: unknown) => {
        saved = data;
      },
    };
    await chain.register('op', 'n1', 25n * COIN);
    const first = source({ checkpoint: store });
    await first.sync();
    await first.stop();
    const damaged = JSON.parse(JSON.stringify(saved)) as { scanned: { number: unknown } };
    damaged.scanned.number = 'soon';
    saved = damaged;
    const second = source({ checkpoint: store });
    const errors: EvmLedgerError[] = [];
    second.on('error', (error) => errors.push(error));
    await second.sync();
    const refused = errors.find((error) => error.message.includes('checkpoint does not apply'));
    const cause = refused?.cause as InvalidInputError | undefined;
    expect(cause).toBeInstanceOf(InvalidInputError);
    expect(cause?.message).toBe('evm checkpoint: `scanned.number` must be a decimal integer');
    expect(cause?.details).toEqual({ field: 'scanned.number' });
    expect(second.state?.hash).toBe(first.state?.hash);
  });

  it('retries failed RPC calls with back-off and reports each failure', async () => {
    await chain.register('op', 'n1', 100n * COIN);
    let failures = 3;
    const transport = http(chain.anvil.url, { retryCount: 0 });
    const flaky = createPublicClient({
      chain: foundry,
      transport: custom(
        {
          async request({ method, params }) {
            if (method === 'eth_getLogs' && failures > 0) {
              failures--;
              throw new Error('connection reset');
            }
            return transport({ chain: foundry }).request({ method, params } as never);
          },
        },
        { retryCount: 0 },
      ),
    });
    const evm = source({ client: flaky as PublicClient });
    const errors: EvmLedgerError[] = [];
    evm.on('error', (error) => errors.push(error));
    await evm.sync();
    expect(
      errors.map((error) => [
        error.kind,
        error.code,
        (error.details as { attempt?: number }).attempt,
        (error.details as { delayMs?: number }).delayMs,
      ]),
    ).toEqual([
      ['rpc-failed', 'UPSTREAM_FAILED', 1, 10],
      ['rpc-failed', 'UPSTREAM_FAILED', 2, 20],
      ['rpc-failed', 'UPSTREAM_FAILED', 3, 40],
    ]);
    expect(evm.rpcErrors).toBe(3);
    expect(evm.state && getNode(evm.state, key('n1'))?.status).toBe('active');
  });

  it('reads long ranges in windows of maxBlockRange and derives the same chain', async () => {
    await chain.register('op', 'n1', 25n * COIN);
    await chain.test.mine({ blocks: 7 });
    await chain.contribute('a', 'n1', 75n * COIN);
    await chain.test.mine({ blocks: 5 });
    await chain.register('op', 'n2', 100n * COIN);
    const windows: unknown[] = [];
    const transport = http(chain.anvil.url, { retryCount: 0 });
    const counting = createPublicClient({
      chain: foundry,
      transport: custom(
        {
          async request({ method, params }) {
            if (method === 'eth_getLogs') windows.push(params);
            return transport({ chain: foundry }).request({ method, params } as never);
          },
        },
        { retryCount: 0 },
      ),
    });
    const windowed = source({ client: counting as PublicClient, maxBlockRange: 3 });
    const whole = source();
    await windowed.sync();
    await whole.sync();
    const head = await chain.client.getBlockNumber({ cacheTime: 0 });
    expect(windows.length).toBe(Math.ceil(Number(head - chain.deploymentBlock) / 3));
    expect(windowed.state?.hash).toBe(whole.state?.hash);
    expect(windowed.state && getNode(windowed.state, key('n2'))?.status).toBe('active');
  });

  it('refuses registry transactions: staking goes through the contract', async () => {
    const evm = source();
    await expect(evm.submitTransaction({} as never)).rejects.toMatchObject({
      kind: 'unsupported',
      code: 'UNSUPPORTED',
    });
  });
});
