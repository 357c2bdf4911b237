/**
 * The swarm on real processes: a devnet ledger and 14 `murmur-node` processes (real SQLite,
 * loopback, each node on its own 127.x.y.1 address), started and staked for real by
 * `@murmur/testnet`. With 14 active nodes oxend's formation rule (a new swarm once the excess
 * over 5 reaches 7 + 2 × swarms) cuts the second swarm, so there are two swarms of 7.
 *
 * In order: store through one member and read from every other member (both swarms); a pubkey
 * of the other swarm gets 421 with the right swarm; an onion request through three nodes stores
 * and retrieves; a member killed with SIGKILL during a stream of stores has, after its restart,
 * every message it acknowledged and catches up on the ones stored while it was down; a node
 * registered while the network runs joins a swarm and receives that swarm's messages.
 *
 * Needs `apps/service-node/dist` (the script builds it) and `apps/devnet/dist`
 * (`pnpm --filter @murmur/devnet build`). On failure the log file of every process is listed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Identity, loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { buildOnionRequest, decodeOnionResponse, type OnionNode } from '@murmur/onion';
import { createSwarmIndex, type SwarmIndex } from '@murmur/swarm';
import {
  programsFromEnvironment,
  startTestnet,
  type Testnet,
  type TestnetNode,
} from '@murmur/testnet';
import { bytesToHex } from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

/** The nodes speak HTTPS only (self-signed certificates, not checked, as Session clients). */
const nodeFetch = createNodeFetch({ keepAlive: false });

const NODES = 14;
const BLOCK_TIME_MS = 500;

let crypto: MurmurCrypto;
let testnet: Testnet;
let dir: string;
/** Swarm ID (bigint) → member nodes. */
let swarms: Map<bigint, TestnetNode[]>;
let index: SwarmIndex;
/** Accounts used so far, with the texts acknowledged for each, by swarm. */
const stored = new Map<bigint, { account: Identity; texts: string[] }[]>();

/** Set when a test failed: the directory (logs, databases) is kept then. */
let failed = false;

function printLogs(): void {
  failed = true;
  if (testnet === undefined) return;
  const lines = [testnet.ledger, ...testnet.nodes].map(
    (proc) => `  ${proc.name.padEnd(8)} ${proc.logFile}`,
  );
  process.stderr.write(`murmur e2e: process logs (kept in ${dir}):\n${lines.join('\n')}\n`);
}

async function loadSwarms(): Promise<void> {
  const byHex = await testnet.swarms();
  swarms = new Map(
    [...byHex].map(([hex, keys]) => [
      BigInt(`0x${hex}`),
      keys.map((key) => testnet.nodes.find((node) => node.ed25519 === key) as TestnetNode),
    ]),
  );
  index = createSwarmIndex([...swarms.keys()]);
}

function accountIn(swarmId: bigint): Identity {
  for (;;) {
    const identity = crypto.generateIdentity();
    if (index.swarmFor(identity.sessionId) === swarmId) return identity;
  }
}

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: shapes are what the assertions check
  body: any;
}

