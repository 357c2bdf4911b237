/**
 * A 7-node testnet of real processes (250 ms blocks): everything active in one swarm and
 * healthy, the seed endpoint, kill -9 and restart, a node added while the network runs, a stop
 * that leaves no process behind and spares the others, and a resume on the same directory.
 */
import { rmSync } from 'node:fs';
import { devnetParams } from '@murmur/registry';
import {
  openTestnet,
  processesAlive,
  processGroupAlive,
  programsFromEnvironment,
  readPidsFile,
  startTestnet,
  type Testnet,
  type TestnetProgress,
} from '@murmur/testnet';
import { createNodeFetch } from '@murmur/wire/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bystander, processesMentioning, temporaryDir } from './support.js';

/** The programs under test, from MURMUR_LEDGER_CLI and MURMUR_NODE_CLI (the e2e configuration). */
const programs = programsFromEnvironment(process.env);
/** Nodes speak HTTPS with self-signed certificates: a fetch that does not check them. */
const nodeFetch = createNodeFetch({ keepAlive: false });

const NODES = 7;
const dir = temporaryDir('seven');
const events: TestnetProgress[] = [];
const outsider = bystander();
/** Decommission credit of a new node, in 250 ms blocks: 2 minutes. */
const CREDIT_BLOCKS = 480;
let testnet: Testnet;
let stoppedAtHeight = 0;
let registrationHeights = new Map<string, number>();
let operatorNonces = new Map<string, number>();

beforeAll(async () => {
  testnet = await startTestnet({
    programs,
    dir,
    nodes: NODES,
    blockTimeMs: 250,
    // Two minutes of decommission credit (longer than a test may run): a node the authority
    // decommissions stays decommissioned until the test recommissions it, however slowly a
    // busy machine gets there. With the devnet set's 10 s, a slow health check in between let
    // the credit run out and the node be deregistered before the recommission.
    ledgerParams: { decommissionCreditInitialBlocks: CREDIT_BLOCKS },
    fresh: true,
    onProgress: (event) => events.push(event),
  });
});

afterAll(async () => {
  await testnet?.stop();
  outsider.kill();
  const left = processesMentioning(dir);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  expect(left).toEqual([]);
});

