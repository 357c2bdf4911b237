/**
 * Compiled schema checkers and the messages they give. A checker is compiled once, when it is
 * created; the RPC registry creates all of its checkers at import time, in a frozen table.
 */
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { InvalidInputError, InvalidResponseError, type MurmurError } from './errors.js';

/** A schema compiled once, with a type guard and person-readable problems. */
export interface SchemaChecker<T extends TSchema> {
  /** The schema (plain JSON Schema, usable by fastify). */
  readonly schema: T;
  /** True when `value` matches the schema. */
  check(value: unknown): value is Static<T>;
  /**
   * The first problem with `value`, worded for a person, or `undefined` when it matches:
   * `{ field: 'last_hash', text: '`last_hash` must be a 43-character base64 message hash' }`.
   */
  firstProblem(value: unknown): SchemaProblem | undefined;
}

/** One problem a checker found. */
export interface SchemaProblem {
  /** Dotted path of the offending field (`requests[2].params.ttl`); empty for the whole value. */
  field: string;
  /** What is wrong, naming the field in backticks. */
  text: string;
}

/** How a failed check is reported: as bad input (400) or as a bad answer from a peer. */
export interface CheckOptions {
  /** `'input'` (default) throws {@link InvalidInputError}; `'response'` {@link InvalidResponseError}. */
  as?: 'input' | 'response';
  /** The name of the whole value in messages, when the problem is the value itself. */
  rootName?: string;
}

/** Compiles `schema` into a {@link SchemaChecker}. Compile once and keep the result. */
export function createChecker<T extends TSchema>(schema: T): SchemaChecker<T> {
  // Compiled on first use, then kept: compiling every schema of the protocol when the module
  // loads cost each process about 0.3 s of CPU and 35 MB, mostly for schemas it never checks.
  let validator: { Check(value: unknown): boolean; Errors(value: unknown): unknown } | undefined;
  const compiled = (): { Check(value: unknown): boolean; Errors(value: unknown): unknown } => {
    validator ??= Compile(schema);
    return validator;
  };
  return Object.freeze({
    schema,
    check: (value: unknown): value is Static<T> => compiled().Check(value),
    firstProblem(value: unknown): SchemaProblem | undefined {
      const checker = compiled();
      if (checker.Check(value)) return undefined;
      return describeProblem(schema, checker.Errors(value) as readonly ValidationError[]);
    },
  });
}

function isChecker(value: unknown): value is SchemaChecker<TSchema> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { check?: unknown }).check === 'function' &&
    typeof (value as { firstProblem?: unknown }).firstProblem === 'function'
  );
}

/**
 * Checks `value` against a schema (or a checker made by {@link createChecker}) and returns it
 * typed, or throws an error whose message starts with `what` ("store: `ttl` must be an integer
 * number of milliseconds"). A bare schema is compiled on every call: on hot paths, create the
 * checker once and pass it instead.
 */
export function checkSchema<T extends TSchema>(
  schemaOrChecker: T | SchemaChecker<T>,
  value: unknown,
  what: string,
  options: CheckOptions = {},
): Static<T> {
  const checker = isChecker(schemaOrChecker)
    ? (schemaOrChecker as SchemaChecker<T>)
    : createChecker(schemaOrChecker as T);
  if (checker.check(value)) return value;
  const problem = checker.firstProblem(value) ?? { field: '', text: 'is invalid' };
  throw schemaError(what, problem, options);
}

/** The error for a problem found in `what`. */
export function schemaError(
  what: string,
  problem: SchemaProblem,
  options: CheckOptions = {},
): MurmurError {
  const text =
    problem.field === '' ? `${options.rootName ?? 'the value'} ${problem.text}` : problem.text;
  const message = `${what}: ${text}`;
  const details = { field: problem.field };
  return options.as === 'response'
    ? new InvalidResponseError(message, { details })
    : new InvalidInputError(message, { details });
}

interface ValidationError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: object & {
    readonly requiredProperties?: unknown;
    readonly additionalProperties?: unknown;
  };
  message: string;
}

function describeProblem(root: TSchema, errors: readonly ValidationError[]): SchemaProblem {
  const first = errors[0];
  if (first === undefined) return { field: '', text: 'is invalid' };

  if (first.keyword === 'required') {
    const missing = (first.params.requiredProperties as string[] | undefined)?.[0] ?? '';
    const segments = [...pointerSegments(first.instancePath), missing];
    const field = formatField(segments);
    const node = resolveSchemaPath(root, first.schemaPath);
    const description = descriptionOf(propertyOf(node, missing));
    return {
      field,
      text: `\`${field}\` is required${description === undefined ? '' : ` (${description})`}`,
    };
  }

  if (first.keyword === 'boolean' || first.keyword === 'additionalProperties') {
    if (first.schemaPath.endsWith('/additionalItems')) {
      const field = formatField(pointerSegments(first.instancePath).slice(0, -1));
      return { field, text: `${field === '' ? 'it' : `\`${field}\``} has too many items` };
    }
    const extra =
      first.keyword === 'additionalProperties'
        ? [
            ...pointerSegments(first.instancePath),
            ...((first.params.additionalProperties as string[] | undefined)?.slice(0, 1) ?? []),
          ]
        : pointerSegments(first.instancePath);
    const field = formatField(extra);
    return { field, text: `\`${field}\` is not allowed there` };
  }

  // Among the errors about the same value, the outermost schema (a union rather than one of
  // its branches) carries the description that fits best.
  let outer = first;
  for (const error of errors) {
    if (
      error.instancePath === first.instancePath &&
      error.schemaPath.length < outer.schemaPath.length
    ) {
      outer = error;
    }
  }
  const field = formatField(pointerSegments(first.instancePath));
  const description = descriptionOf(resolveSchemaPath(root, outer.schemaPath));
  const what = description === undefined ? outer.message : `must be ${description}`;
  return { field, text: field === '' ? what : `\`${field}\` ${what}` };
}

function descriptionOf(node: unknown): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const description = (node as { description?: unknown }).description;
  return typeof description === 'string' ? description : undefined;
}

function propertyOf(node: unknown, key: string): unknown {
  if (typeof node !== 'object' || node === null) return undefined;
  const properties = (node as { properties?: Record<string, unknown> }).properties;
  return properties !== undefined && Object.hasOwn(properties, key) ? properties[key] : undefined;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function formatField(segments: readonly string[]): string {
  let out = '';
  for (const segment of segments) {
    if (/^(?:0|[1-9][0-9]*)$/.test(segment)) out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** The schema node a validation error's `schemaPath` (a JSON pointer into the schema) names. */
function resolveSchemaPath(root: unknown, schemaPath: string): unknown {
  const pointer = schemaPath.startsWith('#') ? schemaPath.slice(1) : schemaPath;
  let node: unknown = root;
  for (const token of pointerSegments(pointer)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = Array.isArray(node) ? node[Number(token)] : (node as Record<string, unknown>)[token];
  }
  return node;
}
