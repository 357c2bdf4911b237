/**
 * `delete_all`: delete every message of an account in one namespace, or in all of them.
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

/** What a `delete_all` request carries. Signed over `"delete_all" || NS || timestamp`. */
export const DeleteAllParamsSchema = Type.Object(
  {
    ...SignedAccountFields,
    namespace: OptionalNullable(NamespaceOrAllSchema),
    timestamp: TimestampSchema,
  },
  { description: 'an object of delete_all parameters' },
);

/** `delete_all` parameters as they may arrive. */
export type DeleteAllParamsInput = Static<typeof DeleteAllParamsSchema>;

/** `delete_all` parameters after validation and normalisation. */
export interface DeleteAllParams extends SignedAccount {
  /** The namespace (0 when absent), or `'all'`. */
  namespace: number | 'all';
  /** The signed timestamp, ms. */
  timestamp: number;
}

/**
 * One swarm member's result of a delete by namespace (`delete_all`, `delete_before`): the
 * deleted hashes, as a list for one namespace or per namespace for `"all"`.
 */
export const DeletedMemberResultSchema = Type.Object({
  deleted: Type.Union([Type.Array(MessageHashSchema), HashesByNamespaceSchema]),
  signature: SignatureSchema,
  failed: NotFailed,
});

/** The answer to `delete_all`. */
export const DeleteAllResponseSchema = Type.Object({
  swarm: SwarmResults(DeletedMemberResultSchema),
  ...NetworkFields,
});

/** The answer to `delete_all`. */
export type DeleteAllResponse = Static<typeof DeleteAllResponseSchema>;
