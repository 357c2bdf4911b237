/**
 * Client side: builds an onion request in Session's layer format, innermost layer first.
 *
 * - The destination's plaintext is `[N][rpc body]{"headers":{}}` for a service node (Session
 *   desktop's form) or a v4 bencoded request for an external server; it is encrypted to the
 *   destination's X25519 key with a fresh ephemeral key.
 * - Each path node, from the last to the first, gets
 *   `[N][previous ciphertext]{"destination": <next ed25519>, "ephemeral_key": <previous
 *   ephemeral key>, "enc_type": ...}` (for an external server, the last node gets
 *   `{"host", "target", "method", "protocol", "port", "ephemeral_key", "enc_type"}` instead),
 *   encrypted to that node's X25519 key with its own fresh ephemeral key.
 * - The body POSTed to the guard is `[N][ciphertext for the guard]{"ephemeral_key", "enc_type"}`.
 */
import type { LayerEncryption, MurmurCrypto } from '@murmur/crypto';
import {
  type AbortOptions,
  bytesToHex,
  encodeCombinedPayload,
  encodeOnionV4Request,
  hexToBytes,
  InvalidInputError,
  isHex,
  MAX_ONION_HOPS,
  parseEncType,
  throwIfAborted,
  utf8Encode,
} from '@murmur/wire';
import { frozenNode, type OnionNode, toOnionNode } from './onion-node.js';
import { withSecret } from './secret.js';

/** Where an onion request ends. */
export type OnionDestination =
  | {
      /** The last path node relays to this service node, which runs the storage RPC. */
      type: 'node';
      node: OnionNode;
    }
  | {
      /** The last path node POSTs the request to this HTTP(S) server (v4 onion request). */
      type: 'server';
      /** Host name or IPv4 address. */
      host: string;
      /** Path the exit node POSTs to: starts with `/loki/` or `/oxen/`, ends with `/lsrpc`. */
      target: string;
      /** Default 443 for https, 80 for http. */
      port?: number;
      /** Default `https`. */
      protocol?: 'http' | 'https';
      /** The server's X25519 public key, 64 hex characters. */
      x25519: string;
    };

/** The request line of a v4 request to an external server. */
export interface OnionV4RequestInit {
  /** HTTP method, such as `GET` or `POST`. */
  method: string;
  /** Path on the server, starting with `/`. */
  endpoint: string;
  /** Request headers. A JSON object payload adds `content-type: application/json` if absent. */
  headers?: Record<string, string>;
}

/** What {@link buildOnionRequest} needs. */
export interface BuildOnionRequestInput {
  /**
   * The nodes before the destination, guard first. May be empty for a node destination (the
   * request then goes straight to it); a server destination needs at least one (the exit).
   */
  path: readonly OnionNode[];
  /** Where the request ends. */
  destination: OnionDestination;
  /**
   * For a node: the storage RPC body (`{method, params}`; an object is sent as JSON). For a
   * server: the v4 body (an object is sent as JSON, a string as UTF-8), or absent for none.
   */
  payload?: Uint8Array | string | object;
  /** Layer cipher for every layer (default `aes-gcm`, what Session desktop uses). */
  encType?: LayerEncryption;
  /** Required for a server destination: the v4 request line. */
  v4?: OnionV4RequestInit;
}

/** A built onion request, ready to POST to its guard. */
export interface OnionRequest {
  /** The POST body for the guard's `/onion_req/v2`. */
  readonly body: Uint8Array;
  /** The node the body goes to (the first path node, or the destination for an empty path). */
  readonly guard: OnionNode;
  /** The path nodes, guard first. */
  readonly path: readonly OnionNode[];
  /** Where the request ends. */
  readonly destination: OnionDestination;
  /** The layer cipher. */
  readonly encType: LayerEncryption;
  /**
   * The destination layer's key: it decrypts the reply. Secret: a non-enumerable property, so
   * that logs and `JSON.stringify` leave it out. Pass the request object on as it is.
   */
  readonly responseKey: Uint8Array;
}

