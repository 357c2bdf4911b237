/**
 * A fake Murmur network in one process, plugged into the client as its `fetch`. Its nodes do
 * what service nodes do, with the real codecs: they peel real onion layers (`@murmur/onion`),
 * check every request with the `@murmur/wire` schemas, verify signatures, keep messages per
 * swarm (replication is modelled by one store per swarm), answer `store`, `retrieve`,
 * `delete`, `get_swarm`, `info` and `batch` with `t`, answer 421 from the wrong swarm and 406
 * for a timestamp out of tolerance, and serve the seed endpoint.
 *
 * Faults can be injected per node: unreachable (connection refused, "Next node not found" for
 * relays), an HTTP error for the next onion requests, a hang until the caller aborts, a clock
 * offset, or a hook that answers an RPC itself.
 */
import type { Identity, MurmurCrypto } from '@murmur/crypto';
import { OnionLayerRejectedError } from '@murmur/onion';
import {
  encodeRelayBody,
  encryptFinalResponse,
  parseOnionRequestBody,
  peelOnionLayer,
} from '@murmur/onion/node';
import { createSwarmIndex, type SwarmId, swarmIdToHex } from '@murmur/swarm';
import {
  assertSignatureTimestamp,
  assertStoreClock,
  assertStoreTtl,
  BadSignatureError,
  base64ToBytes,
  bytesToBase64,
  bytesToHex,
  HARDFORK,
  hexToBytes,
  InvalidInputError,
  parseRequest,
  parseSeedRequest,
  type RpcRequest,
  type RpcSubrequest,
  responseFromError,
  SignatureRequiredError,
  type SwarmNode,
  utf8Encode,
  WrongSwarmError,
} from '@murmur/wire';

/** A message as a fake swarm keeps it. */
export interface FakeStoredMessage {
  hash: string;
  namespace: number;
  data: string;
  timestamp: number;
  expiry: number;
}

/** An answer a hook gives instead of the node. */
export interface FakeAnswer {
  status: number;
  body: string | Record<string, unknown>;
}

/** One fake service node. */
export class FakeNode {
  readonly identity: Identity;
  readonly ed25519: string;
  readonly x25519: string;
  readonly ip: string;
  readonly port: number;
  swarmId: SwarmId = 0n;
  /** Refuses connections; relays to it answer "Next node not found". */
  unreachable = false;
  /** Accepts connections and never answers (until the caller aborts). */
  hang = false;
  /** Milliseconds added to the network's clock for this node. */
  clockOffsetMs = 0;
  /** Answers for the next onion requests this node receives as the guard. */
  readonly failNextOnion: FakeAnswer[] = [];
  /** Answers an RPC instead of the node (return `undefined` to let the node answer). */
  rpcHook: ((method: string, params: unknown) => FakeAnswer | undefined) | undefined;

  constructor(identity: Identity, index: number, subnet = index) {
    this.identity = identity;
    this.ed25519 = bytesToHex(identity.ed25519.publicKey);
    this.x25519 = bytesToHex(identity.x25519.publicKey);
    this.ip = `10.${(subnet >> 8) & 255}.${subnet & 255}.${(index % 250) + 1}`;
    this.port = 20_000 + index;
  }

  /** The node as the onion layer addresses it. */
  get onionNode() {
    return { ed25519: this.ed25519, x25519: this.x25519, ip: this.ip, port: this.port };
  }
}

/** Counters of what the network saw. */
export interface FakeNetworkStats {
  /** Onion requests received per guard (Ed25519 key). */
  onionByGuard: Map<string, number>;
  /** RPCs run per method. */
  rpcByMethod: Map<string, number>;
  /** Seed requests answered. */
  seedRequests: number;
  /** Connections refused per node (Ed25519 key): requests to an unreachable node. */
  refused: Map<string, number>;
  /** RPC answers per status (sub-requests of a batch included). */
  rpcStatus: Map<number, number>;
  /** Every onion request that reached its destination: the nodes it passed, guard first. */
  routes: string[][];
}

