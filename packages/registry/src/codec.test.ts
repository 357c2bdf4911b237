import type { MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, InvalidInputError, utf8Decode } from '@murmur/wire';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGenesis, genesisConfigHash } from './block.js';
import { canonicalJson } from './canonical.js';
import {
  decodeBlock,
  decodeGenesis,
  decodeParams,
  decodeTransaction,
  encodeBlock,
  encodeGenesis,
  encodeParams,
  encodeTransaction,
} from './codec.js';
import { devnetParams, oxenParams } from './params.js';
import { COIN, TestChain, testCrypto } from './test-support/chain.js';
import {
  createTransfer,
  createUptimeProof,
  transactionId,
  transactionSigningBytes,
  verifyTransactionSignatures,
} from './transactions.js';
import type { Transaction } from './types.js';

let crypto: MurmurCrypto;
let chain: TestChain;
let samples: Transaction[];
beforeAll(async () => {
  crypto = await testCrypto();
  chain = new TestChain(crypto);
  samples = [
    chain.transfer('a', 'b', 5n),
    chain.faucet('a', 7n * COIN),
    chain.register('n1', 'op', 25n * COIN, { fee: 250, reserved: { a: 3n, b: 4n } }),
    chain.contribute('n1', 'a', 9n),
    chain.unlock('n1', 'a'),
    chain.proof('n1', { ip: '203.0.114.9' }),
    chain.stateChange('n1', 'deregister', 'a "quoted" reason ✓'),
  ];
});

function fieldOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return ((error as InvalidInputError).details as { field?: string }).field;
  }
  throw new Error('expected an InvalidInputError');
}

describe('canonical JSON', () => {
  it('sorts keys at every level, drops undefined and has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 'x', c: null }], e: undefined, f: true })).toBe(
      '{"a":[{"c":null,"d":"x"}],"b":1,"f":true}',
    );
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ s: 'é"\\\n\u0001' })).toBe(JSON.stringify({ s: 'é"\\\n\u0001' }));
  });

  it('refuses numbers that are not safe integers', () => {
    expect(() => canonicalJson({ x: 1.5 })).toThrow(InvalidInputError);
    expect(() => canonicalJson({ x: 2 ** 53 })).toThrow(InvalidInputError);
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(InvalidInputError);
  });

  it('parses back to the same value (property)', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.maxSafeInteger(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (input) => {
        const text = canonicalJson(input as never);
        expect(JSON.parse(text)).toEqual(input);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });
});

describe('transactions in JSON', () => {
  it('round-trip for every type', () => {
    for (const tx of samples) {
      const json = JSON.parse(JSON.stringify(encodeTransaction(tx)));
      expect(decodeTransaction(json)).toEqual(tx);
    }
  });

  it('carry amounts as decimal strings', () => {
    expect(encodeTransaction(samples[0] as Transaction)).toMatchObject({ amount: '5' });
    expect(encodeTransaction(samples[2] as Transaction)).toMatchObject({
      operatorStake: '25000000000',
      reserved: [{ amount: '3' }, { amount: '4' }],
    });
  });

  it('are refused with the field named', () => {
    const transfer = encodeTransaction(samples[0] as Transaction);
    const register = encodeTransaction(samples[2] as Transaction);
    expect(fieldOf(() => decodeTransaction('nope'))).toBe('transaction');
    expect(fieldOf(() => decodeTransaction({ ...transfer, type: 'mint' }))).toBe('type');
    expect(fieldOf(() => decodeTransaction({ ...transfer, amount: '-1' }))).toBe('amount');
    expect(fieldOf(() => decodeTransaction({ ...transfer, amount: 5 }))).toBe('amount');
    expect(fieldOf(() => decodeTransaction({ ...transfer, amount: '05' }))).toBe('amount');
    expect(fieldOf(() => decodeTransaction({ ...transfer, to: 'ab' }))).toBe('to');
    expect(fieldOf(() => decodeTransaction({ ...transfer, extra: 1 }))).toBe('extra');
    const { signature: _signature, ...unsigned } = transfer as { signature: string };
    expect(fieldOf(() => decodeTransaction(unsigned))).toBe('signature');
    expect(
      fieldOf(() =>
        decodeTransaction({ ...register, reserved: [{ address: 'ab'.repeat(32), amount: 'x' }] }),
      ),
    ).toBe('reserved/0/amount');
    const proof = encodeTransaction(samples[5] as Transaction);
    expect(fieldOf(() => decodeTransaction({ ...proof, version: [1, 2] }))).toBe('version');
    expect(fieldOf(() => decodeTransaction({ ...proof, storagePort: 70_000 }))).toBe('storagePort');
  });

  it('round-trip for arbitrary transfers (property)', () => {
    const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(bytesToHex);
    const hex64 = fc.uint8Array({ minLength: 64, maxLength: 64 }).map(bytesToHex);
    fc.assert(
      fc.property(
        hex32,
        hex32,
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.nat(),
        hex64,
        (from, to, amount, nonce, signature) => {
          const tx: Transaction = { type: 'transfer', from, to, amount, nonce, signature };
          const decoded = decodeTransaction(JSON.parse(JSON.stringify(encodeTransaction(tx))));
          expect(decoded).toEqual(tx);
          expect(transactionId(decoded, crypto)).toBe(transactionId(tx, crypto));
        },
      ),
    );
  });
});

