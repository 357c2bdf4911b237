import { readFileSync } from 'node:fs';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { loadNodeKeyFile } from '@murmur/registry/key-files';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Context } from '../context.js';
import { ProcessExitedError } from '../errors.js';
import type { ManifestNode } from '../manifest.js';
import { pollUntil } from '../poll.js';
import { findFreePorts } from '../ports.js';
import { readPidsFile } from '../processes/pids-file.js';
import { stopAll } from '../processes/process-table.js';
import { manifestNode, tempDir, testContext, writeProgram } from '../test-support/context.js';
import { memoryLedgerClient } from '../test-support/memory-ledger-client.js';
import { initNodes, nodeSettings, spawnNode } from './node-process.js';

/** `init` writes a key file into --data-dir (failing for FAKE_NODE_FAIL); `start` runs on. */
const INIT = `
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
function init(argv) {
  const dir = argv[argv.indexOf('--data-dir') + 1];
  if (process.env.FAKE_NODE_FAIL !== undefined && dir.endsWith(process.env.FAKE_NODE_FAIL)) {
    console.error('cannot create ' + dir);
    return 2;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const seed = randomBytes(32).toString('hex');
  writeFileSync(dir + '/key.json', JSON.stringify({ version: 1, ed25519Seed: seed }), { mode: 0o600 });
  console.log('init ' + dir);
  return 0;
}
`;
const WITH_MAIN = `${INIT}
export async function main(argv) { return init(argv.slice(1)); }
if (process.argv[2] === 'start') {
  console.log(JSON.stringify({ argv: process.argv.slice(2) }));
  setInterval(() => undefined, 1000);
}
`;
const WITHOUT_MAIN = `${INIT}
if (process.argv[2] === 'init') process.exitCode = init(process.argv.slice(3));
`;

let crypto: MurmurCrypto;
let folder: ReturnType<typeof tempDir>;
let context: Context;
let nodes: ManifestNode[];
beforeAll(async () => {
  crypto = await loadCrypto();
});
beforeEach(async () => {
  folder = tempDir('testnet-nodes');
  const ports = await findFreePorts(4, '127.0.0.1');
  nodes = [
    manifestNode(1, { storagePort: ports[0] as number, relayPort: ports[1] as number }),
    manifestNode(2, { storagePort: ports[2] as number, relayPort: ports[3] as number }),
  ];
  context = testContext(folder.dir, crypto, memoryLedgerClient(crypto).client, {
    manifest: { ledgerPort: 20_000, nodes, nodeArgs: ['--extra'], logLevel: 'debug' },
    programs: {
      ledgerCli: '/nonexistent/ledger.js',
      nodeCli: writeProgram(folder.dir, 'node.js', WITH_MAIN),
    },
  });
});
afterEach(async () => {
  await stopAll(context);
  folder.remove();
});

describe('nodeSettings', () => {
  it("gives murmur-node the node's folder, addresses, the ledger and devnet settings", () => {
    const node = nodes[0] as ManifestNode;
    expect(nodeSettings(context, node)).toEqual([
      '--data-dir',
      context.layout.nodeDir('node-01'),
      '--listen',
      '127.0.0.1',
      '--port',
      String(node.storagePort),
      '--relay-port',
      String(node.relayPort),
      '--public-ip',
      '127.0.0.1',
      '--ledger-url',
      'http://127.0.0.1:20000',
      '--devnet',
      '--rate-limit',
      'false',
      '--log-level',
      'debug',
    ]);
  });
});

describe('initNodes', () => {
  it("initialises every node in one process and reads each node's keys", async () => {
    let done = 0;
    await initNodes(context, nodes, undefined, () => done++);
    expect(done).toBe(2);
    for (const node of nodes) {
      const keys = loadNodeKeyFile(crypto, context.layout.nodeDir(node.name));
      expect(node.ed25519).toBe(keys.ed25519Hex);
      expect(node.x25519).toBe(keys.x25519Hex);
    }
    expect(readFileSync(context.layout.logFile('init'), 'utf8')).toContain(
      `init ${context.layout.nodeDir('node-02')}`,
    );
    expect(context.processes.size).toBe(0);
  });

  it('leaves nodes that have keys alone', async () => {
    await initNodes(context, nodes, undefined);
    const first = nodes.map((node) => node.ed25519);
    await initNodes(context, nodes, undefined);
    expect(nodes.map((node) => node.ed25519)).toEqual(first);
  });

  it('runs the CLI once per node when it has no main export', async () => {
    context.programs = {
      ...context.programs,
      nodeCli: writeProgram(folder.dir, 'plain.js', WITHOUT_MAIN),
    };
    await initNodes(context, nodes, undefined);
    expect(nodes.every((node) => node.ed25519?.length === 64)).toBe(true);
  });

  it('names the node whose init failed, with the log', async () => {
    Object.assign(context.env, { FAKE_NODE_FAIL: 'node-02' });
    const error = await initNodes(context, nodes, undefined).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProcessExitedError);
    expect((error as Error).message).toContain('during `murmur-node init` of node-02');
    expect((error as Error).message).toContain('cannot create');
  });
});

describe('spawnNode', () => {
  it('starts `<nodeCli> start` with the settings and extra flags, and records it', async () => {
    const node = nodes[0] as ManifestNode;
    const proc = spawnNode(context, node);
    expect(context.processes.get('node-01')).toBe(proc);
    expect(readPidsFile(folder.dir).processes.map((entry) => entry.pid)).toEqual([proc.pid]);
    const line = await pollUntil(
      () =>
        readFileSync(proc.logFile, 'utf8')
          .split('\n')
          .find((entry) => entry.startsWith('{"argv"')),
      { intervalMs: 25, timeoutMs: 20_000, describeTimeout: () => 'the node printed nothing' },
    );
    expect(JSON.parse(line)).toEqual({
      argv: ['start', ...nodeSettings(context, node), '--extra'],
    });
  });
});
