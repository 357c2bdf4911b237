/**
 * `batch` and `sequence`: up to 20 subrequests in one request. `batch` may run them in any order;
 * `sequence` runs them in order and stops at the first answer that is not 2xx. Either answers
 * HTTP 200 with one `{code, body}` per subrequest run.
 */
import Type, { type Static } from 'typebox';
import { BATCH_MAX_SUBREQUESTS } from '../constants.js';

/** One subrequest: a method name and its parameters object. */
export const SubrequestSchema = Type.Object(
  {
    method: Type.String({ minLength: 1, description: 'a method name' }),
    params: Type.Object({}, { description: 'an object of parameters' }),
  },
  { description: 'a subrequest ({"method": ..., "params": {...}})' },
);

/** What a `batch` or `sequence` request carries. */
export const BatchParamsSchema = Type.Object(
  {
    requests: Type.Array(SubrequestSchema, {
      minItems: 1,
      maxItems: BATCH_MAX_SUBREQUESTS,
      description: `a list of 1 to ${BATCH_MAX_SUBREQUESTS} subrequests`,
    }),
  },
  { description: 'an object of batch parameters' },
);

/** `batch` / `sequence` parameters as they may arrive. */
export type BatchParamsInput = Static<typeof BatchParamsSchema>;

/** One subrequest's result: its HTTP status and its answer (an object, or an error text). */
export const SubresultSchema = Type.Object({
  code: Type.Integer({ minimum: 100, maximum: 599, description: 'an HTTP status code' }),
  body: Type.Unknown(),
});

/** One subrequest's result. */
export type Subresult = Static<typeof SubresultSchema>;

/**
 * The answer to `batch` / `sequence`. A `sequence` has fewer results than requests when one
 * failed. Check each successful `body` with the subrequest method's response schema.
 */
export const BatchResponseSchema = Type.Object({
  results: Type.Array(SubresultSchema, { maxItems: BATCH_MAX_SUBREQUESTS }),
});

/** The answer to `batch` / `sequence`. */
export type BatchResponse = Static<typeof BatchResponseSchema>;
