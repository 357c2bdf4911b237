import type { MurmurCrypto } from '@murmur/crypto';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBlock, encodeGenesis, encodeTransaction } from './codec.js';
import * as registry from './index.js';
import * as ledgerApi from './ledger-api.js';
import {
  BlocksResponseSchema,
  encodeNodeResponse,
  encodeStateResponse,
  encodeWalletResponse,
  FeedMessageSchema,
  NodeResponseSchema,
  StateResponseSchema,
  TransactionRejectedResponseSchema,
  WalletResponseSchema,
} from './ledger-api.js';
import * as ledgerHttp from './ledger-http.js';
import * as schemaModule from './schemas.js';
import { JsonGenesisConfigSchema, JsonTransactionSchema } from './schemas.js';
import { COIN, TestChain, testCrypto } from './test-support/chain.js';

let crypto: MurmurCrypto;
let chain: TestChain;
beforeAll(async () => {
  crypto = await testCrypto();
  chain = new TestChain(crypto, { allocations: { op: 200n * COIN } });
  chain.block([chain.register('n1', 'op', 100n * COIN)]);
  chain.block([chain.proof('n1'), chain.transfer('op', 'a', COIN)]);
  chain.block([chain.register('n2', 'op', 25n * COIN, { reserved: { a: 30n * COIN } })]);
});

describe('the exported schemas', () => {
  it('compile under Ajv strict mode, as fastify uses them', () => {
    const ajv = new Ajv({ strict: true, coerceTypes: 'array', useDefaults: true });
    // Every schema the package defines (its modules of schemas), whichever entry point exports
    // it: the main entry keeps only what clients use.
    const schemas = Object.entries({
      ...registry,
      ...ledgerHttp,
      ...ledgerApi,
      ...schemaModule,
    }).filter(([name, value]) => name.endsWith('Schema') && typeof value === 'object');
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
    const op = chain.address('op');
    expect(check(WalletResponseSchema, encodeWalletResponse(chain.state, op, 4))).toBe(true);
    expect(check(WalletResponseSchema, encodeWalletResponse(chain.state, 'ab'.repeat(32), 1))).toBe(
      true,
    );
    for (const node of ['n1', 'n2']) {
      expect(check(NodeResponseSchema, encodeNodeResponse(chain.state, chain.address(node)))).toBe(
        true,
      );
    }
    const transfer = encodeTransaction(chain.blocks[2]?.transactions[1] as never);
    expect(check(JsonTransactionSchema, { ...transfer, extra: 1 })).toBe(false);
    expect(check(JsonTransactionSchema, { ...transfer, amount: '-1' })).toBe(false);
  });
});

describe('the answers of the wallet and node routes', () => {
  it('give zeros for an unknown wallet and the next nonce the ledger counts', () => {
    const stranger = 'ab'.repeat(32);
    expect(encodeWalletResponse(chain.state, stranger, 1)).toEqual({
      address: stranger,
      height: chain.height,
      balance: '0',
      locked: '0',
      nonce: 0,
      nextNonce: 1,
      lockedEntries: [],
    });
    const op = encodeWalletResponse(chain.state, chain.address('op'), 9);
    expect(op).toMatchObject({ nonce: 3, nextNonce: 9, locked: String(125n * COIN) });
    expect(op.lockedEntries.map((entry) => entry.kind)).toEqual(['staked', 'staked']);
  });

  it('show the room left in a node awaiting contributions, and nothing for a stranger', () => {
    const pooled = encodeNodeResponse(chain.state, chain.address('n2'));
    expect(pooled?.node?.status).toBe('awaiting-contributions');
    // 100 required, 25 staked, 30 reserved for a: 45 open to others over 8 open slots.
    expect(pooled?.openRoom).toBe(String(45n * COIN));
    expect(pooled?.minimumContribution).toBe(String((45n * COIN + 7n) / 8n));
    const active = encodeNodeResponse(chain.state, chain.address('n1'));
    expect(active?.node?.status).toBe('active');
    expect(active?.openRoom).toBeUndefined();
    expect(encodeNodeResponse(chain.state, 'cd'.repeat(32))).toBeUndefined();
  });
});
