/** Quorum deregistration: nodes sign offline with their attestation keys, one submits. */

import { murmurStakingAbi } from '@murmur/contracts';
import type { MurmurCrypto } from '@murmur/crypto';
import { bytesToHex } from '@murmur/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getNode, nodeHistory } from '../queries.js';
import { testCrypto } from '../test-support/chain.js';
import { COIN, EvmTestChain } from '../test-support/evm.js';
import {
  attestationAddress,
  deregistrationDigest,
  REASON_FAILED_UPTIME,
  signDeregistration,
  submitDeregistration,
} from './quorum.js';

let crypto: MurmurCrypto;
let chain: EvmTestChain;
beforeAll(async () => {
  crypto = await testCrypto();
  chain = await EvmTestChain.start(crypto);
});
afterAll(async () => {
  await chain?.stop();
});

describe('quorum deregistration', () => {
  it('signs the digest the contract checks, and two thirds of the active nodes remove one', async () => {
    const names = ['q1', 'q2', 'q3', 'q4'];
    for (const name of names) await chain.register('op', name, 100n * COIN);
    await chain.advance(300);
    const target = 'q4';
    const decision = {
      chainId: chain.chainId,
      contract: chain.staking,
      nodeId: chain.id(target),
      ed25519: bytesToHex(chain.nodeKey(target).pair.publicKey),
      reason: REASON_FAILED_UPTIME,
      timestamp: (await chain.client.getBlock()).timestamp,
    };
    expect(deregistrationDigest(decision)).toBe(
      await chain.client.readContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'deregistrationDigest',
        args: [decision.nodeId, decision.reason, decision.timestamp],
      }),
    );
    const stored = await chain.client.readContract({
      address: chain.staking,
      abi: murmurStakingAbi,
      functionName: 'getNode',
      args: [chain.id('q1')],
    });
    expect(stored.attestation).toBe(attestationAddress(chain.nodeKey('q1').seed, crypto));
    // Signed in any order; the submitter sorts them.
    const signatures = await Promise.all(
      ['q3', 'q1', 'q2'].map((name) =>
        signDeregistration(
          decision,
          { nodeId: chain.id(name), seed: chain.nodeKey(name).seed },
          crypto,
        ),
      ),
    );
    await chain.wallet('submitter');
    const privateKey = chain.accountKey('submitter');
    await expect(
      submitDeregistration(
        { rpcUrl: chain.anvil.url, contract: chain.staking, privateKey },
        decision,
        signatures.slice(0, 2),
      ),
    ).rejects.toMatchObject({
      kind: 'transaction-refused',
      details: { error: 'InsufficientSigners' },
    });
    const receipt = await submitDeregistration(
      { rpcUrl: chain.anvil.url, contract: chain.staking, privateKey },
      decision,
      signatures,
    );
    expect(receipt.gasUsed).toBeGreaterThan(0n);
    const source = chain.ledgerSource();
    await source.sync();
    const state = source.state;
    if (state === undefined) throw new Error('no state');
    expect(getNode(state, decision.ed25519)).toBeUndefined();
    expect(nodeHistory(state, decision.ed25519).map((event) => event.type)).toContain(
      'deregistered',
    );
    expect(getNode(state, bytesToHex(chain.nodeKey('q1').pair.publicKey))?.status).toBe('active');
    await source.stop();
  });
});
