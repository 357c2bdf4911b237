/**
 * `delete`: delete messages of an account by hash, on every member of its swarm.
 */
import Type, { type Static } from 'typebox';
import {
  MessageHashesSchema,
  MessageHashSchema,
  NetworkFields,
  NotFailed,
  OptionalNullable,
  SignatureSchema,
  type SignedAccount,
  SignedAccountFields,
  SwarmResults,
} from './common.js';

/**
 * What a `delete` request carries: the hashes (one or a list) and, with `required`, a demand
 * that at least one be deleted somewhere (else 404). Signed over `"delete" || hash...`.
 */
export const DeleteParamsSchema = Type.Object(
  {
    ...SignedAccountFields,
    messages: MessageHashesSchema,
    required: OptionalNullable(Type.Boolean({ description: 'a boolean' })),
  },
  { description: 'an object of delete parameters' },
);

/** `delete` parameters as they may arrive. */
export type DeleteParamsInput = Static<typeof DeleteParamsSchema>;

/** `delete` parameters after validation and normalisation. */
export interface DeleteParams extends SignedAccount {
  /** The hashes to delete (at least one). */
  messages: string[];
  /** Whether the answer must be 404 when nothing was deleted. */
  required: boolean;
}

/** One swarm member's `delete` result: the hashes it deleted (sorted) and its signature. */
export const DeleteMemberResultSchema = Type.Object({
  deleted: Type.Array(MessageHashSchema),
  signature: SignatureSchema,
  failed: NotFailed,
});

/** The answer to `delete`. */
export const DeleteResponseSchema = Type.Object({
  swarm: SwarmResults(DeleteMemberResultSchema),
  ...NetworkFields,
});

/** The answer to `delete`. */
export type DeleteResponse = Static<typeof DeleteResponseSchema>;