describe('signing bytes and IDs', () => {
  it('are the domain tag, the chain ID and the canonical JSON without signatures', () => {
    const tx = samples[0] as Extract<Transaction, { type: 'transfer' }>;
    const text = utf8Decode(transactionSigningBytes(tx, 'murmur-test'));
    expect(text).toBe(
      `murmur-ledger-tx-v1\nmurmur-test\n{"amount":"5","from":"${tx.from}","nonce":1,"to":"${tx.to}","type":"transfer"}`,
    );
  });

  it('register signatures cover the same bytes for node and operator', () => {
    const tx = samples[2] as Extract<Transaction, { type: 'register' }>;
    const text = utf8Decode(transactionSigningBytes(tx, 'murmur-test'));
    expect(text).not.toContain('Signature');
    expect(verifyTransactionSignatures(tx, 'murmur-test', chain.address('authority'), crypto)).toBe(
      true,
    );
    expect(verifyTransactionSignatures(tx, 'other', chain.address('authority'), crypto)).toBe(
      false,
    );
  });

  it('IDs are BLAKE2b-256 of the canonical JSON with signatures', () => {
    const tx = samples[0] as Extract<Transaction, { type: 'transfer' }>;
    const expected = bytesToHex(
      crypto.blake2b(
        new TextEncoder().encode(
          `murmur-ledger-txid-v1\n${canonicalJson(encodeTransaction(tx) as never)}`,
        ),
        32,
      ),
    );
    expect(transactionId(tx, crypto)).toBe(expected);
    expect(transactionId({ ...tx, signature: 'ab'.repeat(64) }, crypto)).not.toBe(expected);
    expect(new Set(samples.map((sample) => transactionId(sample, crypto))).size).toBe(
      samples.length,
    );
  });

  it('the authority signs faucet and state changes', () => {
    for (const tx of [samples[1], samples[6]] as Transaction[]) {
      expect(
        verifyTransactionSignatures(tx, 'murmur-test', chain.address('authority'), crypto),
      ).toBe(true);
      expect(verifyTransactionSignatures(tx, 'murmur-test', chain.address('a'), crypto)).toBe(
        false,
      );
    }
  });
});

describe('the builders', () => {
  it('check their input', () => {
    const key = chain.key('a');
    expect(
      fieldOf(() =>
        createTransfer(
          { chainId: 'bad chain', to: chain.address('b'), amount: 1n, nonce: 1 },
          key,
          crypto,
        ),
      ),
    ).toBe('chainId');
    expect(
      fieldOf(() =>
        createTransfer(
          { chainId: 'c', to: chain.address('b'), amount: 1 as unknown as bigint, nonce: 1 },
          key,
          crypto,
        ),
      ),
    ).toBe('amount');
    expect(
      fieldOf(() =>
        createTransfer(
          { chainId: 'c', to: chain.address('b'), amount: 1n, nonce: 1 },
          { publicKey: key.publicKey, secretKey: new Uint8Array(32) },
          crypto,
        ),
      ),
    ).toBe('wallet');
    expect(
      fieldOf(() =>
        createUptimeProof(
          {
            chainId: 'c',
            node: chain.address('b'),
            ip: '1.2.3.4',
            storagePort: 1,
            relayPort: 2,
            version: [1, 0, 0],
            timestamp: 1,
          },
          key,
          crypto,
        ),
      ),
    ).toBe('node');
  });
});

describe('blocks in JSON', () => {
  it('round-trip, and name a bad transaction by its index', () => {
    const block = chain.makeBlock(samples);
    const json = JSON.parse(JSON.stringify(encodeBlock(block)));
    expect(decodeBlock(json)).toEqual(block);
    json.transactions[3].amount = 'lots';
    expect(fieldOf(() => decodeBlock(json))).toBe('transactions/3/amount');
    expect(fieldOf(() => decodeBlock({ ...encodeBlock(block), hash: 'x' }))).toBe('hash');
  });
});

describe('parameter sets and genesis in JSON', () => {
  it('round-trip', () => {
    for (const params of [oxenParams, devnetParams]) {
      expect(decodeParams(JSON.parse(JSON.stringify(encodeParams(params))))).toEqual(params);
    }
    const config = chain.genesis;
    expect(decodeGenesis(JSON.parse(JSON.stringify(encodeGenesis(config))))).toEqual({
      ...config,
      params: { ...config.params },
    });
  });

  it('refuse bad values with the field named', () => {
    const json = encodeGenesis(chain.genesis);
    expect(fieldOf(() => decodeGenesis({ ...json, chainId: 'has space' }))).toBe('chainId');
    expect(
      fieldOf(() =>
        decodeGenesis({ ...json, params: { ...json.params, stakingRequirement: '-5' } }),
      ),
    ).toBe('params/stakingRequirement');
    expect(
      fieldOf(() => decodeGenesis({ ...json, params: { ...json.params, minOperatorStake: '0' } })),
    ).toBe('params/minOperatorStake');
  });

  it('genesis commits to the whole configuration', () => {
    const base = chain.genesis;
    const hash = genesisConfigHash(base, crypto);
    const { block } = createGenesis(base, crypto);
    expect(block.previousHash).toBe(hash);
    expect(block.height).toBe(0);
    expect(block.transactions).toEqual([]);
    expect(createGenesis({ ...base, timestamp: base.timestamp + 1 }, crypto).block.hash).not.toBe(
      block.hash,
    );
    expect(
      createGenesis({ ...base, params: { ...base.params, unlockBlocks: 11 } }, crypto).block.hash,
    ).not.toBe(block.hash);
    expect(() =>
      createGenesis(
        {
          ...base,
          allocations: [
            { address: chain.address('a'), amount: 1n },
            { address: chain.address('a'), amount: 2n },
          ],
        },
        crypto,
      ),
    ).toThrow(InvalidInputError);
  });
});
