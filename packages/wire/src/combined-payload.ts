/**
 * The onion "combined payload": `[N: u32 little-endian][N bytes: blob][rest: UTF-8 JSON object]`.
 * It is the outer body of `POST /onion_req/v2` and the plaintext of every onion layer
 * (SS `parse_combined_payload`, DESK `encodeCiphertextPlusJson`).
 *
 * Decoding is strict: a payload shorter than its prefix, a blob longer than what follows, a JSON
 * part that is empty, not UTF-8, not JSON or not an object, or a payload over the size limit is
 * a typed error. (Session nodes also reject an empty JSON part: their parser throws on it.)
 */
import { COMBINED_PAYLOAD_PREFIX_BYTES, MAX_REQUEST_BODY_BYTES } from './constants.js';
import { utf8Encode } from './encoding.js';
import { InvalidInputError, PayloadMalformedError, TooLargeError } from './errors.js';

const MAX_U32 = 0xffff_ffff;
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Options of the combined-payload codec. */
export interface CombinedPayloadOptions {
  /** The largest whole payload accepted or produced, bytes (default 10 MiB). */
  maxBytes?: number;
}

/** A decoded combined payload. `blob` and `jsonBytes` are views into the input, not copies. */
export interface CombinedPayload {
  /** The binary part (a ciphertext or a request body). */
  blob: Uint8Array;
  /** The JSON part, parsed (always a plain object). */
  json: Record<string, unknown>;
  /** The JSON part's raw bytes (an exit node forwards the payload exactly as received). */
  jsonBytes: Uint8Array;
}

function limitOf(options: CombinedPayloadOptions): number {
  const limit = options.maxBytes ?? MAX_REQUEST_BODY_BYTES;
  if (!Number.isSafeInteger(limit) || limit < COMBINED_PAYLOAD_PREFIX_BYTES) {
    throw new InvalidInputError('combined payload: `maxBytes` must be an integer of at least 4');
  }
  return limit;
}

/**
 * Encodes `blob` and `json` (an object, serialised with `JSON.stringify`, or bytes already
 * holding a JSON object) as a combined payload.
 *
 * @throws {@link TooLargeError} when the result would exceed `maxBytes`;
 * {@link InvalidInputError} when `json` is not an object.
 */
export function encodeCombinedPayload(
  blob: Uint8Array,
  json: Record<string, unknown> | Uint8Array,
  options: CombinedPayloadOptions = {},
): Uint8Array {
  const limit = limitOf(options);
  if (!(blob instanceof Uint8Array)) {
    throw new InvalidInputError('combined payload: the blob must be a Uint8Array');
  }
  let jsonBytes: Uint8Array;
  if (json instanceof Uint8Array) {
    jsonBytes = json;
  } else if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    jsonBytes = utf8Encode(JSON.stringify(json));
  } else {
    throw new InvalidInputError('combined payload: the JSON part must be an object');
  }
  const total = COMBINED_PAYLOAD_PREFIX_BYTES + blob.length + jsonBytes.length;
  if (blob.length > MAX_U32 || total > limit) {
    throw new TooLargeError(
      `combined payload: ${total} bytes exceeds the limit of ${limit} bytes`,
      {
        details: { size: total, limit },
      },
    );
  }
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, blob.length, true);
  out.set(blob, COMBINED_PAYLOAD_PREFIX_BYTES);
  out.set(jsonBytes, COMBINED_PAYLOAD_PREFIX_BYTES + blob.length);
  return out;
}

/**
 * Decodes a combined payload.
 *
 * @throws {@link TooLargeError} (413) over `maxBytes`; {@link PayloadMalformedError} (400) when
 * truncated or when the JSON part is empty, not UTF-8, not JSON or not an object.
 */
export function decodeCombinedPayload(
  bytes: Uint8Array,
  options: CombinedPayloadOptions = {},
): CombinedPayload {
  const limit = limitOf(options);
  if (!(bytes instanceof Uint8Array)) {
    throw new PayloadMalformedError('combined payload: expected bytes');
  }
  if (bytes.length > limit) {
    throw new TooLargeError(
      `combined payload: ${bytes.length} bytes exceeds the limit of ${limit} bytes`,
      { details: { size: bytes.length, limit } },
    );
  }
  if (bytes.length < COMBINED_PAYLOAD_PREFIX_BYTES) {
    throw new PayloadMalformedError(
      `combined payload: ${bytes.length} bytes is shorter than its 4-byte length prefix`,
    );
  }
  const blobLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
    0,
    true,
  );
  const rest = bytes.length - COMBINED_PAYLOAD_PREFIX_BYTES;
  if (blobLength > rest) {
    throw new PayloadMalformedError(
      `combined payload: the prefix announces a ${blobLength}-byte blob but only ${rest} bytes follow`,
      { details: { declared: blobLength, available: rest } },
    );
  }
  const blobEnd = COMBINED_PAYLOAD_PREFIX_BYTES + blobLength;
  const blob = bytes.subarray(COMBINED_PAYLOAD_PREFIX_BYTES, blobEnd);
  const jsonBytes = bytes.subarray(blobEnd);
  if (jsonBytes.length === 0) {
    throw new PayloadMalformedError('combined payload: the JSON part is missing');
  }
  let text: string;
  try {
    text = decoder.decode(jsonBytes);
  } catch (cause) {
    throw new PayloadMalformedError('combined payload: the JSON part is not valid UTF-8', {
      cause,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new PayloadMalformedError('combined payload: the JSON part is not valid JSON', {
      cause,
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PayloadMalformedError('combined payload: the JSON part must be a JSON object');
  }
  return { blob, json: json as Record<string, unknown>, jsonBytes };
}
