/**
 * `<dir>/devnet.json`: what a client, a test or an external tool needs to connect to a running
 * devnet — the seed endpoint, the ledger, every node with its keys, address and ports, its
 * relay's `ws://` URL, and the swarms. `murmur-devnet up` writes it once the devnet is ready and rewrites it when nodes or
 * swarms change; `restart` and `add-node` rewrite it too. Schema: docs/DEVNET.md.
 *
 * It is built from the testnet manifest (`testnet.json`, the nodes and their ports, including
 * nodes another process added) and the registry state (swarms, stakes, operators).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCoins } from '@murmur/registry';
import type { StateResponse } from '@murmur/registry/ledger-http';
import {
  relayName,
  type TestnetManifest,
  testnetLayout,
  writeJsonFileAtomic,
} from '@murmur/testnet';
import { createChecker } from '@murmur/wire';
import { ConfigError } from '@murmur/wire/program';
import Type from 'typebox';

/** The file name inside the devnet directory. */
export const DEVNET_FILE_NAME = 'devnet.json';

/** The swarm ID of a node in no swarm. */
export const NO_SWARM = 'ffffffffffffffff';

/** One node of `devnet.json`. */
export interface DevnetFileNode {
  /** `node-01`, … */
  name: string;
  /** 1-based position. */
  index: number;
  /** Ed25519 public key (hex): the node's identity. */
  ed25519: string;
  /** X25519 public key (hex): its onion key. */
  x25519: string;
  /** Its loopback address (its own /24 on Linux). */
  ip: string;
  /** Storage RPC and onion requests (HTTPS, self-signed certificate). */
  storagePort: number;
  /** Relay port announced in its uptime proofs. */
  relayPort: number;
  /** `https://ip:storagePort`. */
  url: string;
  /** Its swarm (16 hex digits), or `null` when it is in none. */
  swarm: string | null;
  /** Registry status (`active`, `decommissioned`, …), or `null` when not registered. */
  status: string | null;
  /** Total stake in coins (`"100"`), or `null` when not registered. */
  stake: string | null;
  /** Whether several wallets share the stake. */
  pooled: boolean;
  /** Wallets that put up the stake (operator included). */
  contributors: number;
  /** The operator's wallet address, when known. */
  operator: string | null;
  /** Its log file (appended across restarts). */
  logFile: string;
  /** Its murmur-node data directory. */
  dataDir: string;
  /** Its relay (`murmur-relay` beside it, same identity): what circuits dial. */
  relay: {
    /** The process name for `kill` and `restart`: `node-07/relay`. */
    name: string;
    /** `ws://ip:relayPort/` (plain ws on the devnet). */
    url: string;
    /** Its log file. */
    logFile: string;
  };
}

/** A swarm of `devnet.json`. */
export interface DevnetFileSwarm {
  /** Swarm ID, 16 hex digits. */
  id: string;
  /** Ed25519 keys of its members. */
  members: string[];
  /** Their names in this devnet, in the same order (`(external)` for a node it did not start). */
  names: string[];
}

/** The content of `devnet.json`. */
export interface DevnetFile {
  version: 1;
  /** The devnet directory. */
  dir: string;
  chainId: string;
  blockTimeMs: number;
  ledger: {
    /** HTTP API (`/state`, `/tx`, `/health`, …). */
    url: string;
    /** WebSocket feed of new blocks. */
    feedUrl: string;
    logFile: string;
    dataDir: string;
  };
  /** The Session-style seed endpoint clients bootstrap from (`POST`, `get_n_service_nodes`). */
  seed: { url: string };
  /**
   * On an EVM ledger (`up --ledger evm`): the chain (anvil) and the staking contract that clients
   * and nodes follow (`createEvmLedgerSource({ rpcUrl, contract, deploymentBlock })`); then
   * `ledger.url` is the chain's JSON-RPC URL and the seed endpoint does not exist.
   */
  evm?: {
    rpcUrl: string;
    chainId: number;
    contract: string;
    token: string;
    deploymentBlock: string;
  };
  logsDir: string;
  nodes: DevnetFileNode[];
  swarms: DevnetFileSwarm[];
  /** ISO time the devnet's chain was first described. */
  createdAt: string;
  /** ISO time of this version of the file. */
  updatedAt: string;
}

