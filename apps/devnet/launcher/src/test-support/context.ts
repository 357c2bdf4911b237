/**
 * Tests only: a testnet {@link Context} in a temporary folder (no process started, the ledger
 * given), the programs a test writes itself (small Node scripts standing in for
 * `murmur-devnet` and `murmur-node`), and node key files as `murmur-node init` writes them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MurmurCrypto } from '@murmur/crypto';
import { NODE_KEY_FILE_NAME, writeSecretJson } from '@murmur/registry/key-files';
import { bytesToHex } from '@murmur/wire';
import { type Context, childEnvironment, type LauncherLedger } from '../context.js';
import { type ManifestNode, nodeName, type TestnetManifest, testnetLayout } from '../manifest.js';

/** A fresh temporary folder; `remove()` deletes it. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A manifest node at `index` on 127.0.0.1 (ports as given, no keys yet). */
export function manifestNode(index: number, ports: { storagePort: number; relayPort: number }) {
  const node: ManifestNode = {
    name: nodeName(index),
    index,
    host: '127.0.0.1',
    storagePort: ports.storagePort,
    relayPort: ports.relayPort,
    pooled: false,
  };
  return node;
}

/** A context over `dir` with `client` as its ledger; the manifest's fields can be replaced. */
export function testContext(
  dir: string,
  crypto: MurmurCrypto,
  client: LauncherLedger,
  init: {
    manifest?: Partial<TestnetManifest>;
    programs?: Context['programs'];
    readyTimeoutMs?: number;
  } = {},
): Context {
  const layout = testnetLayout(dir);
  for (const folder of [layout.logsDir, layout.walletsDir, layout.nodesDir]) {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  }
  return {
    dir,
    layout,
    manifest: {
      version: 1,
      host: '127.0.0.1',
      ledgerPort: 1,
      basePort: 0,
      distinctAddresses: false,
      pooledEvery: 3,
      blockTimeMs: 50,
      logLevel: 'info',
      nodeArgs: [],
      ledgerArgs: [],
      nodes: [],
      ...init.manifest,
    },
    programs: init.programs ?? {
      ledgerCli: '/nonexistent/ledger.js',
      nodeCli: '/nonexistent/node.js',
    },
    crypto,
    client,
    env: childEnvironment(undefined),
    readyTimeoutMs: init.readyTimeoutMs ?? 10_000,
    stopTimeoutMs: 2_000,
    pooledEvery: init.manifest?.pooledEvery ?? 3,
    processes: new Map(),
  };
}

/** Writes `source` as an ES module program in `dir` (a stand-in for a CLI); returns its path. */
export function writeProgram(dir: string, name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  return path;
}

/** Writes a node key file (a random seed) in `dataDir`, as `murmur-node init` does. */
export function writeNodeKeyFile(crypto: MurmurCrypto, dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeSecretJson(
    join(dataDir, NODE_KEY_FILE_NAME),
    { version: 1, ed25519Seed: bytesToHex(crypto.randomBytes(32)) },
    'node key file',
  );
}
