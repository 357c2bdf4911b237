/**
 * Onion requests "v4" to external servers (`/oxen/v4/lsrpc`: SOGS, file servers). The request
 * plaintext is a bencoded list `l<len>:<json meta>[<len>:<body>]e` with meta
 * `{"method", "endpoint", "headers"?}`; the response plaintext is
 * `l<len>:{"code":N,"headers":{...}}<len>:<body>e`, returned raw (not base64). Both are read
 * with the strict bencode decoder (SOGS `routes/onion_request.py`, DESK `onionv4.ts`).
 */
import Type, { type Static } from 'typebox';
import { type BencodeValue, decodeBencode, encodeBencode } from './bencode.js';
import { utf8Decode, utf8Encode } from './encoding.js';
import { InvalidInputError, PayloadMalformedError } from './errors.js';
import { checkSchema, createChecker } from './schema-check.js';

const HeadersSchema = Type.Record(Type.String(), Type.String(), {
  description: 'an object of header names to string values',
});

/** The JSON meta of a v4 request. */
export const OnionV4RequestMetaSchema = Type.Object(
  {
    method: Type.String({
      pattern: '^[A-Za-z]{1,16}$',
      description: 'an HTTP method name such as "GET" or "POST"',
    }),
    endpoint: Type.String({
      pattern: '^/',
      maxLength: 4096,
      description: 'a path starting with "/"',
    }),
    headers: Type.Optional(
      Type.Union([HeadersSchema, Type.Null()], {
        description: 'an object of header names to string values',
      }),
    ),
  },
  { description: 'a v4 request meta object {"method", "endpoint", "headers"?}' },
);

/** The JSON meta of a v4 response. */
export const OnionV4ResponseMetaSchema = Type.Object(
  {
    code: Type.Integer({ minimum: 100, maximum: 599, description: 'an HTTP status code' }),
    headers: Type.Optional(HeadersSchema),
  },
  { description: 'a v4 response meta object {"code", "headers"}' },
);

/** The JSON meta of a v4 response. */
export type OnionV4ResponseMeta = Static<typeof OnionV4ResponseMetaSchema>;

const requestMetaChecker = createChecker(OnionV4RequestMetaSchema);
const responseMetaChecker = createChecker(OnionV4ResponseMetaSchema);

/** A v4 request to an external server. */
export interface OnionV4Request {
  /** HTTP method, such as `GET` or `POST`. */
  method: string;
  /** Path on the server, starting with `/`. */
  endpoint: string;
  /** Request headers (may be empty). */
  headers: Record<string, string>;
  /** The body, when there is one (a string is sent as UTF-8). */
  body?: Uint8Array | string;
}

/** A decoded v4 request. `body` is a view into the input when present. */
export interface DecodedOnionV4Request {
  method: string;
  endpoint: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

/** A v4 response from an external server. */
export interface OnionV4Response {
  /** HTTP status code. */
  code: number;
  /** Response headers; names are sent lower-cased. */
  headers: Record<string, string>;
  /** The body (a string is sent as UTF-8). */
  body: Uint8Array | string;
}

/** A decoded v4 response. `body` is a view into the input. */
export interface DecodedOnionV4Response {
  code: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

function bytesOf(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? utf8Encode(body) : body;
}

function metaJson(part: BencodeValue | undefined, what: string): unknown {
  if (!(part instanceof Uint8Array)) {
    throw new PayloadMalformedError(`${what}: the first element must be a byte string of JSON`);
  }
  try {
    return JSON.parse(utf8Decode(part, { field: `${what} meta` }));
  } catch (cause) {
    throw new PayloadMalformedError(`${what}: the meta is not valid UTF-8 JSON`, { cause });
  }
}

function listOf(bytes: Uint8Array, what: string, counts: readonly number[]): BencodeValue[] {
  const value = decodeBencode(bytes, { maxDepth: 1 });
  if (!Array.isArray(value) || !counts.includes(value.length)) {
    throw new PayloadMalformedError(
      `${what}: expected a bencoded list of ${counts.join(' or ')} byte strings`,
    );
  }
  return value;
}

/** Encodes a v4 request plaintext. */
export function encodeOnionV4Request(request: OnionV4Request): Uint8Array {
  const meta = checkSchema(
    requestMetaChecker,
    { method: request.method, endpoint: request.endpoint, headers: request.headers },
    'onion v4 request',
    { rootName: 'the request' },
  );
  const parts: Uint8Array[] = [utf8Encode(JSON.stringify(meta))];
  if (request.body !== undefined) parts.push(bytesOf(request.body));
  return encodeBencode(parts);
}

/**
 * Decodes a v4 request plaintext.
 *
 * @throws {@link PayloadMalformedError} for a malformed list or meta,
 * {@link InvalidInputError} for meta fields of the wrong form.
 */
export function decodeOnionV4Request(bytes: Uint8Array): DecodedOnionV4Request {
  const what = 'onion v4 request';
  const [metaPart, bodyPart] = listOf(bytes, what, [1, 2]);
  const meta = checkSchema(requestMetaChecker, metaJson(metaPart, what), what, {
    rootName: 'the meta',
  });
  const out: DecodedOnionV4Request = {
    method: meta.method,
    endpoint: meta.endpoint,
    headers: { ...(meta.headers ?? {}) },
  };
  if (bodyPart !== undefined) {
    if (!(bodyPart instanceof Uint8Array)) {
      throw new PayloadMalformedError(`${what}: the body must be a byte string`);
    }
    out.body = bodyPart;
  }
  return out;
}

/** Encodes a v4 response plaintext (header names lower-cased, as clients expect). */
export function encodeOnionV4Response(response: OnionV4Response): Uint8Array {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (typeof value !== 'string') {
      throw new InvalidInputError(`onion v4 response: header \`${name}\` must be a string`);
    }
    headers[name.toLowerCase()] = value;
  }
  const meta = checkSchema(
    responseMetaChecker,
    { code: response.code, headers },
    'onion v4 response',
    {
      rootName: 'the response',
    },
  );
  return encodeBencode([utf8Encode(JSON.stringify(meta)), bytesOf(response.body)]);
}

/**
 * Decodes a v4 response plaintext. Both elements are required, as in Session's clients.
 *
 * @throws {@link PayloadMalformedError} for a malformed list or meta.
 */
export function decodeOnionV4Response(bytes: Uint8Array): DecodedOnionV4Response {
  const what = 'onion v4 response';
  const [metaPart, bodyPart] = listOf(bytes, what, [2]);
  const meta = metaJson(metaPart, what);
  if (!responseMetaChecker.check(meta)) {
    const problem = responseMetaChecker.firstProblem(meta);
    throw new PayloadMalformedError(`${what}: ${problem?.text ?? 'the meta is invalid'}`);
  }
  if (!(bodyPart instanceof Uint8Array)) {
    throw new PayloadMalformedError(`${what}: the body must be a byte string`);
  }
  return { code: meta.code, headers: { ...(meta.headers ?? {}) }, body: bodyPart };
}
