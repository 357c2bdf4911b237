/**
 * `expire_all`: shorten the expiry of every message of an account in one namespace, or in all.
 */
import Type, { type Static } from 'typebox';
import {
  HashesByNamespaceSchema,
  MessageHashSchema,
  NamespaceOrAllSchema,
  NetworkFields,
  NotFailed,
  OptionalNullable,
  SignatureSchema,
  type SignedAccount,
  SignedAccountFields,
  SwarmResults,
  TimestampSchema,
} from './common.js';

/** What an `expire_all` request carries. Signed over `"expire_all" || NS || expiry`. */
export const ExpireAllParamsSchema = Type.Object(
  {
    ...SignedAccountFields,
    namespace: OptionalNullable(NamespaceOrAllSchema),
    expiry: TimestampSchema,
  },
  { description: 'an object of expire_all parameters' },
);

/** `expire_all` parameters as they may arrive. */
export type ExpireAllParamsInput = Static<typeof ExpireAllParamsSchema>;

/** `expire_all` parameters after validation and normalisation. */
export interface ExpireAllParams extends SignedAccount {
  /** The namespace (0 when absent), or `'all'`. */
  namespace: number | 'all';
  /** The new expiry, ms (only ever shortens). */
  expiry: number;
}

/** One swarm member's `expire_all` result: the hashes whose expiry it shortened. */
export const ExpireAllMemberResultSchema = Type.Object({
  updated: Type.Union([Type.Array(MessageHashSchema), HashesByNamespaceSchema]),
  signature: SignatureSchema,
  failed: NotFailed,
});

/** The answer to `expire_all`. */
export const ExpireAllResponseSchema = Type.Object({
  swarm: SwarmResults(ExpireAllMemberResultSchema),
  ...NetworkFields,
});

/** The answer to `expire_all`. */
export type ExpireAllResponse = Static<typeof ExpireAllResponseSchema>;
