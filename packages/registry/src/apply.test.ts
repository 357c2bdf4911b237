import type { MurmurCrypto } from '@murmur/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyBlock, applyTransaction, checkTransaction, minimumContribution } from './apply.js';
import { createBlock } from './block.js';
import { InvalidBlockError } from './errors.js';
import { oxenParams } from './params.js';
import { getNode, nodeHistory, stateDigest, walletInfo } from './queries.js';
import { COIN, TestChain, testCrypto } from './test-support/chain.js';
import { createTransfer } from './transactions.js';
import type {
  RegistryCrypto,
  RejectionReason,
  SigningCrypto,
  Transaction,
  TransactionResult,
} from './types.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await testCrypto();
});

function rich(options: ConstructorParameters<typeof TestChain>[1] = {}): TestChain {
  return new TestChain(crypto, {
    ...options,
    allocations: {
      op: 1_000n * COIN,
      a: 100n * COIN,
      b: 100n * COIN,
      c: 100n * COIN,
      ...options.allocations,
    },
  });
}

function expectRejected(result: TransactionResult | undefined, reason: RejectionReason): void {
  expect(result).toMatchObject({ accepted: false, reason });
  expect((result as { message: string }).message.length).toBeGreaterThan(0);
}

function expectAccepted(result: TransactionResult | undefined): void {
  expect(result).toMatchObject({ accepted: true });
}

describe('the crypto interfaces', () => {
  it('are satisfied by @murmur/crypto', () => {
    const registry: RegistryCrypto = crypto;
    const signing: SigningCrypto = crypto;
    expect(typeof registry.verify).toBe('function');
    expect(typeof signing.sign).toBe('function');
  });
});

describe('transfers', () => {
  it('moves funds and bumps the nonce', () => {
    const chain = rich();
    expectAccepted(chain.submit(chain.transfer('a', 'z', 40n * COIN)));
    expect(walletInfo(chain.state, chain.address('a'))).toMatchObject({
      balance: 60n * COIN,
      nonce: 1,
    });
    expect(walletInfo(chain.state, chain.address('z')).balance).toBe(40n * COIN);
  });

  it('refuses a replay (bad-nonce) and an out-of-order nonce', () => {
    const chain = rich();
    const tx = chain.transfer('a', 'z', COIN);
    expectAccepted(chain.submit(tx));
    expectRejected(chain.submit(tx), 'bad-nonce');
    expectRejected(chain.submit(chain.transfer('a', 'z', COIN, 5)), 'bad-nonce');
    expect(walletInfo(chain.state, chain.address('z')).balance).toBe(COIN);
  });

  it('refuses spending more than the balance, and a double spend in one block', () => {
    const chain = rich();
    expectRejected(chain.submit(chain.transfer('a', 'z', 101n * COIN)), 'insufficient-funds');
    const first = chain.transfer('a', 'y', 80n * COIN, 1);
    const second = chain.transfer('a', 'z', 80n * COIN, 2);
    const [one, two] = chain.block([first, second]);
    expectAccepted(one);
    expectRejected(two, 'insufficient-funds');
    expect(walletInfo(chain.state, chain.address('a'))).toMatchObject({
      balance: 20n * COIN,
      nonce: 1,
    });
    expect(walletInfo(chain.state, chain.address('z')).balance).toBe(0n);
  });

  it('refuses a zero amount', () => {
    const chain = rich();
    expectRejected(chain.submit(chain.transfer('a', 'z', 0n)), 'invalid-amount');
  });

  it('refuses a wrong signature, and one made for another chain', () => {
    const chain = rich();
    const tx = chain.transfer('a', 'z', COIN) as Extract<Transaction, { type: 'transfer' }>;
    const forged = { ...tx, amount: 2n * COIN };
    expectRejected(chain.submit(forged), 'bad-signature');
    const otherChain = createTransfer(
      { chainId: 'another-chain', to: chain.address('z'), amount: COIN, nonce: 1 },
      chain.key('a'),
      crypto,
    );
    expectRejected(chain.submit(otherChain), 'bad-signature');
    const signedByB = { ...tx, signature: (chain.transfer('b', 'z', COIN) as typeof tx).signature };
    expectRejected(chain.submit(signedByB), 'bad-signature');
  });

  it('refuses a transaction that breaks its schema as malformed', () => {
    const chain = rich();
    const tx = chain.transfer('a', 'z', COIN) as Extract<Transaction, { type: 'transfer' }>;
    expectRejected(chain.submit({ ...tx, to: tx.to.toUpperCase() }), 'malformed');
    expectRejected(chain.submit({ ...tx, nonce: -1 }), 'malformed');
  });
});