const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/** URL path characters (RFC 3986 pchar and "/"): no space, control character, "?" or "#". */
const URL_PATH = /^[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

/**
 * Session's rule for the URL an exit node may call (SS `is_onion_url_target_allowed`: starts
 * with /loki/ or /oxen/, ends with /lsrpc, no "?"), and URL path characters only: a space or
 * CR/LF would reach the exit's HTTP request line.
 */
export function isAllowedOnionTarget(target: unknown): target is string {
  return (
    typeof target === 'string' &&
    (target.startsWith('/loki/') || target.startsWith('/oxen/')) &&
    target.endsWith('/lsrpc') &&
    URL_PATH.test(target)
  );
}

interface ServerDestination {
  type: 'server';
  host: string;
  target: string;
  port: number;
  protocol: 'http' | 'https';
  x25519: string;
}

function checkDestination(value: unknown): { type: 'node'; node: OnionNode } | ServerDestination {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidInputError('onion request: `destination` must be an object');
  }
  const { type, node, host, target, port, protocol, x25519 } = value as Record<string, unknown>;
  if (type === 'node') {
    return { type: 'node', node: toOnionNode(node, 'destination.node') };
  }
  if (type !== 'server') {
    throw new InvalidInputError('onion request: `destination.type` must be "node" or "server"');
  }
  if (typeof host !== 'string' || !HOST.test(host)) {
    throw new InvalidInputError('onion request: `destination.host` must be a host name or IPv4');
  }
  if (!isAllowedOnionTarget(target)) {
    throw new InvalidInputError(
      'onion request: `destination.target` must start with /loki/ or /oxen/, end with /lsrpc and have no "?"',
    );
  }
  if (protocol !== undefined && protocol !== 'http' && protocol !== 'https') {
    throw new InvalidInputError('onion request: `destination.protocol` must be "http" or "https"');
  }
  if (
    port !== undefined &&
    (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535)
  ) {
    throw new InvalidInputError('onion request: `destination.port` must be from 1 to 65535');
  }
  if (!isHex(x25519, 32)) {
    throw new InvalidInputError(
      'onion request: `destination.x25519` must be the server’s 64-character hex X25519 key',
    );
  }
  const resolvedProtocol = protocol ?? 'https';
  return {
    type: 'server',
    host,
    target,
    protocol: resolvedProtocol,
    port: port ?? (resolvedProtocol === 'https' ? 443 : 80),
    x25519: x25519.toLowerCase(),
  };
}

function isPlainObject(value: unknown): value is object {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    !ArrayBuffer.isView(value)
  );
}

function payloadBytes(payload: unknown, what: string): Uint8Array {
  if (payload instanceof Uint8Array) return payload;
  if (typeof payload === 'string') return utf8Encode(payload);
  if (isPlainObject(payload)) {
    let text: string | undefined;
    try {
      text = JSON.stringify(payload);
    } catch (cause) {
      throw new InvalidInputError(`onion request: ${what} cannot be serialised as JSON`, {
        cause,
      });
    }
    return utf8Encode(text);
  }
  throw new InvalidInputError(`onion request: ${what} must be bytes, a string or an object`);
}

function destinationPlaintext(
  destination: { type: 'node'; node: OnionNode } | ServerDestination,
  input: BuildOnionRequestInput,
): Uint8Array {
  if (destination.type === 'node') {
    if (input.v4 !== undefined) {
      throw new InvalidInputError('onion request: `v4` applies to server destinations only');
    }
    if (input.payload === undefined) {
      throw new InvalidInputError('onion request: a node destination needs a `payload`');
    }
    return encodeCombinedPayload(payloadBytes(input.payload, '`payload`'), { headers: {} });
  }
  const v4 = input.v4;
  if (typeof v4 !== 'object' || v4 === null) {
    throw new InvalidInputError(
      'onion request: a server destination needs `v4: { method, endpoint, headers? }`',
    );
  }
  const headers: Record<string, string> = { ...(v4.headers ?? {}) };
  if (
    isPlainObject(input.payload) &&
    !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')
  ) {
    headers['content-type'] = 'application/json';
  }
  const request: Parameters<typeof encodeOnionV4Request>[0] = {
    method: v4.method,
    endpoint: v4.endpoint,
    headers,
  };
  if (input.payload !== undefined) request.body = payloadBytes(input.payload, '`payload`');
  return encodeOnionV4Request(request);
}

