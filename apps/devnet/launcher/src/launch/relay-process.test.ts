/** The relay beside each node: names, URLs, flags, and the health wait against a real server. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server } from 'node:net';
import { loadCrypto } from '@murmur/crypto';
import { describe, expect, it } from 'vitest';
import { PortInUseError } from '../errors.js';
import { testnetLayout } from '../manifest.js';
import { stopProcess } from '../processes/managed-process.js';
import { readPidsFile } from '../processes/pids-file.js';
import { createProgressTracker } from '../progress.js';
import { manifestNode, tempDir, testContext, writeProgram } from '../test-support/context.js';
import { memoryLedgerClient } from '../test-support/memory-ledger-client.js';
import {
  relayHealth,
  relayName,
  relayNodeName,
  relaySettings,
  relayUrl,
  runsRelays,
  spawnRelays,
  waitForRelays,
} from './relay-process.js';

const node = {
  name: 'node-07',
  index: 7,
  host: '127.0.7.1',
  storagePort: 22113,
  relayPort: 22114,
  pooled: false,
};

describe('relay processes', () => {
  it('are named after their node, and dialled at ws://address:relayPort/', () => {
    expect(relayName('node-07')).toBe('node-07/relay');
    expect(relayNodeName('node-07/relay')).toBe('node-07');
    expect(relayNodeName('node-07')).toBeUndefined();
    expect(relayUrl(node)).toBe('ws://127.0.7.1:22114/');
    expect(runsRelays({ programs: { ledgerCli: 'a', nodeCli: 'b' } })).toBe(false);
    expect(runsRelays({ programs: { ledgerCli: 'a', nodeCli: 'b', relayCli: 'c' } })).toBe(true);
  });

  it("start with the node's data directory, address, relay port, the ledger and the node as upstream", () => {
    const layout = testnetLayout('/d');
    const manifest = { host: '127.0.0.1', ledgerPort: 22100, logLevel: 'info' } as never;
    expect(relaySettings({ layout, manifest }, node)).toEqual([
      '--data-dir',
      '/d/nodes/node-07',
      '--host',
      '127.0.7.1',
      '--port',
      '22114',
      '--ledger-url',
      'http://127.0.0.1:22100',
      '--node-url',
      'https://127.0.7.1:22113',
      '--log-level',
      'info',
    ]);
  });

  it('are ready when /health says ok and they know enough relays', async () => {
    let relays = 1;
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: 'ok', relays, circuits: 3 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const local = { ...node, host: '127.0.0.1', relayPort: port };
    try {
      expect(await relayHealth(local)).toMatchObject({ ready: true, relays: 1, circuits: 3 });
      const layout = testnetLayout('/d');
      await expect(
        waitForRelays({ layout }, [local], { expected: 2, timeoutMs: 300 }),
      ).rejects.toThrow(/node-07\/relay/);
      relays = 2;
      const events: string[] = [];
      const tracker = createProgressTracker((event) =>
        events.push(`${event.status} ${event.step} ${event.done ?? ''}/${event.total ?? ''}`),
      );
      await waitForRelays({ layout }, [local], { expected: 2, timeoutMs: 30_000, tracker });
      // The `relays` step, started here (no early spawn), ends when the relays are ready.
      expect(events).toEqual(['start relays 0/1', 'progress relays 1/1', 'done relays /']);
      expect(tracker.timings.relays).toBeGreaterThanOrEqual(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(await relayHealth(local)).toMatchObject({ ready: false });
  });
});

describe('spawnRelays', () => {
  it("spawns each node's relay with its flags and records it, once", async () => {
    const crypto = await loadCrypto();
    const folder = tempDir('testnet-relay-spawn');
    try {
      // The relay program: prints its flags and stays up until it is killed.
      const relayCli = writeProgram(
        folder.dir,
        'relay.js',
        'console.log(JSON.stringify(process.argv.slice(2))); setInterval(() => undefined, 1000);',
      );
      const context = testContext(folder.dir, crypto, memoryLedgerClient(crypto).client, {
        programs: {
          ledgerCli: '/nonexistent/ledger.js',
          nodeCli: '/nonexistent/node.js',
          relayCli,
        },
      });
      const ports = await freePorts(2);
      const nodes = [
        manifestNode(1, { storagePort: 1, relayPort: ports[0] as number }),
        manifestNode(2, { storagePort: 2, relayPort: ports[1] as number }),
      ];
      const spawned = await spawnRelays(context, nodes);
      expect(spawned.map((proc) => proc.name)).toEqual(['node-01/relay', 'node-02/relay']);
      expect(
        readPidsFile(folder.dir)
          .processes.map((entry) => entry.name)
          .sort(),
      ).toEqual(['node-01/relay', 'node-02/relay']);
      // Each got its node's settings (the program prints its arguments as its first line).
      for (const [i, proc] of spawned.entries()) {
        const args = await firstJsonLine(proc.logFile);
        expect(args).toEqual(['start', ...relaySettings(context, nodes[i] as never)]);
      }
      // Running relays are not spawned again.
      expect(await spawnRelays(context, nodes)).toEqual([]);
      for (const proc of context.processes.values()) {
        await stopProcess(proc, { signal: 'SIGKILL', graceMs: 1_000 });
      }
    } finally {
      folder.remove();
    }
  });

  it('spawns nothing when a relay port is taken, and names it', async () => {
    const crypto = await loadCrypto();
    const folder = tempDir('testnet-relay-spawn');
    const server = createNetServer((socket) => socket.destroy());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    try {
      const context = testContext(folder.dir, crypto, memoryLedgerClient(crypto).client, {
        programs: {
          ledgerCli: '/nonexistent/ledger.js',
          nodeCli: '/nonexistent/node.js',
          relayCli: '/nonexistent/relay.js',
        },
      });
      const [free] = await freePorts(1);
      const taken = (server.address() as AddressInfo).port;
      const error = await spawnRelays(context, [
        manifestNode(1, { storagePort: 1, relayPort: free as number }),
        manifestNode(2, { storagePort: 2, relayPort: taken }),
      ]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as Error).message).toContain('node-02/relay');
      expect(context.processes.size).toBe(0);
    } finally {
      await new Promise((done) => server.close(done));
      folder.remove();
    }
  });
});

/** `count` ports free on 127.0.0.1 now. */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  for (let i = 0; i < count; i++) {
    const server = createNetServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    servers.push(server);
  }
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  return ports;
}

/** The first JSON line of a log file (the testnet's start marker skipped), once written. */
async function firstJsonLine(file: string): Promise<unknown> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .find((text) => text.startsWith('['));
    if (line !== undefined) return JSON.parse(line);
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`${file}: no line from the program`);
}
