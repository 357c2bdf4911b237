/** The relay beside each node: names, URLs, flags, and the health wait against a real server. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { testnetLayout } from '../manifest.js';
import {
  relayHealth,
  relayName,
  relayNodeName,
  relaySettings,
  relayUrl,
  runsRelays,
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
      await waitForRelays({ layout }, [local], { expected: 2, timeoutMs: 5_000 });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(await relayHealth(local)).toMatchObject({ ready: false });
  });
});
