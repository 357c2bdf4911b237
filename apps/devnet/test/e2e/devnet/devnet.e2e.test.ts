/**
 * The devnet as a developer uses it, against the 12-node devnet that `murmur-devnet up` started
 * in the global setup (real ledger and murmur-node processes): two SDK clients talk through
 * onion paths; a member of the recipient's swarm is killed with kill -9 (`murmur-devnet kill`)
 * during a stream and no acknowledged message is lost; it is restarted (`murmur-devnet
 * restart`) and catches up; a node registered while the devnet runs (`murmur-devnet add-node`)
 * joins a swarm and receives its messages; `status` and `logs` show it all; `down` leaves no
 * process behind. A failing test names the logs directory and the log files that matter.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  createClient,
  createMemoryStorage,
  type DeliveredMessage,
  type MurmurClient,
} from '@murmur/client';
import { type Identity, loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import type { StateResponse } from '@murmur/registry/ledger-http';
import { swarmForPubkey, swarmIdFromHex } from '@murmur/swarm';
import { bytesToHex, sleep } from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { type DevnetFile, readDevnetFile } from '../../../src/launcher/devnet-file.js';
import { alive, leftovers, recordedPids, runCli } from '../launcher-support.js';

// The devnet's nodes speak HTTPS only (self-signed certificates, not checked, as Session's
// clients); nothing global is changed.
const nodeFetch = createNodeFetch({ keepAlive: false });

const dir = inject('devnetDir');
const launcherPid = inject('launcherPid');
const WAIT_MS = 90_000;

let crypto: MurmurCrypto;
let devnet: DevnetFile;
const clients: MurmurClient[] = [];
/** Log files a failing test should name (the nodes it touched). */
const touched = new Set<string>();

function logsHint(): string {
  const files = [...touched].map((name) => `${devnet.logsDir}/${name}.log`);
  return `logs in ${devnet.logsDir}${files.length > 0 ? ` (see ${files.join(', ')})` : ''}`;
}

function watchFailure(): void {
  onTestFailed(() => {
    writeFileSync(inject('failedMarker'), 'failed\n');
    console.error(`devnet e2e failed: ${logsHint()}; up's output: ${inject('devnetOutput')}`);
  });
}

function client(identity: Identity): MurmurClient {
  const made = createClient(
    {
      seeds: [devnet.seed.url],
      identity,
      pollIntervalMs: 250,
      outbox: { initialBackoffMs: 200, maxBackoffMs: 2_000 },
      paths: { retryInitialMs: 200, retryMaxMs: 2_000 },
    },
    { crypto, storage: createMemoryStorage(), fetch: nodeFetch },
  );
  clients.push(made);
  return made;
}

async function online(identity: Identity): Promise<MurmurClient> {
  const made = client(identity);
  await made.start();
  await made.whenReady({ signal: AbortSignal.timeout(WAIT_MS) });
  return made;
}

/** The IDs `made` receives, as they arrive. */
function inbox(made: MurmurClient): Set<string> {
  const ids = new Set<string>();
  made.on('message', (message) => ids.add(message.id));
  return ids;
}

