import type { MurmurCrypto } from '@murmur/crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyBlock, applyTransaction } from './apply.js';
import { createGenesis } from './block.js';
import { checkStateInvariants, nextNonce, stateDigest } from './queries.js';
import { COIN, TestChain, testCrypto } from './test-support/chain.js';
import { REJECTION_REASONS, type Transaction } from './types.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await testCrypto();
});

const WALLETS = ['w0', 'w1', 'w2', 'w3', 'w4'];
const NODES = ['n0', 'n1', 'n2'];

type Action =
  | { kind: 'transfer'; from: number; to: number; amount: bigint }
  | { kind: 'faucet'; to: number; amount: bigint }
  | {
      kind: 'register';
      node: number;
      operator: number;
      stake: bigint;
      fee: number;
      reserve: number;
    }
  | { kind: 'contribute'; node: number; who: number; amount: bigint }
  | { kind: 'unlock'; node: number; who: number }
  | { kind: 'proof'; node: number; offset: number }
  | { kind: 'state-change'; node: number; change: 'decommission' | 'recommission' | 'deregister' }
  | { kind: 'fill'; node: number; who: number }
  | { kind: 'bad-nonce'; from: number }
  | { kind: 'end-block'; skip: number };

const amount = fc.constantFrom(0n, 1n, 9n * COIN, 25n * COIN, 50n * COIN, 75n * COIN, 100n * COIN);
const wallet = fc.nat({ max: WALLETS.length - 1 });
const node = fc.nat({ max: NODES.length - 1 });
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('transfer' as const),
      from: wallet,
      to: wallet,
      amount,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('faucet' as const), to: wallet, amount }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('register' as const),
      node,
      operator: wallet,
      stake: fc.constantFrom(24n * COIN, 25n * COIN, 50n * COIN, 100n * COIN),
      fee: fc.constantFrom(0, 500, 10_000),
      reserve: fc.nat({ max: 2 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('contribute' as const), node, who: wallet, amount }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('fill' as const), node, who: wallet }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unlock' as const), node, who: wallet }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('proof' as const),
      node,
      offset: fc.constantFrom(-6_000, 0, 0, 0, 4_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('state-change' as const),
      node,
      change: fc.constantFrom(
        'decommission' as const,
        'recommission' as const,
        'deregister' as const,
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bad-nonce' as const), from: wallet }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('end-block' as const), skip: fc.nat({ max: 12 }) }),
  },
);

/** Runs `actions` on a fresh chain; returns the chain (blocks and states). */
function run(actions: Action[]): TestChain {
  const chain = new TestChain(crypto, {
    allocations: Object.fromEntries(WALLETS.map((name) => [name, 200n * COIN])),
  });
  let pending: Transaction[] = [];
  // The state as the block's transactions so far leave it, to sign with the right nonces.
  let speculative = chain.state;
  const nonce = (name: string) => nextNonce(speculative, chain.address(name));
  const flush = (skip: number) => {
    const results = chain.block(pending);
    for (const result of results) {
      if (!result.accepted) expect(REJECTION_REASONS).toContain(result.reason);
    }
    expect(checkStateInvariants(chain.state)).toEqual([]);
    pending = [];
    for (let i = 0; i < skip; i++) {
      chain.block();
      expect(checkStateInvariants(chain.state)).toEqual([]);
    }
    speculative = chain.state;
  };
  for (const step of actions) {
    const w = (index: number) => WALLETS[index] as string;
    const n = (index: number) => NODES[index] as string;
    switch (step.kind) {
      case 'transfer':
        pending.push(chain.transfer(w(step.from), w(step.to), step.amount, nonce(w(step.from))));
        break;
      case 'faucet':
        pending.push(chain.faucet(w(step.to), step.amount, nonce('authority')));
        break;
      case 'register': {
        const reserved: Record<string, bigint> = {};
        for (let i = 0; i < step.reserve; i++) {
          const name = w((step.operator + 1 + i) % WALLETS.length);
          reserved[name] = 10n * COIN;
        }
        const operator = w(step.operator);
        pending.push(
          chain.register(n(step.node), operator, step.stake, {
            fee: step.fee,
            reserved,
            nonce: nonce(operator),
          }),
        );
        break;
      }
      case 'contribute':
        pending.push(chain.contribute(n(step.node), w(step.who), step.amount, nonce(w(step.who))));
        break;
      case 'fill': {
        const target = speculative.nodes.get(chain.address(n(step.node)));
        const room =
          target === undefined ? COIN : speculative.params.stakingRequirement - target.stake;
        pending.push(chain.contribute(n(step.node), w(step.who), room, nonce(w(step.who))));
        break;
      }
      case 'unlock':
        pending.push(chain.unlock(n(step.node), w(step.who), nonce(w(step.who))));
        break;
      case 'proof':
        pending.push(chain.proof(n(step.node), { timestamp: chain.nextTimestamp + step.offset }));
        break;
      case 'state-change':
        pending.push(chain.stateChange(n(step.node), step.change, 'test', nonce('authority')));
        break;
      case 'bad-nonce':
        pending.push(chain.transfer(w(step.from), 'w0', 1n, 1_000));
        break;
      case 'end-block':
        flush(step.skip);
        break;
    }
    const last = pending.at(-1);
    if (step.kind !== 'end-block' && last !== undefined) {
      const at = { height: chain.height + 1, timestamp: chain.nextTimestamp };
      speculative = applyTransaction(speculative, last, crypto, at).state;
    }
  }
  flush(30);
  return chain;
}

describe('determinism and invariants', () => {
  it('hold over random transaction sequences (property)', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 10, maxLength: 80 }), (actions) => {
        const chain = run(actions);
        // Replaying the same blocks on a fresh state gives the same state, block by block.
        let state = createGenesis(chain.genesis, crypto).state;
        for (const block of chain.blocks.slice(1)) state = applyBlock(state, block, crypto).state;
        expect(stateDigest(state, crypto)).toBe(stateDigest(chain.state, crypto));
        expect(state.hash).toBe(chain.state.hash);
      }),
      { numRuns: 40 },
    );
  });

  it('a state never changes once made (every earlier state keeps its digest)', () => {
    const chain = new TestChain(crypto, {
      allocations: Object.fromEntries(WALLETS.map((name) => [name, 200n * COIN])),
    });
    const states = [chain.state];
    const digests = [stateDigest(chain.state, crypto)];
    const steps: Transaction[][] = [
      [chain.register('n0', 'w0', 25n * COIN)],
      [chain.contribute('n0', 'w1', 75n * COIN), chain.proof('n0')],
      [chain.transfer('w2', 'w3', 5n * COIN)],
    ];
    for (const transactions of steps) {
      chain.block(transactions);
      states.push(chain.state);
      digests.push(stateDigest(chain.state, crypto));
    }
    chain.advance(40);
    expect(states.map((state) => stateDigest(state, crypto))).toEqual(digests);
    expect(new Set(digests).size).toBe(digests.length);
  });
});
