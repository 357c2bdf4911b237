/**
 * `expire`: change the expiry of messages by hash (shorten, extend, or set).
 */
import Type, { type Static } from 'typebox';
import {
  MessageHashesSchema,
  MessageHashSchema,
  MillisecondsSchema,
  NetworkFields,
  NotFailed,
  OptionalNullable,
  SignatureSchema,
  type SignedAccount,
  SignedAccountFields,
  SwarmResults,
  TimestampSchema,
} from './common.js';

/**
 * What an `expire` request carries: the hashes, one expiry for all or one per hash, and at most
 * one of `shorten` / `extend`. Signed over
 * `"expire" || ("shorten"|"extend"|"") || expiry... || hash...`.
 */
export const ExpireParamsSchema = Type.Object(
  {
    ...SignedAccountFields,
    messages: MessageHashesSchema,
    expiry: Type.Union([TimestampSchema, Type.Array(TimestampSchema, { minItems: 1 })], {
      description: 'a Unix timestamp in milliseconds, or a non-empty list of them',
    }),
    shorten: OptionalNullable(Type.Boolean({ description: 'a boolean' })),
    extend: OptionalNullable(Type.Boolean({ description: 'a boolean' })),
  },
  { description: 'an object of expire parameters' },
);

/** `expire` parameters as they may arrive. */
export type ExpireParamsInput = Static<typeof ExpireParamsSchema>;

/** `expire` parameters after validation and normalisation. */
export interface ExpireParams extends SignedAccount {
  /** The hashes (at least one). */
  messages: string[];
  /** One expiry for every hash, or one per hash (same length as `messages`), ms. */
  expiry: number[];
  /** Only bring expiries closer. */
  shorten: boolean;
  /** Only push expiries later. */
  extend: boolean;
}

/** One swarm member's `expire` result. */
export const ExpireMemberResultSchema = Type.Object({
  updated: Type.Array(MessageHashSchema),
  unchanged: Type.Optional(
    Type.Record(MessageHashSchema, MillisecondsSchema, { additionalProperties: false }),
  ),
  expiry: Type.Union([MillisecondsSchema, Type.Array(MillisecondsSchema)]),
  signature: SignatureSchema,
  failed: NotFailed,
});

/** The answer to `expire`. */
export const ExpireResponseSchema = Type.Object({
  swarm: SwarmResults(ExpireMemberResultSchema),
  ...NetworkFields,
});

/** The answer to `expire`. */
export type ExpireResponse = Static<typeof ExpireResponseSchema>;