describe('the faucet', () => {
  it('mints for the authority on a devnet, up to the limit', () => {
    const chain = rich();
    expectAccepted(chain.submit(chain.faucet('z', 500n * COIN)));
    expect(walletInfo(chain.state, chain.address('z')).balance).toBe(500n * COIN);
    expect(chain.state.supply.faucet).toBe(500n * COIN);
    expectRejected(chain.submit(chain.faucet('z', 10_001n * COIN)), 'invalid-amount');
    expectRejected(chain.submit(chain.faucet('z', 0n)), 'invalid-amount');
  });

  it('refuses anyone but the authority', () => {
    const chain = rich();
    const tx = chain.faucet('z', COIN) as Extract<Transaction, { type: 'faucet' }>;
    const byA = chain.transfer('a', 'z', COIN) as Extract<Transaction, { type: 'transfer' }>;
    expectRejected(chain.submit({ ...tx, signature: byA.signature }), 'bad-signature');
  });

  it('is off with the oxen parameters', () => {
    const chain = rich({ params: { ...oxenParams } });
    expectRejected(chain.submit(chain.faucet('z', COIN)), 'faucet-disabled');
  });
});

describe('registration', () => {
  it('locks the operator stake and waits for contributions', () => {
    const chain = rich();
    expectAccepted(chain.submit(chain.register('n1', 'op', 25n * COIN, { fee: 500 })));
    const node = getNode(chain.state, chain.address('n1'));
    expect(node).toMatchObject({
      status: 'awaiting-contributions',
      stake: 25n * COIN,
      operator: chain.address('op'),
      feeBasisPoints: 500,
      registrationHeight: 1,
      activationHeight: 0,
      ip: undefined,
    });
    expect(node?.x25519).toBe(
      Buffer.from(crypto.ed25519PublicKeyToX25519(chain.key('n1').publicKey)).toString('hex'),
    );
    expect(walletInfo(chain.state, chain.address('op'))).toMatchObject({
      balance: 975n * COIN,
      locked: 25n * COIN,
      nonce: 1,
    });
  });

  it('activates at once with the full stake', () => {
    const chain = rich();
    expectAccepted(chain.submit(chain.register('n1', 'op', 100n * COIN)));
    expect(getNode(chain.state, chain.address('n1'))?.status).toBe('active');
  });

  it('needs both signatures', () => {
    const chain = rich();
    const tx = chain.register('n1', 'op', 25n * COIN) as Extract<Transaction, { type: 'register' }>;
    const other = chain.register('n2', 'op', 25n * COIN) as typeof tx;
    expectRejected(chain.submit({ ...tx, nodeSignature: other.nodeSignature }), 'bad-signature');
    expectRejected(chain.submit({ ...tx, operatorSignature: tx.nodeSignature }), 'bad-signature');
    expectAccepted(chain.submit(tx));
  });

  it('refuses a key that is already registered', () => {
    const chain = rich();
    expectAccepted(chain.submit(chain.register('n1', 'op', 25n * COIN)));
    expectRejected(chain.submit(chain.register('n1', 'op', 25n * COIN)), 'already-registered');
  });

  it('refuses an operator stake under 25% or over the requirement, and a fee over 100%', () => {
    const chain = rich();
    expectRejected(
      chain.submit(chain.register('n1', 'op', 25n * COIN - 1n)),
      'operator-stake-too-low',
    );
    expectRejected(chain.submit(chain.register('n1', 'op', 101n * COIN)), 'over-requirement');
    expectRejected(
      chain.submit(chain.register('n1', 'op', 25n * COIN, { fee: 10_001 })),
      'invalid-fee',
    );
    expectAccepted(chain.submit(chain.register('n1', 'op', 25n * COIN, { fee: 10_000 })));
  });

  it('refuses an operator without the funds', () => {
    const chain = rich();
    expectRejected(chain.submit(chain.register('n1', 'a', 100n * COIN + 1n)), 'over-requirement');
    expectRejected(chain.submit(chain.register('n1', 'poor', 25n * COIN)), 'insufficient-funds');
  });

  it('checks reserved spots', () => {
    const chain = rich();
    expectRejected(
      chain.submit(chain.register('n1', 'op', 25n * COIN, { reserved: { op: 10n * COIN } })),
      'invalid-reservation',
    );
    expectRejected(
      chain.submit(chain.register('n1', 'op', 25n * COIN, { reserved: { a: 0n } })),
      'invalid-reservation',
    );
    expectRejected(
      chain.submit(
        chain.register('n1', 'op', 50n * COIN, { reserved: { a: 30n * COIN, b: 30n * COIN } }),
      ),
      'over-requirement',
    );
    const ten: Record<string, bigint> = {};
    for (let i = 0; i < 10; i++) ten[`r${i}`] = COIN;
    expectRejected(
      chain.submit(chain.register('n1', 'op', 25n * COIN, { reserved: ten })),
      'too-many-contributors',
    );
    const nine: Record<string, bigint> = {};
    for (let i = 0; i < 9; i++) nine[`r${i}`] = COIN;
    expectRejected(
      chain.submit(chain.register('n1', 'op', 25n * COIN, { reserved: nine })),
      'invalid-reservation',
    );
    expectAccepted(
      chain.submit(chain.register('n1', 'op', 25n * COIN, { reserved: { a: 30n * COIN } })),
    );
    expect(getNode(chain.state, chain.address('n1'))?.contributions).toEqual([
      { address: chain.address('op'), amount: 25n * COIN, reserved: 0n },
      { address: chain.address('a'), amount: 0n, reserved: 30n * COIN },
    ]);
  });
});