/** Options of {@link createFakeNetwork}. */
export interface FakeNetworkInit {
  crypto: MurmurCrypto;
  /** Nodes (default 12). */
  nodeCount?: number;
  /** Nodes per swarm (default 4). */
  swarmSize?: number;
  /** Messages per retrieve at most (default 50), to exercise `more`. */
  retrieveLimit?: number;
  /** The network's clock (default `Date.now`). */
  now?: () => number;
  /** The /24 subnet of each node (default: each node its own). */
  subnets?: readonly number[];
  /** The seed endpoint's URL (default `http://10.250.0.1:38157/json_rpc`). */
  seedUrl?: string;
}

/** The fake network. */
export interface FakeNetwork {
  readonly nodes: FakeNode[];
  readonly seedUrl: string;
  readonly stats: FakeNetworkStats;
  /** The fetch to give the client. */
  fetch: typeof fetch;
  /** The seed answers 503 while true. */
  seedDown: boolean;
  /** The node with this Ed25519 key. */
  node(ed25519: string): FakeNode;
  /** The members of the swarm `pubkey` maps to now. */
  swarmOf(pubkey: string): FakeNode[];
  /** The messages the swarm of `pubkey` holds for it in `namespace`. */
  messagesOf(pubkey: string, namespace?: number): FakeStoredMessage[];
  /**
   * Forms swarms again from `groups` (each a list of nodes) with fresh, evenly spaced IDs, and
   * moves every stored message to its account's new swarm.
   */
  reassign(groups: FakeNode[][]): void;
  /** Forms swarms exactly as given (swarm ID → member Ed25519 keys), e.g. from a registry. */
  assignSwarms(swarms: ReadonlyMap<SwarmId, readonly string[]>): void;
}

function response(status: number, body: string | Uint8Array | Record<string, unknown>) {
  const payload =
    body instanceof Uint8Array
      ? body
      : typeof body === 'string'
        ? utf8Encode(body)
        : utf8Encode(JSON.stringify(body));
  const headers: Record<string, string> =
    typeof body === 'object' && !(body instanceof Uint8Array)
      ? { 'content-type': 'application/json' }
      : {};
  return new Response(payload as Uint8Array<ArrayBuffer>, { status, headers });
}

function bodyBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return utf8Encode(body);
  if (body === undefined || body === null) return new Uint8Array();
  throw new TypeError('fake network: unsupported body type');
}

