/**
 * Building blocks shared by the RPC schemas: keys, hashes, base64, signatures, namespaces,
 * timestamps, and the pieces every answer or every swarm-wide answer carries.
 *
 * Each schema's `description` is a noun phrase ("a 43-character base64 message hash"): the
 * validators turn it into messages such as "retrieve: `last_hash` must be a 43-character base64
 * message hash". All schemas are plain JSON Schema (draft 7) that Ajv 8 accepts in strict mode.
 */
import Type, { type Static, type TSchema } from 'typebox';
import {
  MAX_MESSAGE_BASE64_LENGTH,
  MAX_MESSAGE_BYTES,
  MIN_TIMESTAMP_MS,
  NAMESPACE_MAX,
  NAMESPACE_MIN,
} from '../constants.js';

/** Regular expression source of standard base64 (RFC 4648 alphabet), padding optional. */
export const BASE64_PATTERN =
  '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$';

/**
 * Marks `schema` optional and also accepts `null` for it: Session nodes treat a `null` field as
 * an absent one, and some clients send `null`. The description carries over.
 */
export function OptionalNullable<T extends TSchema>(schema: T) {
  const description = (schema as { description?: string }).description;
  return Type.Optional(
    Type.Union([schema, Type.Null()], description === undefined ? {} : { description }),
  );
}

/** An account pubkey: 66 hex characters (a type byte such as `05` or `03`, then 32 bytes). */
export const PubkeySchema = Type.String({
  pattern: '^[0-9a-fA-F]{66}$',
  description: 'a 66-character hex pubkey (type byte and 32-byte key)',
});

/** An Ed25519 public key, 64 hex characters (either case; Session clients send upper case). */
export const Ed25519PubkeySchema = Type.String({
  pattern: '^[0-9a-fA-F]{64}$',
  description: 'a 64-character hex Ed25519 public key',
});

/** An X25519 public key, 64 hex characters. */
export const X25519PubkeySchema = Type.String({
  pattern: '^[0-9a-fA-F]{64}$',
  description: 'a 64-character hex X25519 public key',
});

/** A message hash: unpadded base64 of a 32-byte BLAKE2b hash, 43 characters. */
export const MessageHashSchema = Type.String({
  pattern: '^[A-Za-z0-9+/]{43}$',
  description: 'a 43-character base64 message hash',
});

/** Standard base64 (padding optional). */
export const Base64Schema = Type.String({
  pattern: BASE64_PATTERN,
  description: 'a standard base64 string',
});

/** Message data: base64 of at most 76,800 bytes (102,400 characters). */
export const MessageDataSchema = Type.String({
  pattern: BASE64_PATTERN,
  maxLength: MAX_MESSAGE_BASE64_LENGTH,
  description: `base64 message data of at most ${MAX_MESSAGE_BYTES} bytes (${MAX_MESSAGE_BASE64_LENGTH} base64 characters)`,
});

/** An Ed25519 signature in base64: 86 characters, or 88 ending in `==`. */
export const SignatureSchema = Type.String({
  pattern: '^[A-Za-z0-9+/]{86}(?:==)?$',
  description: 'a base64 Ed25519 signature (86 characters, or 88 ending in "==")',
});

/** A 36-byte subaccount token, base64 (48 characters) or hex (72 characters). */
export const SubaccountTokenSchema = Type.String({
  pattern: '^(?:[A-Za-z0-9+/]{48}|[0-9a-fA-F]{72})$',
  description: 'a 36-byte subaccount token in base64 (48 characters) or hex (72 characters)',
});

/** A namespace: an integer from −32768 to 32767. */
export const NamespaceSchema = Type.Integer({
  minimum: NAMESPACE_MIN,
  maximum: NAMESPACE_MAX,
  description: `an integer namespace from ${NAMESPACE_MIN} to ${NAMESPACE_MAX}`,
});

/** A namespace, or `"all"` for every namespace (delete_all, delete_before, expire_all). */
export const NamespaceOrAllSchema = Type.Union([NamespaceSchema, Type.Literal('all')], {
  description: `an integer namespace from ${NAMESPACE_MIN} to ${NAMESPACE_MAX}, or "all"`,
});

/** A Unix timestamp in milliseconds (at least {@link MIN_TIMESTAMP_MS}). */
export const TimestampSchema = Type.Integer({
  minimum: MIN_TIMESTAMP_MS,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'a Unix timestamp in milliseconds',
});

/** A decimal integer in a string, as Session still accepts for `store`'s timestamp and ttl. */
export const DecimalStringSchema = Type.String({
  pattern: '^[0-9]{1,16}$',
  description: 'a decimal integer',
});

/** A timestamp in milliseconds, as a number or (`store` only) as a decimal string. */
export const TimestampOrStringSchema = Type.Union([TimestampSchema, DecimalStringSchema], {
  description: 'a Unix timestamp in milliseconds (a number, or its decimal string)',
});

/** A non-negative duration in milliseconds. */
export const DurationSchema = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'an integer number of milliseconds',
});

