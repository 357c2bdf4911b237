/** The relay beside each node: names, URLs, flags, and the health wait against a real server. */
import { createServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server } from 'node:net';
import { loadCrypto } from '@murmur/crypto';
import { describe, expect, it } from 'vitest';
import { testnetLayout } from '../manifest.js';
import { stopProcess } from '../processes/managed-process.js';
import { readPidsFile } from '../processes/pids-file.js';
import { manifestNode, tempDir, testContext, writeProgram } from '../test-support/context.js';
import { memoryLedgerClient } from '../test-support/memory-ledger-client.js';
import {
  acceptsConnections,
  relayHealth,
  relayName,
  relayNodeName,
  relaySettings,
  relayUrl,
  runsRelays,
  spawnRelaysOnceListening,
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
      await waitForRelays({ layout }, [local], { expected: 2, timeoutMs: 30_000 });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(await relayHealth(local)).toMatchObject({ ready: false });
  });
});

describe('spawnRelaysOnceListening', () => {
  it("spawns a node's relay only once the node's port accepts connections, then resolves", async () => {
    const crypto = await loadCrypto();
    const folder = tempDir('testnet-relay-spawn');
    const servers: Server[] = [];
    const listen = async () => {
      const server = createNetServer((socket) => socket.destroy());
      servers.push(server);
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
      return server;
    };
    const portOf = (server: Server) => (server.address() as AddressInfo).port;
    try {
      // The relay program: records its flags and stays up until it is killed.
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
      const first = await listen();
      // node-02's port: taken and released, so nothing listens on it until the test says so.
      const probe = await listen();
      const secondPort = portOf(probe);
      await new Promise((done) => probe.close(done));
      servers.pop();
      const nodes = [
        manifestNode(1, { storagePort: portOf(first), relayPort: 1 }),
        manifestNode(2, { storagePort: secondPort, relayPort: 2 }),
      ];
      const spawned: string[] = [];
      let secondListening = false;
      await spawnRelaysOnceListening(context, nodes, {
        intervalMs: 20,
        onSpawn: (proc) => {
          spawned.push(`${proc.name}${secondListening ? ' (after node-02 listened)' : ''}`);
          if (proc.name === 'node-01/relay') {
            // node-02 starts listening only now: its relay must not have been spawned before.
            const server = createNetServer((socket) => socket.destroy());
            servers.push(server);
            server.listen(secondPort, '127.0.0.1', () => {
              secondListening = true;
            });
          }
        },
      });
      expect(spawned).toEqual(['node-01/relay', 'node-02/relay (after node-02 listened)']);
      expect(
        readPidsFile(folder.dir)
          .processes.map((entry) => entry.name)
          .sort(),
      ).toEqual(['node-01/relay', 'node-02/relay']);
      // Nothing more to spawn: a second call returns at once.
      await spawnRelaysOnceListening(context, nodes, {
        onSpawn: () => spawned.push('again'),
      });
      expect(spawned).toHaveLength(2);
      for (const proc of context.processes.values()) {
        await stopProcess(proc, { signal: 'SIGKILL', graceMs: 1_000 });
      }
    } finally {
      for (const server of servers) server.close();
      folder.remove();
    }
  });

  it('spawns nothing once aborted, and says whether a port accepts connections', async () => {
    const crypto = await loadCrypto();
    const folder = tempDir('testnet-relay-spawn');
    try {
      const context = testContext(folder.dir, crypto, memoryLedgerClient(crypto).client, {
        programs: {
          ledgerCli: '/nonexistent/ledger.js',
          nodeCli: '/nonexistent/node.js',
          relayCli: '/nonexistent/relay.js',
        },
      });
      const server = createNetServer((socket) => socket.destroy());
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
      const port = (server.address() as AddressInfo).port;
      expect(await acceptsConnections('127.0.0.1', port)).toBe(true);
      await new Promise((done) => server.close(done));
      expect(await acceptsConnections('127.0.0.1', port)).toBe(false);
      const controller = new AbortController();
      controller.abort();
      await spawnRelaysOnceListening(
        context,
        [manifestNode(1, { storagePort: port, relayPort: 1 })],
        {
          signal: controller.signal,
        },
      );
      expect(context.processes.size).toBe(0);
    } finally {
      folder.remove();
    }
  });
});
