/**
 * The testnet directory and `<dir>/testnet.json`, the record that lets a later start resume the
 * same network (same chain, keys, wallets, addresses and ports):
 *
 * ```
 * <dir>/
 *   testnet.json          this manifest
 *   pids.json             running processes (see pids-file.ts)
 *   ledger/               the ledger's directory (database, authority key)
 *   ledger-params.json    the parameter set of a new chain, when not the plain devnet one
 *   nodes/node-01/        a murmur-node data directory (key.json, config.json, storage.db)
 *   wallets/              wallet files (mode 0600): node-01-operator.json, node-03-contributor-1.json
 *   logs/                 ledger.log, node-01.log, … (appended across restarts)
 * ```
 *
 * Paths are kept relative to `<dir>` so that the directory can be moved.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '@murmur/wire';
import { writeJsonFileAtomic } from './json-file.js';

/** The manifest's file name. */
export const MANIFEST_FILE_NAME = 'testnet.json';

/** One node as the manifest keeps it. */
export interface ManifestNode {
  /** `node-01`, … */
  name: string;
  /** 1-based position: decides the pooled nodes and, with distinct addresses, the address. */
  index: number;
  /** The address it listens on and announces. */
  host: string;
  storagePort: number;
  relayPort: number;
  /** Ed25519 public key (hex), once the data directory is initialised. */
  ed25519?: string | undefined;
  /** X25519 public key (hex). */
  x25519?: string | undefined;
  /** Whether its stake is pooled. */
  pooled: boolean;
}

/** The manifest. */
export interface TestnetManifest {
  version: 1;
  /** The ledger's address. */
  host: string;
  ledgerPort: number;
  /** 0: free ports were picked; else the fixed layout's base port. */
  basePort: number;
  /** Whether each node has its own loopback /24 (see ports.ts `nodeAddress`). */
  distinctAddresses: boolean;
  /** Every k-th node is pooled (0: none). */
  pooledEvery: number;
  /** Known once the ledger has started. */
  chainId?: string | undefined;
  /** The chain's block time, ms. */
  blockTimeMs: number;
  /** Node log level. */
  logLevel: string;
  /** Extra flags of every node's `start` and of the ledger. */
  nodeArgs: string[];
  ledgerArgs: string[];
  nodes: ManifestNode[];
}

/** Where everything lives under a testnet directory. */
export interface TestnetLayout {
  dir: string;
  manifest: string;
  ledgerDir: string;
  ledgerParams: string;
  logsDir: string;
  walletsDir: string;
  nodesDir: string;
  logFile(name: string): string;
  nodeDir(name: string): string;
  operatorWallet(name: string): string;
  contributorWallet(name: string, index: number): string;
}

/** The layout of `dir`. */
export function testnetLayout(dir: string): TestnetLayout {
  return {
    dir,
    manifest: join(dir, MANIFEST_FILE_NAME),
    ledgerDir: join(dir, 'ledger'),
    ledgerParams: join(dir, 'ledger-params.json'),
    logsDir: join(dir, 'logs'),
    walletsDir: join(dir, 'wallets'),
    nodesDir: join(dir, 'nodes'),
    logFile: (name) => join(dir, 'logs', `${name}.log`),
    nodeDir: (name) => join(dir, 'nodes', name),
    operatorWallet: (name) => join(dir, 'wallets', `${name}-operator.json`),
    contributorWallet: (name, index) => join(dir, 'wallets', `${name}-contributor-${index}.json`),
  };
}

/** The name of node `index` (1-based): `node-01` … `node-99`, then `node-100`. */
export function nodeName(index: number): string {
  return `node-${String(index).padStart(2, '0')}`;
}

const HEX_KEY = /^[0-9a-f]{64}$/;

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= 65_535;
}