async function rpc(node: TestnetNode, method: string, params: unknown): Promise<Answer> {
  const response = await nodeFetch(`${node.url}/storage_rpc/v1`, {
    method: 'POST',
    body: JSON.stringify({ method, params }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

function storeParams(account: Identity, text: string): Record<string, unknown> {
  return {
    pubkey: account.sessionId,
    timestamp: Date.now(),
    ttl: 3_600_000,
    data: Buffer.from(text).toString('base64'),
  };
}

function retrieveParams(account: Identity): Record<string, unknown> {
  const params = { pubkey: account.sessionId, namespace: 0, timestamp: Date.now() };
  return {
    ...params,
    signature: crypto.signRequest('retrieve', params, account.ed25519.secretKey),
    pubkey_ed25519: bytesToHex(account.ed25519.publicKey),
  };
}

/** Every message text `account` has on `node` (pages through). */
async function texts(node: TestnetNode, account: Identity): Promise<string[]> {
  const out: string[] = [];
  let lastHash: string | undefined;
  for (;;) {
    const params = retrieveParams(account);
    const answer = await rpc(
      node,
      'retrieve',
      lastHash === undefined ? params : { ...params, last_hash: lastHash },
    );
    if (answer.status !== 200) {
      throw new Error(`retrieve on ${node.name}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    const messages = answer.body.messages as { hash: string; data: string }[];
    for (const message of messages) out.push(Buffer.from(message.data, 'base64').toString());
    if (!answer.body.more || messages.length === 0) return out;
    lastHash = messages[messages.length - 1]?.hash;
  }
}

async function eventually(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `timed out waiting for ${what}${last === undefined ? '' : ` (last error: ${String(last)})`}`,
  );
}

/** A sample of a node's `/metrics` (0 when absent). */
async function metric(node: TestnetNode, sample: string): Promise<number> {
  const text = await (await nodeFetch(`${node.url}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

function onionNode(node: TestnetNode): OnionNode {
  return { ed25519: node.ed25519, x25519: node.x25519, ip: node.host, port: node.storagePort };
}

beforeAll(async () => {
  crypto = await loadCrypto();
  dir = mkdtempSync(join(tmpdir(), 'murmur-swarm-e2e-'));
  const started = Date.now();
  try {
    testnet = await startTestnet({
      // MURMUR_LEDGER_CLI and MURMUR_NODE_CLI, set by vitest.e2e.config.ts.
      programs: programsFromEnvironment(process.env),
      dir,
      nodes: NODES,
      blockTimeMs: BLOCK_TIME_MS,
      fresh: true,
      readyTimeoutMs: 180_000,
      nodeArgs: ['--catch-up-interval', '5000'],
    });
  } catch (error) {
    process.stderr.write(`murmur e2e: the testnet did not start (logs in ${dir}/logs)\n`);
    throw error;
  }
  await loadSwarms();
  process.stderr.write(
    `murmur e2e: ${NODES} nodes ready in ${Math.round((Date.now() - started) / 1000)} s, swarms ${[
      ...swarms.values(),
    ]
      .map((members) => members.length)
      .join(' + ')}\n`,
  );
});

/** Resident memory of each running node, MB (a figure for docs/BENCHMARKS.md, not a check). */
function nodeRss(): number[] {
  return testnet.nodes.flatMap((node) => {
    if (node.pid === undefined) return [];
    try {
      const status = readFileSync(`/proc/${node.pid}/status`, 'utf8');
      return [Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024];
    } catch {
      return [];
    }
  });
}

afterAll(async () => {
  if (testnet !== undefined) {
    const rss = nodeRss().sort((a, b) => a - b);
    if (rss.length > 0) {
      process.stderr.write(
        `murmur e2e: node RSS after the run: min ${rss[0]?.toFixed(1)} MB, median ${rss[Math.floor(rss.length / 2)]?.toFixed(1)} MB, max ${rss[rss.length - 1]?.toFixed(1)} MB\n`,
      );
    }
  }
  await testnet?.stop();
  // MURMUR_E2E_KEEP=1 keeps the logs and data for a look afterwards.
  const { MURMUR_E2E_KEEP: keep } = process.env;
  if (dir !== undefined && keep !== '1' && !failed) {
    rmSync(dir, { recursive: true, force: true });
  } else if (dir !== undefined) {
    process.stderr.write(`murmur e2e: kept ${dir}\n`);
  }
});

describe('a network of two swarms', () => {
  it('has two swarms', () => {
    onTestFailed(printLogs);
    expect(swarms.size).toBe(2);
    for (const members of swarms.values()) expect(members.length).toBeGreaterThanOrEqual(5);
  });

  it('stores through one member and serves the message from every other member', async () => {
    onTestFailed(printLogs);
    for (const [swarmId, members] of swarms) {
      const account = accountIn(swarmId);
      const [entry, ...rest] = members as [TestnetNode, ...TestnetNode[]];
      const answer = await rpc(
        entry,
        'store',
        storeParams(account, `hello ${swarmId.toString(16)}`),
      );
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body.swarm).sort()).toEqual(
        members.map((node) => node.ed25519).sort(),
      );
      for (const result of Object.values(answer.body.swarm)) {
        expect(result).toMatchObject({ hash: answer.body.hash });
      }
      stored.set(swarmId, [{ account, texts: [`hello ${swarmId.toString(16)}`] }]);
      for (const member of rest) {
        expect(await texts(member, account)).toEqual([`hello ${swarmId.toString(16)}`]);
      }
    }
  });

  it('answers 421 with the right swarm for a pubkey of the other swarm', async () => {
    onTestFailed(printLogs);
    const [first, second] = [...swarms.keys()] as [bigint, bigint];
    const account = accountIn(second);
    const wrongNode = swarms.get(first)?.[0] as TestnetNode;
    const answer = await rpc(wrongNode, 'store', storeParams(account, 'misdirected'));
    expect(answer.status).toBe(421);
    expect(answer.body.swarm).toBe(second.toString(16));
    expect(
      answer.body.snodes.map((node: { pubkey_ed25519: string }) => node.pubkey_ed25519).sort(),
    ).toEqual((swarms.get(second) as TestnetNode[]).map((node) => node.ed25519).sort());
    const retrieve = await rpc(wrongNode, 'retrieve', retrieveParams(account));
    expect(retrieve.status).toBe(421);
  });

  it('stores and retrieves through an onion request over three nodes', async () => {
    onTestFailed(printLogs);
    const [swarmId, members] = [...swarms][1] as [bigint, TestnetNode[]];
    const account = accountIn(swarmId);
    const destination = members[2] as TestnetNode;
    const others = testnet.nodes.filter((node) => node !== destination);
    const path = [others[0], others[8], others[4]].map((node) => onionNode(node as TestnetNode));
    const send = async (payload: { method: string; params: unknown }) => {
      const request = await buildOnionRequest(crypto, {
        path,
        destination: { type: 'node', node: onionNode(destination) },
        payload,
      });
      const response = await nodeFetch(`${(others[0] as TestnetNode).url}/onion_req/v2`, {
        method: 'POST',
        body: Buffer.from(request.body),
      });
      return decodeOnionResponse(crypto, request, {
        status: response.status,
        body: new Uint8Array(await response.arrayBuffer()),
      });
    };
    const storedAnswer = await send({
      method: 'store',
      params: storeParams(account, 'through three hops'),
    });
    expect(storedAnswer.status).toBe(200);
    const retrieved = await send({ method: 'retrieve', params: retrieveParams(account) });
    expect(retrieved.status).toBe(200);
    const messages = (retrieved.body as { messages: { data: string }[] }).messages;
    expect(messages.map((message) => Buffer.from(message.data, 'base64').toString())).toEqual([
      'through three hops',
    ]);
    stored.get(swarmId)?.push({ account, texts: ['through three hops'] });
  });

  it('keeps every acknowledged message of a member killed with SIGKILL, which then catches up', async () => {
    onTestFailed(printLogs);
    const [swarmId, members] = [...swarms][0] as [bigint, TestnetNode[]];
    const entry = members[0] as TestnetNode;
    const victim = members[1] as TestnetNode;
    const account = accountIn(swarmId);
    const ackedByVictim: string[] = [];
    const acked: string[] = [];
    let counter = 0;
    let killed = false;
    let afterKill = 0;
    let victimWhileDown: unknown;
    const worker = async (offset: number) => {
      // Each worker alternates between the victim and the entry node while the victim lives.
      let toVictim = offset % 2 === 0;
      while (afterKill < 60) {
        counter += 1;
        const text = `stream ${counter}`;
        toVictim = !toVictim;
        const target = killed || !toVictim ? entry : victim;
        try {
          const answer = await rpc(target, 'store', storeParams(account, text));
          if (answer.status !== 200) continue;
          acked.push(text);
          if (target === victim) ackedByVictim.push(text);
          if (killed && target === entry) {
            afterKill += 1;
            victimWhileDown = answer.body.swarm[victim.ed25519];
          }
        } catch {
          // The victim is gone: not acknowledged.
        }
      }
    };
    const stream = Promise.all([0, 1, 2, 3].map(worker));
    await eventually(async () => ackedByVictim.length >= 40, 'stores acknowledged by the victim');
    await testnet.kill(victim.name);
    killed = true;
    await stream;
    // The entry node listed the dead member as failed.
    expect(victimWhileDown).toMatchObject({ failed: true });
    const started = Date.now();
    await testnet.startNode(victim.name);
    // Everything the victim acknowledged itself is in its database.
    const afterRestart = new Set(await texts(victim, account));
    expect(ackedByVictim.filter((text) => !afterRestart.has(text))).toEqual([]);
    // And it catches up on what was stored while it was down.
    await eventually(async () => {
      const now = new Set(await texts(victim, account));
      return acked.every((text) => now.has(text));
    }, 'the restarted node to catch up');
    expect(await metric(victim, 'murmur_synced_messages_total{source="catch_up"}')).toBeGreaterThan(
      0,
    );
    process.stderr.write(
      `murmur e2e: ${ackedByVictim.length} stores acknowledged by the victim, ${acked.length} in all; caught up ${Math.round((Date.now() - started) / 100) / 10} s after the restart began\n`,
    );
    stored.get(swarmId)?.push({ account, texts: acked });
  });

  it('gives a node that joins a swarm the messages of that swarm', async () => {
    onTestFailed(printLogs);
    const added = await testnet.addNode();
    await loadSwarms();
    const swarmId = [...swarms].find(([, members]) =>
      members.some((node) => node.ed25519 === added.ed25519),
    )?.[0];
    expect(swarmId).toBeDefined();
    const expected = stored.get(swarmId as bigint) ?? [];
    expect(expected.length).toBeGreaterThan(0);
    for (const { account, texts: wanted } of expected) {
      await eventually(async () => {
        const now = new Set(await texts(added, account));
        return wanted.every((text) => now.has(text));
      }, `${added.name} to receive the swarm's messages`);
    }
    const synced =
      (await metric(added, 'murmur_synced_messages_total{source="push"}')) +
      (await metric(added, 'murmur_synced_messages_total{source="catch_up"}'));
    expect(synced).toBeGreaterThanOrEqual(
      expected.reduce((sum, entry) => sum + entry.texts.length, 0),
    );
  });
});
