/**
 * A network view from a fixed list of nodes: for a devnet without a ledger, route tests and
 * benchmarks. The list is a JSON file (`--network-file`) or an object:
 *
 * ```json
 * { "height": 0,
 *   "nodes": [ { "ed25519": "<hex>", "ip": "127.0.0.1", "storagePort": 22021,
 *                "relayPort": 22022, "swarmId": "0" } ] }
 * ```
 *
 * `swarmId` is a hex string (as `get_swarm` prints it) or a non-negative integer; `x25519` may
 * be omitted (it is derived from the Ed25519 key).
 */
import { readFileSync } from 'node:fs';
import { checkSchema, createChecker, InvalidInputError } from '@murmur/wire';
import Type from 'typebox';
import {
  createChangeEmitter,
  createNetworkSnapshot,
  type NetworkSnapshot,
  type NetworkView,
  requireHexKey,
  type ServiceNodeInfo,
  stateOf,
} from './network-view.js';

/** One node of a static network file. */
export interface StaticNodeInput {
  ed25519: string;
  x25519?: string | undefined;
  ip?: string | undefined;
  storagePort?: number | undefined;
  relayPort?: number | undefined;
  /** Hex string or integer. */
  swarmId: string | number | bigint;
}

/** The content of a static network file. */
export interface StaticNetworkInput {
  height?: number | undefined;
  nodes: readonly StaticNodeInput[];
}

const IPV4 =
  /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;

function port(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65_535) {
    throw new InvalidInputError(`${field} must be a port number from 1 to 65535`, {
      details: { field },
    });
  }
  return value;
}

function swarmIdOf(value: unknown, field: string): bigint {
  let id: bigint | undefined;
  if (typeof value === 'bigint') id = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
    id = BigInt(value);
  else if (typeof value === 'string' && /^[0-9a-fA-F]{1,16}$/.test(value))
    id = BigInt(`0x${value}`);
  if (id === undefined || id < 0n || id >= 2n ** 64n) {
    throw new InvalidInputError(`${field} must be a swarm ID (hex string or integer)`, {
      details: { field },
    });
  }
  return id;
}

const PortOrNone = Type.Union([Type.Null(), Type.Integer({ minimum: 1, maximum: 65_535 })], {
  description: 'a port number from 1 to 65535',
});

/**
 * A static network file's shape, checked with a compiled TypeBox schema; keys are normalised and
 * swarm ids (a bigint is allowed from code) parsed after it.
 */
const StaticNetworkSchema = Type.Object({
  height: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'a non-negative integer',
    }),
  ),
  nodes: Type.Array(
    Type.Object({
      ed25519: Type.String({ description: 'an Ed25519 public key (64 hex characters)' }),
      x25519: Type.Optional(
        Type.String({ description: 'an X25519 public key (64 hex characters)' }),
      ),
      ip: Type.Optional(
        Type.String({ pattern: IPV4.source, description: 'a dotted-quad IPv4 address' }),
      ),
      storagePort: Type.Optional(PortOrNone),
      relayPort: Type.Optional(PortOrNone),
      swarmId: Type.Unknown({ description: 'a swarm ID (hex string or integer)' }),
    }),
  ),
});
const staticNetworkChecker = createChecker(StaticNetworkSchema);

/**
 * Checks a static network description and turns it into nodes. `toX25519` derives a missing
 * X25519 key (pass `crypto.ed25519PublicKeyToX25519` through hex).
 */
export function parseStaticNetwork(
  input: unknown,
  toX25519: (ed25519Hex: string) => string,
): { height: number; nodes: ServiceNodeInfo[] } {
  if (
    typeof input !== 'object' ||
    input === null ||
    !Array.isArray((input as { nodes?: unknown }).nodes)
  ) {
    throw new InvalidInputError('the network file must be a JSON object with a `nodes` array');
  }
  const { height = 0, nodes } = checkSchema(staticNetworkChecker, input, 'the network file');
  const seen = new Set<string>();
  const out = nodes.map((raw, index): ServiceNodeInfo => {
    const where = `nodes[${index}]`;
    const node = raw as Partial<Record<keyof StaticNodeInput, unknown>>;
    const ed25519 = requireHexKey(node.ed25519, `${where}.ed25519`);
    if (seen.has(ed25519)) throw new InvalidInputError(`${where}.ed25519 appears twice`);
    seen.add(ed25519);
    const x25519 =
      node.x25519 === undefined ? toX25519(ed25519) : requireHexKey(node.x25519, `${where}.x25519`);
    const ip = node.ip;
    if (ip !== undefined && (typeof ip !== 'string' || !IPV4.test(ip))) {
      throw new InvalidInputError(`${where}.ip must be a dotted-quad IPv4 address`);
    }
    return {
      ed25519,
      x25519,
      ip: ip as string | undefined,
      storagePort: port(node.storagePort, `${where}.storagePort`),
      relayPort: port(node.relayPort, `${where}.relayPort`),
      swarmId: swarmIdOf(node.swarmId, `${where}.swarmId`),
    };
  });
  return { height, nodes: out };
}

/** Reads and checks a static network file. */
export function readStaticNetworkFile(
  path: string,
  toX25519: (ed25519Hex: string) => string,
): { height: number; nodes: ServiceNodeInfo[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new InvalidInputError(`cannot read the network file ${path}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InvalidInputError(`the network file ${path} is not valid JSON`, { cause });
  }
  return parseStaticNetwork(json, toX25519);
}

/** A static view that can be replaced at run time (tests move nodes between swarms with it). */
export interface StaticNetworkView extends NetworkView {
  /** Replaces the node list (emits a change). */
  setNodes(nodes: readonly ServiceNodeInfo[], height?: number): void;
}

/** A network view over a fixed node list. */
export function createStaticNetworkView(init: {
  self: { ed25519: string; x25519: string };
  nodes: readonly ServiceNodeInfo[];
  height?: number | undefined;
}): StaticNetworkView {
  const emitter = createChangeEmitter();
  let current: NetworkSnapshot = createNetworkSnapshot(init.nodes, init.height ?? 0);
  return {
    self: Object.freeze({ ...init.self }),
    state: () => stateOf(current, init.self.ed25519),
    snapshot: () => current,
    onChange: emitter.on,
    async start() {},
    async stop() {},
    setNodes(nodes, height) {
      const previous = current;
      current = createNetworkSnapshot(nodes, height ?? previous.height + 1);
      emitter.emit({ previous, current });
    },
  };
}
