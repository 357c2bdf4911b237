/**
 * `delete_before`: delete the messages of an account stored at or before a time.
 */
import Type, { type Static } from 'typebox';
import {
  NamespaceOrAllSchema,
  NetworkFields,
  OptionalNullable,
  type SignedAccount,
  SignedAccountFields,
  SwarmResults,
  TimestampSchema,
} from './common.js';
import { DeletedMemberResultSchema } from './delete-all.js';

/** What a `delete_before` request carries. Signed over `"delete_before" || NS || before`. */
export const DeleteBeforeParamsSchema = Type.Object(
  {
    ...SignedAccountFields,
    namespace: OptionalNullable(NamespaceOrAllSchema),
    before: TimestampSchema,
  },
  { description: 'an object of delete_before parameters' },
);

/** `delete_before` parameters as they may arrive. */
export type DeleteBeforeParamsInput = Static<typeof DeleteBeforeParamsSchema>;

/** `delete_before` parameters after validation and normalisation. */
export interface DeleteBeforeParams extends SignedAccount {
  /** The namespace (0 when absent), or `'all'`. */
  namespace: number | 'all';
  /** Delete messages whose timestamp is at most this, ms. */
  before: number;
}

/** The answer to `delete_before`. */
export const DeleteBeforeResponseSchema = Type.Object({
  swarm: SwarmResults(DeletedMemberResultSchema),
  ...NetworkFields,
});

/** The answer to `delete_before`. */
export type DeleteBeforeResponse = Static<typeof DeleteBeforeResponseSchema>;
