import type { MurmurCrypto } from '@murmur/crypto';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBlock, encodeGenesis, encodeTransaction } from './codec.js';
import * as registry from './index.js';
import {
  BlocksResponseSchema,
  encodeStateResponse,
  FeedMessageSchema,
  StateResponseSchema,
  TransactionRejectedResponseSchema,
} from './ledger-api.js';
import { JsonGenesisConfigSchema, JsonTransactionSchema } from './schemas.js';
import { COIN, TestChain, testCrypto } from './test-support/chain.js';

let crypto: MurmurCrypto;
let chain: TestChain;
beforeAll(async () => {
  crypto = await testCrypto();
  chain = new TestChain(crypto, { allocations: { op: 200n * COIN } });
  chain.block([chain.register('n1', 'op', 100n * COIN)]);
  chain.block([chain.proof('n1'), chain.transfer('op', 'a', COIN)]);
});

describe('the exported schemas', () => {
  it('compile under Ajv strict mode, as fastify uses them', () => {
    const ajv = new Ajv({ strict: true, coerceTypes: 'array', useDefaults: true });
    const schemas = Object.entries(registry).filter(
      ([name, value]) => name.endsWith('Schema') && typeof value === 'object',
    );
    expect(schemas.length).toBeGreaterThan(30);
    for (const [, schema] of schemas) expect(() => ajv.compile(schema as object)).not.toThrow();
  });

  it('accept what the encoders produce, and Ajv agrees with TypeBox', () => {
    const ajv = new Ajv({ strict: true });
    const check = (schema: object, value: unknown) => ajv.validate(schema, value);
    for (const block of chain.blocks) {
      for (const tx of block.transactions) {
        expect(check(JsonTransactionSchema, encodeTransaction(tx))).toBe(true);
      }
    }
    expect(
      check(BlocksResponseSchema, { blocks: chain.blocks.map(encodeBlock), height: chain.height }),
    ).toBe(true);
    expect(
      check(FeedMessageSchema, { type: 'block', block: encodeBlock(chain.blocks[1] as never) }),
    ).toBe(true);
    expect(check(JsonGenesisConfigSchema, encodeGenesis(chain.genesis))).toBe(true);
    expect(check(StateResponseSchema, encodeStateResponse(chain.state))).toBe(true);
    expect(
      check(TransactionRejectedResponseSchema, {
        accepted: false,
        reason: 'bad-nonce',
        message: 'replay',
      }),
    ).toBe(true);
    expect(
      check(TransactionRejectedResponseSchema, { accepted: false, reason: 'nope', message: '' }),
    ).toBe(false);
    const transfer = encodeTransaction(chain.blocks[2]?.transactions[1] as never);
    expect(check(JsonTransactionSchema, { ...transfer, extra: 1 })).toBe(false);
    expect(check(JsonTransactionSchema, { ...transfer, amount: '-1' })).toBe(false);
  });
});
