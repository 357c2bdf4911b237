/**
 * The exit's monitor wiring with real processes on loopback: three `murmur-relay` processes
 * (`startLocalRelays`) and a `murmur-node` (HTTPS) started in the third relay's data directory,
 * so with the same identity, as an operator runs them; the relays' `--node-url` points at it. A client builds a circuit
 * with the real CircuitBuilder, SUBSCRIBEs an account with a MONITOR2 signature for that exit,
 * and receives a NOTIFY for each message stored at the node; then DESTROY unsubscribes at the
 * node, and a restart of the node is survived (the exit subscribes again).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CircuitBuilder,
  type CircuitEvents,
  type CircuitRelay,
  createCircuitBuilder,
  monitorSignatureMessage,
} from '@murmur/circuits';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, hexToBytes } from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRelays, relayConnector, startLocalRelays } from '../../src/local-relays.js';

const here = dirname(fileURLToPath(import.meta.url));
const nodeCli = resolve(here, '..', '..', '..', 'service-node', 'dist', 'cli.js');
const nodeFetch = createNodeFetch({ keepAlive: false });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Resolves when `predicate` holds, polling; a hang guard only. */
async function until(predicate: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
}

function run(program: string, args: string[], readyText: string): Promise<Started> {
  const child = spawn(process.execPath, [program, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return new Promise<Started>((done, fail) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(readyText)) done({ child, exited });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => fail(new Error(`${program} exited with ${code}: ${out}`)));
  });
}

let crypto: MurmurCrypto;
let local: LocalRelays | undefined;
let node: Started;
let nodeDir: string;
let storagePort: number;
let relays: CircuitRelay[] = [];
let builder: CircuitBuilder;
let root: string;

async function startNode(): Promise<Started> {
  const started = await run(
    nodeCli,
    [
      'start',
      '--data-dir',
      nodeDir,
      '--listen',
      '127.0.0.1',
      '--port',
      String(storagePort),
      '--network-file',
      join(root, 'node-network.json'),
      '--log-level',
      'info',
    ],
    'murmur-node listening',
  );
  await until(async () => {
    try {
      return (await nodeFetch(`https://127.0.0.1:${storagePort}/health`)).status === 200;
    } catch {
      return false;
    }
  }, 'the node to be ready');
  return started;
}

async function store(account: string, text: string): Promise<string> {
  // Again after a 503: the node sheds load when this shared machine is busy (clients retry).
  for (let attempt = 0; ; attempt++) {
    const response = await nodeFetch(`https://127.0.0.1:${storagePort}/storage_rpc/v1`, {
      method: 'POST',
      body: JSON.stringify({
        method: 'store',
        params: {
          pubkey: account,
          timestamp: Date.now(),
          ttl: 3_600_000,
          data: Buffer.from(text).toString('base64'),
        },
      }),
    });
    // A busy node sheds with 503: retried for at least 30 s (a hang guard, not a deadline).
    if (response.status === 503 && attempt < 300) {
      await new Promise((done) => setTimeout(done, 100));
      continue;
    }
    const body = (await response.json()) as { hash: string };
    expect(response.status).toBe(200);
    return body.hash;
  }
}

async function nodeMetric(name: string): Promise<number> {
  const text = await (await nodeFetch(`https://127.0.0.1:${storagePort}/metrics`)).text();
  const match = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  return Number(match?.[1] ?? Number.NaN);
}

beforeAll(async () => {
  if (!existsSync(nodeCli)) {
    throw new Error(
      `murmur-node is not built (${nodeCli}): run \`pnpm --filter @murmur/service-node build\``,
    );
  }
  crypto = await loadCrypto();
  root = mkdtempSync(join(tmpdir(), 'murmur-exit-monitor-'));
  storagePort = await freePort();
  local = await startLocalRelays(
    { count: 3, args: ['--node-url', `https://127.0.0.1:${storagePort}`] },
    { crypto },
  );
  relays = local.infos;
  // The node runs with the exit relay's key (its data directory), as an operator runs both.
  nodeDir = local.relays[2]?.dataDir as string;
  // The node's network: itself alone in one swarm (every account is its swarm's).
  writeFileSync(
    join(root, 'node-network.json'),
    JSON.stringify({
      nodes: [
        {
          ed25519: relays[2]?.ed25519,
          ip: '127.0.0.1',
          storagePort,
          relayPort: relays[2]?.port,
          swarmId: 0,
        },
      ],
    }),
  );
  node = await startNode();
  builder = createCircuitBuilder({}, { crypto, connect: relayConnector() });
}, 120_000);

