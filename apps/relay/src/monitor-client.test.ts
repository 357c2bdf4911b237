/**
 * The exit's monitor client against a whole murmur-node in this process (real SQLite, HTTPS and
 * its `/monitor/v1`): notifications reach the sink; a node that stays down ends every
 * subscription with 8; a renewal the node refuses (the account is no longer in its swarm) ends
 * that subscription with the node's code; a node that cannot be reached fails fast.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Identity, loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import {
  createKeyFile,
  createStaticNetworkView,
  type NodeKeys,
  type RunningNode,
  resolveConfig,
  startNode,
} from '@murmur/service-node';
import { bytesToHex, hexToBytes, type Logger, monitorSignatureMessage } from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitorClient, type MonitorNotification } from './monitor-client.js';

const SWARM = 0x2000_0000_0000_0000n;
const OTHER = 0xa000_0000_0000_0000n;
const nodeFetch = createNodeFetch({ keepAlive: false });
const logger = pino({ level: 'silent' }) as unknown as Logger;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

let crypto: MurmurCrypto;
let dataDir: string;
let keys: NodeKeys;
let port: number;
let node: RunningNode | undefined;
let stranger: Identity;

/** Starts the node alone in SWARM (or, with `inSwarm` false, with SWARM held by a stranger). */
async function start(inSwarm = true): Promise<RunningNode> {
  const { config } = resolveConfig({
    flags: {
      'data-dir': dataDir,
      listen: '127.0.0.1',
      port: String(port),
      'rate-limit': 'false',
      'log-level': 'silent',
      'catch-up-interval': '0',
    },
    env: {},
  });
  const network = createStaticNetworkView({
    self: { ed25519: keys.ed25519Hex, x25519: keys.x25519Hex },
    nodes: nodesOf(inSwarm),
  });
  return startNode(config, { logger: pino({ level: 'silent' }), crypto, network });
}

/** The network: this node alone in SWARM, or in OTHER with a stranger holding SWARM. */
function nodesOf(inSwarm: boolean) {
  const nodes = [
    {
      ed25519: keys.ed25519Hex,
      x25519: keys.x25519Hex,
      ip: '127.0.0.1',
      storagePort: port,
      relayPort: undefined,
      swarmId: inSwarm ? SWARM : OTHER,
    },
  ];
  if (!inSwarm) {
    nodes.push({
      ed25519: bytesToHex(stranger.ed25519.publicKey),
      x25519: bytesToHex(stranger.x25519.publicKey),
      ip: '127.0.0.2',
      storagePort: 1,
      relayPort: undefined,
      swarmId: SWARM,
    });
  }
  return nodes;
}

function subscribeRequest(account: Identity) {
  const t = Math.floor(Date.now() / 1000);
  const signature = crypto.sign(
    monitorSignatureMessage(hexToBytes(account.sessionId), t, [0], keys.ed25519.publicKey),
    account.ed25519.secretKey,
  );
  return { P: bytesToHex(account.ed25519.publicKey), n: [0], t, s: bytesToHex(signature) };
}

