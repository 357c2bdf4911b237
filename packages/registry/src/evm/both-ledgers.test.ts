/**
 * One scenario, two ledgers: the devnet ledger (an in-process `MemoryLedger`, transactions
 * signed by Ed25519 wallets) and the EVM ledger (Murmur's contract on a real anvil, followed by
 * `EvmLedgerSource`). The same actions — register, pool, activate, swarm formation, cancel,
 * exit, deregistration by the quorum, a staking requirement change, followers restarted
 * between actions and stopped while actions go on — must leave the registry
 * followers with the same nodes, stakes, addresses, histories and swarms.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryFollower, type RegistryFollower } from '../follower.js';
import { createMemoryLedger } from '../memory-ledger.js';
import { nodeHistory, swarms } from '../queries.js';
import { COIN, TestChain, testCrypto } from '../test-support/chain.js';
import { EvmTestChain } from '../test-support/evm.js';
import type { RegistryState } from '../types.js';
import type { EvmLedgerSource } from './evm-ledger-source.js';
import { evmWalletAddress } from './translate.js';

interface Address {
  ip: string;
  storagePort: number;
  relayPort: number;
}

/** What a scenario can do, on either ledger. */
interface LedgerDriver {
  register(
    operator: string,
    node: string,
    amount: bigint,
    fee: number,
    address: Address,
  ): Promise<void>;
  contribute(contributor: string, node: string, amount: bigint): Promise<void>;
  /** Before activation: a contributor takes its contribution back (the operator cancels). */
  withdraw(contributor: string, node: string): Promise<void>;
  /** Exit asked by `contributor`, completed after the ledger's delay. */
  exit(contributor: string, node: string): Promise<void>;
  /** The network's quorum (`signers`) removes `node` for failed uptime. */
  deregister(node: string, signers: readonly string[]): Promise<void>;
  /** The owner (the devnet's authority, the contract's owner) changes the requirement. */
  setRequirement(requirement: bigint): Promise<void>;
  /** Stops the follower; actions go on; {@link resumeFollower} starts a new one. */
  stopFollower(): Promise<void>;
  resumeFollower(): Promise<void>;
  /** The state of the node-side follower once it has everything so far. */
  settle(): Promise<RegistryState>;
  /** Stops the follower (and what feeds it) and starts a new one from where it can resume. */
  restartFollower(): Promise<void>;
  /** Actor name of a wallet or node key. */
  nameOf(key: string): string;
  stop(): Promise<void>;
}

const ACTORS = ['op1', 'op2', 'a', 'b', 'c', 'submitter'];
const NODES = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8'];

function names(pairs: [string, string][]): (key: string) => string {
  const map = new Map(pairs);
  return (key) => map.get(key) ?? `unknown:${key}`;
}

async function devnetDriver(crypto: MurmurCrypto): Promise<LedgerDriver> {
  const keys = new TestChain(crypto, {
    chainId: 'both-ledgers',
    // Uptime is judged by the nodes' quorum in this scenario on both ledgers.
    params: { uptimeProofValidityMs: 10 ** 12, requirePublicIp: false },
    allocations: Object.fromEntries(ACTORS.map((name) => [name, 1_000n * COIN])),
  });
  let now = keys.genesis.timestamp;
  const ledger = createMemoryLedger(
    { genesis: keys.genesis },
    { crypto, clock: { now: () => now } },
  );
  const params = ledger.state.params;
  const nonce = (name: string) => {
    const wallet = ledger.pendingState.wallets.get(keys.address(name));
    return (wallet?.nonce ?? 0) + 1;
  };
  const block = () => {
    now += params.blockTimeMs;
    ledger.produceBlock();
  };
  const submit = (tx: Parameters<typeof ledger.submit>[0]) => {
    const result = ledger.submit(tx);
    if (!result.accepted) throw new Error(`refused: ${result.reason} ${result.message}`);
  };
  let follower = createRegistryFollower({ source: ledger, pollIntervalMs: 50 }, { crypto });
  follower.start();
  const nameOf = names(
    [...ACTORS, ...NODES].map((name) => [keys.address(name), name] as [string, string]),
  );
  return {
    async register(operator, node, amount, fee, address) {
      submit(keys.register(node, operator, amount, { fee, nonce: nonce(operator) }));
      submit(keys.proof(node, { timestamp: now + params.blockTimeMs, ...address }));
      block();
    },
    async contribute(contributor, node, amount) {
      submit(keys.contribute(node, contributor, amount, nonce(contributor)));
      block();
    },
    async withdraw(contributor, node) {
      submit(keys.unlock(node, contributor, nonce(contributor)));
      block();
    },
    async exit(contributor, node) {
      submit(keys.unlock(node, contributor, nonce(contributor)));
      for (let i = 0; i <= params.unlockBlocks; i++) block();
    },
    async deregister(node) {
      // The devnet's authority stands in for the quorum.
      submit(keys.stateChange(node, 'deregister', 'failed uptime', nonce('authority')));
      block();
    },
    async setRequirement(requirement) {
      submit(keys.requirement(requirement, nonce('authority')));
      block();
    },
    async stopFollower() {
      follower.stop();
    },
    async resumeFollower() {
      follower = createRegistryFollower({ source: ledger, pollIntervalMs: 50 }, { crypto });
      follower.start();
      await follower.ready;
    },
    async settle() {
      await follower.sync();
      await follower.waitForHeight(ledger.state.height);
      return follower.state as RegistryState;
    },
    async restartFollower() {
      follower.stop();
      follower = createRegistryFollower({ source: ledger, pollIntervalMs: 50 }, { crypto });
      follower.start();
      await follower.ready;
    },
    nameOf,
    async stop() {
      follower.stop();
    },
  };
}