describe('contributions', () => {
  it('need at least remaining / open slots', () => {
    const chain = rich();
    chain.submit(chain.register('n1', 'op', 25n * COIN));
    const node = getNode(chain.state, chain.address('n1'));
    if (node === undefined) throw new Error('no node');
    const minimum = minimumContribution(node, chain.state.params);
    expect(minimum).toBe((75n * COIN + 8n) / 9n);
    expectRejected(
      chain.submit(chain.contribute('n1', 'a', (minimum as bigint) - 1n)),
      'below-minimum-contribution',
    );
    expectAccepted(chain.submit(chain.contribute('n1', 'a', minimum as bigint)));
    expectRejected(chain.submit(chain.contribute('n1', 'b', 76n * COIN)), 'over-requirement');
  });

  it('activate the node in the block that completes the stake, with a swarm', () => {
    const chain = rich();
    chain.submit(chain.register('n1', 'op', 25n * COIN));
    expectAccepted(chain.submit(chain.contribute('n1', 'a', 25n * COIN)));
    expectAccepted(chain.submit(chain.contribute('n1', 'b', 25n * COIN)));
    expect(getNode(chain.state, chain.address('n1'))?.status).toBe('awaiting-contributions');
    expectAccepted(chain.submit(chain.contribute('n1', 'c', 25n * COIN)));
    const node = getNode(chain.state, chain.address('n1'));
    expect(node).toMatchObject({ status: 'active', activationHeight: 4, stake: 100n * COIN });
    expect(node?.swarmId).toBe(0n);
    expectRejected(chain.submit(chain.contribute('n1', 'z', COIN)), 'invalid-node-state');
  });

  it('refuse an 11th contributor', () => {
    const chain = rich({ allocations: { x: 100n * COIN } });
    const reserved: Record<string, bigint> = {};
    for (let i = 0; i < 8; i++) reserved[`r${i}`] = COIN;
    chain.submit(chain.register('n1', 'op', 25n * COIN, { reserved }));
    // Operator + 8 reserved spots + 1 open slot: the 10th contributor fills the open slot.
    expectAccepted(chain.submit(chain.contribute('n1', 'a', 67n * COIN)));
    expect(getNode(chain.state, chain.address('n1'))?.contributions).toHaveLength(10);
    expectRejected(chain.submit(chain.contribute('n1', 'x', COIN)), 'too-many-contributors');
    // A reserved contributor still gets in, with at least its reservation.
    chain.submit(chain.transfer('op', 'r0', 5n * COIN));
    expectRejected(
      chain.submit(chain.contribute('n1', 'r0', COIN - 1n)),
      'below-minimum-contribution',
    );
    expectAccepted(chain.submit(chain.contribute('n1', 'r0', COIN)));
  });

  it('refuse an unknown node and a contributor without the funds', () => {
    const chain = rich();
    expectRejected(chain.submit(chain.contribute('nobody', 'a', 25n * COIN)), 'unknown-node');
    chain.submit(chain.register('n1', 'op', 25n * COIN));
    chain.submit(chain.faucet('z', 10n * COIN));
    expectRejected(chain.submit(chain.contribute('n1', 'z', 25n * COIN)), 'insufficient-funds');
  });

  it('let an existing contributor top up without taking a slot', () => {
    const chain = rich();
    chain.submit(chain.register('n1', 'op', 25n * COIN));
    chain.submit(chain.contribute('n1', 'a', 25n * COIN));
    expectAccepted(chain.submit(chain.contribute('n1', 'a', 25n * COIN)));
    const node = getNode(chain.state, chain.address('n1'));
    expect(node?.contributions).toHaveLength(2);
    expect(node?.contributions[1]?.amount).toBe(50n * COIN);
    expect(walletInfo(chain.state, chain.address('a')).lockedEntries).toHaveLength(1);
  });
});

