/**
 * Onion requests (`POST /onion_req/v2`): the JSON half of the outer combined payload, the three
 * kinds of decrypted layer, and the reply a destination node wraps its answer in.
 *
 * A decrypted layer is read in Session's order: it is for the final node if it has `headers`,
 * for an exit to an external server if it has `host`, else it is a relay to `destination`.
 */
import Type, { type Static } from 'typebox';
import { Ed25519PubkeySchema, OptionalNullable, X25519PubkeySchema } from './common.js';

/**
 * Every `enc_type` a request may name. `gcm` and `xchacha20-poly1305` are aliases; `aes-cbc` and
 * `cbc` are recognised only so that the node can refuse them clearly (Murmur has no CBC mode).
 */
export const EncTypeSchema = Type.Union(
  [
    Type.Literal('aes-gcm'),
    Type.Literal('gcm'),
    Type.Literal('xchacha20'),
    Type.Literal('xchacha20-poly1305'),
    Type.Literal('aes-cbc'),
    Type.Literal('cbc'),
  ],
  { description: 'one of "aes-gcm", "gcm", "xchacha20", "xchacha20-poly1305"' },
);

/** An `enc_type` as it may arrive. */
export type EncTypeInput = Static<typeof EncTypeSchema>;

/** The layer ciphers Murmur supports, by their canonical names. */
export type OnionEncType = 'aes-gcm' | 'xchacha20';

/** The JSON of the outer payload a client POSTs to its guard. */
export const OnionRequestSchema = Type.Object(
  {
    ephemeral_key: X25519PubkeySchema,
    enc_type: OptionalNullable(EncTypeSchema),
    hop_no: OptionalNullable(Type.Integer({ minimum: 0, description: 'a hop count' })),
  },
  { description: 'an onion request object {"ephemeral_key": ..., "enc_type"?: ...}' },
);

/** The outer onion request JSON as it may arrive. */
export type OnionRequestInput = Static<typeof OnionRequestSchema>;

/** The outer onion request JSON after normalisation. */
export interface OnionRequest {
  /** The client's ephemeral X25519 key for the guard's layer, lower-case hex. */
  ephemeralKey: string;
  /** The layer cipher (default `aes-gcm`). */
  encType: OnionEncType;
  /** Hops taken so far, when given. */
  hopNumber?: number;
}

/** A layer for the final node: the blob is a storage RPC body. */
export const OnionFinalLayerSchema = Type.Object(
  {
    headers: Type.Unknown(),
    json: OptionalNullable(Type.Boolean({ description: 'a boolean' })),
    base64: OptionalNullable(Type.Boolean({ description: 'a boolean' })),
  },
  { description: 'a final-node layer object' },
);

/** A layer telling the exit node to POST the whole plaintext to an external server. */
export const OnionProxyLayerSchema = Type.Object(
  {
    host: Type.String({
      pattern: '^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$',
      description: 'a host name or IPv4 address',
    }),
    // URL path characters only (RFC 3986 pchar and "/"): a space, CR or LF would otherwise
    // reach the HTTP request line of the exit's call.
    target: Type.String({
      pattern: "^/(?:loki|oxen)/(?:[A-Za-z0-9._~!$&'()*+,;=:@%/-]*/)?lsrpc$",
      description:
        'a path that starts with /loki/ or /oxen/, ends with /lsrpc and has only URL path characters (no "?", space or control character)',
    }),
    port: OptionalNullable(
      Type.Integer({ minimum: 1, maximum: 65_535, description: 'a port number from 1 to 65535' }),
    ),
    protocol: OptionalNullable(
      Type.Union([Type.Literal('http'), Type.Literal('https')], {
        description: '"http" or "https"',
      }),
    ),
    method: OptionalNullable(
      Type.String({
        pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,16}$",
        description: 'an HTTP method name',
      }),
    ),
  },
  { description: 'an exit layer object {"host", "target", ...}' },
);

/** A layer telling a node to pass the blob on to the next node. */
export const OnionRelayLayerSchema = Type.Object(
  {
    destination: Ed25519PubkeySchema,
    ephemeral_key: X25519PubkeySchema,
    enc_type: OptionalNullable(EncTypeSchema),
  },
  { description: 'a relay layer object {"destination", "ephemeral_key", ...}' },
);

/** A decrypted layer after normalisation, by role. */
export type OnionLayer =
  | {
      role: 'final';
      /** Embed the answer's JSON in the reply instead of a string (`"json": true`). */
      json: boolean;
      /** Base64 the encrypted reply (default true). */
      base64: boolean;
    }
  | {
      role: 'proxy';
      host: string;
      target: string;
      /** Default 443. */
      port: number;
      /** Default `https`. */
      protocol: 'http' | 'https';
      /** As given; clients send `POST`. */
      method?: string;
    }
  | {
      role: 'relay';
      /** The next node's Ed25519 key, lower-case hex. */
      destination: string;
      /** The ephemeral X25519 key of the next node's layer, lower-case hex. */
      ephemeralKey: string;
      /** The next layer's cipher (default `aes-gcm`). */
      encType: OnionEncType;
    };

/**
 * What a destination node encrypts back: the storage RPC's status and its answer (a string
 * unless the layer asked for `"json": true`).
 */
export const OnionSnodeReplySchema = Type.Object({
  status: Type.Integer({ minimum: 100, maximum: 599, description: 'an HTTP status code' }),
  body: Type.Unknown(),
});

/** What a destination node encrypts back. */
export type OnionSnodeReply = Static<typeof OnionSnodeReplySchema>;