async function evmDriver(crypto: MurmurCrypto, chain: EvmTestChain): Promise<LedgerDriver> {
  let saved: unknown;
  const checkpoint = {
    load: () => saved,
    save: (data: unknown) => {
      saved = data;
    },
  };
  const start = () => {
    const source = chain.ledgerSource({ pollIntervalMs: 50, checkpoint });
    const follower = createRegistryFollower(
      { source, pollIntervalMs: 50, applyOptions: { verifySignatures: false } },
      { crypto },
    );
    source.start();
    follower.start();
    return { source, follower };
  };
  let running: { source: EvmLedgerSource; follower: RegistryFollower } = start();
  const pairs: [string, string][] = [];
  for (const name of ACTORS) pairs.push([evmWalletAddress(await chain.walletAddress(name)), name]);
  const keys = new TestChain(crypto);
  for (const name of NODES) pairs.push([keys.address(name), name]);
  const ipv4 = (ip: string) =>
    ip.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  return {
    async register(operator, node, amount, fee, address) {
      await chain.register(operator, node, amount, { fee, ...address, ipv4: ipv4(address.ip) });
    },
    async contribute(contributor, node, amount) {
      await chain.contribute(contributor, node, amount);
    },
    async withdraw(contributor, node) {
      await chain.withdraw(contributor, node);
    },
    async exit(contributor, node) {
      await chain.requestExit(contributor, node);
      await chain.advance(600);
      await chain.exit('submitter', node);
    },
    async deregister(node, signers) {
      await chain.advance(300); // the contract's minimum node age
      await chain.deregister('submitter', node, signers);
    },
    async setRequirement(requirement) {
      await chain.setRequirement(requirement);
    },
    async stopFollower() {
      running.follower.stop();
      await running.source.stop();
    },
    async resumeFollower() {
      running = start();
      await running.follower.ready;
    },
    async settle() {
      await running.source.sync();
      await running.follower.sync();
      const height = running.source.state?.height ?? 0;
      return running.follower.waitForHeight(height);
    },
    async restartFollower() {
      running.follower.stop();
      await running.source.stop();
      running = start();
      await running.follower.ready;
    },
    nameOf: names(pairs),
    async stop() {
      running.follower.stop();
      await running.source.stop();
    },
  };
}

/** The registry as a node or a client sees it, with keys replaced by actor names. */
function view(state: RegistryState, nameOf: (key: string) => string) {
  const nodes = [...state.nodes.values()]
    .map((node) => ({
      node: nameOf(node.ed25519),
      status: node.status,
      operator: nameOf(node.operator),
      fee: node.feeBasisPoints,
      stake: node.stake,
      requirement: node.requirement,
      contributions: node.contributions.map((entry) => [nameOf(entry.address), entry.amount]),
      address: node.uptimeProof && [
        node.uptimeProof.ip,
        node.uptimeProof.storagePort,
        node.uptimeProof.relayPort,
      ],
      swarm: state.swarmAssignment.get(node.ed25519),
    }))
    .sort((a, b) => (a.node < b.node ? -1 : 1));
  const histories = new Map(
    [...state.history.keys()].map((key) => [
      nameOf(key),
      nodeHistory(state, key)
        // The release of a deregistered stake happens later on the devnet ledger (its lock is
        // in its blocks); on the EVM ledger the contract keeps the lock.
        .filter((event) => event.type !== 'stake-released')
        .map((event) => [event.type, event.address && nameOf(event.address), event.amount]),
    ]),
  );
  const params = [state.params.stakingRequirement, state.params.minOperatorStake];
  const swarmView = [...swarms(state)].map(([id, members]) => [id, members.map(nameOf).sort()]);
  return { params, nodes, histories, swarms: swarmView };
}

