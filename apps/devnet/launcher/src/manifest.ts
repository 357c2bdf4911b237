/**
 * The testnet directory and `<dir>/testnet.json`, the record that lets a later start resume the
 * same network (same chain, keys, wallets, addresses and ports):
 *
 * ```
 * <dir>/
 *   testnet.json          this manifest
 *   pids.json             running processes (see pids-file.ts)
 *   ledger/               the ledger's directory (database, authority key; anvil-state.json on an EVM ledger)
 *   ledger-params.json    the parameter set of a new chain, when not the plain devnet one
 *   nodes/node-01/        a murmur-node data directory (key.json, config.json, storage.db)
 *   wallets/              wallet files (mode 0600): node-01-operator.json, node-03-contributor-1.json
 *                         (EVM ledger: node-01-operator-evm.json, node-03-contributor-1-evm.json)
 *   logs/                 ledger.log, node-01.log, … (appended across restarts)
 * ```
 *
 * Paths are kept relative to `<dir>` so that the directory can be moved.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkSchema, createChecker, InvalidInputError } from '@murmur/wire';
import Type from 'typebox';
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

/** Where the contracts of an EVM-ledger testnet are. */
export interface ManifestEvm {
  /** The EVM chain id. */
  chainId: number;
  token: string;
  staking: string;
  /** The deployment block, decimal. */
  deploymentBlock: string;
}

/** The manifest. */
export interface TestnetManifest {
  version: 1;
  /** The ledger kind (absent: `devnet`). */
  ledger?: 'devnet' | 'evm' | undefined;
  /** The contracts, once deployed (EVM ledger only). */
  evm?: ManifestEvm | undefined;
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
  /** anvil's state file (EVM ledger). */
  chainState: string;
  logsDir: string;
  walletsDir: string;
  nodesDir: string;
  logFile(name: string): string;
  nodeDir(name: string): string;
  operatorWallet(name: string): string;
  contributorWallet(name: string, index: number): string;
  /** An EVM wallet file of node `name`'s `role` (`operator`, `contributor-1`, …). */
  evmWallet(name: string, role: string): string;
}

/** The layout of `dir`. */
export function testnetLayout(dir: string): TestnetLayout {
  return {
    dir,
    manifest: join(dir, MANIFEST_FILE_NAME),
    ledgerDir: join(dir, 'ledger'),
    ledgerParams: join(dir, 'ledger-params.json'),
    chainState: join(dir, 'ledger', 'anvil-state.json'),
    logsDir: join(dir, 'logs'),
    walletsDir: join(dir, 'wallets'),
    nodesDir: join(dir, 'nodes'),
    logFile: (name) => join(dir, 'logs', `${name}.log`),
    nodeDir: (name) => join(dir, 'nodes', name),
    operatorWallet: (name) => join(dir, 'wallets', `${name}-operator.json`),
    contributorWallet: (name, index) => join(dir, 'wallets', `${name}-contributor-${index}.json`),
    evmWallet: (name, role) => join(dir, 'wallets', `${name}-${role}-evm.json`),
  };
}

/** The name of node `index` (1-based): `node-01` … `node-99`, then `node-100`. */
export function nodeName(index: number): string {
  return `node-${String(index).padStart(2, '0')}`;
}

const Port = Type.Integer({ minimum: 1, maximum: 65_535, description: 'a port (1-65535)' });
const HexKey = Type.String({ pattern: '^[0-9a-f]{64}$', description: '64 hex characters' });
const StringList = Type.Array(Type.String(), { description: 'a list of strings' });

const ManifestNodeSchema = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9-]{1,64}$', description: 'a node name such as node-01' }),
  index: Type.Integer({
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'a positive integer',
  }),
  host: Type.String({ minLength: 1, description: 'an address' }),
  storagePort: Port,
  relayPort: Port,
  ed25519: Type.Optional(HexKey),
  x25519: Type.Optional(HexKey),
  pooled: Type.Boolean({ description: 'a boolean' }),
});

/** `testnet.json` (unknown fields are tolerated and dropped). */
const TestnetManifestSchema = Type.Object({
  version: Type.Literal(1),
  ledger: Type.Optional(Type.Union([Type.Literal('devnet'), Type.Literal('evm')])),
  evm: Type.Optional(
    Type.Object({
      chainId: Type.Integer({ minimum: 0, description: 'an EVM chain id' }),
      token: Type.String({ pattern: '^0x[0-9a-fA-F]{40}$', description: 'a contract address' }),
      staking: Type.String({ pattern: '^0x[0-9a-fA-F]{40}$', description: 'a contract address' }),
      deploymentBlock: Type.String({ pattern: '^[0-9]{1,20}$', description: 'a block number' }),
    }),
  ),
  host: Type.String({ minLength: 1, description: 'an address' }),
  ledgerPort: Port,
  chainId: Type.Optional(Type.String({ description: 'a string' })),
  blockTimeMs: Type.Integer({
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'a positive integer',
  }),
  basePort: Type.Integer({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: '0 or a port',
  }),
  distinctAddresses: Type.Boolean({ description: 'a boolean' }),
  pooledEvery: Type.Integer({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'a non-negative integer',
  }),
  logLevel: Type.String({ description: 'a string' }),
  nodeArgs: Type.Optional(StringList),
  ledgerArgs: Type.Optional(StringList),
  nodes: Type.Array(ManifestNodeSchema, { description: 'a list of nodes' }),
});
const manifestChecker = createChecker(TestnetManifestSchema);

/**
 * Parses and checks the manifest's text with a compiled TypeBox schema.
 * @throws {@link InvalidInputError} naming the file and the field (also in `details.field`).
 */
export function parseManifest(text: string, path = MANIFEST_FILE_NAME): TestnetManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InvalidInputError(`${path} is not JSON`, { cause });
  }
  if (typeof json !== 'object' || json === null || (json as { version?: unknown }).version !== 1) {
    throw new InvalidInputError(`${path} is not a version 1 testnet manifest`);
  }
  const value = checkSchema(manifestChecker, json, path, { rootName: 'the manifest' });
  const nodes: ManifestNode[] = value.nodes.map((node) => ({
    name: node.name,
    index: node.index,
    host: node.host,
    storagePort: node.storagePort,
    relayPort: node.relayPort,
    ed25519: node.ed25519,
    x25519: node.x25519,
    pooled: node.pooled,
  }));
  const names = new Set(nodes.map((node) => node.name));
  if (names.size !== nodes.length) throw new InvalidInputError(`${path}: node names must differ`);
  return {
    version: 1,
    ...(value.ledger === undefined ? {} : { ledger: value.ledger }),
    ...(value.evm === undefined ? {} : { evm: { ...value.evm } }),
    host: value.host,
    ledgerPort: value.ledgerPort,
    basePort: value.basePort,
    distinctAddresses: value.distinctAddresses,
    pooledEvery: value.pooledEvery,
    chainId: value.chainId,
    blockTimeMs: value.blockTimeMs,
    logLevel: value.logLevel,
    nodeArgs: value.nodeArgs ?? [],
    ledgerArgs: value.ledgerArgs ?? [],
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
