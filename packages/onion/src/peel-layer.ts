/**
 * Node side: reads a `POST /onion_req/v2` body (or a peer-link frame), peels one layer, and
 * tells the node what to do, in the storage server's order (SS `process_inner_request`):
 * a decrypted JSON with `headers` → this node is the destination; with `host` → proxy to an
 * external server; otherwise → relay to `destination`.
 *
 * Errors and the answers Session nodes give for them:
 * - a malformed body → `PayloadMalformedError` / `InvalidInputError` (400);
 * - `enc_type` aes-cbc → `UnsupportedError` (400, no MAC); unknown → `InvalidInputError` (400);
 * - `hop_no` above 15, or a relay that would exceed it → 400 "onion request max path length
 *   exceeded";
 * - a layer that does not decrypt → `DecryptionFailedError` (400 "Invalid ciphertext");
 * - a decrypted layer with invalid JSON (or missing `destination` / `ephemeral_key`) →
 *   {@link OnionLayerRejectedError} "Invalid json"; an exit layer whose URL is not allowed →
 *   {@link OnionLayerRejectedError} "Invalid url". Session answers both encrypted with the layer
 *   key: `error.encryptReply(crypto)`.
 */
import {
  assertX25519KeyPair,
  type KeyPair,
  type LayerEncryption,
  type MurmurCrypto,
} from '@murmur/crypto';
import {
  type AbortOptions,
  bytesToBase64,
  bytesToHex,
  DecryptionFailedError,
  decodeCombinedPayload,
  encodeCombinedPayload,
  hexToBytes,
  InvalidInputError,
  MAX_ONION_HOPS,
  MurmurError,
  ONION_PROXY_DEFAULT_PORT,
  parseEncType,
  parseOnionLayer,
  parseOnionRequest,
  throwIfAborted,
  utf8Encode,
} from '@murmur/wire';
import { isAllowedOnionTarget } from './build-request.js';
import { OnionLayerRejectedError } from './errors.js';
import { withSecret } from './secret.js';

/** One layer as a node receives it. */
export interface OnionLayerRequest {
  /** The layer's ciphertext. */
  ciphertext: Uint8Array;
  /** The sender's ephemeral X25519 public key for this layer (32 bytes). */
  ephemeralKey: Uint8Array;
  /** The layer cipher. */
  encType: LayerEncryption;
  /** This node's position on the path: 1 for the guard, at most {@link MAX_ONION_HOPS}. */
  hopNumber: number;
}

/** What a node does with a peeled layer. */
export type PeeledLayer =
  | {
      /** This node is the destination: run the storage RPC and encrypt the reply. */
      role: 'final';
      /** The storage RPC body (`{"method", "params"}`). */
      rpcBody: Uint8Array;
      /** Embed the RPC's JSON answer un-stringified (`"json": true`). */
      returnJson: boolean;
      /** Base64 the encrypted reply (default true; `"base64": false` asks for raw bytes). */
      returnBase64: boolean;
      /** The layer key (encrypts the reply). Secret, non-enumerable. */
      readonly key: Uint8Array;
      encType: LayerEncryption;
    }
  | {
      /** Pass `next` on to the node whose Ed25519 key is `destination`. */
      role: 'relay';
      /** The next node's Ed25519 key, lower-case hex. */
      destination: string;
      /** The layer for the next node (encode it with {@link encodeRelayBody}). */
      next: OnionLayerRequest;
    }
  | {
      /** POST `forwardBody` to `protocol://host:port{target}` and pass the answer back as is. */
      role: 'proxy';
      host: string;
      target: string;
      port: number;
      protocol: 'http' | 'https';
      /** As the layer gives it (clients send `POST`). */
      method: string;
      /** The entire decrypted plaintext, as Session forwards it: the server parses it itself. */
      forwardBody: Uint8Array;
      /** The exit layer's key (not the server's). Secret, non-enumerable. */
      readonly key: Uint8Array;
      encType: LayerEncryption;
    };

const MAX_PATH_LENGTH_EXCEEDED = 'onion request max path length exceeded';

function maxPathLengthError(hopNumber: number): InvalidInputError {
  return new InvalidInputError(MAX_PATH_LENGTH_EXCEEDED, {
    details: { hopNumber, limit: MAX_ONION_HOPS },
  });
}