let crypto: MurmurCrypto;
let chain: EvmTestChain;
beforeAll(async () => {
  crypto = await testCrypto();
  chain = await EvmTestChain.start(crypto);
  for (const name of ACTORS) await chain.wallet(name);
});
afterAll(async () => {
  await chain?.stop();
});

describe('the same scenario on the devnet ledger and on the EVM ledger', () => {
  it('gives the same registry state and swarms at every checkpoint', async () => {
    const devnet = await devnetDriver(crypto);
    const evm = await evmDriver(crypto, chain);
    const both = async (action: (driver: LedgerDriver) => Promise<void>) => {
      await action(devnet);
      await action(evm);
    };
    const compare = async () => {
      const [left, right] = [await devnet.settle(), await evm.settle()];
      const expected = view(left, devnet.nameOf);
      expect(view(right, evm.nameOf)).toEqual(expected);
      return expected;
    };
    const home = (port: number): Address => ({
      ip: '127.0.0.1',
      storagePort: port,
      relayPort: port + 1,
    });
    try {
      // A solo node; a pooled node filled by three contributors; a registration cancelled.
      await both((d) => d.register('op1', 'n1', 100n * COIN, 500, home(20_010)));
      await both((d) => d.register('op2', 'n2', 25n * COIN, 1_000, home(20_020)));
      await both((d) => d.contribute('a', 'n2', 25n * COIN));
      let seen = await compare();
      expect(seen.nodes.find((node) => node.node === 'n2')?.status).toBe('awaiting-contributions');
      await both((d) => d.contribute('b', 'n2', 25n * COIN));
      await both((d) => d.contribute('c', 'n2', 25n * COIN));
      await both((d) => d.register('op1', 'n3', 50n * COIN, 0, home(20_030)));
      await both((d) => d.contribute('a', 'n3', 10n * COIN));
      await both((d) => d.withdraw('a', 'n3'));
      await both((d) => d.withdraw('op1', 'n3'));
      for (const [node, port] of [
        ['n4', 20_040],
        ['n5', 20_050],
        ['n6', 20_060],
      ] as const) {
        await both((d) => d.register('op2', node, 100n * COIN, 250, home(port)));
      }
      seen = await compare();
      expect(seen.swarms).toEqual([[0n, ['n1', 'n2', 'n4', 'n5', 'n6']]]);
      expect(seen.histories.get('n3')?.map(([type]) => type)).toEqual([
        'registered',
        'contribution',
        'contribution-withdrawn',
        'registration-cancelled',
      ]);

      // The followers restart mid-stream (the EVM one from its source's checkpoint).
      await both((d) => d.restartFollower());
      await compare();

      // The followers stop; the owner raises the requirement while a pooled registration is
      // open (it keeps its requirement) and another registers at the new one; the followers
      // come back mid-stream and catch up.
      await both((d) => d.stopFollower());
      await both((d) => d.register('op1', 'n7', 50n * COIN, 0, home(20_070)));
      await both((d) => d.setRequirement(200n * COIN));
      await both((d) => d.register('op2', 'n8', 50n * COIN, 100, home(20_080)));
      await both((d) => d.resumeFollower());
      await both((d) => d.contribute('a', 'n7', 50n * COIN));
      await both((d) => d.contribute('b', 'n8', 150n * COIN));
      seen = await compare();
      expect(seen.params).toEqual([200n * COIN, 50n * COIN]);
      expect(seen.nodes.find((node) => node.node === 'n7')).toMatchObject({
        status: 'active',
        stake: 100n * COIN,
        requirement: 100n * COIN,
      });
      expect(seen.nodes.find((node) => node.node === 'n8')).toMatchObject({
        status: 'active',
        stake: 200n * COIN,
      });

      // An exit, and a removal by the quorum of the other active nodes.
      await both((d) => d.exit('op1', 'n1'));
      await both((d) => d.deregister('n5', ['n2', 'n4', 'n6', 'n7']));
      seen = await compare();
      expect(seen.nodes.map((node) => node.node)).toEqual(['n2', 'n4', 'n6', 'n7', 'n8']);
      expect(seen.swarms).toEqual([[0n, ['n2', 'n4', 'n6', 'n7', 'n8']]]);
      expect(seen.histories.get('n1')?.map(([type]) => type)).toEqual([
        'registered',
        'activated',
        'unlock-requested',
        'exited',
      ]);
      expect(seen.histories.get('n5')?.map(([type]) => type)).toEqual([
        'registered',
        'activated',
        'deregistered',
      ]);
    } finally {
      await devnet.stop();
      await evm.stop();
    }
  });
});
