/**
 * `info`: the node's version and clock (clients use `timestamp` as network time).
 */
import Type, { type Static } from 'typebox';
import { MillisecondsSchema, NetworkFields } from './common.js';

/** `info` takes no parameters (any object, or none, is accepted). */
export const InfoParamsSchema = Type.Object(
  {},
  { description: 'an object (info takes no parameters)' },
);

/** `info` parameters as they may arrive. */
export type InfoParamsInput = Static<typeof InfoParamsSchema>;

/** `info` parameters after normalisation: none. */
export type InfoParams = Record<string, never>;

/** The answer to `info`. */
export const InfoResponseSchema = Type.Object({
  version: Type.Tuple([
    Type.Integer({ minimum: 0 }),
    Type.Integer({ minimum: 0 }),
    Type.Integer({ minimum: 0 }),
  ]),
  timestamp: MillisecondsSchema,
  ...NetworkFields,
});

/** The answer to `info`. */
export type InfoResponse = Static<typeof InfoResponseSchema>;