describe('unlock requests', () => {
  it('on an awaiting node: the operator cancels, a contributor withdraws', () => {
    const chain = rich();
    chain.submit(chain.register('n1', 'op', 25n * COIN, { reserved: { b: 20n * COIN } }));
    chain.submit(chain.contribute('n1', 'a', 20n * COIN));
    chain.submit(chain.contribute('n1', 'b', 20n * COIN));
    expectAccepted(chain.submit(chain.unlock('n1', 'b')));
    let node = getNode(chain.state, chain.address('n1'));
    expect(node?.stake).toBe(45n * COIN);
    expect(node?.contributions[1]).toMatchObject({ amount: 0n, reserved: 20n * COIN });
    expect(walletInfo(chain.state, chain.address('b'))).toMatchObject({
      balance: 100n * COIN,
      locked: 0n,
    });
    expectRejected(chain.submit(chain.unlock('n1', 'b')), 'not-authorised');
    expectAccepted(chain.submit(chain.unlock('n1', 'a')));
    node = getNode(chain.state, chain.address('n1'));
    expect(node?.contributions).toHaveLength(2);
    expectAccepted(chain.submit(chain.unlock('n1', 'op')));
    expect(getNode(chain.state, chain.address('n1'))).toBeUndefined();
    expect(walletInfo(chain.state, chain.address('op'))).toMatchObject({
      balance: 1_000n * COIN,
      locked: 0n,
    });
    expect(nodeHistory(chain.state, chain.address('n1')).map((event) => event.type)).toEqual([
      'registered',
      'contribution',
      'contribution',
      'contribution-withdrawn',
      'contribution-withdrawn',
      'registration-cancelled',
    ]);
    // The key may register again.
    expectAccepted(chain.submit(chain.register('n1', 'op', 25n * COIN)));
  });

  it('on an active node: exit after unlockBlocks, stakes returned', () => {
    const chain = rich();
    chain.submit(chain.register('n1', 'op', 25n * COIN));
    chain.submit(chain.contribute('n1', 'a', 75n * COIN));
    const proofs = () => chain.block([chain.proof('n1')]);
    proofs();
    expectRejected(chain.submit(chain.unlock('n1', 'z')), 'not-authorised');
    expectAccepted(chain.submit(chain.unlock('n1', 'a')));
    const unlockHeight = chain.height + chain.state.params.unlockBlocks;
    expect(getNode(chain.state, chain.address('n1'))?.requestedUnlockHeight).toBe(unlockHeight);
    expect(walletInfo(chain.state, chain.address('a')).lockedEntries[0]).toMatchObject({
      kind: 'unlocking',
      releaseHeight: unlockHeight,
    });
    expectRejected(chain.submit(chain.unlock('n1', 'op')), 'already-unlocking');
    while (chain.height < unlockHeight - 1) {
      chain.block(chain.height % 3 === 0 ? [chain.proof('n1')] : []);
    }
    expect(getNode(chain.state, chain.address('n1'))?.status).toBe('active');
    chain.block();
    expect(getNode(chain.state, chain.address('n1'))).toBeUndefined();
    expect(walletInfo(chain.state, chain.address('a')).locked).toBe(0n);
    expect(walletInfo(chain.state, chain.address('a')).balance).toBeGreaterThanOrEqual(100n * COIN);
    expect(chain.state.swarmAssignment.size).toBe(0);
    expect(nodeHistory(chain.state, chain.address('n1')).at(-1)).toMatchObject({
      type: 'exited',
      height: unlockHeight,
    });
  });
});

