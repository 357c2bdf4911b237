/**
 * Quorum deregistration kept with the nodes, on a real anvil: four registered nodes test each
 * other with signed uptime challenges; a node that stops answering is judged failed by the
 * others, who sign the decision with their attestation keys, and the first in rank submits it
 * through the contract. A minority that sees a node failing cannot remove it; a node refuses to
 * sign for a node its own tests show alive. The transport between the participants is a direct
 * call (the service node's e2e test runs it over HTTPS).
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { bytesToHex } from '@murmur/wire';
import { parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeNodes, nodeHistory } from '../queries.js';
import { COIN, testCrypto } from '../test-support/chain.js';
import { EvmTestChain } from '../test-support/evm.js';
import { attestationPrivateKey } from './attestation.js';
import type { EvmLedgerSource } from './evm-ledger-source.js';
import { contractQuorumChain } from './quorum.js';
import {
  createUptimeQuorum,
  type QuorumMember,
  QuorumRefusal,
  type UptimeQuorum,
} from './uptime-quorum.js';

const NODES = ['q1', 'q2', 'q3', 'q4'];
let crypto: MurmurCrypto;
let chain: EvmTestChain;
let source: EvmLedgerSource;
let now = 0;
/** Which links fail: `from→to` (a down node fails every link to it). */
const broken = new Set<string>();
const down = new Set<string>();
const quorums = new Map<string, UptimeQuorum>();
const keyOf = new Map<string, string>();
const nameOf = new Map<string, string>();

function members(): QuorumMember[] {
  const state = source.state;
  if (state === undefined) return [];
  return activeNodes(state).map((node) => ({
    ed25519: node.ed25519,
    ip: node.ip,
    storagePort: node.storagePort,
  }));
}

function participant(name: string): UptimeQuorum {
  const { pair, seed } = chain.nodeKey(name);
  const reachable = (member: QuorumMember) => {
    const to = nameOf.get(member.ed25519) as string;
    if (down.has(to) || broken.has(`${name}→${to}`)) throw new Error(`${to} does not answer`);
    return quorums.get(to) as UptimeQuorum;
  };
  return createUptimeQuorum(
    {
      identity: { chainId: chain.chainId, contract: chain.staking },
      keys: pair,
      failAfterMs: 60_000,
      minFailures: 2,
      proposeStaggerMs: 10_000,
    },
    {
      crypto,
      members,
      clock: { now: () => now },
      challenge: async (member, body) => reachable(member).answerChallenge(body),
      requestSignature: async (member, body) => reachable(member).signDecision(body),
      chain: contractQuorumChain({
        rpcUrl: chain.anvil.url,
        contract: chain.staking,
        privateKey: attestationPrivateKey(seed, crypto),
      }),
    },
  );
}

/** One round of every participant that is up, at `at` (ms). */
async function roundAt(at: number) {
  now = at;
  const results = [];
  for (const name of NODES) {
    if (down.has(name)) continue;
    results.push(...(await (quorums.get(name) as UptimeQuorum).round()));
  }
  return results;
}

beforeAll(async () => {
  crypto = await testCrypto();
  chain = await EvmTestChain.start(crypto);
  for (const [index, name] of NODES.entries()) {
    await chain.register('operator', name, 100n * COIN, { storagePort: 21_000 + index * 10 });
    const { seed, pair } = chain.nodeKey(name);
    keyOf.set(name, bytesToHex(pair.publicKey));
    nameOf.set(bytesToHex(pair.publicKey), name);
    // The attestation key submits: it needs gas.
    await chain.test.setBalance({
      address: privateKeyToAccount(attestationPrivateKey(seed, crypto)).address,
      value: parseEther('1'),
    });
  }
  source = chain.ledgerSource();
  await source.sync();
  for (const name of NODES) quorums.set(name, participant(name));
  // The contract removes no node younger than its minimum age.
  await chain.advance(400);
});

afterAll(async () => {
  for (const quorum of quorums.values()) await quorum.stop();
  await source?.stop();
  await chain?.stop();
});

