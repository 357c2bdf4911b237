/**
 * `get_expiries`: read the current expiry of messages by hash.
 */
import Type, { type Static } from 'typebox';
import {
  HardforkSchema,
  MessageHashSchema,
  MillisecondsSchema,
  type SignedAccount,
  SignedAccountFields,
  TimestampSchema,
} from './common.js';

const HashOrAllSchema = Type.Union([MessageHashSchema, Type.Literal('all')], {
  description: 'a 43-character base64 message hash, or "all"',
});

/**
 * What a `get_expiries` request carries: the hashes (or the single word `"all"`), signed over
 * `"get_expiries" || timestamp || hash...`.
 */
export const GetExpiriesParamsSchema = Type.Object(
  {
    ...SignedAccountFields,
    messages: Type.Union([HashOrAllSchema, Type.Array(HashOrAllSchema, { minItems: 1 })], {
      description: 'a message hash or a non-empty list of 43-character base64 message hashes',
    }),
    timestamp: TimestampSchema,
  },
  { description: 'an object of get_expiries parameters' },
);

/** `get_expiries` parameters as they may arrive. */
export type GetExpiriesParamsInput = Static<typeof GetExpiriesParamsSchema>;

/** `get_expiries` parameters after validation and normalisation. */
export interface GetExpiriesParams extends SignedAccount {
  /** The hashes asked about (at least one; `['all']` for every message). */
  messages: string[];
  /** The signed timestamp, ms. */
  timestamp: number;
}

/**
 * The answer to `get_expiries`: hash → expiry for the messages the node has. Session nodes send
 * no `t` / `hf` here; Murmur nodes may.
 */
export const GetExpiriesResponseSchema = Type.Object({
  expiries: Type.Record(MessageHashSchema, MillisecondsSchema, { additionalProperties: false }),
  t: Type.Optional(MillisecondsSchema),
  hf: Type.Optional(HardforkSchema),
});

/** The answer to `get_expiries`. */
export type GetExpiriesResponse = Static<typeof GetExpiriesResponseSchema>;