function checkNode(value: unknown, where: string): ManifestNode {
  const node = value as Partial<Record<keyof ManifestNode, unknown>> | null;
  if (typeof node !== 'object' || node === null)
    throw new InvalidInputError(`${where} is not an object`);
  if (typeof node.name !== 'string' || !/^[a-z0-9-]{1,64}$/.test(node.name)) {
    throw new InvalidInputError(`${where}.name must be a node name such as node-01`);
  }
  if (typeof node.index !== 'number' || !Number.isSafeInteger(node.index) || node.index < 1) {
    throw new InvalidInputError(`${where}.index must be a positive integer`);
  }
  if (typeof node.host !== 'string' || node.host === '') {
    throw new InvalidInputError(`${where}.host must be an address`);
  }
  if (!isPort(node.storagePort) || !isPort(node.relayPort)) {
    throw new InvalidInputError(`${where}: storagePort and relayPort must be ports`);
  }
  for (const key of ['ed25519', 'x25519'] as const) {
    const field = node[key];
    if (field !== undefined && (typeof field !== 'string' || !HEX_KEY.test(field))) {
      throw new InvalidInputError(`${where}.${key} must be 64 hex characters`);
    }
  }
  if (typeof node.pooled !== 'boolean')
    throw new InvalidInputError(`${where}.pooled must be a boolean`);
  return {
    name: node.name,
    index: node.index,
    host: node.host,
    storagePort: node.storagePort,
    relayPort: node.relayPort,
    ed25519: node.ed25519 as string | undefined,
    x25519: node.x25519 as string | undefined,
    pooled: node.pooled,
  };
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new InvalidInputError(`${where} must be a list of strings`);
  }
  return value as string[];
}

/** Parses and checks the manifest's text. @throws {@link InvalidInputError} naming the field. */
export function parseManifest(text: string, path = MANIFEST_FILE_NAME): TestnetManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InvalidInputError(`${path} is not JSON`, { cause });
  }
  const value = json as Partial<Record<keyof TestnetManifest, unknown>> | null;
  if (typeof value !== 'object' || value === null || value.version !== 1) {
    throw new InvalidInputError(`${path} is not a version 1 testnet manifest`);
  }
  if (typeof value.host !== 'string' || value.host === '') {
    throw new InvalidInputError(`${path}: host must be an address`);
  }
  if (!isPort(value.ledgerPort)) throw new InvalidInputError(`${path}: ledgerPort must be a port`);
  if (value.chainId !== undefined && typeof value.chainId !== 'string') {
    throw new InvalidInputError(`${path}: chainId must be a string`);
  }
  if (
    typeof value.blockTimeMs !== 'number' ||
    !Number.isSafeInteger(value.blockTimeMs) ||
    value.blockTimeMs < 1
  ) {
    throw new InvalidInputError(`${path}: blockTimeMs must be a positive integer`);
  }
  if (
    typeof value.basePort !== 'number' ||
    !Number.isSafeInteger(value.basePort) ||
    value.basePort < 0
  ) {
    throw new InvalidInputError(`${path}: basePort must be 0 or a port`);
  }
  if (typeof value.distinctAddresses !== 'boolean') {
    throw new InvalidInputError(`${path}: distinctAddresses must be a boolean`);
  }
  if (
    typeof value.pooledEvery !== 'number' ||
    !Number.isSafeInteger(value.pooledEvery) ||
    value.pooledEvery < 0
  ) {
    throw new InvalidInputError(`${path}: pooledEvery must be a non-negative integer`);
  }
  if (typeof value.logLevel !== 'string')
    throw new InvalidInputError(`${path}: logLevel must be a string`);
  if (!Array.isArray(value.nodes)) throw new InvalidInputError(`${path}: nodes must be a list`);
  const nodes = value.nodes.map((node, index) => checkNode(node, `${path}: nodes[${index}]`));
  const names = new Set(nodes.map((node) => node.name));
  if (names.size !== nodes.length) throw new InvalidInputError(`${path}: node names must differ`);
  return {
    version: 1,
    host: value.host,
    ledgerPort: value.ledgerPort,
    basePort: value.basePort,
    distinctAddresses: value.distinctAddresses,
    pooledEvery: value.pooledEvery,
    chainId: value.chainId as string | undefined,
    blockTimeMs: value.blockTimeMs,
    logLevel: value.logLevel,
    nodeArgs: stringList(value.nodeArgs ?? [], `${path}: nodeArgs`),
    ledgerArgs: stringList(value.ledgerArgs ?? [], `${path}: ledgerArgs`),
    nodes,
  };
}

/** Reads `<dir>/testnet.json`, or `undefined` when there is none. */
export function readManifest(dir: string): TestnetManifest | undefined {
  const path = testnetLayout(dir).manifest;
  if (!existsSync(path)) return undefined;
  return parseManifest(readFileSync(path, 'utf8'), path);
}

/** Writes `<dir>/testnet.json` atomically. */
export function writeManifest(dir: string, manifest: TestnetManifest): void {
  const path = testnetLayout(dir).manifest;
  writeJsonFileAtomic(path, manifest);
}