async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}${lastError === undefined ? '' : ` (last error: ${String(lastError)})`}; ${logsHint()}`,
      );
    }
    await sleep(250);
  }
}

async function ledgerState(): Promise<StateResponse> {
  const response = await fetch(`${devnet.ledger.url}/state`);
  return (await response.json()) as StateResponse;
}

/** The swarm (16 hex digits) of `sessionId` among the current swarms. */
function swarmOf(state: StateResponse, sessionId: string): string {
  const ids = state.swarms.map((swarm) => swarmIdFromHex(swarm.id));
  return swarmForPubkey(ids, sessionId).toString(16).padStart(16, '0');
}

function nodeNamed(key: string): DevnetFile['nodes'][number] {
  const node = readDevnetFile(dir)?.nodes.find((entry) => entry.ed25519 === key);
  if (node === undefined) throw new Error(`no node with key ${key} in devnet.json`);
  return node;
}

/** The hashes a node holds for `identity` in namespace 0 (a signed retrieve straight to it). */
async function storedOn(url: string, identity: Identity): Promise<Set<string>> {
  const timestamp = Date.now();
  const response = await nodeFetch(`${url}/storage_rpc/v1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      method: 'retrieve',
      params: {
        pubkey: identity.sessionId,
        namespace: 0,
        timestamp,
        pubkey_ed25519: bytesToHex(identity.ed25519.publicKey),
        signature: crypto.signRequest(
          'retrieve',
          { namespace: 0, timestamp },
          identity.ed25519.secretKey,
        ),
      },
    }),
    signal: AbortSignal.timeout(30_000),
  });
  if (response.status !== 200)
    throw new Error(`retrieve at ${url}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { messages: { hash: string }[] };
  return new Set(body.messages.map((message) => message.hash));
}

beforeAll(async () => {
  crypto = await loadCrypto();
  devnet = readDevnetFile(dir) as DevnetFile;
});

afterAll(async () => {
  for (const made of clients) await made.stop().catch(() => undefined);
});

describe('a devnet started by murmur-devnet up', () => {
  let alice: MurmurClient;
  let bob: MurmurClient;
  let bobIdentity: Identity;
  let bobInbox: Set<string>;
  let victim: DevnetFile['nodes'][number];
  const streamed: string[] = [];

  it('describes itself in devnet.json: 12 nodes with keys, addresses and swarms', () => {
    watchFailure();
    expect(devnet.nodes, logsHint()).toHaveLength(12);
    expect(new Set(devnet.nodes.map((node) => node.ip)).size).toBe(12);
    expect(devnet.nodes.every((node) => node.swarm !== null && node.status === 'active')).toBe(
      true,
    );
    expect(devnet.nodes.some((node) => node.pooled)).toBe(true);
    expect(devnet.swarms.flatMap((swarm) => swarm.names).sort()).toEqual(
      devnet.nodes.map((node) => node.name).sort(),
    );
  });

  it("serves HTTPS only on every storage port, announced with Session's get_swarm fields", async () => {
    watchFailure();
    for (const node of devnet.nodes) {
      expect(node.url.startsWith('https://'), node.name).toBe(true);
      // Plain HTTP to the storage port gets no answer: it speaks TLS only.
      await expect(
        fetch(node.url.replace('https://', 'http://'), { signal: AbortSignal.timeout(30_000) }),
      ).rejects.toThrow(new TypeError('fetch failed'));
    }
    // What desktop sends to learn a swarm (get_snodes_for_pubkey over HTTPS, certificate not
    // checked), and Session's answer: address, pubkey_legacy, pubkey_x25519, pubkey_ed25519, port
    // as a string, port_https, ip; no port_omq / port_quic (no QUIC is served).
    const first = devnet.nodes[0] as DevnetFile['nodes'][number];
    const identity = crypto.identityFromSeed(new Uint8Array(32).fill(9));
    const response = await nodeFetch(`${first.url}/storage_rpc/v1`, {
      method: 'POST',
      body: JSON.stringify({
        method: 'get_snodes_for_pubkey',
        params: { pubkey: identity.sessionId },
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      snodes: { ip: string; port: string; port_https: number; pubkey_ed25519: string }[];
    };
    expect(body.snodes.length).toBeGreaterThan(0);
    for (const member of body.snodes) {
      expect(Object.keys(member)).toEqual([
        'address',
        'pubkey_legacy',
        'pubkey_x25519',
        'pubkey_ed25519',
        'port',
        'port_https',
        'ip',
      ]);
      const listed = devnet.nodes.find((node) => node.ed25519 === member.pubkey_ed25519);
      expect(listed?.url).toBe(`https://${member.ip}:${member.port}`);
      expect(member.port_https).toBe(Number(member.port));
    }
  });

  it('carries messages both ways between two SDK clients through onion paths', async () => {
    watchFailure();
    bobIdentity = crypto.generateIdentity();
    alice = await online(crypto.generateIdentity());
    bob = await online(bobIdentity);
    bobInbox = inbox(bob);
    const aliceInbox = inbox(alice);
    const sent = await alice.sendMessage(bob.sessionId as string, 'hello Bob');
    // The storage hash Bob sees (a first message, held for Bob's keys, has another local ID).
    const { hash: sentHash } = await alice.waitForDelivery(sent.id, {
      signal: AbortSignal.timeout(WAIT_MS),
    });
    await eventually(
      () => (bobInbox.has(sentHash) ? true : undefined),
      'Bob to receive "hello Bob"',
    );
    const reply = await bob.sendMessage(alice.sessionId as string, 'hello Alice');
    const { hash: replyHash } = await bob.waitForDelivery(reply.id, {
      signal: AbortSignal.timeout(WAIT_MS),
    });
    await eventually(
      () => (aliceInbox.has(replyHash) ? true : undefined),
      'Alice to receive the reply',
    );
    for (const made of [alice, bob]) {
      const paths = made.paths();
      expect(paths.length, logsHint()).toBeGreaterThan(0);
      for (const path of paths) {
        expect(path.nodes).toHaveLength(3);
        // One node per /24: the devnet gives each node its own loopback 127.0.x.1.
        expect(
          new Set(path.nodes.map((node) => node.ip.split('.').slice(0, 3).join('.'))).size,
        ).toBe(3);
      }
    }
  });

  it('loses no acknowledged message when a member of the recipient swarm is killed with kill -9 mid-stream', async () => {
    watchFailure();
    const state = await ledgerState();
    const swarm = swarmOf(state, bob.sessionId as string);
    const members = state.swarms.find((entry) => entry.id === swarm)?.members ?? [];
    victim = nodeNamed(members[0] as string);
    touched.add(victim.name);
    const deliveries: Promise<DeliveredMessage>[] = [];
    let killed: Promise<{ code: number; stdout: string; stderr: string }> | undefined;
    for (let i = 0; i < 20; i++) {
      const { id } = await alice.sendMessage(bob.sessionId as string, `stream ${i}`);
      streamed.push(id);
      deliveries.push(alice.waitForDelivery(id, { signal: AbortSignal.timeout(WAIT_MS) }));
      if (i === 5) killed = runCli(['kill', victim.name, '--dir', dir]);
      await sleep(150);
    }
    const kill = await killed;
    expect(kill?.code, kill?.stderr).toBe(0);
    expect(kill?.stdout).toMatch(new RegExp(`${victim.name} \\(pid \\d+\\) is gone after SIGKILL`));
    const outcomes = await Promise.allSettled(deliveries);
    // Storage hashes (the IDs Bob sees): a message held for keys keeps another local ID.
    const acknowledged = outcomes.flatMap((outcome) =>
      outcome.status === 'fulfilled' ? [outcome.value.hash] : [],
    );
    streamed.splice(0, streamed.length, ...acknowledged);
    expect(acknowledged.length, `acknowledged ${acknowledged.length} of 20; ${logsHint()}`).toBe(
      20,
    );
    await eventually(
      () => (acknowledged.every((id) => bobInbox.has(id)) ? true : undefined),
      `Bob to receive all ${acknowledged.length} acknowledged messages (has ${acknowledged.filter((id) => bobInbox.has(id)).length})`,
    );
    const status = await runCli(['status', '--json', '--dir', dir]);
    const processes = (
      JSON.parse(status.stdout) as { processes: { name: string; running: boolean }[] }
    ).processes;
    expect(processes.find((entry) => entry.name === victim.name)?.running).toBe(false);
  });

  it('restarts the killed node, which catches up on what was stored while it was down', async () => {
    watchFailure();
    const restart = await runCli(['restart', victim.name, '--dir', dir]);
    expect(restart.code, `${restart.stderr}; ${logsHint()}`).toBe(0);
    expect(restart.stdout).toContain(`${victim.name} restarted (it was not running), ready after`);
    const held = await eventually(async () => {
      const hashes = await storedOn(victim.url, bobIdentity);
      return streamed.every((id) => hashes.has(id)) ? hashes : undefined;
    }, `${victim.name} to hold all 20 streamed messages after its restart`);
    expect(held.size).toBeGreaterThanOrEqual(20);
  });

  it("runs DEVNET.md's kill/restart drill: killed past its proof validity it is decommissioned, and restart brings it back active", async () => {
    watchFailure();
    // Another node than the one killed above (outside Bob's swarm when there is more than one
    // swarm), on the devnet's own parameter set.
    const state = await ledgerState();
    const bobSwarm = swarmOf(state, bob.sessionId as string);
    const candidates = state.nodes.filter(
      (node) => node.ed25519 !== victim.ed25519 && node.status === 'active',
    );
    const key = (candidates.find((node) => node.swarmId !== bobSwarm) ?? candidates.at(-1))
      ?.ed25519;
    if (key === undefined) throw new Error('no active node to drill');
    const drilled = nodeNamed(key);
    touched.add(drilled.name);
    const statusOf = async () =>
      (await ledgerState()).nodes.find((node) => node.ed25519 === drilled.ed25519)?.status;
    expect(await statusOf()).toBe('active');
    const kill = await runCli(['kill', drilled.name, '--dir', dir]);
    expect(kill.code, kill.stderr).toBe(0);
    // No proof for longer than their validity (11 s): the ledger decommissions it, and `up`
    // says so.
    await eventually(
      async () => ((await statusOf()) === 'decommissioned' ? true : undefined),
      `${drilled.name} to be decommissioned after its kill`,
    );
    await eventually(
      () =>
        readFileSync(inject('devnetOutput'), 'utf8').includes(
          `${drilled.name}: active → decommissioned`,
        )
          ? true
          : undefined,
      `up to report ${drilled.name} decommissioned`,
    );
    const restart = await runCli(['restart', drilled.name, '--dir', dir]);
    expect(restart.code, `${restart.stderr}; ${logsHint()}`).toBe(0);
    // Its first proof recommissions it: the decommission credit (120 blocks) outlasted the outage.
    await eventually(
      async () => ((await statusOf()) === 'active' ? true : undefined),
      `${drilled.name} to be active again after restart`,
    );
    const answer = await fetch(`${devnet.ledger.url}/node/${drilled.ed25519}`);
    const { history } = (await answer.json()) as { history: { type: string }[] };
    const events = history.map((event) => event.type);
    expect(events.slice(events.lastIndexOf('decommissioned'))).toEqual([
      'decommissioned',
      'recommissioned',
    ]);
    expect(events).not.toContain('deregistered');
  });

  it('adds a node registered while the devnet runs: it joins a swarm and receives its messages', async () => {
    watchFailure();
    // Accounts with a message each before the node joins, whichever swarm it joins.
    const recipients = Array.from({ length: 8 }, () => crypto.generateIdentity());
    const before = new Map<string, string>();
    for (const recipient of recipients) {
      const { id } = await alice.sendMessage(recipient.sessionId, 'before the join');
      before.set(recipient.sessionId, id);
    }
    for (const [to, id] of before) {
      before.set(
        to,
        (await alice.waitForDelivery(id, { signal: AbortSignal.timeout(WAIT_MS) })).hash,
      );
    }
    const added = await runCli(['add-node', '--json', '--dir', dir]);
    expect(added.code, `${added.stderr}; ${logsHint()}`).toBe(0);
    const entry = JSON.parse(added.stdout) as DevnetFile['nodes'][number];
    touched.add(entry.name);
    expect(entry).toMatchObject({ name: 'node-13', status: 'active' });
    expect(entry.swarm).not.toBeNull();
    const state = await ledgerState();
    const mine = recipients.filter(
      (recipient) => swarmOf(state, recipient.sessionId) === entry.swarm,
    );
    expect(
      mine.length,
      `no test account maps to ${entry.name}'s swarm ${entry.swarm}`,
    ).toBeGreaterThan(0);
    const recipient = mine[0] as Identity;
    await eventually(async () => {
      const hashes = await storedOn(entry.url, recipient);
      return hashes.has(before.get(recipient.sessionId) as string) ? true : undefined;
    }, `${entry.name} to receive its swarm's earlier message`);
    const after = await alice.sendMessage(recipient.sessionId, 'after the join');
    const { hash: afterHash } = await alice.waitForDelivery(after.id, {
      signal: AbortSignal.timeout(WAIT_MS),
    });
    await eventually(async () => {
      const hashes = await storedOn(entry.url, recipient);
      return hashes.has(afterHash) ? true : undefined;
    }, `${entry.name} to receive a message sent after it joined`);
    expect(readDevnetFile(dir)?.nodes.map((node) => node.name)).toContain('node-13');
  });

  it('shows all of it: status, logs, and the foreground up reporting the changes', async () => {
    watchFailure();
    // A node restarted after missing its proofs may be decommissioned for a few seconds
    // until its next proof is in a block.
    const status = await eventually(async () => {
      const run = await runCli(['status', '--dir', dir]);
      return run.code === 0 ? run : undefined;
    }, 'status to show every process running and ready');
    // The ledger, 13 nodes and the relay beside each node.
    expect(status.stdout).toContain('27 of 27 ready.');
    expect(status.stdout).toContain(`murmur-devnet up pid ${launcherPid} (ready since`);
    const logs = await runCli(['logs', victim.name, '-n', '5', '--dir', dir]);
    expect(logs.code).toBe(0);
    expect(logs.stdout.trim().split('\n')).toHaveLength(5);
    const output = readFileSync(inject('devnetOutput'), 'utf8');
    expect(output).toContain(`${victim.name} stopped`);
    expect(output).toContain(`${victim.name} running`);
    expect(output).toContain('node-13 registered: active');
  });

  it('stops every process with down, and nothing else', async () => {
    watchFailure();
    for (const made of clients.splice(0)) await made.stop();
    const pids = [...recordedPids(dir), launcherPid];
    const bystander = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    try {
      const down = await runCli(['down', '--dir', dir]);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toMatch(
        /Stopped the ledger and 13 nodes \(node-01 … node-13\) and their 13 relays and murmur-devnet up/,
      );
      expect(down.stdout).toContain('no devnet process is left');
      expect(await leftovers(dir, pids), logsHint()).toEqual([]);
      expect(alive(launcherPid)).toBe(false);
      expect(alive(bystander.pid as number)).toBe(true);
      expect(readFileSync(inject('devnetOutput'), 'utf8')).toMatch(
        /SIGTERM: stopping the devnet[\s\S]*✔ Stopped the ledger and 13 nodes/,
      );
    } finally {
      bystander.kill('SIGKILL');
    }
  });
});
