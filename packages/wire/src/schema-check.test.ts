import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidResponseError } from './errors.js';
import { checkSchema, createChecker, schemaError } from './schema-check.js';

const Point = Type.Object(
  {
    x: Type.Integer({ description: 'an integer coordinate' }),
    tags: Type.Optional(Type.Array(Type.String({ description: 'a tag' }))),
    pair: Type.Optional(Type.Tuple([Type.Integer(), Type.Integer()])),
    map: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[a-z]+/[a-z]+$' }),
        Type.Boolean({ description: 'a flag' }),
        {
          additionalProperties: false,
        },
      ),
    ),
  },
  { description: 'a point object' },
);

describe('checkSchema', () => {
  it('takes a bare schema or a compiled checker', () => {
    const checker = createChecker(Point);
    expect(checkSchema(Point, { x: 1 }, 'point')).toEqual({ x: 1 });
    expect(checkSchema(checker, { x: 1 }, 'point')).toEqual({ x: 1 });
    expect(checker.firstProblem({ x: 1 })).toBeUndefined();
  });

  it.each<[unknown, string]>([
    [{}, 'point: `x` is required (an integer coordinate)'],
    [{ x: 'a' }, 'point: `x` must be an integer coordinate'],
    [{ x: 1, tags: ['a', 5] }, 'point: `tags[1]` must be a tag'],
    [{ x: 1, pair: [1, 2, 3] }, 'point: `pair` has too many items'],
    [{ x: 1, pair: [1] }, 'point: `pair` must not have fewer than 2 items'],
    [{ x: 1, map: { 'a/b': 1 } }, 'point: `map.a/b` must be a flag'],
    [{ x: 1, map: { nope: true } }, 'point: `map.nope` is not allowed there'],
    [5, 'point: the point must be a point object'],
  ])('describes %j', (value, message) => {
    expect(() => checkSchema(Point, value, 'point', { rootName: 'the point' })).toThrow(message);
  });

  it('throws InvalidInputError for input and InvalidResponseError for answers', () => {
    expect(() => checkSchema(Point, {}, 'point')).toThrow(InvalidInputError);
    expect(() => checkSchema(Point, {}, 'point', { as: 'response' })).toThrow(InvalidResponseError);
  });

  it('names the field in the error details', () => {
    const error = schemaError('x', { field: 'a.b', text: '`a.b` is odd' });
    expect(error.details).toEqual({ field: 'a.b' });
    expect(error.message).toBe('x: `a.b` is odd');
    expect(schemaError('x', { field: '', text: 'is odd' }).message).toBe('x: the value is odd');
  });
});