/**
 * Builds an onion request: every layer with a fresh ephemeral X25519 key, innermost first.
 *
 * @throws {@link InvalidInputError} for a malformed path, destination or payload, a node that
 * appears twice, or more than {@link MAX_ONION_HOPS} nodes that would process the request;
 * `UnsupportedError` for `aes-cbc`; `TooLargeError` over 10 MiB; `AbortError` on the signal.
 */
export async function buildOnionRequest(
  crypto: MurmurCrypto,
  input: BuildOnionRequestInput,
  options: AbortOptions = {},
): Promise<OnionRequest> {
  throwIfAborted(options.signal);
  if (typeof input !== 'object' || input === null) {
    throw new InvalidInputError('onion request: the input must be an object');
  }
  if (!Array.isArray(input.path)) {
    throw new InvalidInputError('onion request: `path` must be an array of nodes');
  }
  const encType = parseEncType(input.encType ?? 'aes-gcm', 'onion request') as LayerEncryption;
  const path = input.path.map((node, index) => toOnionNode(node, `path[${index}]`));
  const destination = checkDestination(input.destination);

  const processing = path.length + (destination.type === 'node' ? 1 : 0);
  if (destination.type === 'server' && path.length === 0) {
    throw new InvalidInputError('onion request: a server destination needs at least one path node');
  }
  if (processing > MAX_ONION_HOPS) {
    throw new InvalidInputError(
      `onion request: ${processing} nodes would process the request; at most ${MAX_ONION_HOPS} may`,
    );
  }
  const seen = new Set<string>();
  for (const node of destination.type === 'node' ? [...path, destination.node] : path) {
    if (seen.has(node.ed25519)) {
      throw new InvalidInputError(
        `onion request: node ${node.ed25519.slice(0, 8)}… appears twice on the path`,
      );
    }
    seen.add(node.ed25519);
  }

  const destinationKey = destination.type === 'node' ? destination.node.x25519 : destination.x25519;
  let layer = await crypto.encryptLayer(
    destinationPlaintext(destination, input),
    hexToBytes(destinationKey, { length: 32, field: 'destination x25519' }),
    encType,
  );
  const responseKey = layer.key;

  for (let index = path.length - 1; index >= 0; index--) {
    throwIfAborted(options.signal);
    const hop = path[index] as OnionNode;
    const isExit = index === path.length - 1;
    const ephemeralKey = bytesToHex(layer.ephemeralPublicKey);
    let json: Record<string, unknown>;
    if (isExit && destination.type === 'server') {
      json = {
        host: destination.host,
        target: destination.target,
        method: 'POST',
        protocol: destination.protocol,
        port: destination.port,
        ephemeral_key: ephemeralKey,
        enc_type: encType,
      };
    } else {
      const next = isExit
        ? (destination as { node: OnionNode }).node
        : (path[index + 1] as OnionNode);
      json = { destination: next.ed25519, ephemeral_key: ephemeralKey, enc_type: encType };
    }
    const outer = await crypto.encryptLayer(
      encodeCombinedPayload(layer.ciphertext, json),
      hexToBytes(hop.x25519, { length: 32, field: 'path node x25519' }),
      encType,
    );
    // Only the destination's key reads the reply; hop keys are not needed again.
    if (layer.key !== responseKey) crypto.wipe(layer.key);
    layer = outer;
  }
  if (layer.key !== responseKey) crypto.wipe(layer.key);

  const body = encodeCombinedPayload(layer.ciphertext, {
    ephemeral_key: bytesToHex(layer.ephemeralPublicKey),
    enc_type: encType,
  });
  const frozenPath = Object.freeze(path.map(frozenNode));
  const guard = frozenPath[0] ?? frozenNode((destination as { node: OnionNode }).node);
  const publicDestination: OnionDestination =
    destination.type === 'node'
      ? Object.freeze({ type: 'node' as const, node: frozenNode(destination.node) })
      : Object.freeze({ ...destination });
  return Object.freeze(
    withSecret(
      { body, guard, path: frozenPath, destination: publicDestination, encType },
      'responseKey',
      responseKey,
    ),
  );
}
