import type { MurmurCrypto } from '@murmur/crypto';
import { OverloadedError } from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeStateResponse } from './ledger-api.js';
import { createMemoryLedger } from './memory-ledger.js';
import {
  activeNodes,
  checkStateInvariants,
  listNodes,
  listWallets,
  nextNonce,
  nodeHistory,
  stateDigest,
  swarms,
  walletInfo,
} from './queries.js';
import { COIN, TestChain, testCrypto } from './test-support/chain.js';
import type { RegistryState, WalletState } from './types.js';

let crypto: MurmurCrypto;
let chain: TestChain;
beforeAll(async () => {
  crypto = await testCrypto();
  chain = new TestChain(crypto, {
    allocations: { op: 300n * COIN, a: 100n * COIN },
    params: { uptimeProofValidityMs: 10_000_000 },
  });
  chain.block([
    chain.register('n1', 'op', 100n * COIN, { nonce: 1 }),
    chain.register('n2', 'op', 25n * COIN, { nonce: 2, reserved: { a: 30n * COIN } }),
    chain.register('n3', 'op', 100n * COIN, { nonce: 3 }),
  ]);
  chain.block([chain.proof('n1'), chain.stateChange('n3', 'decommission', 'test')]);
});

describe('queries', () => {
  it('list nodes by status, operator, contributor and address', () => {
    const key = (name: string) => chain.address(name);
    expect(activeNodes(chain.state).map((node) => node.ed25519)).toEqual([key('n1')]);
    expect(listNodes(chain.state)).toHaveLength(3);
    expect(
      listNodes(chain.state, { status: ['awaiting-contributions', 'decommissioned'] })
        .map((node) => node.ed25519)
        .sort(),
    ).toEqual([key('n2'), key('n3')].sort());
    expect(listNodes(chain.state, { contributor: key('a') }).map((node) => node.ed25519)).toEqual([
      key('n2'),
    ]);
    expect(listNodes(chain.state, { operator: key('a') })).toEqual([]);
    expect(listNodes(chain.state, { withAddress: true }).map((node) => node.ed25519)).toEqual([
      key('n1'),
    ]);
    const sorted = listNodes(chain.state).map((node) => node.ed25519);
    expect(sorted).toEqual([...sorted].sort());
  });

  it('answer for wallets and nodes never seen', () => {
    expect(walletInfo(chain.state, 'ff'.repeat(32))).toEqual({
      address: 'ff'.repeat(32),
      balance: 0n,
      nonce: 0,
      locked: 0n,
      lockedEntries: [],
    });
    expect(nextNonce(chain.state, 'ff'.repeat(32))).toBe(1);
    expect(nodeHistory(chain.state, 'ff'.repeat(32))).toEqual([]);
    expect(listWallets(chain.state).map((wallet) => wallet.address)).toEqual(
      [...chain.state.wallets.keys()].sort(),
    );
    expect(swarms(new TestChain(crypto).state)).toEqual(new Map());
  });

  it('encode the GET /state answer', () => {
    const answer = encodeStateResponse(chain.state);
    expect(answer).toMatchObject({ chainId: chain.chainId, height: 2, hash: chain.state.hash });
    expect(answer.nodes).toHaveLength(3);
    const n3 = answer.nodes.find((node) => node.ed25519 === chain.address('n3'));
    expect(n3).toMatchObject({
      status: 'decommissioned',
      swarmId: 'ffffffffffffffff',
      decommissionedBy: 'authority',
      stake: '100000000000',
    });
    expect(n3?.ip).toBeUndefined();
    expect(answer.swarms).toEqual([{ id: '0000000000000000', members: [chain.address('n1')] }]);
    expect(encodeStateResponse(chain.state, { activeOnly: true }).nodes).toHaveLength(1);
    expect(answer.wallets.find((wallet) => wallet.address === chain.address('op'))).toEqual({
      address: chain.address('op'),
      balance: (300n * COIN - 225n * COIN + chain.state.supply.rewards).toString(),
      locked: (225n * COIN).toString(),
      nonce: 3,
    });
  });

  it('the invariant check catches a broken state, and the digest sees any change', () => {
    expect(checkStateInvariants(chain.state)).toEqual([]);
    const draft = chain.state.wallets.draft();
    const op = chain.state.wallets.get(chain.address('op')) as WalletState;
    draft.set(chain.address('op'), { ...op, balance: op.balance + 1n });
    const broken: RegistryState = { ...chain.state, wallets: draft.commit() };
    expect(checkStateInvariants(broken)).toEqual([expect.stringContaining('supply not conserved')]);
    expect(stateDigest(broken, crypto)).not.toBe(stateDigest(chain.state, crypto));
    const nodes = chain.state.nodes.draft();
    nodes.delete(chain.address('n1'));
    expect(checkStateInvariants({ ...chain.state, nodes: nodes.commit() })).toContain(
      `swarm member ${chain.address('n1')} is not registered`,
    );
  });

  it('a full mempool refuses more, as overloaded', () => {
    const ledger = createMemoryLedger({ genesis: chain.genesis, maxMempoolSize: 1 }, { crypto });
    expect(ledger.submit(chain.transfer('a', 'b', COIN, 1))).toMatchObject({ accepted: true });
    expect(() => ledger.submit(chain.transfer('a', 'b', COIN, 2))).toThrow(OverloadedError);
  });
});
