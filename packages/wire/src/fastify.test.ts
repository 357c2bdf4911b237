/**
 * The schemas as fastify uses them: request validation with its Ajv settings and response
 * serialisation with fast-json-stringify, in process (`inject`, no sockets).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HARDFORK } from './constants.js';
import { bytesToBase32z, hexToBytes } from './encoding.js';
import { WrongSwarmError } from './errors.js';
import { RPC_METHODS, rpcMethods } from './rpc.js';
import { GetSwarmResponseSchema } from './schemas/get-swarm.js';
import { SeedResponseSchema } from './schemas/seed.js';
import { responseFromError } from './status.js';
import { NODE_A, NOW, validParams, validResponses, X25519 } from './test-support/samples.js';

let app: FastifyInstance;

beforeAll(async () => {
  app = Fastify();
  for (const method of RPC_METHODS) {
    const { params, response } = rpcMethods[method];
    app.post<{ Querystring: { answer?: string } }>(
      `/${method}`,
      { schema: { body: params.schema, response: { 200: response.schema } } },
      async (request) => validResponses[method][Number(request.query.answer ?? 0)],
    );
  }
  app.post(
    '/wrong-swarm',
    { schema: { response: { 421: GetSwarmResponseSchema } } },
    async (_request, reply) => {
      const { status, body } = responseFromError(
        new WrongSwarmError('x', {
          swarmId: 'abc',
          members: [{ pubkeyEd25519: NODE_A, pubkeyX25519: X25519, ip: '127.0.0.1', port: 1 }],
        }),
        { now: NOW },
      );
      return reply.code(status as 421).send(body);
    },
  );
  app.post('/seed', { schema: { response: { 200: SeedResponseSchema } } }, async () => ({
    result: {
      service_node_states: [
        { public_ip: '127.0.0.1', storage_port: 1, swarm_id: 'ff', secret: 'dropped' },
      ],
      height: 3,
    },
  }));
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

describe('fastify with the wire schemas', () => {
  for (const method of RPC_METHODS) {
    it.each(validParams[method].map((value, index) => [index, value] as const))(
      `${method}: accepts Session example %i`,
      async (_index, value) => {
        const response = await app.inject({ method: 'POST', url: `/${method}`, payload: value });
        expect(response.statusCode).toBe(200);
      },
    );

    it.each(validResponses[method].map((value, index) => [index, value] as const))(
      `${method}: serialises answer %i unchanged`,
      async (index, value) => {
        const response = await app.inject({
          method: 'POST',
          url: `/${method}?answer=${index}`,
          payload: validParams[method][0] ?? {},
        });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual(value);
      },
    );
  }

  it('rejects a body its schema refuses with 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/retrieve',
      payload: { pubkey: 'zz' },
    });
    expect(response.statusCode).toBe(400);
  });

  it('serialises the 421 body as the get_swarm answer', async () => {
    const response = await app.inject({ method: 'POST', url: '/wrong-swarm' });
    expect(response.statusCode).toBe(421);
    expect(response.json()).toEqual({
      snodes: [
        {
          address: `${bytesToBase32z(hexToBytes(NODE_A))}.snode`,
          pubkey_legacy: NODE_A,
          pubkey_x25519: X25519,
          pubkey_ed25519: NODE_A,
          port: '1',
          port_https: 1,
          ip: '127.0.0.1',
        },
      ],
      swarm: 'abc',
      t: NOW,
      hf: [...HARDFORK],
    });
  });

  it('drops fields a response schema does not name', async () => {
    const response = await app.inject({ method: 'POST', url: '/seed' });
    expect(response.json()).toEqual({
      result: {
        service_node_states: [{ public_ip: '127.0.0.1', storage_port: 1, swarm_id: 'ff' }],
        height: 3,
      },
    });
  });
});