/** A duration in milliseconds, as a number or as a decimal string (`store`'s `ttl`). */
export const DurationOrStringSchema = Type.Union([DurationSchema, DecimalStringSchema], {
  description: 'an integer number of milliseconds (a number, or its decimal string)',
});

/** Milliseconds since the epoch in an answer (no lower bound: nodes are trusted to be sane). */
export const MillisecondsSchema = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'a Unix timestamp in milliseconds',
});

/** A dotted-quad IPv4 address. Storage nodes are reachable over IPv4 only. */
export const Ipv4Schema = Type.String({
  pattern:
    '^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$',
  description: 'a dotted-quad IPv4 address',
});

/** A TCP/UDP port number (0 where a node does not know the port yet). */
export const PortSchema = Type.Integer({
  minimum: 0,
  maximum: 65_535,
  description: 'a port number from 0 to 65535',
});

/** A port number as a decimal string (`get_swarm`'s deprecated `port`). */
export const PortStringSchema = Type.String({
  pattern:
    '^(?:[0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$',
  description: 'a port number from 0 to 65535 as a decimal string',
});

/** A swarm ID in lower-case hex without leading zeros, as nodes print it (`{:x}`). */
export const SwarmIdHexSchema = Type.String({
  pattern: '^[0-9a-fA-F]{1,16}$',
  description: 'a 64-bit swarm ID in hex (1 to 16 characters)',
});

/** The `[major, minor]` hard fork nodes report as `hf`. */
export const HardforkSchema = Type.Tuple(
  [Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 0 })],
  { description: 'a [major, minor] hard fork pair' },
);

/** The network time and hard fork most answers carry (`t`, `hf`). */
export const NetworkFields = {
  /** The node's clock when it answered, ms. */
  t: MillisecondsSchema,
  /** The hard fork the node follows. */
  hf: HardforkSchema,
};

/**
 * What an entry node records for a swarm member that did not give a usable answer to a
 * forwarded request (SS `recursive`): `failed` plus at most one reason.
 */
export const SwarmMemberFailureSchema = Type.Object(
  {
    failed: Type.Literal(true),
    timeout: Type.Optional(Type.Boolean()),
    code: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
    reason: Type.Optional(Type.String()),
    bad_peer_response: Type.Optional(Type.Boolean()),
    query_failure: Type.Optional(Type.Boolean()),
  },
  { description: 'a swarm member failure ({"failed": true, ...})' },
);

/** A swarm member failure, as {@link SwarmMemberFailureSchema} describes it. */
export type SwarmMemberFailure = Static<typeof SwarmMemberFailureSchema>;

/**
 * The `swarm` map of a swarm-wide answer: each member's Ed25519 key (hex) to its own result, or
 * to a failure.
 */
export function SwarmResults<T extends TSchema>(success: T) {
  return Type.Record(Ed25519PubkeySchema, Type.Union([success, SwarmMemberFailureSchema]), {
    additionalProperties: false,
    description: 'a map from swarm member Ed25519 keys (hex) to their results',
  });
}

/**
 * `"failed": false` is allowed in a member's successful result so that success and failure
 * can be told apart by `failed` alone.
 */
export const NotFailed = Type.Optional(Type.Literal(false));

/** Hashes per namespace (the `deleted` / `updated` form when the request named `"all"`). */
export const HashesByNamespaceSchema = Type.Record(
  Type.String({ pattern: '^-?[0-9]{1,5}$' }),
  Type.Array(MessageHashSchema),
  {
    additionalProperties: false,
    description: 'a map from namespace (decimal) to lists of message hashes',
  },
);

/**
 * The fields of a request signed by an account (or one of its subaccounts): the account, the
 * signature, the Ed25519 key that signed for a `05` account, and an optional subaccount token
 * with its owner's signature.
 */
export const SignedAccountFields = {
  pubkey: PubkeySchema,
  pubkey_ed25519: OptionalNullable(Ed25519PubkeySchema),
  signature: SignatureSchema,
  subaccount: OptionalNullable(SubaccountTokenSchema),
  subaccount_sig: OptionalNullable(SignatureSchema),
};

/** The normalised form of {@link SignedAccountFields}. */
export interface SignedAccount {
  /** The account, lower-case hex (66 characters). */
  pubkey: string;
  /** Request signature, base64 as sent. */
  signature: string;
  /** The Ed25519 key that signed, lower-case hex (only for `05` accounts). */
  pubkey_ed25519?: string;
  /** Subaccount token, base64 or hex as sent (always with `subaccount_sig`). */
  subaccount?: string;
  /** The owner's signature of the subaccount token, base64. */
  subaccount_sig?: string;
}

/** One message hash, or a non-empty list of them (Session accepts both forms). */
export const MessageHashesSchema = Type.Union(
  [MessageHashSchema, Type.Array(MessageHashSchema, { minItems: 1 })],
  { description: 'a message hash or a non-empty list of 43-character base64 message hashes' },
);