describe.sequential('a 7-node testnet', () => {
  it('has every node active with an address, in one swarm, and healthy', async () => {
    const state = await testnet.state();
    expect(testnet.nodes).toHaveLength(NODES);
    expect(state.chainId).toBe(testnet.chainId);
    for (const node of testnet.nodes) {
      const record = state.nodes.find((entry) => entry.ed25519 === node.ed25519);
      expect(record, node.name).toMatchObject({
        status: 'active',
        x25519: node.x25519,
        ip: node.host,
        storagePort: node.storagePort,
        relayPort: node.relayPort,
      });
      expect(node.running).toBe(true);
    }
    const swarms = await testnet.swarms();
    expect(swarms.size).toBe(1);
    expect([...swarms.values()][0]?.sort()).toEqual(
      testnet.nodes.map((node) => node.ed25519).sort(),
    );
    // Distinct loopback /24s, so that onion paths can be built.
    expect(
      new Set(testnet.nodes.map((node) => node.host.split('.').slice(0, 3).join('.'))).size,
    ).toBe(NODES);
    // The ledger scaled the devnet set's block-counted delays to the 250 ms blocks (the unlock
    // still takes 10 s: 40 blocks) and took the credit override as written.
    const genesis = (await (await fetch(`${testnet.ledger.url}/genesis`)).json()) as {
      params: Record<string, unknown>;
    };
    expect(genesis.params).toMatchObject({
      blockTimeMs: 250,
      unlockBlocks: (devnetParams.unlockBlocks * 1_000) / 250,
      decommissionCreditInitialBlocks: CREDIT_BLOCKS,
    });
    await testnet.waitForHealthy();
    for (const node of testnet.nodes) {
      const health = (await (await nodeFetch(`${node.url}/health`)).json()) as Record<
        string,
        unknown
      >;
      expect(health).toMatchObject({ status: 'ready', node: node.ed25519, swarmMembers: NODES });
    }
  });

  it('staked every third node in a pool filled by contributors', async () => {
    const state = await testnet.state();
    const requirement = devnetParams.stakingRequirement;
    for (const node of testnet.nodes) {
      const record = state.nodes.find((entry) => entry.ed25519 === node.ed25519);
      expect(BigInt(record?.stake ?? '0')).toBe(requirement);
      expect(record?.operator).toBe(node.operator);
      const contributors = record?.contributors ?? [];
      if (node.pooled) {
        expect(contributors.length).toBeGreaterThanOrEqual(3);
        const operatorShare = BigInt(
          contributors.find((entry) => entry.address === record?.operator)?.amount ?? '0',
        );
        expect(operatorShare * 4n).toBeGreaterThanOrEqual(requirement);
        expect(operatorShare * 2n).toBeLessThanOrEqual(requirement);
      } else {
        expect(contributors).toHaveLength(1);
      }
    }
    expect(testnet.nodes.filter((node) => node.pooled).map((node) => node.name)).toEqual([
      'node-03',
      'node-06',
    ]);
  });

  it('reported every start-up step with its timing', () => {
    for (const step of ['ledger', 'wallets', 'registrations', 'processes', 'swarms', 'health']) {
      expect(events.some((event) => event.step === step && event.status === 'done')).toBe(true);
      expect(testnet.timings[step as keyof typeof testnet.timings]).toBeGreaterThanOrEqual(0);
    }
    expect(events.some((event) => event.status === 'failed')).toBe(false);
  });

  it('lists the nodes on the seed endpoint', async () => {
    const answer = await testnet.seedNodes();
    const listed = answer.result.service_node_states;
    expect(listed).toHaveLength(NODES);
    for (const node of testnet.nodes) {
      expect(listed).toContainEqual(
        expect.objectContaining({
          pubkey_ed25519: node.ed25519,
          pubkey_x25519: node.x25519,
          public_ip: node.host,
          storage_port: node.storagePort,
        }),
      );
    }
    const raw = await fetch(testnet.seedUrl, {
      method: 'POST',
      body: JSON.stringify({ method: 'get_n_service_nodes', params: { active_only: true } }),
    });
    expect(raw.headers.get('content-type')).toBe('application/json');
  });

  it('kills a node with SIGKILL to its process group and restarts it from its data directory', async () => {
    const node = testnet.node('node-02');
    const pid = node.pid as number;
    await testnet.kill('node-02');
    expect(processGroupAlive(pid)).toBe(false);
    expect(processesAlive([pid])).toEqual([]);
    expect(node.running).toBe(false);
    expect(node.pid).toBeUndefined();
    expect(readPidsFile(dir).processes.map((entry) => entry.name)).not.toContain('node-02');
    await expect(nodeFetch(`${node.url}/health`)).rejects.toMatchObject({
      cause: { code: 'ECONNREFUSED' },
    });

    await testnet.startNode('node-02');
    expect(node.running).toBe(true);
    expect(node.pid).not.toBe(pid);
    await testnet.waitForHealthy(['node-02']);
    await testnet.waitForActive(['node-02']);
  });

  it('adds a node while the network runs: funded, registered, started, active and healthy', async () => {
    const added = await testnet.addNode();
    expect(added.name).toBe('node-08');
    expect(testnet.nodes).toHaveLength(NODES + 1);
    const record = await testnet.registryNode('node-08');
    expect(record).toMatchObject({
      status: 'active',
      ip: added.host,
      storagePort: added.storagePort,
    });
    expect(record?.swarmId).not.toBe('ffffffffffffffff');
    const health = await nodeFetch(`${added.url}/health`);
    expect(health.status).toBe(200);
  });

  it('changes a swarm through the ledger authority: decommission, then recommission', async () => {
    await testnet.stateChange('node-05', 'decommission', { reason: 'e2e', wait: true });
    expect((await testnet.registryNode('node-05'))?.status).toBe('decommissioned');
    await vi.waitFor(async () => expect((await testnet.health('node-05')).ready).toBe(false), {
      timeout: 60_000,
      interval: 100,
    });
    const members = [...(await testnet.swarms()).values()].flat();
    expect(members).not.toContain(testnet.node('node-05').ed25519);
    await testnet.stateChange('node-05', 'recommission', { wait: true });
    await testnet.waitForActive(['node-05']);
    await testnet.waitForHealthy(['node-05']);
    expect(await testnet.health('node-05')).toMatchObject({ ready: true, httpStatus: 200 });
  });

  it('describes itself as JSON', () => {
    const description = testnet.describe();
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
    expect(description).toMatchObject({
      chainId: testnet.chainId,
      ledgerUrl: testnet.ledgerUrl,
      seedUrl: `${testnet.ledgerUrl}/json_rpc`,
    });
    expect(description.nodes).toHaveLength(NODES + 1);
    expect(description.nodes.every((node) => node.running && node.pid !== undefined)).toBe(true);
  });

  it('is seen, killed and restarted from another instance (openTestnet)', async () => {
    const other = await openTestnet({ dir, programs });
    expect(other.chainId).toBe(testnet.chainId);
    expect(other.describe().nodes.map((node) => node.pid)).toEqual(
      testnet.nodes.map((node) => node.pid),
    );
    const before = testnet.node('node-04').pid as number;
    await other.kill('node-04');
    expect(processesAlive([before])).toEqual([]);
    await vi.waitFor(() => expect(testnet.node('node-04').running).toBe(false), {
      timeout: 30_000,
    });
    await other.startNode('node-04');
    await other.detach();
    const after = other.node('node-04').pid as number;
    expect(after).not.toBe(before);
    // The owning instance sees the node another instance restarted, and will stop it.
    expect(testnet.node('node-04').pid).toBe(after);
    expect(readPidsFile(dir).processes.find((entry) => entry.name === 'node-04')?.pid).toBe(after);
  });

  it('stops every process it started and nothing else', async () => {
    const state = await testnet.state();
    stoppedAtHeight = state.height;
    registrationHeights = new Map(
      state.nodes.map((node) => [node.ed25519, node.registrationHeight]),
    );
    operatorNonces = new Map(
      state.wallets
        .filter((wallet) => testnet.nodes.some((node) => node.operator === wallet.address))
        .map((wallet) => [wallet.address, wallet.nonce]),
    );
    const records = readPidsFile(dir).processes;
    expect(records.map((entry) => entry.name).sort()).toEqual(
      ['ledger', 'reaper', ...testnet.nodes.map((node) => node.name)].sort(),
    );
    const recorded = records.map((entry) => entry.pid);
    await testnet.stop();
    await testnet.stop();
    expect(processesAlive(recorded)).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
    expect(processesAlive([outsider.pid])).toEqual([outsider.pid]);
    expect(readPidsFile(dir).processes).toEqual([]);
    expect(testnet.ledger.running).toBe(false);
  });

  it('resumes on the same directory at a later height without registering again', async () => {
    const resumed = await startTestnet({
      programs,
      dir,
      nodes: NODES,
      fresh: false,
    });
    try {
      expect(resumed.chainId).toBe(testnet.chainId);
      expect(resumed.nodes.map((node) => node.name)).toEqual(
        testnet.nodes.map((node) => node.name),
      );
      for (const [index, node] of resumed.nodes.entries()) {
        const before = testnet.nodes[index];
        expect(node).toMatchObject({
          ed25519: before?.ed25519,
          storagePort: before?.storagePort,
          host: before?.host,
        });
      }
      const state = await resumed.state();
      expect(state.height).toBeGreaterThanOrEqual(stoppedAtHeight);
      for (const record of state.nodes) {
        expect(record.registrationHeight).toBe(registrationHeights.get(record.ed25519));
      }
      for (const wallet of state.wallets) {
        if (operatorNonces.has(wallet.address)) {
          expect(wallet.nonce).toBe(operatorNonces.get(wallet.address));
        }
      }
      expect(resumed.timings.registrations).toBeDefined();
    } finally {
      await resumed.stop();
    }
    expect(processesMentioning(dir)).toEqual([]);
  });
});
