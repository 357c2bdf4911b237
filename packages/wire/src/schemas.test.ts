import { Ajv, type Options } from 'ajv';
import type { TSchema } from 'typebox';
import { describe, expect, it } from 'vitest';
import * as wire from './index.js';
import { RPC_METHODS, rpcMethods } from './rpc.js';
import { createChecker } from './schema-check.js';
import * as batchModule from './schemas/batch.js';
import * as commonModule from './schemas/common.js';
import * as deleteModule from './schemas/delete.js';
import * as deleteAllModule from './schemas/delete-all.js';
import * as deleteBeforeModule from './schemas/delete-before.js';
import * as envelopeModule from './schemas/envelope.js';
import * as expireModule from './schemas/expire.js';
import * as expireAllModule from './schemas/expire-all.js';
import * as getExpiriesModule from './schemas/get-expiries.js';
import * as getSwarmModule from './schemas/get-swarm.js';
import * as infoModule from './schemas/info.js';
import * as onionModule from './schemas/onion.js';
import * as oxendRequestModule from './schemas/oxend-request.js';
import * as retrieveModule from './schemas/retrieve.js';
import * as seedModule from './schemas/seed.js';
import * as storeModule from './schemas/store.js';
import * as subaccountModule from './schemas/subaccount.js';
import {
  invalidParams,
  invalidResponses,
  validParams,
  validResponses,
} from './test-support/samples.js';
import { parseResponse } from './validate.js';

/** The schema modules: every schema the package defines, exported from an entry point or not. */
const schemaModules = [
  batchModule,
  commonModule,
  deleteModule,
  deleteAllModule,
  deleteBeforeModule,
  envelopeModule,
  expireModule,
  expireAllModule,
  getExpiriesModule,
  getSwarmModule,
  infoModule,
  onionModule,
  oxendRequestModule,
  retrieveModule,
  seedModule,
  storeModule,
  subaccountModule,
];

/** Every schema the package defines (named `...Schema`), plus the registry's. */
function exportedSchemas(): [string, TSchema][] {
  const out: [string, TSchema][] = [];
  const seen = new Set<string>();
  for (const module of [wire, ...schemaModules]) {
    for (const [name, value] of Object.entries(module)) {
      if (
        name.endsWith('Schema') &&
        typeof value === 'object' &&
        value !== null &&
        !seen.has(name)
      ) {
        seen.add(name);
        out.push([name, value as TSchema]);
      }
    }
  }
  for (const method of RPC_METHODS) {
    out.push([`rpcMethods.${method}.params`, rpcMethods[method].params.schema]);
    out.push([`rpcMethods.${method}.response`, rpcMethods[method].response.schema]);
  }
  return out;
}

const strictAjv: Options = {
  strict: true,
  strictTypes: true,
  strictTuples: true,
  strictRequired: true,
  allErrors: false,
};

/** The options fastify 5 gives Ajv by default. */
const fastifyAjv: Options = {
  coerceTypes: 'array',
  useDefaults: true,
  removeAdditional: true,
  allErrors: false,
};

describe('schemas are plain JSON Schema', () => {
  const schemas = exportedSchemas();

  it('exports a schema for the request and the answer of every method', () => {
    expect(schemas.length).toBeGreaterThan(50);
    for (const method of RPC_METHODS) {
      expect(rpcMethods[method].method).toBe(method);
    }
  });

  it.each(schemas)('%s compiles under Ajv 8 strict mode', (_name, schema) => {
    const ajv = new Ajv(strictAjv);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it.each(schemas)('%s compiles with fastify’s Ajv options', (_name, schema) => {
    const ajv = new Ajv(fastifyAjv);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('survives a JSON round trip (no functions, symbols or TypeBox-only kinds)', () => {
    for (const [, schema] of schemas) {
      expect(JSON.parse(JSON.stringify(schema))).toEqual({ ...schema });
    }
  });
});

describe('Ajv and TypeBox agree', () => {
  const ajv = new Ajv(strictAjv);
  const cases: [string, TSchema, unknown, boolean][] = [];
  for (const method of RPC_METHODS) {
    const params = rpcMethods[method].params.schema;
    const response = rpcMethods[method].response.schema;
    for (const value of validParams[method]) cases.push([`${method} params`, params, value, true]);
    for (const [value] of invalidParams[method]) {
      cases.push([`${method} params`, params, value, rpcMethods[method].params.check(value)]);
    }
    for (const value of validResponses[method]) {
      cases.push([`${method} response`, response, value, true]);
    }
  }
  for (const [method, value] of invalidResponses) {
    cases.push([`${method} response`, rpcMethods[method].response.schema, value, false]);
  }

  it.each(cases)('%s: same verdict', (_what, schema, value, typeboxVerdict) => {
    expect(ajv.validate(schema, value)).toBe(typeboxVerdict);
    expect(createChecker(schema).check(value)).toBe(typeboxVerdict);
  });
});

describe('request schemas', () => {
  for (const method of RPC_METHODS) {
    it.each(validParams[method].map((value, index) => [index, value] as const))(
      `${method} accepts Session example %i`,
      (_index, value) => {
        expect(rpcMethods[method].params.firstProblem(value)).toBeUndefined();
      },
    );
  }
});

describe('response schemas', () => {
  for (const method of RPC_METHODS) {
    it.each(validResponses[method].map((value, index) => [index, value] as const))(
      `${method} accepts node answer %i`,
      (_index, value) => {
        expect(parseResponse(method, value)).toEqual(value);
      },
    );
  }

  it.each(invalidResponses)('%s refuses %j', (method, value, message) => {
    expect(() => parseResponse(method, value)).toThrow(wire.InvalidResponseError);
    expect(() => parseResponse(method, value)).toThrow(message);
  });

  it('the 421 body is the get_swarm answer', () => {
    expect(getSwarmModule.WrongSwarmBodySchema).toBe(getSwarmModule.GetSwarmResponseSchema);
  });

  it('store answers must carry a non-empty top-level hash', () => {
    const body = validResponses.store[0] as Record<string, unknown>;
    const { hash: _hash, ...withoutHash } = body;
    expect(() => parseResponse('store', withoutHash)).toThrow(/`hash` is required/);
  });

  it('read JSON text and bytes as well as objects', () => {
    const body = validResponses.info[0];
    expect(parseResponse('info', JSON.stringify(body))).toEqual(body);
    expect(parseResponse('info', new TextEncoder().encode(JSON.stringify(body)))).toEqual(body);
  });

  it('refuse an unknown method', () => {
    expect(() => parseResponse('nope', {})).toThrow('unknown method `nope`');
  });
});