/** Creates a fake network of `nodeCount` nodes in swarms of `swarmSize`. */
export function createFakeNetwork(init: FakeNetworkInit): FakeNetwork {
  const { crypto } = init;
  const now = init.now ?? (() => Date.now());
  const nodeCount = init.nodeCount ?? 12;
  const swarmSize = init.swarmSize ?? 4;
  const retrieveLimit = init.retrieveLimit ?? 50;
  const nodes = Array.from(
    { length: nodeCount },
    (_, index) => new FakeNode(crypto.generateIdentity(), index + 1, init.subnets?.[index]),
  );
  const byAddress = new Map(nodes.map((node) => [`${node.ip}:${node.port}`, node]));
  const byKey = new Map(nodes.map((node) => [node.ed25519, node]));
  /** Swarm ID → account → messages (in insertion order). */
  let stores = new Map<SwarmId, Map<string, FakeStoredMessage[]>>();
  let index = createSwarmIndex([0n]);
  const stats: FakeNetworkStats = {
    onionByGuard: new Map(),
    rpcByMethod: new Map(),
    seedRequests: 0,
    refused: new Map(),
    rpcStatus: new Map(),
    routes: [],
  };
  const countStatus = (status: number) =>
    stats.rpcStatus.set(status, (stats.rpcStatus.get(status) ?? 0) + 1);
  const seedUrl = new URL(init.seedUrl ?? 'http://10.250.0.1:38157/json_rpc').toString();

  const members = (swarmId: SwarmId) => nodes.filter((node) => node.swarmId === swarmId);

  const assign = (groups: FakeNode[][], given?: readonly SwarmId[]): void => {
    const step = (2n ** 64n - 1n) / BigInt(groups.length);
    const ids = given ?? groups.map((_, i) => BigInt(i) * step);
    const old = stores;
    stores = new Map(ids.map((id) => [id, new Map()]));
    groups.forEach((group, i) => {
      for (const node of group) node.swarmId = ids[i] as SwarmId;
    });
    index = createSwarmIndex(ids);
    for (const accounts of old.values()) {
      for (const [account, messages] of accounts) {
        const target = stores.get(index.swarmFor(account)) as Map<string, FakeStoredMessage[]>;
        const list = target.get(account) ?? [];
        for (const message of messages) {
          if (!list.some((m) => m.hash === message.hash)) list.push(message);
        }
        target.set(account, list);
      }
    }
  };
  const groups: FakeNode[][] = [];
  for (let i = 0; i < nodes.length; i += swarmSize) groups.push(nodes.slice(i, i + swarmSize));
  assign(groups);

  const accountMessages = (pubkey: string): FakeStoredMessage[] => {
    const store = stores.get(index.swarmFor(pubkey)) as Map<string, FakeStoredMessage[]>;
    let list = store.get(pubkey);
    if (list === undefined) {
      list = [];
      store.set(pubkey, list);
    }
    return list;
  };

  const swarmNodes = (swarmId: SwarmId): SwarmNode[] =>
    members(swarmId).map((node) => ({
      ip: node.ip,
      port: String(node.port),
      port_https: node.port,
      pubkey_ed25519: node.ed25519,
      pubkey_x25519: node.x25519,
    }));

  const checkSwarm = (node: FakeNode, pubkey: string): void => {
    const swarmId = index.swarmFor(pubkey);
    if (swarmId !== node.swarmId) {
      throw new WrongSwarmError('wrong swarm', {
        swarmId: swarmIdToHex(swarmId),
        members: members(swarmId).map((member) => ({
          pubkeyEd25519: member.ed25519,
          pubkeyX25519: member.x25519,
          ip: member.ip,
          port: member.port,
        })),
      });
    }
  };

  const checkOwner = (
    method: 'retrieve' | 'delete',
    params: { pubkey: string; signature?: string; pubkey_ed25519?: string },
    signed: Record<string, unknown>,
  ): void => {
    if (params.signature === undefined || params.pubkey_ed25519 === undefined) {
      throw new SignatureRequiredError(`${method}: request signature required`);
    }
    const ed = hexToBytes(params.pubkey_ed25519, { length: 32, field: 'pubkey_ed25519' });
    const x = bytesToHex(crypto.ed25519PublicKeyToX25519(ed));
    if (`05${x}` !== params.pubkey) {
      throw new BadSignatureError(`${method}: pubkey_ed25519 does not match the pubkey`);
    }
    if (!crypto.verifyRequest(method, signed, params.signature, ed)) {
      throw new BadSignatureError(`${method}: signature verification failed`);
    }
  };

  const sign = (node: FakeNode, text: string): string =>
    bytesToBase64(crypto.sign(utf8Encode(text), node.identity.ed25519.secretKey));

  const network = (t: number) => ({ t, hf: [...HARDFORK] });

  const run = (node: FakeNode, request: RpcRequest | RpcSubrequest): Record<string, unknown> => {
    const t = now() + node.clockOffsetMs;
    stats.rpcByMethod.set(request.method, (stats.rpcByMethod.get(request.method) ?? 0) + 1);
    switch (request.method) {
      case 'info':
        return { version: [2, 8, 0], timestamp: t, ...network(t) };
      case 'get_swarm': {
        const swarmId = index.swarmFor(request.params.pubkey);
        return { snodes: swarmNodes(swarmId), swarm: swarmIdToHex(swarmId), ...network(t) };
      }
      case 'store': {
        const params = request.params;
        checkSwarm(node, params.pubkey);
        assertStoreTtl(params);
        assertStoreClock(params, t);
        const hash = crypto.messageHash(
          params.pubkey,
          params.namespace,
          base64ToBytes(params.data, { field: 'data' }),
        );
        const list = accountMessages(params.pubkey);
        const existing = list.find((message) => message.hash === hash);
        if (existing === undefined) {
          list.push({
            hash,
            namespace: params.namespace,
            data: params.data,
            timestamp: params.timestamp,
            expiry: params.expiry,
          });
        } else {
          existing.expiry = Math.max(existing.expiry, params.expiry);
        }
        const swarm: Record<string, unknown> = {};
        for (const member of members(node.swarmId)) {
          swarm[member.ed25519] = {
            hash,
            signature: sign(member, hash),
            expiry: existing?.expiry ?? params.expiry,
            ...(existing === undefined ? {} : { already: true }),
          };
        }
        return { swarm, hash, ...network(t) };
      }
      case 'retrieve': {
        const params = request.params;
        checkSwarm(node, params.pubkey);
        checkOwner('retrieve', params, {
          namespace: params.namespace,
          timestamp: params.timestamp,
        });
        assertSignatureTimestamp('retrieve', params.timestamp as number, t);
        const all = accountMessages(params.pubkey).filter(
          (message) => message.namespace === params.namespace && message.expiry >= t,
        );
        const after =
          params.last_hash === undefined
            ? -1
            : all.findIndex((message) => message.hash === params.last_hash);
        const rest = all.slice(after + 1);
        const page = rest.slice(0, Math.min(retrieveLimit, params.max_count ?? retrieveLimit));
        return {
          messages: page.map((message) => ({
            hash: message.hash,
            timestamp: message.timestamp,
            expiration: message.expiry,
            data: message.data,
          })),
          more: rest.length > page.length,
          ...network(t),
        };
      }
      case 'delete': {
        const params = request.params;
        checkSwarm(node, params.pubkey);
        checkOwner('delete', params, { messages: params.messages });
        const list = accountMessages(params.pubkey);
        const deleted = params.messages.filter((hash) => list.some((m) => m.hash === hash)).sort();
        const kept = list.filter((message) => !params.messages.includes(message.hash));
        list.splice(0, list.length, ...kept);
        const swarm: Record<string, unknown> = {};
        for (const member of members(node.swarmId)) {
          swarm[member.ed25519] = {
            deleted,
            signature: sign(member, `${params.pubkey}${deleted.join('')}`),
          };
        }
        return { swarm, ...network(t) };
      }
      case 'batch':
      case 'sequence': {
        const results = request.params.requests.map((sub) => {
          const hooked = node.rpcHook?.(sub.method, sub.params);
          if (hooked !== undefined) {
            countStatus(hooked.status);
            return { code: hooked.status, body: hooked.body };
          }
          try {
            const body = run(node, sub);
            countStatus(200);
            return { code: 200, body };
          } catch (error) {
            const answer = responseFromError(error, { method: sub.method, now: t });
            countStatus(answer.status);
            return { code: answer.status, body: answer.body };
          }
        });
        return { results };
      }
      default:
        throw new InvalidInputError(`fake node: ${request.method} is not implemented`);
    }
  };

  const rpc = (node: FakeNode, body: Uint8Array): FakeAnswer => {
    let method = 'unknown';
    try {
      const request = parseRequest(body);
      method = request.method;
      const hooked = node.rpcHook?.(request.method, request.params);
      if (hooked !== undefined) {
        countStatus(hooked.status);
        return hooked;
      }
      const answer = run(node, request);
      if (request.method !== 'batch' && request.method !== 'sequence') countStatus(200);
      return { status: 200, body: answer };
    } catch (error) {
      const answer = responseFromError(error, { method, now: now() + node.clockOffsetMs });
      countStatus(answer.status);
      return { status: answer.status, body: answer.body as string | Record<string, unknown> };
    }
  };

  const onion = async (
    node: FakeNode,
    body: Uint8Array,
    first: boolean,
    route: string[] = [],
  ): Promise<Response> => {
    route.push(node.ed25519);
    if (first) {
      stats.onionByGuard.set(node.ed25519, (stats.onionByGuard.get(node.ed25519) ?? 0) + 1);
      const injected = node.failNextOnion.shift();
      if (injected !== undefined) return response(injected.status, injected.body);
    }
    let peeled: Awaited<ReturnType<typeof peelOnionLayer>>;
    try {
      peeled = await peelOnionLayer(crypto, node.identity.x25519, parseOnionRequestBody(body));
    } catch (error) {
      if (error instanceof OnionLayerRejectedError) {
        return response(200, await error.encryptReply(crypto));
      }
      const answer = responseFromError(error);
      return response(answer.status, answer.body as string);
    }
    if (peeled.role === 'relay') {
      const next = byKey.get(peeled.destination);
      if (next === undefined || next.unreachable) {
        return response(502, `Next node not found: ${peeled.destination}`);
      }
      if (next.hang) return response(504, 'Request time out');
      return onion(next, encodeRelayBody(peeled.next), false, route);
    }
    if (peeled.role === 'proxy') return response(400, 'Invalid url');
    stats.routes.push(route);
    const answer = rpc(node, peeled.rpcBody);
    return response(200, await encryptFinalResponse(crypto, peeled, answer));
  };

  const seed = (body: Uint8Array): Response => {
    stats.seedRequests++;
    if (fake.seedDown) return response(503, 'seed unavailable');
    try {
      parseSeedRequest(body);
    } catch (error) {
      const answer = responseFromError(error);
      return response(answer.status, answer.body as string);
    }
    return response(200, {
      jsonrpc: '2.0',
      id: '0',
      result: {
        height: 1,
        service_node_states: nodes.map((node) => ({
          public_ip: node.ip,
          storage_port: node.port,
          pubkey_ed25519: node.ed25519,
          pubkey_x25519: node.x25519,
          requested_unlock_height: 0,
          swarm_id: swarmIdToHex(node.swarmId),
        })),
      },
    });
  };

  const fetchImpl = async (input: unknown, requestInit: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const signal = requestInit.signal ?? undefined;
    if (signal?.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
    // Answer asynchronously, as a real network would.
    await Promise.resolve();
    const body = bodyBytes(requestInit.body);
    if (url.toString() === seedUrl) return seed(body);
    const node = byAddress.get(url.host);
    if (node === undefined || node.unreachable) {
      if (node !== undefined) {
        stats.refused.set(node.ed25519, (stats.refused.get(node.ed25519) ?? 0) + 1);
      }
      throw new TypeError('fetch failed: connection refused');
    }
    if (node.hang) {
      return new Promise<Response>((_, reject) => {
        signal?.addEventListener('abort', () =>
          reject(new DOMException('The operation was aborted.', 'AbortError')),
        );
      });
    }
    if (url.pathname === '/onion_req/v2') return onion(node, body, true);
    if (url.pathname === '/storage_rpc/v1') {
      const answer = rpc(node, body);
      return response(answer.status, answer.body);
    }
    return response(404, 'not found');
  };

  const fake: FakeNetwork = {
    nodes,
    seedUrl,
    stats,
    fetch: fetchImpl as typeof fetch,
    seedDown: false,
    node(ed25519) {
      const node = byKey.get(ed25519);
      if (node === undefined) throw new Error(`no fake node ${ed25519}`);
      return node;
    },
    swarmOf: (pubkey) => members(index.swarmFor(pubkey)),
    messagesOf: (pubkey, namespace = 0) =>
      accountMessages(pubkey).filter((message) => message.namespace === namespace),
    reassign: (groups) => assign(groups),
    assignSwarms(swarms) {
      const ids = [...swarms.keys()];
      assign(
        ids.map((id) => (swarms.get(id) ?? []).map((key) => fake.node(key))),
        ids,
      );
    },
  };
  return fake;
}
