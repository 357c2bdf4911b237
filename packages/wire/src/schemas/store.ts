/**
 * `store`: deposit a message in one namespace of an account; the entry node forwards it to the
 * rest of the swarm and answers with every member's result (SS `client_rpc_endpoints.h`).
 */
import Type, { type Static } from 'typebox';
import {
  DurationOrStringSchema,
  Ed25519PubkeySchema,
  MessageDataSchema,
  MessageHashSchema,
  MillisecondsSchema,
  NamespaceSchema,
  NetworkFields,
  NotFailed,
  OptionalNullable,
  PubkeySchema,
  SignatureSchema,
  SubaccountTokenSchema,
  SwarmResults,
  TimestampOrStringSchema,
  TimestampSchema,
} from './common.js';

/**
 * What a `store` request may carry. `timestamp` and `ttl` may be decimal strings (Session keeps
 * that for old clients); `pubKey` is an old alias of `pubkey`. Exactly one of `ttl` and
 * `expiry`, and exactly one of `pubkey` and `pubKey`, must be given.
 */
export const StoreParamsSchema = Type.Object(
  {
    pubkey: OptionalNullable(PubkeySchema),
    pubKey: OptionalNullable(PubkeySchema),
    timestamp: TimestampOrStringSchema,
    ttl: OptionalNullable(DurationOrStringSchema),
    expiry: OptionalNullable(TimestampSchema),
    data: MessageDataSchema,
    namespace: OptionalNullable(NamespaceSchema),
    signature: OptionalNullable(SignatureSchema),
    pubkey_ed25519: OptionalNullable(Ed25519PubkeySchema),
    sig_timestamp: OptionalNullable(TimestampSchema),
    subaccount: OptionalNullable(SubaccountTokenSchema),
    subaccount_sig: OptionalNullable(SignatureSchema),
  },
  { description: 'an object of store parameters' },
);

/** `store` parameters as they may arrive. */
export type StoreParamsInput = Static<typeof StoreParamsSchema>;

/** `store` parameters after validation and normalisation. */
export interface StoreParams {
  /** The account, lower-case hex (66 characters). */
  pubkey: string;
  /** The namespace (0 when absent). */
  namespace: number;
  /** The message timestamp, ms. */
  timestamp: number;
  /** The TTL, ms, when the request gave one. */
  ttl?: number;
  /** The expiry, ms: as given, or `timestamp + ttl`. */
  expiry: number;
  /** The message, base64 as sent. */
  data: string;
  /** Request signature (base64), when signed. */
  signature?: string;
  /** The Ed25519 key that signed, lower-case hex (only for `05` accounts). */
  pubkey_ed25519?: string;
  /** The signed timestamp, ms: as given, else `timestamp` (present when signed). */
  sig_timestamp?: number;
  /** Subaccount token (base64 or hex as sent). */
  subaccount?: string;
  /** The owner's signature of the subaccount token (base64). */
  subaccount_sig?: string;
}

/** One swarm member's successful `store` result. */
export const StoreMemberResultSchema = Type.Object({
  hash: MessageHashSchema,
  signature: SignatureSchema,
  expiry: MillisecondsSchema,
  already: Type.Optional(Type.Boolean()),
  t: Type.Optional(MillisecondsSchema),
  failed: NotFailed,
});

/** One swarm member's successful `store` result. */
export type StoreMemberResult = Static<typeof StoreMemberResultSchema>;

/**
 * The answer to `store`: per-member results under `swarm`, the message hash at the top level
 * (Session clients read it there), and the network time and hard fork.
 */
export const StoreResponseSchema = Type.Object({
  swarm: SwarmResults(StoreMemberResultSchema),
  hash: MessageHashSchema,
  ...NetworkFields,
});

/** The answer to `store`. */
export type StoreResponse = Static<typeof StoreResponseSchema>;