afterAll(async () => {
  builder?.close();
  node?.child.kill('SIGKILL');
  await node?.exited;
  await local?.stop();
  nodeFetch.close();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

describe('the exit subscribes at its node', () => {
  it('SUBSCRIBE over a circuit gets NOTIFY for each message stored at the node; DESTROY unsubscribes', async () => {
    const circuit = await builder.build(relays as [CircuitRelay, CircuitRelay, CircuitRelay]);
    const notes: CircuitEvents['notify'][] = [];
    circuit.on('notify', (event) => notes.push(event));
    const account = crypto.generateIdentity();
    const accountBytes = hexToBytes(account.sessionId);
    const sign = (t: number, namespaces: number[], exit = circuit.exitEd25519) =>
      crypto.sign(
        monitorSignatureMessage(accountBytes, t, namespaces, exit),
        account.ed25519.secretKey,
      );
    const now = Math.floor(Date.now() / 1000);

    // Refused at the node: 11 minutes old, or signed for another exit.
    expect(
      await circuit.subscribe({
        ed25519: account.ed25519.publicKey,
        namespaces: [0],
        timestamp: now - 660,
        signature: sign(now - 660, [0]),
      }),
    ).toMatchObject({ success: false, errcode: 4 });
    expect(
      await circuit.subscribe({
        ed25519: account.ed25519.publicKey,
        namespaces: [0],
        timestamp: now,
        signature: sign(now, [0], hexToBytes(relays[0]?.ed25519 as string)),
      }),
    ).toMatchObject({ success: false, errcode: 5 });

    expect(
      await circuit.subscribe({
        ed25519: account.ed25519.publicKey,
        namespaces: [0],
        timestamp: now,
        signature: sign(now, [0]),
      }),
    ).toEqual({ success: true });
    await until(
      async () => (await nodeMetric('murmur_monitor_subscriptions')) === 1,
      'one subscription at the node',
    );

    const first = await store(account.sessionId, 'first over a circuit');
    const big = await store(account.sessionId, 'x'.repeat(20_000));
    const last = await store(account.sessionId, 'last');
    await until(() => notes.length >= 3, 'three notifications');
    // Count once, after the last one is in: each message exactly once, in order.
    await circuit.ping();
    expect(notes.map((event) => event.notification.hash)).toEqual([first, big, last]);
    const [one, two] = notes;
    expect(bytesToHex(one?.notification.account as Uint8Array)).toBe(account.sessionId);
    expect(Buffer.from(one?.notification.data as Uint8Array).toString()).toBe(
      'first over a circuit',
    );
    expect(one?.notification.namespace).toBe(0);
    // Above 16 KiB: announced without its data (the client fetches it with DATA).
    expect(two?.notification.data).toBeUndefined();
    // A retrieve through the exit (again after a 503 from a busy node).
    let fetched = { code: 503, body: undefined as unknown };
    for (let attempt = 0; fetched.code === 503 && attempt < 300; attempt++) {
      if (attempt > 0) await new Promise((done) => setTimeout(done, 100));
      const timestamp = Date.now();
      fetched = await circuit.request({
        method: 'retrieve',
        params: {
          pubkey: account.sessionId,
          namespace: 0,
          timestamp,
          signature: crypto.signRequest(
            'retrieve',
            { namespace: 0, timestamp },
            account.ed25519.secretKey,
          ),
          pubkey_ed25519: bytesToHex(account.ed25519.publicKey),
        },
      });
    }
    expect(fetched.code).toBe(200);
    const messages = (fetched.body as { messages: { hash: string; data: string }[] }).messages;
    expect(messages.find((message) => message.hash === big)?.data).toBe(
      Buffer.from('x'.repeat(20_000)).toString('base64'),
    );

    const relayMetrics = await (await fetch(`http://127.0.0.1:${relays[2]?.port}/metrics`)).text();
    expect(relayMetrics).toMatch(/^murmur_relay_monitor_link_up 1$/m);
    expect(relayMetrics).toMatch(/^murmur_relay_monitor_subscriptions 1$/m);

    circuit.destroy();
    await until(
      async () => (await nodeMetric('murmur_monitor_subscriptions')) === 0,
      'the node to drop the subscription',
    );
    const health = (await (await fetch(`http://127.0.0.1:${relays[2]?.port}/health`)).json()) as {
      monitor: { subscriptions: number };
    };
    expect(health.monitor.subscriptions).toBe(0);
  });

  it('the exit subscribes again after its node restarts, and nothing stored meanwhile is lost', async () => {
    const circuit = await builder.build(relays as [CircuitRelay, CircuitRelay, CircuitRelay]);
    const notes: CircuitEvents['notify'][] = [];
    circuit.on('notify', (event) => notes.push(event));
    const ended: unknown[] = [];
    circuit.on('subscriptionEnded', (event) => ended.push(event));
    const account = crypto.generateIdentity();
    const now = Math.floor(Date.now() / 1000);
    const signature = crypto.sign(
      monitorSignatureMessage(hexToBytes(account.sessionId), now, [0], circuit.exitEd25519),
      account.ed25519.secretKey,
    );
    expect(
      await circuit.subscribe({
        ed25519: account.ed25519.publicKey,
        namespaces: [0],
        timestamp: now,
        signature,
      }),
    ).toEqual({ success: true });

    const before = await store(account.sessionId, 'before the restart');
    await until(() => notes.length >= 1, 'the first notification');
    node.child.kill('SIGTERM');
    await node.exited;
    node = await startNode();
    // Stored as soon as the node is back, most likely before the exit's link is: the renewal's
    // replay (or, if the link was faster, the live notification) brings it, once.
    const during = await store(account.sessionId, 'right after the restart');
    await until(
      async () => (await nodeMetric('murmur_monitor_subscriptions')) === 1,
      'the exit to subscribe again',
    );
    const after = await store(account.sessionId, 'after the renewal');
    await until(() => notes.length >= 3, 'the notifications after the restart');
    await circuit.ping();
    expect(notes.map((event) => event.notification.hash)).toEqual([before, during, after]);
    expect(ended).toEqual([]);
    circuit.destroy();
  });
});