async function store(account: Identity, text: string): Promise<string> {
  // Again after a 503: the node sheds load when this shared machine is busy (clients retry).
  for (let attempt = 0; ; attempt++) {
    const response = await nodeFetch(`https://127.0.0.1:${port}/storage_rpc/v1`, {
      method: 'POST',
      body: JSON.stringify({
        method: 'store',
        params: {
          pubkey: account.sessionId,
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
    expect(response.status).toBe(200);
    return ((await response.json()) as { hash: string }).hash;
  }
}

/** A sink that records. */
function recorder() {
  const notes: MonitorNotification[] = [];
  const ended: { errcode: number; text: string }[] = [];
  return {
    notes,
    ended,
    sink: {
      notify: (notification: MonitorNotification) => notes.push(notification),
      ended: (errcode: number, text: string) => ended.push({ errcode, text }),
    },
  };
}

beforeAll(async () => {
  crypto = await loadCrypto();
  dataDir = mkdtempSync(join(tmpdir(), 'murmur-monitor-client-'));
  keys = createKeyFile(crypto, dataDir);
  stranger = crypto.generateIdentity();
  port = await freePort();
  node = await start();
}, 60_000);

afterAll(async () => {
  await node?.close();
  nodeFetch.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the exit monitor client', () => {
  it('delivers notifications; a node that stays down ends the subscriptions with 8', async () => {
    const client = createMonitorClient(
      {
        nodeUrl: `https://127.0.0.1:${port}`,
        reconnectMinMs: 20,
        reconnectMaxMs: 50,
        giveUpMs: 300,
      },
      { crypto, ed25519: keys.ed25519, logger },
    );
    const account = crypto.generateIdentity();
    const { notes, ended, sink } = recorder();
    const { answer } = await client.subscribe(subscribeRequest(account), sink, {
      signal: new AbortController().signal,
    });
    expect(answer).toEqual({ success: true });
    const hash = await store(account, 'hello');
    await until(() => notes.length === 1, 'a notification');
    expect(notes[0]?.hash).toBe(hash);
    expect(Buffer.from(notes[0]?.data as Uint8Array).toString()).toBe('hello');
    expect(client.stats()).toMatchObject({ connected: true, subscriptions: 1 });

    await node?.close();
    node = undefined;
    await until(() => ended.length === 1, 'the subscription to end');
    expect(ended[0]?.errcode).toBe(8);
    expect(client.stats().subscriptions).toBe(0);
    client.close();
    node = await start();
  });

  it('ends a subscription whose renewal the node refuses, with the node’s code', async () => {
    const client = createMonitorClient(
      {
        nodeUrl: `https://127.0.0.1:${port}`,
        reconnectMinMs: 20,
        reconnectMaxMs: 50,
        giveUpMs: 20_000,
      },
      { crypto, ed25519: keys.ed25519, logger },
    );
    // An account that SWARM holds once the stranger has it.
    const split = createStaticNetworkView({
      self: { ed25519: keys.ed25519Hex, x25519: keys.x25519Hex },
      nodes: nodesOf(false),
    }).snapshot();
    let account = crypto.generateIdentity();
    while (split?.swarmFor(account.sessionId)?.id !== SWARM) account = crypto.generateIdentity();
    const { ended, sink } = recorder();
    const { answer } = await client.subscribe(subscribeRequest(account), sink, {
      signal: new AbortController().signal,
    });
    expect(answer).toEqual({ success: true });
    // The node comes back out of the account's swarm: the renewal gets 6.
    await node?.close();
    node = await start(false);
    await until(() => ended.length === 1, 'the refused renewal');
    expect(ended[0]?.errcode).toBe(6);
    client.close();
    await node.close();
    node = await start();
  });

  it('refuses a monitor endpoint that is not the node it expects', async () => {
    const client = createMonitorClient(
      { nodeUrl: `https://127.0.0.1:${port}`, nodeEd25519: stranger.ed25519.publicKey },
      { crypto, ed25519: keys.ed25519, logger },
    );
    await expect(
      client.subscribe(subscribeRequest(crypto.generateIdentity()), recorder().sink, {
        signal: new AbortController().signal,
      }),
    ).rejects.toThrow(/monitor endpoint closed the link/);
    expect(client.stats().connected).toBe(false);
    client.close();
  });

  it('fails a subscription at once when the node cannot be reached', async () => {
    const client = createMonitorClient(
      { nodeUrl: `https://127.0.0.1:${await freePort()}` },
      { crypto, ed25519: keys.ed25519, logger },
    );
    const account = crypto.generateIdentity();
    await expect(
      client.subscribe(subscribeRequest(account), recorder().sink, {
        signal: new AbortController().signal,
      }),
    ).rejects.toThrow(/monitor endpoint closed the link/);
    client.close();
  });
});
