/**
 * `murmur-devnet up --ledger evm`, as people run it: anvil from npm as the devnet's ledger
 * process, Murmur's contracts deployed, every node staked through the contract (pooled ones
 * filled by contributors) and following it with `--chain`; two SDK clients that follow the same
 * contract (`createEvmLedgerSource`) exchange messages through onion paths — those of `--demo`,
 * which follow devnet.json's contract and receive by polls (no relays there), and two of the
 * test's own; `down` stops everything, anvil included.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, createMemoryStorage, type MurmurClient } from '@murmur/client';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { createEvmLedgerSource } from '@murmur/registry/evm';
import { stripAnsi } from '@murmur/terminal';
import { sleep } from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevnetFile, readDevnetFile } from '../../src/launcher/devnet-file.js';
import { leftovers, recordedPids, runCli, UpProcess } from './launcher-support.js';

const NODES = 6;
const WAIT_MS = 60_000;
let root: string;
let dir: string;
let up: UpProcess;
let crypto: MurmurCrypto;
const clients: MurmurClient[] = [];
const nodeFetch = createNodeFetch();

async function ready(): Promise<void> {
  const launcherFile = join(dir, 'launcher.json');
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (existsSync(launcherFile)) {
      try {
        const record = JSON.parse(readFileSync(launcherFile, 'utf8')) as { state?: string };
        if (record.state === 'ready') return;
      } catch {
        // Being written.
      }
    }
    if (up.exitCode !== undefined || Date.now() > deadline) {
      throw new Error(`murmur-devnet up --ledger evm did not get ready; output:\n${up.output()}`);
    }
    await sleep(100);
  }
}

beforeAll(async () => {
  crypto = await loadCrypto();
  root = mkdtempSync(join(tmpdir(), 'murmur-devnet-evm-e2e-'));
  dir = join(root, 'devnet');
  up = UpProcess.start(
    [
      '--ledger',
      'evm',
      '--demo',
      '--nodes',
      String(NODES),
      '--base-port',
      '0',
      '--dir',
      dir,
      '--fresh',
    ],
    join(root, 'up.out'),
  );
  await ready();
}, 180_000);

afterAll(async () => {
  for (const made of clients) await made.stop().catch(() => undefined);
  nodeFetch.close();
  if (up !== undefined && up.exitCode === undefined) {
    await runCli(['down', '--dir', dir], { timeoutMs: 60_000 }).catch(() => undefined);
    await up.waitForExit(30_000).catch(() => undefined);
  }
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

describe('murmur-devnet up --ledger evm', () => {
  it('stakes every node through the contract on anvil and describes the chain in devnet.json', () => {
    const file = readDevnetFile(dir) as DevnetFile;
    expect(file.evm?.contract).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(file.chainId).toBe(`evm-${file.evm?.chainId}-${file.evm?.contract.toLowerCase()}`);
    expect(file.nodes).toHaveLength(NODES);
    expect(file.nodes.every((node) => node.status === 'active' && node.swarm !== null)).toBe(true);
    // Every third node is pooled: its operator and two or three contributors.
    expect(file.nodes.filter((node) => node.contributors > 1).map((node) => node.name)).toEqual([
      'node-03',
      'node-06',
    ]);
    expect(up.output()).toMatch(/registered through the contract/);
  });

  it("runs --demo: its two clients follow devnet.json's contract and all 4 messages arrive by polls", async () => {
    const file = readDevnetFile(dir) as DevnetFile;
    const contract = file.evm?.contract as string;
    // The demo ends with its summary line, or says why it stopped; a hang guard only.
    const text = stripAnsi(
      await up.waitForOutput(/messages, median|demo stopped|demo not started/, 300_000),
    );
    const demo = text.slice(text.indexOf('Demo: two clients'));
    expect(demo).not.toMatch(/demo stopped|demo not started/);
    expect(demo).toContain(`following the staking contract ${contract} on ${file.evm?.rpcUrl}`);
    expect(demo).not.toContain('opened no circuit');
    const arrived = demo.split('\n').filter((line) => / arrived\s+"/.test(line));
    expect(arrived).toHaveLength(4);
    expect(arrived.every((line) => line.includes(' by a poll '))).toBe(true);
    expect(demo).toMatch(/4 messages, median .* 0 over circuits .* 4 by polls/);
  }, 320_000);

  it('carries messages both ways between two clients that follow the contract', async () => {
    const file = readDevnetFile(dir) as DevnetFile;
    const evm = file.evm as NonNullable<DevnetFile['evm']>;
    const online = async () => {
      const made = createClient(
        {
          ledger: createEvmLedgerSource(
            {
              rpcUrl: evm.rpcUrl,
              contract: evm.contract as `0x${string}`,
              deploymentBlock: BigInt(evm.deploymentBlock),
              confirmations: 0,
              pollIntervalMs: 250,
              requirePublicIp: false,
            },
            { crypto },
          ),
          identity: crypto.generateIdentity(),
          pollIntervalMs: 250,
          outbox: { initialBackoffMs: 200, maxBackoffMs: 2_000 },
          paths: { retryInitialMs: 200, retryMaxMs: 2_000 },
        },
        { crypto, storage: createMemoryStorage(), fetch: nodeFetch },
      );
      clients.push(made);
      await made.start();
      await made.whenReady({ signal: AbortSignal.timeout(WAIT_MS) });
      return made;
    };
    const alice = await online();
    const bob = await online();
    const received = (made: MurmurClient) => {
      const texts: string[] = [];
      made.on('message', (message) => texts.push(message.text));
      return texts;
    };
    const bobInbox = received(bob);
    const aliceInbox = received(alice);
    const sent = await alice.sendMessage(bob.sessionId as string, 'hello Bob, over the EVM ledger');
    await alice.waitForDelivery(sent.id, { signal: AbortSignal.timeout(WAIT_MS) });
    const reply = await bob.sendMessage(alice.sessionId as string, 'hello Alice');
    await bob.waitForDelivery(reply.id, { signal: AbortSignal.timeout(WAIT_MS) });
    const deadline = Date.now() + WAIT_MS;
    while ((bobInbox.length === 0 || aliceInbox.length === 0) && Date.now() < deadline) {
      await sleep(100);
    }
    expect(bobInbox).toEqual(['hello Bob, over the EVM ledger']);
    expect(aliceInbox).toEqual(['hello Alice']);
    for (const made of [alice, bob]) {
      for (const path of made.paths()) expect(path.nodes).toHaveLength(3);
    }
  });

  it('stops every process, anvil included, with down', async () => {
    const pids = recordedPids(dir);
    expect(pids.length).toBeGreaterThan(NODES);
    const down = await runCli(['down', '--dir', dir], { timeoutMs: 60_000 });
    expect(down.code).toBe(0);
    expect(await up.waitForExit(30_000)).toBe(0);
    expect(await leftovers(dir, [...pids, up.pid])).toEqual([]);
  });
});
