import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import {
  activeNodes,
  checkStateInvariants,
  isPublicIpv4,
  nodeHistory,
  parseIpv4,
  type RegistryState,
} from '@murmur/registry';
import { swarmMembers } from '@murmur/swarm';
import { InvalidInputError } from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  nodeAddress,
  phaseRanges,
  resolveScenarioOptions,
  runScenario,
  type ScenarioOptions,
  type ScenarioResult,
} from './scenario.js';

const SMALL: ScenarioOptions = {
  nodes: 60,
  blocks: 40,
  churnPercent: 2,
  failPercent: 10,
  pubkeys: 20_000,
  params: 'devnet',
  // The devnet starts nodes with 120 blocks of credit (two minutes of outage for its drills);
  // 10 lets a failing node be deregistered within this 40-block run.
  decommissionCreditBlocks: 10,
  seed: 'test',
  joinBatch: 20,
  pooledPercent: 30,
};

let crypto: MurmurCrypto;
let result: ScenarioResult;
let finalState: RegistryState;
const problems: string[] = [];
let blocksSeen = 0;

beforeAll(async () => {
  crypto = await loadCrypto({ backend: 'native' });
  result = await runScenario(SMALL, {
    crypto,
    onBlock: ({ state, record, block }) => {
      blocksSeen++;
      finalState = state;
      const where = `block ${block.height}`;
      for (const problem of checkStateInvariants(state)) problems.push(`${where}: ${problem}`);
      const active = activeNodes(state).map((node) => node.ed25519);
      const assigned = [...state.swarmAssignment.keys()].sort();
      if (JSON.stringify(active) !== JSON.stringify(assigned)) {
        problems.push(`${where}: the active nodes are not exactly the nodes in swarms`);
      }
      let members = 0;
      for (const list of swarmMembers(state.swarmAssignment).values()) members += list.length;
      if (members !== active.length) problems.push(`${where}: a node is in two swarms`);
      if (record.activeNodes !== active.length) problems.push(`${where}: wrong active count`);
      if (active.length >= 5 && (record.minSize < 5 || record.swarmsUnder5 !== 0)) {
        problems.push(`${where}: a swarm under 5 nodes`);
      }
      for (const share of [record.pubkeysMovedShare, record.copiedShare]) {
        if (!(share >= 0 && share <= 1)) problems.push(`${where}: a share outside [0, 1]`);
      }
    },
  });
});