describe('uptime proofs', () => {
  function activeChain(): TestChain {
    const chain = rich();
    chain.submit(chain.register('n1', 'op', 100n * COIN));
    return chain;
  }

  it('set the address and ports the node is listed with', () => {
    const chain = activeChain();
    expect(getNode(chain.state, chain.address('n1'))?.ip).toBeUndefined();
    expectAccepted(chain.submit(chain.proof('n1', { ip: '10.1.2.3', storagePort: 1234 })));
    expect(getNode(chain.state, chain.address('n1'))).toMatchObject({
      ip: '10.1.2.3',
      storagePort: 1234,
      relayPort: 22_022,
      version: [1, 2, 3],
      lastUptimeProofAt: chain.timestamp,
    });
  });

  it('are accepted from a node awaiting contributions, refused from an unknown one', () => {
    const chain = rich();
    chain.submit(chain.register('n1', 'op', 25n * COIN));
    expectAccepted(chain.submit(chain.proof('n1')));
    expectRejected(chain.submit(chain.proof('n2')), 'unknown-node');
  });

  it('refuse replays, proofs too soon, and timestamps off the block', () => {
    const chain = activeChain();
    const proof = chain.proof('n1');
    expectAccepted(chain.submit(proof));
    expectRejected(chain.submit(proof), 'stale-uptime-proof');
    expectRejected(
      chain.submit(chain.proof('n1', { timestamp: chain.nextTimestamp - 2_000 })),
      'stale-uptime-proof',
    );
    const last = getNode(chain.state, chain.address('n1'))?.lastUptimeProofAt as number;
    expectRejected(
      chain.submit(chain.proof('n1', { timestamp: last + 2_000 })),
      'uptime-proof-too-soon',
    );
    const tolerance = chain.state.params.uptimeProofTimestampToleranceMs;
    expectRejected(
      chain.submit(chain.proof('n1', { timestamp: chain.nextTimestamp + tolerance + 1 })),
      'bad-timestamp',
    );
    expectAccepted(chain.submit(chain.proof('n1', { timestamp: chain.nextTimestamp + tolerance })));
  });

  it('refuse a bad signature', () => {
    const chain = activeChain();
    const proof = chain.proof('n1') as Extract<Transaction, { type: 'uptime-proof' }>;
    expectRejected(chain.submit({ ...proof, storagePort: 1 }), 'bad-signature');
  });

  it('refuse unusable addresses, and private ones where a public address is required', () => {
    const chain = activeChain();
    expectRejected(chain.submit(chain.proof('n1', { ip: '0.0.0.0' })), 'invalid-address');
    expectRejected(chain.submit(chain.proof('n1', { ip: '224.0.0.1' })), 'invalid-address');
    expectRejected(chain.submit(chain.proof('n1', { ip: '1.2.3.4.5' })), 'invalid-address');
    expectRejected(chain.submit(chain.proof('n1', { ip: '01.2.3.4' })), 'invalid-address');
    const oxenLike = rich({ params: { requirePublicIp: true } });
    oxenLike.submit(oxenLike.register('n1', 'op', 100n * COIN));
    expectRejected(oxenLike.submit(oxenLike.proof('n1', { ip: '192.168.1.2' })), 'invalid-address');
    expectAccepted(oxenLike.submit(oxenLike.proof('n1', { ip: '93.184.216.34' })));
  });
});

