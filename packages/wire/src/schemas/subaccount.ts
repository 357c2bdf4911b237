/**
 * `revoke_subaccount` / `unrevoke_subaccount`: an account (in practice a group) withdraws or
 * restores the access of subaccount tokens it issued.
 */
import Type, { type Static } from 'typebox';
import { MAX_REVOKED_SUBACCOUNTS } from '../constants.js';
import {
  Ed25519PubkeySchema,
  NetworkFields,
  NotFailed,
  OptionalNullable,
  PubkeySchema,
  SignatureSchema,
  SubaccountTokenSchema,
  SwarmResults,
  TimestampSchema,
} from './common.js';

/** `revoke`: at most 50 tokens per request (Session: "cannot revoke more than 50 subaccounts at once"). */
const RevokeTokensSchema = Type.Union(
  [
    SubaccountTokenSchema,
    Type.Array(SubaccountTokenSchema, { minItems: 1, maxItems: MAX_REVOKED_SUBACCOUNTS }),
  ],
  {
    description: `a subaccount token or a list of 1 to ${MAX_REVOKED_SUBACCOUNTS} tokens (base64 or hex)`,
  },
);

/**
 * `unrevoke`: any number of tokens, as Session's server takes (only `revoke` is capped; the
 * request body limit bounds this list).
 */
const UnrevokeTokensSchema = Type.Union(
  [SubaccountTokenSchema, Type.Array(SubaccountTokenSchema, { minItems: 1 })],
  { description: 'a subaccount token or a non-empty list of tokens (base64 or hex)' },
);

/** What a `revoke_subaccount` request carries. Signed over `"revoke_subaccount" || timestamp || tokens`. */
export const RevokeSubaccountParamsSchema = Type.Object(
  {
    pubkey: PubkeySchema,
    pubkey_ed25519: OptionalNullable(Ed25519PubkeySchema),
    revoke: RevokeTokensSchema,
    timestamp: TimestampSchema,
    signature: SignatureSchema,
  },
  { description: 'an object of revoke_subaccount parameters' },
);

/** What an `unrevoke_subaccount` request carries. */
export const UnrevokeSubaccountParamsSchema = Type.Object(
  {
    pubkey: PubkeySchema,
    pubkey_ed25519: OptionalNullable(Ed25519PubkeySchema),
    unrevoke: UnrevokeTokensSchema,
    timestamp: TimestampSchema,
    signature: SignatureSchema,
  },
  { description: 'an object of unrevoke_subaccount parameters' },
);

/** `revoke_subaccount` parameters as they may arrive. */
export type RevokeSubaccountParamsInput = Static<typeof RevokeSubaccountParamsSchema>;

/** `unrevoke_subaccount` parameters as they may arrive. */
export type UnrevokeSubaccountParamsInput = Static<typeof UnrevokeSubaccountParamsSchema>;

/** `revoke_subaccount` / `unrevoke_subaccount` parameters after normalisation. */
export interface SubaccountRevocationParams {
  /** The account (usually a `03` group), lower-case hex. */
  pubkey: string;
  /** The Ed25519 key that signed, lower-case hex (only for `05` accounts). */
  pubkey_ed25519?: string;
  /** The tokens, as sent (base64 or hex), at least one. */
  tokens: string[];
  /** The signed timestamp, ms. */
  timestamp: number;
  /** Request signature, base64. */
  signature: string;
}

/** One swarm member's result: its signature and, where it counts them, the tokens changed. */
export const SubaccountRevocationMemberResultSchema = Type.Object({
  signature: SignatureSchema,
  count: Type.Optional(Type.Integer({ minimum: 0 })),
  failed: NotFailed,
});

/** The answer to `revoke_subaccount` / `unrevoke_subaccount`. */
export const SubaccountRevocationResponseSchema = Type.Object({
  swarm: SwarmResults(SubaccountRevocationMemberResultSchema),
  ...NetworkFields,
});

/** The answer to `revoke_subaccount` / `unrevoke_subaccount`. */
export type SubaccountRevocationResponse = Static<typeof SubaccountRevocationResponseSchema>;