describe('runScenario on the real registry (60 nodes, devnet parameters)', () => {
  it('visits every block of the three phases', () => {
    expect(result.phases).toEqual({
      join: { first: 1, last: 3 },
      notice: { first: 4, last: 13 },
      churn: { first: 14, last: 53 },
    });
    expect(blocksSeen).toBe(53);
    expect(result.blocks.map((block) => block.height)).toEqual(
      Array.from({ length: 53 }, (_, i) => i + 1),
    );
    expect(result.finalHeight).toBe(53);
  });

  it('keeps every invariant in every block: state, one swarm per active node, no swarm under 5, shares in [0, 1]', () => {
    expect(problems).toEqual([]);
  });

  it('has every transaction accepted by the registry', () => {
    expect(result.registry.rejected).toEqual({});
    expect(result.registry.transactions).toBe(
      result.registry.registrations +
        result.registry.contributions +
        result.registry.unlockRequests +
        result.registry.uptimeProofs,
    );
  });

  it('registers, pools, unlocks and exits through the registry', () => {
    const { registry } = result;
    const events = (type: string) => registry.events[type] ?? 0;
    expect(registry.pooledRegistrations).toBeGreaterThan(0);
    expect(registry.contributions).toBe(registry.pooledRegistrations * 3);
    expect(events('registered')).toBe(registry.registrations);
    // Pooled registrations of the last block are completed one block later: all activated.
    expect(events('activated')).toBe(registry.registrations);
    expect(events('unlock-requested')).toBe(registry.unlockRequests);
    // 2% of 60 nodes = 1.2 a block; the exits of the churn phase are the notice phase's requests onward.
    expect(events('exited')).toBeGreaterThanOrEqual(40);
    expect(registry.uptimeProofs).toBeGreaterThan(0);
    expect(events('recommissioned')).toBe(0);
  });

  it('decommissions and then deregisters every failing node, by the registry rules', () => {
    const { failing } = result.registry;
    expect(failing.chosen).toBe(6);
    expect(failing.keys).toHaveLength(6);
    expect(failing.stopped).toBe(6);
    expect(failing.decommissioned).toBe(6);
    expect(failing.deregistered).toBe(6);
    expect(failing.stillRegistered).toBe(0);
    for (const key of failing.keys) {
      const types = nodeHistory(finalState, key).map((event) => event.type);
      const missed = types.indexOf('proof-missed');
      expect(missed).toBeGreaterThan(types.indexOf('activated'));
      expect(types.indexOf('decommissioned')).toBeGreaterThan(missed);
      expect(types.at(-1)).toBe('deregistered');
      expect(finalState.swarmAssignment.has(key)).toBe(false);
    }
  });

  it('keeps the network at its size through the churn, less the failed nodes', () => {
    const last = result.blocks.at(-1);
    expect(last?.activeNodes).toBe(54);
    expect(result.summary.churn.joined.mean).toBeGreaterThan(0.9);
    expect(result.summary.churn.left.mean).toBeGreaterThan(0.9);
  });

  it('tracks the stored data exactly and spreads every pubkey', () => {
    expect(result.storedDataMismatches).toBe(0);
    const { perSwarm, perNode } = result.spread;
    expect(perSwarm.count).toBe(result.blocks.at(-1)?.swarms);
    expect(perSwarm.mean * perSwarm.count).toBeCloseTo(20_000, 6);
    expect(perNode.count).toBe(54);
    expect(perSwarm.maxOverMean).toBeGreaterThanOrEqual(1);
  });

  it('moves data when the swarms form: the join phase copies everything once', () => {
    const first = result.blocks[0];
    expect(first?.joined).toBe(first?.activeNodes);
    expect(first?.copiedShare).toBe(1);
    expect(result.blocks.some((block) => block.changedSwarm > 0 || block.pubkeysMoved > 0)).toBe(
      true,
    );
  });

  it('gives an identical result for the same seed, another for another seed', async () => {
    const again = await runScenario(SMALL, { crypto });
    expect(again).toEqual(result);
    const other = await runScenario({ ...SMALL, seed: 'other', blocks: 5 }, { crypto });
    expect(other.finalBlockHash).not.toBe(result.finalBlockHash);
  });

  it('reports progress after every block and honours an abort signal', async () => {
    const heights: number[] = [];
    const controller = new AbortController();
    await expect(
      runScenario(
        { ...SMALL, blocks: 5 },
        {
          crypto,
          signal: controller.signal,
          onProgress: (progress) => {
            heights.push(progress.height);
            expect(progress.totalBlocks).toBe(18);
            if (progress.height === 6) controller.abort();
          },
        },
      ),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(heights).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('runScenario with the Oxen parameters', () => {
  it('runs with public addresses and 2-minute blocks, without refusals', async () => {
    const oxen = await runScenario(
      {
        nodes: 30,
        blocks: 10,
        churnPercent: 5,
        failPercent: 0,
        pubkeys: 1_000,
        params: 'oxen',
        seed: 'oxen',
      },
      { crypto },
    );
    expect(oxen.options.unlockBlocks).toBe(30);
    expect(oxen.options.proofIntervalBlocks).toBe(30);
    expect(oxen.registry.rejected).toEqual({});
    // A pooled node registered in the last block activates one block later.
    expect(oxen.blocks.at(-1)?.activeNodes).toBeGreaterThanOrEqual(28);
    expect(oxen.blocks.at(-1)?.activeNodes).toBeLessThanOrEqual(30);
    expect(oxen.blocks.at(-1)?.swarms).toBeGreaterThanOrEqual(3);
  });
});

describe('resolveScenarioOptions', () => {
  it('fills in the defaults', () => {
    const resolved = resolveScenarioOptions({
      ...SMALL,
      joinBatch: undefined,
      pooledPercent: undefined,
    });
    expect(resolved).toMatchObject({
      unlockBlocks: 10,
      joinBatch: 250,
      pooledPercent: 10,
      operators: 6,
      contributors: 3,
      blockTimeMs: 1_000,
      proofIntervalBlocks: 5,
    });
    expect(phaseRanges(resolved)).toEqual({
      join: { first: 1, last: 1 },
      notice: { first: 2, last: 11 },
      churn: { first: 12, last: 51 },
    });
  });

  it('refuses what it cannot run, naming the field', () => {
    const bad: [Partial<ScenarioOptions>, string][] = [
      [{ nodes: 0 }, 'nodes'],
      [{ nodes: 1.5 }, 'nodes'],
      [{ blocks: -1 }, 'blocks'],
      [{ churnPercent: 60 }, 'churnPercent'],
      [{ failPercent: Number.NaN }, 'failPercent'],
      [{ pubkeys: 0 }, 'pubkeys'],
      [{ params: 'mainnet' as 'oxen' }, 'params'],
      [{ unlockBlocks: 0 }, 'unlockBlocks'],
      [{ joinBatch: 10_000 }, 'joinBatch'],
    ];
    for (const [change, field] of bad) {
      let error: unknown;
      try {
        resolveScenarioOptions({ ...SMALL, ...change });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).details).toMatchObject({ field });
    }
  });
});

describe('nodeAddress', () => {
  it('gives distinct public addresses', () => {
    const seen = new Set<string>();
    for (const index of [0, 1, 255, 256, 65_535, 65_536, 99_999, 3_000_000]) {
      const address = nodeAddress(index);
      const octets = parseIpv4(address);
      expect(octets).toBeDefined();
      expect(isPublicIpv4(octets as [number, number, number, number])).toBe(true);
      seen.add(address);
    }
    expect(seen.size).toBe(8);
  });
});