describe('state changes', () => {
  it('decommission, recommission and deregister with the reason, by the authority only', () => {
    const chain = rich();
    chain.submit(chain.register('n1', 'op', 100n * COIN));
    chain.submit(chain.proof('n1'));
    const decommission = chain.stateChange('n1', 'decommission', 'failed a reachability test');
    const forged = {
      ...(decommission as Extract<Transaction, { type: 'state-change' }>),
      signature: (chain.transfer('a', 'z', COIN) as Extract<Transaction, { type: 'transfer' }>)
        .signature,
    };
    expectRejected(chain.submit(forged), 'bad-signature');
    expectRejected(chain.submit(chain.stateChange('n1', 'recommission')), 'invalid-state-change');
    expectAccepted(chain.submit(decommission));
    expect(getNode(chain.state, chain.address('n1'))).toMatchObject({
      status: 'decommissioned',
      swarmId: 0xffff_ffff_ffff_ffffn,
    });
    expect(chain.state.swarmAssignment.size).toBe(0);
    expectRejected(chain.submit(chain.stateChange('n1', 'decommission')), 'invalid-state-change');
    expectAccepted(chain.submit(chain.stateChange('n1', 'recommission', 'passed again')));
    expect(getNode(chain.state, chain.address('n1'))?.status).toBe('active');
    expectAccepted(chain.submit(chain.stateChange('n1', 'deregister', 'cheating')));
    expect(getNode(chain.state, chain.address('n1'))).toBeUndefined();
    expectRejected(chain.submit(chain.stateChange('n1', 'deregister')), 'unknown-node');
    const reasons = nodeHistory(chain.state, chain.address('n1'))
      .filter((event) => event.reason !== undefined)
      .map((event) => [event.type, event.reason]);
    expect(reasons).toEqual([
      ['decommissioned', 'failed a reachability test'],
      ['recommissioned', 'passed again'],
      ['deregistered', 'cheating'],
    ]);
  });

  it('an authority decommission is not undone by an uptime proof', () => {
    const chain = rich();
    chain.submit(chain.register('n1', 'op', 100n * COIN));
    chain.submit(chain.proof('n1'));
    chain.submit(chain.stateChange('n1', 'decommission', 'misbehaving'));
    expect(getNode(chain.state, chain.address('n1'))?.decommissionedBy).toBe('authority');
    chain.advance(3);
    expectAccepted(chain.submit(chain.proof('n1', { ip: '10.9.9.9' })));
    expect(getNode(chain.state, chain.address('n1'))).toMatchObject({
      status: 'decommissioned',
      ip: '10.9.9.9',
    });
    expectAccepted(chain.submit(chain.stateChange('n1', 'recommission', 'fixed')));
    expect(getNode(chain.state, chain.address('n1'))).toMatchObject({
      status: 'active',
      decommissionedBy: undefined,
    });
  });

  it('cannot deregister a node that is not active yet', () => {
    const chain = rich();
    chain.submit(chain.register('n1', 'op', 25n * COIN));
    expectRejected(chain.submit(chain.stateChange('n1', 'deregister')), 'invalid-state-change');
  });

  it('carry the authority nonce (a replayed state change is refused)', () => {
    const chain = rich();
    chain.submit(chain.register('n1', 'op', 100n * COIN));
    const tx = chain.stateChange('n1', 'decommission');
    expectAccepted(chain.submit(tx));
    chain.submit(chain.stateChange('n1', 'recommission'));
    expectRejected(chain.submit(tx), 'bad-nonce');
  });
});

