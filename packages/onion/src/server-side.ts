/**
 * The external server's side of a v4 onion request (what SOGS and file servers do at
 * `/oxen/v4/lsrpc`): the exit node POSTs the whole decrypted exit layer
 * `[N][ciphertext]{"host", "target", ..., "ephemeral_key", "enc_type"}`; the server decrypts the
 * blob with its own X25519 key, reads the bencoded v4 request, and answers with the bencoded v4
 * response encrypted with the same key, raw (no base64).
 */
import type { KeyPair, LayerEncryption, MurmurCrypto } from '@murmur/crypto';
import {
  type AbortOptions,
  type DecodedOnionV4Request,
  DecryptionFailedError,
  decodeCombinedPayload,
  decodeOnionV4Request,
  encodeOnionV4Response,
  hexToBytes,
  InvalidInputError,
  isHex,
  MurmurError,
  parseEncType,
  throwIfAborted,
  utf8Encode,
} from '@murmur/wire';
import { withSecret } from './secret.js';

/** An opened v4 request. */
export interface OpenedServerRequest {
  /** The request: method, endpoint (starting with `/`), headers, body when there is one. */
  request: DecodedOnionV4Request;
  /** The layer cipher the client chose. */
  encType: LayerEncryption;
  /** The layer key the response is encrypted with. Secret, non-enumerable. */
  readonly key: Uint8Array;
}

/** A v4 response. */
export interface ServerResponse {
  /** HTTP status code. */
  status: number;
  /** Response headers (sent lower-cased). An object body adds `content-type: application/json`. */
  headers?: Record<string, string>;
  /** Body: bytes, text (UTF-8), or an object (JSON). */
  body?: Uint8Array | string | object;
}

/**
 * Opens the body an exit node forwarded to this server.
 *
 * @throws `PayloadMalformedError` / `InvalidInputError` (400) for a malformed body, a missing or
 * bad `ephemeral_key`, an unknown `enc_type` (`UnsupportedError` for aes-cbc);
 * `DecryptionFailedError` (400 "Invalid ciphertext") when the blob is not for this key.
 */
export async function openServerRequest(
  crypto: MurmurCrypto,
  serverKeyPair: KeyPair,
  forwardBody: Uint8Array,
  options: AbortOptions = {},
): Promise<OpenedServerRequest> {
  throwIfAborted(options.signal);
  if (!(forwardBody instanceof Uint8Array)) {
    throw new InvalidInputError('onion server request: the body must be bytes');
  }
  const { blob, json } = decodeCombinedPayload(forwardBody);
  const { ephemeral_key: ephemeralKey, enc_type: requestedEncType } = json;
  if (!isHex(ephemeralKey, 32)) {
    throw new InvalidInputError(
      'onion server request: `ephemeral_key` must be a 64-character hex X25519 key',
      { details: { field: 'ephemeral_key' } },
    );
  }
  const encType = parseEncType(requestedEncType, 'onion server request') as LayerEncryption;
  let opened: { plaintext: Uint8Array; key: Uint8Array };
  try {
    opened = await crypto.decryptLayer(
      blob,
      serverKeyPair,
      hexToBytes(ephemeralKey, { length: 32 }),
      encType,
    );
  } catch (cause) {
    if (MurmurError.isInstance(cause) && cause.code === 'DECRYPTION_FAILED') {
      throw new DecryptionFailedError('Invalid ciphertext', { cause });
    }
    throw cause;
  }
  let request: DecodedOnionV4Request;
  try {
    request = decodeOnionV4Request(opened.plaintext);
  } catch (error) {
    crypto.wipe(opened.key);
    throw error;
  }
  return withSecret({ request, encType }, 'key', opened.key);
}

/**
 * Seals a v4 response for the client: `l<len>:{"code":N,"headers":{...}}<len>:<body>e`,
 * encrypted with the request's layer key, raw bytes (the HTTP 200 body as is).
 */
export async function sealServerResponse(
  crypto: MurmurCrypto,
  opened: OpenedServerRequest,
  response: ServerResponse,
  options: AbortOptions = {},
): Promise<Uint8Array> {
  throwIfAborted(options.signal);
  if (typeof opened !== 'object' || opened === null || !(opened.key instanceof Uint8Array)) {
    throw new InvalidInputError(
      'onion server response: `opened` must be what openServerRequest returned (not a copy)',
    );
  }
  if (typeof response !== 'object' || response === null) {
    throw new InvalidInputError('onion server response: the response must be an object');
  }
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  let body: Uint8Array | string;
  if (response.body === undefined) {
    body = new Uint8Array(0);
  } else if (response.body instanceof Uint8Array || typeof response.body === 'string') {
    body = response.body;
  } else {
    body = utf8Encode(JSON.stringify(response.body));
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
  }
  const plaintext = encodeOnionV4Response({ code: response.status, headers, body });
  return crypto.encryptLayerResponse(plaintext, opened.key, opened.encType);
}