/** The ledger URL of a manifest. */
export function ledgerUrlOf(manifest: Pick<TestnetManifest, 'host' | 'ledgerPort'>): string {
  const host = manifest.host.includes(':') ? `[${manifest.host}]` : manifest.host;
  return `http://${host}:${manifest.ledgerPort}`;
}

/** The address a node listening on `host` is reached at. */
export function reachableAddress(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === 'localhost' || host === '::1'
    ? '127.0.0.1'
    : host;
}

/** What {@link buildDevnetFile} needs. */
export interface DevnetFileInput {
  /** Absolute devnet directory. */
  dir: string;
  manifest: TestnetManifest;
  /** The registry state (`GET /state`), when the ledger answered. */
  state?: StateResponse | undefined;
  /** `createdAt` of the previous version, kept across rewrites. */
  createdAt?: string | undefined;
  now: Date;
}

/** Builds the description of a devnet. */
export function buildDevnetFile(input: DevnetFileInput): DevnetFile {
  const { dir, manifest, state } = input;
  const layout = testnetLayout(dir);
  const ledgerUrl = ledgerUrlOf(manifest);
  const feed = new URL(ledgerUrl);
  feed.protocol = 'ws:';
  feed.pathname = '/feed';
  const records = new Map((state?.nodes ?? []).map((record) => [record.ed25519, record]));
  const names = new Map<string, string>();
  const nodes: DevnetFileNode[] = manifest.nodes
    .filter((node) => node.ed25519 !== undefined && node.x25519 !== undefined)
    .map((node) => {
      const ed25519 = node.ed25519 as string;
      names.set(ed25519, node.name);
      const record = records.get(ed25519);
      const ip = reachableAddress(node.host);
      const swarm =
        record === undefined || record.swarmId === NO_SWARM || record.status !== 'active'
          ? null
          : record.swarmId;
      return {
        name: node.name,
        index: node.index,
        ed25519,
        x25519: node.x25519 as string,
        ip,
        storagePort: node.storagePort,
        relayPort: node.relayPort,
        url: `https://${ip}:${node.storagePort}`,
        swarm,
        status: record?.status ?? null,
        stake: record === undefined ? null : formatCoins(record.stake),
        pooled: record === undefined ? node.pooled : record.contributors.length > 1,
        contributors: record?.contributors.length ?? 0,
        operator: record?.operator ?? null,
        logFile: layout.logFile(node.name),
        dataDir: layout.nodeDir(node.name),
        relay: {
          name: relayName(node.name),
          url: `ws://${ip}:${node.relayPort}/`,
          logFile: layout.logFile(`${node.name}-relay`),
        },
      };
    });
  const swarms: DevnetFileSwarm[] = (state?.swarms ?? [])
    .map((swarm) => ({
      id: swarm.id,
      members: [...swarm.members],
      names: swarm.members.map((key) => names.get(key) ?? '(external)'),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const now = input.now.toISOString();
  const evm =
    manifest.ledger === 'evm' && manifest.evm !== undefined
      ? {
          evm: {
            rpcUrl: ledgerUrl,
            chainId: manifest.evm.chainId,
            contract: manifest.evm.staking,
            token: manifest.evm.token,
            deploymentBlock: manifest.evm.deploymentBlock,
          },
        }
      : {};
  return {
    version: 1,
    ...evm,
    dir,
    chainId: state?.chainId ?? manifest.chainId ?? '',
    blockTimeMs: manifest.blockTimeMs,
    ledger: {
      url: ledgerUrl,
      feedUrl: feed.toString(),
      logFile: layout.logFile('ledger'),
      dataDir: layout.ledgerDir,
    },
    seed: { url: `${ledgerUrl}/json_rpc` },
    logsDir: layout.logsDir,
    nodes,
    swarms,
    createdAt: input.createdAt ?? now,
    updatedAt: now,
  };
}

/** The path of `devnet.json` in `dir`. */
export function devnetFilePath(dir: string): string {
  return join(dir, DEVNET_FILE_NAME);
}

/** Writes `<dir>/devnet.json` atomically (temporary file and rename). */
export function writeDevnetFile(dir: string, file: DevnetFile): string {
  const path = devnetFilePath(dir);
  writeJsonFileAtomic(path, file);
  return path;
}

const HexKey = Type.String({ pattern: '^[0-9a-f]{64}$', description: '64 lowercase hex digits' });

/**
 * The fields of `devnet.json` that clients use (more are written; unknown ones are tolerated, so
 * that an older client reads a newer file).
 */
const DevnetFileSchema = Type.Object({
  version: Type.Literal(1),
  seed: Type.Object({ url: Type.String({ description: 'a URL' }) }),
  ledger: Type.Object({ url: Type.String({ description: 'a URL' }) }),
  nodes: Type.Array(
    Type.Object({
      name: Type.String({ description: 'a string' }),
      ed25519: HexKey,
      x25519: HexKey,
      ip: Type.String({ description: 'an address' }),
      storagePort: Type.Number({ description: 'a port number' }),
      url: Type.String({ description: 'a URL' }),
    }),
  ),
  swarms: Type.Array(
    Type.Object({
      id: Type.String({ description: 'a swarm id' }),
      members: Type.Array(Type.Unknown(), { description: 'a list' }),
    }),
  ),
});
const devnetFileChecker = createChecker(DevnetFileSchema);

/** The message of the first problem, worded per part of the file as before. */
function devnetFileProblem(field: string, text: string): string {
  const item = /^(nodes|swarms)\[(\d+)\]/.exec(field);
  if (item?.[1] === 'nodes') {
    return `nodes[${item[2]}] is not a node (name, ed25519, x25519, ip, storagePort, url): ${text}`;
  }
  if (item?.[1] === 'swarms') return `swarms[${item[2]}] is not a swarm (id, members): ${text}`;
  if (field === 'seed' || field.startsWith('seed.')) return `seed.url is missing: ${text}`;
  if (field === 'ledger' || field.startsWith('ledger.')) return `ledger.url is missing: ${text}`;
  if (field === 'nodes' || field === 'swarms') return `${field} is not a list`;
  return 'not a version 1 devnet file';
}

/**
 * Parses the text of a `devnet.json`: checks the fields clients use (seed and ledger URLs,
 * each node's name, keys, address and ports, the swarms) with a compiled TypeBox schema.
 *
 * @throws {@link ConfigError} naming the file and the first bad field.
 */
export function parseDevnetFile(text: string, path = DEVNET_FILE_NAME): DevnetFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${path} is not JSON`, { cause });
  }
  if (!devnetFileChecker.check(json)) {
    const isObject = typeof json === 'object' && json !== null && !Array.isArray(json);
    const problem = isObject
      ? devnetFileChecker.firstProblem(json)
      : { field: '', text: 'is not an object' };
    const field = problem?.field ?? '';
    const version = isObject ? (json as { version?: unknown }).version : undefined;
    const message =
      version === 1
        ? devnetFileProblem(field, problem?.text ?? 'is invalid')
        : 'not a version 1 devnet file';
    throw new ConfigError(`${path}: ${message}`, { details: { field } });
  }
  return json as unknown as DevnetFile;
}

/** Reads `<dir>/devnet.json`, or `undefined` when there is none. @throws {@link ConfigError} */
export function readDevnetFile(dir: string): DevnetFile | undefined {
  const path = devnetFilePath(dir);
  if (!existsSync(path)) return undefined;
  return parseDevnetFile(readFileSync(path, 'utf8'), path);
}

/**
 * Rewrites `<dir>/devnet.json` from the manifest on disk and `state` (keeps `createdAt`); does
 * nothing when `dir` holds no testnet. Resolves the path written.
 */
export function refreshDevnetFile(
  dir: string,
  manifest: TestnetManifest | undefined,
  state: StateResponse | undefined,
  now = new Date(),
): string | undefined {
  if (manifest === undefined) return undefined;
  let previous: DevnetFile | undefined;
  try {
    previous = readDevnetFile(dir);
  } catch {
    previous = undefined;
  }
  return writeDevnetFile(
    dir,
    buildDevnetFile({ dir, manifest, state, createdAt: previous?.createdAt, now }),
  );
}