/**
 * Parses the body of `POST /onion_req/v2` (or a relayed layer): `[N][ciphertext]{"ephemeral_key",
 * "enc_type"?, "hop_no"?}`. `enc_type` defaults to aes-gcm (aliases `gcm`,
 * `xchacha20-poly1305`); `hop_no` defaults to 1 (the guard) and is raised to at least 1.
 *
 * @throws `PayloadMalformedError` (400) for a truncated body or a JSON part that is not an object;
 * `TooLargeError` (413) over 10 MiB; `InvalidInputError` (400) for a bad key, an unknown
 * `enc_type` or `hop_no` above 15; `UnsupportedError` (400) for aes-cbc.
 */
export function parseOnionRequestBody(body: Uint8Array): OnionLayerRequest {
  if (!(body instanceof Uint8Array)) {
    throw new InvalidInputError('onion request: the body must be bytes');
  }
  const { blob, json } = decodeCombinedPayload(body);
  const request = parseOnionRequest(json);
  const hopNumber = Math.max(1, request.hopNumber ?? 1);
  if (hopNumber > MAX_ONION_HOPS) throw maxPathLengthError(hopNumber);
  return {
    ciphertext: blob.slice(),
    ephemeralKey: hexToBytes(request.ephemeralKey, { length: 32, field: 'ephemeral_key' }),
    encType: request.encType,
    hopNumber,
  };
}

/**
 * The body the next node receives for a relayed layer (its `/onion_req/v2` body, or the payload
 * of a peer-link frame): `[N][ciphertext]{"ephemeral_key", "enc_type", "hop_no"}`.
 */
export function encodeRelayBody(next: OnionLayerRequest): Uint8Array {
  checkLayerRequest(next);
  return encodeCombinedPayload(next.ciphertext, {
    ephemeral_key: bytesToHex(next.ephemeralKey),
    enc_type: next.encType,
    hop_no: next.hopNumber,
  });
}

function checkLayerRequest(request: OnionLayerRequest): void {
  if (typeof request !== 'object' || request === null) {
    throw new InvalidInputError('onion layer: the request must be an object');
  }
  if (!(request.ciphertext instanceof Uint8Array)) {
    throw new InvalidInputError('onion layer: `ciphertext` must be bytes');
  }
  if (!(request.ephemeralKey instanceof Uint8Array) || request.ephemeralKey.length !== 32) {
    throw new InvalidInputError('onion layer: `ephemeralKey` must be 32 bytes');
  }
  parseEncType(request.encType, 'onion layer');
  if (!Number.isInteger(request.hopNumber) || request.hopNumber < 0) {
    throw new InvalidInputError('onion layer: `hopNumber` must be a non-negative integer');
  }
}

/**
 * Peels one layer with the node's X25519 key pair.
 *
 * @throws see the module description: `DecryptionFailedError` "Invalid ciphertext",
 * {@link OnionLayerRejectedError} "Invalid json" / "Invalid url", `InvalidInputError`
 * "onion request max path length exceeded".
 */