describe('blocks', () => {
  it('are refused whole when the header is wrong', () => {
    const chain = rich();
    const tx = chain.transfer('a', 'z', COIN);
    const good = chain.makeBlock([tx]);
    const expectBlockError = (block: typeof good, reason: string, state = chain.state) => {
      let caught: unknown;
      try {
        applyBlock(state, block, crypto);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidBlockError);
      expect((caught as InvalidBlockError).reason).toBe(reason);
      expect((caught as InvalidBlockError).code).toBe('INVALID_BLOCK');
    };
    expectBlockError({ ...good, height: 5 }, 'bad-height');
    expectBlockError(
      createBlock(
        { height: 1, previousHash: 'ab'.repeat(32), timestamp: good.timestamp, transactions: [] },
        crypto,
      ),
      'bad-previous-hash',
    );
    expectBlockError(
      createBlock(
        {
          height: 1,
          previousHash: chain.state.hash,
          timestamp: chain.timestamp,
          transactions: [],
        },
        crypto,
      ),
      'bad-timestamp',
    );
    expectBlockError({ ...good, hash: 'cd'.repeat(32) }, 'bad-hash');
    expectBlockError({ ...good, transactions: [] }, 'bad-hash');
    expectBlockError(
      { ...good, transactions: [{ ...tx, amount: 5 } as unknown as Transaction] },
      'malformed',
    );
    const small = rich({ params: { maxTransactionsPerBlock: 1 } });
    expectBlockError(small.makeBlock([tx, tx]), 'too-many-transactions', small.state);
    expect(chain.height).toBe(0);
  });

  it('never mutate the state they are applied to', () => {
    const chain = rich();
    chain.submit(chain.register('n1', 'op', 25n * COIN));
    const before = chain.state;
    const digest = stateDigest(before, crypto);
    chain.block([
      chain.contribute('n1', 'a', 75n * COIN),
      chain.transfer('b', 'z', COIN),
      chain.proof('n1'),
    ]);
    expect(stateDigest(before, crypto)).toBe(digest);
    expect(getNode(before, chain.address('n1'))?.status).toBe('awaiting-contributions');
    expect(walletInfo(before, chain.address('z')).balance).toBe(0n);
    expect(before.swarmAssignment.size).toBe(0);
  });

  it('apply nothing of a refused transaction', () => {
    const chain = rich();
    chain.submit(chain.register('n1', 'op', 25n * COIN));
    const before = chain.state;
    // Everything in this block is refused: only the block's own fields may differ.
    const results = chain.block([
      chain.contribute('n1', 'a', COIN),
      chain.transfer('a', 'z', 1_000n * COIN),
      chain.register('n1', 'op', 25n * COIN),
    ]);
    expect(results.map((result) => result.accepted)).toEqual([false, false, false]);
    expect(chain.state.wallets).toBe(before.wallets);
    expect(chain.state.nodes).toBe(before.nodes);
    expect(chain.state.history).toBe(before.history);
  });
});

describe('checkTransaction and applyTransaction', () => {
  it('give the answers a block would', () => {
    const chain = rich();
    const at = { height: chain.height + 1, timestamp: chain.nextTimestamp };
    const first = chain.transfer('a', 'z', 60n * COIN, 1);
    const second = chain.transfer('a', 'z', 60n * COIN, 2);
    expect(checkTransaction(chain.state, first, crypto, at)).toMatchObject({ accepted: true });
    const pending = applyTransaction(chain.state, first, crypto, at);
    expect(pending.state.height).toBe(chain.height);
    expectRejected(checkTransaction(pending.state, second, crypto, at), 'insufficient-funds');
    expectRejected(checkTransaction(pending.state, first, crypto, at), 'bad-nonce');
    const [inBlock, secondInBlock] = chain.block([first, second], at.timestamp);
    expect(inBlock).toEqual({ id: pending.result.id, accepted: true });
    expectRejected(secondInBlock, 'insufficient-funds');
    expect(
      checkTransaction(chain.state, { type: 'transfer' } as unknown as Transaction, crypto, at),
    ).toMatchObject({ accepted: false, reason: 'malformed', id: '' });
  });
});
