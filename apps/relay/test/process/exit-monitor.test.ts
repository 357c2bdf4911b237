/**
 * The exit's monitor wiring with real processes on loopback: a `murmur-node` (HTTPS, its own
 * key) and three `murmur-relay` processes, the third one beside the node with the node's data
 * directory (so the same identity) and `--node-url` pointing at it. A client builds a circuit
 * with the real CircuitBuilder, SUBSCRIBEs an account with a MONITOR2 signature for that exit,
 * and receives a NOTIFY for each message stored at the node; then DESTROY unsubscribes at the
 * node, and a restart of the node is survived (the exit subscribes again).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { relayConnector } from '../../src/local-relays.js';

const here = dirname(fileURLToPath(import.meta.url));
const relayCli = resolve(here, '..', '..', 'dist', 'cli.js');
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
const children: Started[] = [];
let node: Started;
let nodeDir: string;
let storagePort: number;
const relays: CircuitRelay[] = [];
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
  const body = (await response.json()) as { hash: string };
  expect(response.status).toBe(200);
  return body.hash;
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
  // Guard and middle: keys of their own. The exit: the node's data directory (its key).
  const dirs = [join(root, 'relay-1'), join(root, 'relay-2'), join(root, 'node')];
  for (const dir of dirs) {
    execFileSync(process.execPath, [nodeCli, 'init', '--data-dir', dir], { stdio: 'ignore' });
  }
  nodeDir = dirs[2] as string;
  storagePort = await freePort();
  const entries = [];
  for (const dir of dirs) {
    const key = JSON.parse(readFileSync(join(dir, 'key.json'), 'utf8')) as {
      ed25519PublicKey: string;
    };
    const port = await freePort();
    entries.push({ ed25519: key.ed25519PublicKey, ip: '127.0.0.1', relayPort: port });
    relays.push({
      ed25519: key.ed25519PublicKey,
      x25519: bytesToHex(crypto.ed25519PublicKeyToX25519(hexToBytes(key.ed25519PublicKey))),
      ip: '127.0.0.1',
      port,
    });
  }
  writeFileSync(join(root, 'relays.json'), JSON.stringify({ nodes: entries }));
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
  for (const [index, dir] of dirs.entries()) {
    const args = [
      'start',
      '--data-dir',
      dir,
      '--host',
      '127.0.0.1',
      '--port',
      String(relays[index]?.port),
      '--network-file',
      join(root, 'relays.json'),
      '--log-level',
      'warn',
    ];
    if (index === 2) args.push('--node-url', `https://127.0.0.1:${storagePort}`);
    children.push(await run(relayCli, args, '"ready":true'));
  }
  builder = createCircuitBuilder({}, { crypto, connect: relayConnector() });
}, 120_000);

afterAll(async () => {
  builder?.close();
  for (const started of [...children, node]) started?.child.kill('SIGKILL');
  await Promise.all([...children, node].map((started) => started?.exited));
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
    expect(await nodeMetric('murmur_monitor_subscriptions')).toBe(1);

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
    const timestamp = Date.now();
    const fetched = await circuit.request({
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
    expect(fetched.code).toBe(200);
    const messages = (fetched.body as { messages: { hash: string; data: string }[] }).messages;
    expect(messages.find((message) => message.hash === big)?.data).toBe(
      Buffer.from('x'.repeat(20_000)).toString('base64'),
    );

    circuit.destroy();
    await until(
      async () => (await nodeMetric('murmur_monitor_subscriptions')) === 0,
      'the node to drop the subscription',
    );
  });

  it('the exit subscribes again after its node restarts', async () => {
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

    node.child.kill('SIGTERM');
    await node.exited;
    node = await startNode();
    await until(
      async () => (await nodeMetric('murmur_monitor_subscriptions')) === 1,
      'the exit to subscribe again',
    );
    const hash = await store(account.sessionId, 'after the restart');
    await until(() => notes.length >= 1, 'a notification after the restart');
    await circuit.ping();
    expect(notes.map((event) => event.notification.hash)).toEqual([hash]);
    expect(ended).toEqual([]);
    circuit.destroy();
  });
});
