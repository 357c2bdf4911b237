import { describe, expect, it } from 'vitest';
import { encodeBencode } from './bencode.js';
import { bytesToHex, hexToBytes, utf8Encode } from './encoding.js';
import { InvalidInputError, PayloadMalformedError } from './errors.js';
import {
  decodeOnionV4Request,
  decodeOnionV4Response,
  encodeOnionV4Request,
  encodeOnionV4Response,
} from './onion-v4.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Worked examples of docs/PROTOCOL.md. */
export const V4_REQUEST_EXAMPLE_HEX =
  '6c39383a7b226d6574686f64223a22504f5354222c22656e64706f696e74223a222f726f6f6d2f6c6f6b696e65742f6d657373616765222c2268656164657273223a7b22436f6e74656e742d54797065223a226170706c69636174696f6e2f6a736f6e227d7d31353a7b2264617461223a2261476b3d227d65';
export const V4_RESPONSE_EXAMPLE_HEX =
  '6c35383a7b22636f6465223a3230302c2268656164657273223a7b22636f6e74656e742d74797065223a226170706c69636174696f6e2f6a736f6e227d7d323a7b7d65';

describe('onion v4 requests', () => {
  it('encode the documented example', () => {
    const bytes = encodeOnionV4Request({
      method: 'POST',
      endpoint: '/room/lokinet/message',
      headers: { 'Content-Type': 'application/json' },
      body: '{"data":"aGk="}',
    });
    expect(bytesToHex(bytes)).toBe(V4_REQUEST_EXAMPLE_HEX);
  });

  it('decode the documented example', () => {
    const request = decodeOnionV4Request(hexToBytes(V4_REQUEST_EXAMPLE_HEX));
    expect(request.method).toBe('POST');
    expect(request.endpoint).toBe('/room/lokinet/message');
    expect(request.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(text(request.body ?? new Uint8Array())).toBe('{"data":"aGk="}');
  });

  it('omit the body element when there is no body, as desktop does for GET', () => {
    const bytes = encodeOnionV4Request({ method: 'GET', endpoint: '/room/lokinet', headers: {} });
    expect(text(bytes)).toBe('l56:{"method":"GET","endpoint":"/room/lokinet","headers":{}}e');
    const request = decodeOnionV4Request(bytes);
    expect(request.body).toBeUndefined();
    expect(request.headers).toEqual({});
  });

  it('accept null or absent headers', () => {
    const noHeaders = encodeBencode([utf8Encode('{"method":"GET","endpoint":"/x"}')]);
    expect(decodeOnionV4Request(noHeaders).headers).toEqual({});
    const nullHeaders = encodeBencode([
      utf8Encode('{"method":"GET","endpoint":"/x","headers":null}'),
    ]);
    expect(decodeOnionV4Request(nullHeaders).headers).toEqual({});
  });

  const list = (...parts: (string | Uint8Array | number | unknown[])[]) =>
    encodeBencode(
      parts.map((part) => (typeof part === 'string' ? utf8Encode(part) : part)) as never,
    );

  it.each<[string, Uint8Array, typeof PayloadMalformedError | typeof InvalidInputError, RegExp]>([
    ['an empty list', list(), PayloadMalformedError, /list of 1 or 2 byte strings/],
    ['three elements', list('a', 'b', 'c'), PayloadMalformedError, /list of 1 or 2 byte strings/],
    ['an integer', utf8Encode('i1e'), PayloadMalformedError, /list of 1 or 2 byte strings/],
    ['an integer meta', list(1), PayloadMalformedError, /first element must be a byte string/],
    ['meta that is not JSON', list('abc'), PayloadMalformedError, /not valid UTF-8 JSON/],
    ['meta without method', list('{}'), InvalidInputError, /`method` is required/],
    [
      'a relative endpoint',
      list('{"method":"GET","endpoint":"x"}'),
      InvalidInputError,
      /`endpoint` must be a path/,
    ],
    [
      'a list as body',
      list('{"method":"GET","endpoint":"/"}', []),
      PayloadMalformedError,
      /nesting deeper than 1/,
    ],
    [
      'an integer body',
      list('{"method":"GET","endpoint":"/"}', 1),
      PayloadMalformedError,
      /body must be a byte string/,
    ],
    [
      'a truncated list',
      utf8Encode('l31:{"method":"GET","endpoint":"/"}'),
      PayloadMalformedError,
      /input ends inside a list/,
    ],
  ])('reject %s', (_name, input, type, message) => {
    expect(() => decodeOnionV4Request(input)).toThrow(type);
    expect(() => decodeOnionV4Request(input)).toThrow(message);
  });

  it('refuse to encode a bad method or endpoint', () => {
    expect(() => encodeOnionV4Request({ method: 'GET', endpoint: 'room', headers: {} })).toThrow(
      /`endpoint` must be a path starting with "\/"/,
    );
    expect(() => encodeOnionV4Request({ method: '', endpoint: '/', headers: {} })).toThrow(
      InvalidInputError,
    );
  });
});

describe('onion v4 responses', () => {
  it('encode the documented example, lower-casing header names', () => {
    const bytes = encodeOnionV4Response({
      code: 200,
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(bytesToHex(bytes)).toBe(V4_RESPONSE_EXAMPLE_HEX);
  });

  it('decode the documented example', () => {
    const response = decodeOnionV4Response(hexToBytes(V4_RESPONSE_EXAMPLE_HEX));
    expect(response.code).toBe(200);
    expect(response.headers).toEqual({ 'content-type': 'application/json' });
    expect(text(response.body)).toBe('{}');
  });

  it('carry binary bodies unchanged', () => {
    const body = new Uint8Array([0, 255, 1, 254]);
    const response = decodeOnionV4Response(encodeOnionV4Response({ code: 404, headers: {}, body }));
    expect(response.code).toBe(404);
    expect(response.body).toEqual(body);
  });

  const list = (...parts: (string | number)[]) =>
    encodeBencode(parts.map((part) => (typeof part === 'string' ? utf8Encode(part) : part)));

  it.each<[string, Uint8Array, RegExp]>([
    ['a missing body', list('{"code":200}'), /list of 2 byte strings/],
    ['a code below 100', list('{"code":99}', ''), /`code` must be an HTTP status code/],
    ['no code', list('{}', ''), /`code` is required/],
    ['a string code', list('{"code":"200"}', ''), /`code` must be an HTTP status code/],
    ['an integer body', list('{"code":200}', 1), /body must be a byte string/],
    ['trailing bytes', utf8Encode('l12:{"code":200}0:ex'), /trailing bytes/],
  ])('reject %s', (_name, input, message) => {
    expect(() => decodeOnionV4Response(input)).toThrow(PayloadMalformedError);
    expect(() => decodeOnionV4Response(input)).toThrow(message);
  });

  it('refuse to encode a header that is not a string, or a bad code', () => {
    expect(() =>
      encodeOnionV4Response({
        code: 200,
        headers: { 'x-a': 1 as unknown as string },
        body: '',
      }),
    ).toThrow(InvalidInputError);
    expect(() => encodeOnionV4Response({ code: 1000, headers: {}, body: '' })).toThrow(
      InvalidInputError,
    );
  });
});
