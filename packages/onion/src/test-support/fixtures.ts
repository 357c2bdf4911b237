/**
 * Test helpers: service nodes with real X25519 key pairs, a hop-by-hop onion runner that uses
 * the node-side codec exactly as a service node would, and a logger that records its lines.
 */
import type { KeyPair, MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, type Logger } from '@murmur/wire';
import type { OnionRequest } from '../build-request.js';
import type { OnionNode } from '../onion-node.js';
import {
  encodeRelayBody,
  type PeeledLayer,
  parseOnionRequestBody,
  peelOnionLayer,
} from '../peel-layer.js';

/** A node and its X25519 key pair. */
export interface TestNode {
  node: OnionNode;
  keyPair: KeyPair;
}

/** `count` nodes, each in its own /24 (10.x.y.1), with real X25519 keys. */
export function makeTestNodes(crypto: MurmurCrypto, count: number, firstIndex = 0): TestNode[] {
  return Array.from({ length: count }, (_, offset) => {
    const index = firstIndex + offset;
    const keyPair = crypto.x25519KeyPair();
    return {
      keyPair,
      node: {
        ed25519: bytesToHex(crypto.randomBytes(32)),
        x25519: bytesToHex(keyPair.publicKey),
        ip: `10.${(index >> 8) & 255}.${index & 255}.1`,
        port: 20_000 + index,
      },
    };
  });
}

/** A node without keys (path-manager tests), in subnet `10.<subnet>.0`. */
export function fakeNode(index: number, subnet = index): OnionNode {
  const hex = (n: number, salt: number) =>
    (n * 7919 + salt).toString(16).padStart(8, '0').repeat(8).slice(0, 64);
  return {
    ed25519: hex(index, 1),
    x25519: hex(index, 2),
    ip: `10.${(subnet >> 8) & 255}.${subnet & 255}.${(index % 250) + 1}`,
    port: 22_000 + (index % 1000),
  };
}

/** What {@link runOnion} saw. */
export interface OnionRun {
  /** The layer the last node peeled (final or proxy). */
  last: Exclude<PeeledLayer, { role: 'relay' }>;
  /** Nodes that processed the request, in order (Ed25519 keys). */
  visited: string[];
  /** The hop number each node received. */
  hopNumbers: number[];
  /** The ephemeral key each node received (hex). */
  ephemeralKeys: string[];
}

/** Runs `request` through the nodes as service nodes would: parse, peel, relay, repeat. */
export async function runOnion(
  crypto: MurmurCrypto,
  request: OnionRequest,
  nodes: readonly TestNode[],
): Promise<OnionRun> {
  const byKey = new Map(nodes.map((entry) => [entry.node.ed25519, entry.keyPair]));
  let body = request.body;
  let target = request.guard.ed25519;
  const visited: string[] = [];
  const hopNumbers: number[] = [];
  const ephemeralKeys: string[] = [];
  for (;;) {
    const keyPair = byKey.get(target);
    if (keyPair === undefined) throw new Error(`no test node ${target}`);
    const layer = parseOnionRequestBody(body);
    visited.push(target);
    hopNumbers.push(layer.hopNumber);
    ephemeralKeys.push(bytesToHex(layer.ephemeralKey));
    const peeled = await peelOnionLayer(crypto, keyPair, layer);
    if (peeled.role !== 'relay') return { last: peeled, visited, hopNumbers, ephemeralKeys };
    body = encodeRelayBody(peeled.next);
    target = peeled.destination;
  }
}

/** One recorded log line. */
export interface LogLine {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  object: Record<string, unknown>;
  message: string | undefined;
}

/** A logger that records every line (children share the record). */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const log =
      (level: LogLine['level']) =>
      (first: Record<string, unknown> | string, message?: string): void => {
        if (typeof first === 'string')
          lines.push({ level, object: { ...bindings }, message: first });
        else lines.push({ level, object: { ...bindings, ...first }, message });
      };
    return {
      trace: log('trace'),
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return Object.assign(make({}), { lines });
}

/** A small deterministic PRNG (mulberry32) for reproducible selections. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