export async function peelOnionLayer(
  crypto: MurmurCrypto,
  nodeKeyPair: KeyPair,
  request: OnionLayerRequest,
  options: AbortOptions = {},
): Promise<PeeledLayer> {
  throwIfAborted(options.signal);
  assertX25519KeyPair(nodeKeyPair, 'onion layer: nodeKeyPair');
  checkLayerRequest(request);
  const encType = parseEncType(request.encType, 'onion layer') as LayerEncryption;
  if (request.hopNumber > MAX_ONION_HOPS) throw maxPathLengthError(request.hopNumber);

  let plaintext: Uint8Array;
  let key: Uint8Array;
  try {
    ({ plaintext, key } = await crypto.decryptLayer(
      request.ciphertext,
      nodeKeyPair,
      request.ephemeralKey,
      encType,
    ));
  } catch (cause) {
    if (MurmurError.isInstance(cause) && cause.code !== 'INTERNAL') {
      throw new DecryptionFailedError('Invalid ciphertext', {
        cause,
        details: { encType, length: request.ciphertext.length },
      });
    }
    throw cause;
  }

  const layer = { key, encType };
  let json: Record<string, unknown>;
  let blob: Uint8Array;
  try {
    ({ json, blob } = decodeCombinedPayload(plaintext));
  } catch (cause) {
    throw new OnionLayerRejectedError('Invalid json', layer, {
      cause,
      details: { reason: MurmurError.isInstance(cause) ? cause.message : 'malformed payload' },
    });
  }

  if (Object.hasOwn(json, 'host')) {
    const { target, protocol } = json;
    if (
      !isAllowedOnionTarget(target) ||
      (protocol !== undefined && protocol !== null && protocol !== 'http' && protocol !== 'https')
    ) {
      throw new OnionLayerRejectedError('Invalid url', layer, {
        details: {
          reason:
            'the target must start with /loki/ or /oxen/, end with /lsrpc and have no "?"; the protocol must be http or https',
        },
      });
    }
  }

  let parsed: ReturnType<typeof parseOnionLayer>;
  try {
    parsed = parseOnionLayer(json);
  } catch (cause) {
    const { field } = MurmurError.isInstance(cause) ? cause.details : { field: undefined };
    throw new OnionLayerRejectedError('Invalid json', layer, {
      cause,
      details: {
        reason: MurmurError.isInstance(cause) ? cause.message : 'invalid layer JSON',
        ...(typeof field === 'string' ? { field } : {}),
      },
    });
  }

  switch (parsed.role) {
    case 'final':
      return withSecret(
        {
          role: 'final' as const,
          rpcBody: blob.slice(),
          returnJson: parsed.json,
          returnBase64: parsed.base64,
          encType,
        },
        'key',
        key,
      );
    case 'proxy':
      return withSecret(
        {
          role: 'proxy' as const,
          host: parsed.host,
          target: parsed.target,
          port: parsed.port ?? ONION_PROXY_DEFAULT_PORT,
          protocol: parsed.protocol,
          method: parsed.method ?? 'POST',
          forwardBody: plaintext,
          encType,
        },
        'key',
        key,
      );
    case 'relay': {
      crypto.wipe(key);
      const hopNumber = Math.max(1, request.hopNumber) + 1;
      if (hopNumber > MAX_ONION_HOPS) throw maxPathLengthError(hopNumber);
      return {
        role: 'relay',
        destination: parsed.destination,
        next: {
          ciphertext: blob.slice(),
          ephemeralKey: hexToBytes(parsed.ephemeralKey, { length: 32, field: 'ephemeral_key' }),
          encType: parsed.encType,
          hopNumber,
        },
      };
    }
  }
}

/** The reply a destination node encrypts: the storage RPC's status and answer. */
export interface FinalReply {
  /** The storage RPC's HTTP status (200, 421, 406, ...). */
  status: number;
  /** The answer: JSON text, plain text, an object (JSON), or bytes (sent as base64, as SS). */
  body: string | object | Uint8Array;
}

/**
 * Encrypts a destination's reply as Session's `wrap_proxy_response`: the JSON
 * `{"status": <status>, "body": <answer>}` (the answer stringified unless the layer asked for
 * `"json": true`), encrypted with the layer key, then base64 unless the layer asked for
 * `"base64": false`.
 *
 * @returns the bytes of the HTTP 200 body.
 */
export async function encryptFinalResponse(
  crypto: MurmurCrypto,
  layer: Extract<PeeledLayer, { role: 'final' }>,
  reply: FinalReply,
  options: AbortOptions = {},
): Promise<Uint8Array> {
  throwIfAborted(options.signal);
  if (typeof layer !== 'object' || layer === null || !(layer.key instanceof Uint8Array)) {
    throw new InvalidInputError(
      'onion reply: `layer` must be the final layer peelOnionLayer returned (not a copy)',
    );
  }
  if (
    typeof reply !== 'object' ||
    reply === null ||
    !Number.isInteger(reply.status) ||
    reply.status < 100 ||
    reply.status > 599
  ) {
    throw new InvalidInputError('onion reply: `status` must be an HTTP status code (100-599)');
  }
  let body: unknown;
  if (reply.body instanceof Uint8Array) {
    body = bytesToBase64(reply.body);
  } else if (typeof reply.body === 'string') {
    body = reply.body;
    if (layer.returnJson) {
      try {
        body = JSON.parse(reply.body);
      } catch {
        // not JSON: embedded as a string
      }
    }
  } else if (typeof reply.body === 'object' && reply.body !== null) {
    body = layer.returnJson ? reply.body : JSON.stringify(reply.body);
  } else {
    throw new InvalidInputError('onion reply: `body` must be a string, an object or bytes');
  }
  const plaintext = utf8Encode(JSON.stringify({ status: reply.status, body }));
  const ciphertext = await crypto.encryptLayerResponse(plaintext, layer.key, layer.encType);
  return layer.returnBase64 ? utf8Encode(bytesToBase64(ciphertext)) : ciphertext;
}