describe('uptime quorum on the EVM ledger', () => {
  it('does not remove a node that only a minority sees failing', async () => {
    expect(
      members()
        .map((member) => nameOf.get(member.ed25519))
        .sort(),
    ).toEqual(NODES);
    const start = Number((await chain.client.getBlock()).timestamp) * 1_000;
    broken.add('q1→q4');
    let gathered = [];
    for (let step = 0; step <= 4; step++) gathered.push(...(await roundAt(start + step * 30_000)));
    // q1 judged q4 failed and asked; q2 and q3 refused (their tests pass): 1 of 3.
    expect(gathered.length).toBeGreaterThan(0);
    expect(gathered.every((result) => !result.submitted)).toBe(true);
    expect(gathered[0]).toMatchObject({ target: keyOf.get('q4'), signers: 1, required: 3 });
    expect(quorums.get('q1')?.judgesFailed(keyOf.get('q4') as string)).toBe(true);
    expect(quorums.get('q2')?.judgesFailed(keyOf.get('q4') as string)).toBe(false);
    // Asked directly, q2 refuses with a stable kind.
    const q4Id = chain.id('q4');
    const refusal = await quorums
      .get('q2')
      ?.signDecision({
        nodeId: q4Id.toString(),
        ed25519: keyOf.get('q4'),
        reason: 1,
        timestamp: Math.floor(now / 1_000),
      })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(QuorumRefusal);
    expect(refusal).toMatchObject({ code: 'QUORUM_REFUSED', status: 409, kind: 'not-failed' });
    await source.sync();
    expect(members()).toHaveLength(4);
    broken.clear();
    gathered = await roundAt(now + 30_000);
    expect(quorums.get('q1')?.judgesFailed(keyOf.get('q4') as string)).toBe(false);
  });

  it('removes a node that stops answering, on the signatures of two thirds', async () => {
    const start = Number((await chain.client.getBlock()).timestamp) * 1_000;
    down.add('q3');
    const gathered = [];
    for (let step = 0; step <= 3; step++) gathered.push(...(await roundAt(start + step * 30_000)));
    const submitted = gathered.filter((result) => result.submitted);
    // One submission (the first in rank); the others found the node gone or were not due.
    expect(submitted).toHaveLength(1);
    expect(submitted[0]).toMatchObject({ target: keyOf.get('q3'), signers: 3, required: 3 });
    await source.sync();
    const state = source.state;
    expect(
      members()
        .map((member) => nameOf.get(member.ed25519))
        .sort(),
    ).toEqual(['q1', 'q2', 'q4']);
    const history = nodeHistory(state as NonNullable<typeof state>, keyOf.get('q3') as string);
    // The derived chain releases the stake at once (the contract keeps the real lock).
    expect(history.map((event) => event.type)).toEqual([
      'registered',
      'activated',
      'deregistered',
      'stake-released',
    ]);
    expect(history.find((event) => event.type === 'deregistered')?.reason).toMatch(
      /quorum of 3 nodes/,
    );
    // The contract no longer lists it; a request about it is refused.
    const refusal = await quorums
      .get('q1')
      ?.signDecision({
        nodeId: chain.id('q3').toString(),
        ed25519: keyOf.get('q3'),
        reason: 1,
        timestamp: Math.floor(now / 1_000),
      })
      .catch((error: unknown) => error);
    expect((refusal as QuorumRefusal).kind).toBe('not-a-member');
  });

  it('refuses malformed and stale requests with clear errors', async () => {
    const q1 = quorums.get('q1') as UptimeQuorum;
    expect(() => q1.answerChallenge({ challenge: 'xyz' })).toThrow(/uptime challenge/);
    await expect(q1.signDecision({ nodeId: 'one' })).rejects.toThrow(/deregistration request/);
    const stale = await q1
      .signDecision({
        nodeId: chain.id('q2').toString(),
        ed25519: keyOf.get('q2'),
        reason: 1,
        timestamp: Math.floor(now / 1_000) - 3_600,
      })
      .catch((error: unknown) => error);
    expect((stale as QuorumRefusal).kind).toBe('stale-decision');
  });
});
