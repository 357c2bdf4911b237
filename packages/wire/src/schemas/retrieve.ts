/**
 * `retrieve`: fetch the messages of one namespace stored after a given hash.
 */
import Type, { type Static } from 'typebox';
import { RETRIEVE_DEFAULT_MAX_SIZE, RETRIEVE_MAX_SIZE } from '../constants.js';
import {
  Base64Schema,
  Ed25519PubkeySchema,
  MessageHashSchema,
  MillisecondsSchema,
  NamespaceSchema,
  NetworkFields,
  OptionalNullable,
  PubkeySchema,
  SignatureSchema,
  SubaccountTokenSchema,
  TimestampSchema,
} from './common.js';

const LastHashSchema = Type.Union([MessageHashSchema, Type.Literal('')], {
  description: 'a 43-character base64 message hash',
});

const MaxCountSchema = Type.Integer({
  minimum: 0,
  maximum: 2_147_483_647,
  description: 'a non-negative integer count of messages',
});

const MaxSizeSchema = Type.Integer({
  minimum: -2_147_483_648,
  maximum: 2_147_483_647,
  description: 'an integer: a size in bytes, or -k for 1/k of the largest retrieve',
});

/**
 * What a `retrieve` request may carry. Session clients use the camelCase aliases `pubKey`,
 * `lastHash`, `maxSize` and `pubkeyEd25519` beside the snake_case names; giving both forms of
 * one field is an error. An empty `last_hash` means "from the beginning".
 */
export const RetrieveParamsSchema = Type.Object(
  {
    pubkey: OptionalNullable(PubkeySchema),
    pubKey: OptionalNullable(PubkeySchema),
    namespace: OptionalNullable(NamespaceSchema),
    last_hash: OptionalNullable(LastHashSchema),
    lastHash: OptionalNullable(LastHashSchema),
    max_count: OptionalNullable(MaxCountSchema),
    max_size: OptionalNullable(MaxSizeSchema),
    maxSize: OptionalNullable(MaxSizeSchema),
    pubkey_ed25519: OptionalNullable(Ed25519PubkeySchema),
    pubkeyEd25519: OptionalNullable(Ed25519PubkeySchema),
    signature: OptionalNullable(SignatureSchema),
    timestamp: OptionalNullable(TimestampSchema),
    subaccount: OptionalNullable(SubaccountTokenSchema),
    subaccount_sig: OptionalNullable(SignatureSchema),
  },
  { description: 'an object of retrieve parameters' },
);

/** `retrieve` parameters as they may arrive. */
export type RetrieveParamsInput = Static<typeof RetrieveParamsSchema>;

/** `retrieve` parameters after validation and normalisation (aliases folded in). */
export interface RetrieveParams {
  /** The account, lower-case hex. */
  pubkey: string;
  /** The namespace (0 when absent). */
  namespace: number;
  /** Return messages stored after this one; absent (or unknown) means from the beginning. */
  last_hash?: string;
  /** At most this many messages (absent when not given or 0). */
  max_count?: number;
  /** Size limit: bytes if positive, a fraction of the maximum if negative (absent when 0). */
  max_size?: number;
  /** Request signature (base64), when signed. */
  signature?: string;
  /** The signed timestamp, ms (present exactly when `signature` is). */
  timestamp?: number;
  /** The Ed25519 key that signed, lower-case hex (only for `05` accounts). */
  pubkey_ed25519?: string;
  /** Subaccount token (base64 or hex as sent). */
  subaccount?: string;
  /** The owner's signature of the subaccount token. */
  subaccount_sig?: string;
}

/**
 * The limits a node applies to a `retrieve` (SS `request_handler.cpp`): with neither
 * `max_count` nor `max_size`, one fifth of {@link RETRIEVE_MAX_SIZE}; a negative `max_size` -k
 * means `RETRIEVE_MAX_SIZE / k` (rounded down); a positive one is capped at the maximum.
 */
export function effectiveRetrieveLimits(params: Pick<RetrieveParams, 'max_count' | 'max_size'>): {
  maxCount?: number;
  maxBytes: number;
} {
  const maxCount = params.max_count === 0 ? undefined : params.max_count;
  let maxSize = params.max_size === 0 ? undefined : params.max_size;
  if (maxCount === undefined && maxSize === undefined) maxSize = RETRIEVE_DEFAULT_MAX_SIZE;
  let maxBytes: number;
  if (maxSize !== undefined && maxSize < 0) maxBytes = Math.floor(RETRIEVE_MAX_SIZE / -maxSize);
  else if (maxSize === undefined || maxSize > RETRIEVE_MAX_SIZE) maxBytes = RETRIEVE_MAX_SIZE;
  else maxBytes = maxSize;
  return maxCount === undefined ? { maxBytes } : { maxCount, maxBytes };
}

/** One retrieved message. Note the key is `expiration`, as Session nodes send it. */
export const RetrievedMessageSchema = Type.Object({
  hash: MessageHashSchema,
  timestamp: MillisecondsSchema,
  expiration: MillisecondsSchema,
  data: Base64Schema,
});

/** One retrieved message. */
export type RetrievedMessage = Static<typeof RetrievedMessageSchema>;

/** The answer to `retrieve`: the messages, whether more remain, and network time / hard fork. */
export const RetrieveResponseSchema = Type.Object({
  messages: Type.Array(RetrievedMessageSchema),
  more: Type.Boolean(),
  ...NetworkFields,
});

/** The answer to `retrieve`. */
export type RetrieveResponse = Static<typeof RetrieveResponseSchema>;
