/**
 * Checking JSON against a TypeBox schema with a message that names the first offending field,
 * for request bodies the server parses itself and for answers the wallet receives.
 */
import { InvalidInputError, InvalidResponseError } from '@murmur/wire';
import type { Static, TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';

/** A compiled schema. */
export interface Checker<T extends TSchema> {
  readonly schema: T;
  readonly validator: Validator<Record<string, never>, T>;
}

/** Compiles `schema` once. */
export function compileChecker<T extends TSchema>(schema: T): Checker<T> {
  return { schema, validator: Compile(schema) as Validator<Record<string, never>, T> };
}

/** The first error of `value` against `checker` as `field message`, or `undefined` if valid. */
export function firstProblem<T extends TSchema>(
  checker: Checker<T>,
  value: unknown,
): { field: string; message: string } | undefined {
  if (checker.validator.Check(value)) return undefined;
  const errors = checker.validator.Errors(value);
  const first =
    errors.find((error) => error.keyword !== 'boolean' && error.keyword !== 'anyOf') ?? errors[0];
  let field = (first?.instancePath ?? '').replace(/^\//, '');
  const params = first?.params as
    | { additionalProperties?: unknown; requiredProperties?: unknown }
    | undefined;
  const named =
    first?.keyword === 'additionalProperties'
      ? params?.additionalProperties
      : first?.keyword === 'required'
        ? params?.requiredProperties
        : undefined;
  if (Array.isArray(named) && named.length > 0) {
    field = [field, String(named[0])].filter((part) => part !== '').join('/');
  }
  return { field, message: first?.message ?? 'is invalid' };
}

/**
 * `value` typed by `checker`, or an error naming the field: {@link InvalidInputError} for
 * input (`as: 'input'`, the default), {@link InvalidResponseError} for a peer's answer.
 */
export function checkValue<T extends TSchema>(
  checker: Checker<T>,
  value: unknown,
  what: string,
  options: { as?: 'input' | 'response' } = {},
): Static<T> {
  const problem = firstProblem(checker, value);
  if (problem === undefined) return value as Static<T>;
  const where = problem.field === '' ? what : `${what} field ${problem.field}`;
  const message = `${where} ${problem.message}`;
  const init = { details: { field: problem.field === '' ? what : problem.field } };
  throw options.as === 'response'
    ? new InvalidResponseError(message, init)
    : new InvalidInputError(message, init);
}
