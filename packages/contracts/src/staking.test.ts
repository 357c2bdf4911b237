/**
 * MurmurStaking and MurmurStakeToken on a real anvil: one test per rule and per refusal.
 * Each test starts from the same snapshot (deployed contracts, nothing registered).
 */
import {
  type Account,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  decodeEventLog,
  encodeFunctionData,
  type Hex,
  type Log,
  type Transport,
  type WalletClient,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { foundry } from 'viem/chains';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  murmurStakeTokenAbi,
  murmurStakingAbi,
  reentrantStakeTokenAbi,
  reentrantStakeTokenBytecode,
} from './artifacts.js';
import { deployMurmurRegistry, NodeStatus, REASON_FAILED_UPTIME } from './index.js';
import { COIN, startTestChain, TEST_DEPLOY, type TestChain } from './test-support/chain.js';

type Wallet = WalletClient<Transport, typeof foundry, Account>;

let chain: TestChain;
let snapshot: Hex;

beforeAll(async () => {
  chain = await startTestChain();
  snapshot = await chain.test.snapshot();
});
afterAll(async () => {
  await chain?.stop();
});
beforeEach(async () => {
  await chain.test.revert({ id: snapshot });
  snapshot = await chain.test.snapshot();
});

const REQUIREMENT = TEST_DEPLOY.stakingRequirement;

/** A distinct fake key (the contract stores keys; followers check them). */
function key(n: number): Hex {
  return `0x${n.toString(16).padStart(64, '0')}`;
}

interface NodeInput {
  ed25519?: Hex;
  x25519?: Hex;
  attestation?: Address;
  ed25519Signature?: Hex;
  feeBasisPoints?: number;
  ipv4?: number;
  storagePort?: number;
  relayPort?: number;
}

let keyCounter = 1;
function nodeParams(input: NodeInput = {}) {
  const n = keyCounter++;
  return {
    ed25519: input.ed25519 ?? key(n),
    x25519: input.x25519 ?? key(1_000_000 + n),
    attestation: input.attestation ?? privateKeyToAccount(generatePrivateKey()).address,
    ed25519Signature: input.ed25519Signature ?? (`0x${'ab'.repeat(64)}` as Hex),
    feeBasisPoints: input.feeBasisPoints ?? 500,
    ipv4: input.ipv4 ?? 0x7f000001,
    storagePort: input.storagePort ?? 22_021,
    relayPort: input.relayPort ?? 22_022,
  };
}

async function send(wallet: Wallet, functionName: string, args: readonly unknown[]) {
  const hash = await wallet.writeContract({
    address: chain.staking,
    abi: murmurStakingAbi,
    functionName: functionName as never,
    args: args as never,
  });
  const receipt = await chain.client.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe('success');
  return receipt;
}

function events(logs: readonly Log[]) {
  return logs
    .filter((log) => log.address.toLowerCase() === chain.staking.toLowerCase())
    .map((log) => decodeEventLog({ abi: murmurStakingAbi, data: log.data, topics: log.topics }));
}

async function expectRevert(promise: Promise<unknown>, errorName: string): Promise<unknown[]> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (!(reverted instanceof ContractFunctionRevertedError)) throw error;
    expect(reverted.data?.errorName).toBe(errorName);
    return [...(reverted.data?.args ?? [])];
  }
  throw new Error(`expected a revert with ${errorName}, but the call succeeded`);
}

async function register(wallet: Wallet, amount: bigint, input: NodeInput = {}) {
  const params = nodeParams(input);
  const receipt = await send(wallet, 'registerNode', [params, amount]);
  const registered = events(receipt.logs).find((event) => event.eventName === 'NodeRegistered');
  if (registered === undefined) throw new Error('no NodeRegistered event');
  const id = (registered.args as { id: bigint }).id;
  return { id, params, receipt };
}

async function node(id: bigint) {
  return chain.client.readContract({
    address: chain.staking,
    abi: murmurStakingAbi,
    functionName: 'getNode',
    args: [id],
  });
}

async function read<T>(functionName: string, args: readonly unknown[] = []): Promise<T> {
  return (await chain.client.readContract({
    address: chain.staking,
    abi: murmurStakingAbi,
    functionName: functionName as never,
    args: args as never,
  })) as T;
}

async function balance(address: Address): Promise<bigint> {
  return chain.client.readContract({
    address: chain.token,
    abi: murmurStakeTokenAbi,
    functionName: 'balanceOf',
    args: [address],
  });
}

describe('the stake token', () => {
  it('lets the owner mint and nobody else', async () => {
    const alice = await chain.newStaker(5n * COIN);
    expect(await balance(alice.account.address)).toBe(5n * COIN);
    await expectRevert(
      alice.writeContract({
        address: chain.token,
        abi: murmurStakeTokenAbi,
        functionName: 'mint',
        args: [alice.account.address, 1n],
      }),
      'NotOwner',
    );
  });

  it('refuses a transfer over the balance and a transferFrom over the allowance', async () => {
    const alice = await chain.newStaker(5n * COIN);
    const bob = await chain.newStaker(0n);
    await expectRevert(
      alice.writeContract({
        address: chain.token,
        abi: murmurStakeTokenAbi,
        functionName: 'transfer',
        args: [bob.account.address, 6n * COIN],
      }),
      'InsufficientBalance',
    );
    await expectRevert(
      bob.writeContract({
        address: chain.token,
        abi: murmurStakeTokenAbi,
        functionName: 'transferFrom',
        args: [alice.account.address, bob.account.address, 1n],
      }),
      'InsufficientAllowance',
    );
  });
});

describe('registration', () => {
  it('a solo node with the whole requirement is active at once, and its stake is escrowed', async () => {
    const operator = await chain.newStaker();
    const before = await balance(operator.account.address);
    const { id, params, receipt } = await register(operator, REQUIREMENT);
    expect(events(receipt.logs).map((event) => event.eventName)).toEqual([
      'NodeRegistered',
      'NodeAddressUpdated',
      'NodeActivated',
    ]);
    const stored = await node(id);
    expect(stored.status).toBe(NodeStatus.Active);
    expect(stored.ed25519).toBe(params.ed25519);
    expect(stored.operator).toBe(operator.account.address);
    expect(stored.stake).toBe(REQUIREMENT);
    expect(await read<bigint>('activeNodeCount')).toBe(1n);
    expect(await read<bigint>('nodeIdOfEd25519', [params.ed25519])).toBe(id);
    expect(await balance(operator.account.address)).toBe(before - REQUIREMENT);
    expect(await balance(chain.staking)).toBe(REQUIREMENT);
  });

  it('the operator needs at least 25% of the requirement, rounded up', async () => {
    const operator = await chain.newStaker();
    expect(await read<bigint>('minimumOperatorStake')).toBe(REQUIREMENT / 4n);
    const args = await expectRevert(
      operator.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'registerNode',
        args: [nodeParams(), REQUIREMENT / 4n - 1n],
      }),
      'InsufficientOperatorContribution',
    );
    expect(args).toEqual([REQUIREMENT / 4n, REQUIREMENT / 4n - 1n]);
    const { id } = await register(operator, REQUIREMENT / 4n);
    expect((await node(id)).status).toBe(NodeStatus.AwaitingContributions);
  });

  it('refuses more than the requirement', async () => {
    const operator = await chain.newStaker();
    await expectRevert(
      operator.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'registerNode',
        args: [nodeParams(), REQUIREMENT + 1n],
      }),
      'ExceedsRequirement',
    );
  });

  it('refuses malformed registrations: null keys, no attestation key, bad signature length, fee, ports', async () => {
    const operator = await chain.newStaker();
    const attempt = (input: NodeInput) =>
      operator.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'registerNode',
        args: [nodeParams(input), REQUIREMENT],
      });
    await expectRevert(attempt({ ed25519: key(0) }), 'NullKey');
    await expectRevert(attempt({ x25519: key(0) }), 'NullKey');
    await expectRevert(
      attempt({ attestation: '0x0000000000000000000000000000000000000000' }),
      'ZeroAddress',
    );
    await expectRevert(
      attempt({ ed25519Signature: `0x${'ab'.repeat(63)}` }),
      'InvalidSignatureLength',
    );
    await expectRevert(attempt({ feeBasisPoints: 10_001 }), 'FeeTooHigh');
    await expectRevert(attempt({ storagePort: 0 }), 'InvalidPort');
    await expectRevert(attempt({ relayPort: 0 }), 'InvalidPort');
  });

  it('refuses an Ed25519 key or an attestation key that is already registered', async () => {
    const operator = await chain.newStaker();
    const { id, params } = await register(operator, REQUIREMENT);
    const again = (input: NodeInput) =>
      operator.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'registerNode',
        args: [nodeParams(input), REQUIREMENT],
      });
    expect(
      await expectRevert(again({ ed25519: params.ed25519 }), 'Ed25519KeyAlreadyRegistered'),
    ).toEqual([id]);
    expect(
      await expectRevert(
        again({ attestation: params.attestation }),
        'AttestationKeyAlreadyRegistered',
      ),
    ).toEqual([id]);
  });

  it('the owner changes the requirement for new registrations; registered nodes keep theirs', async () => {
    const operator = await chain.newStaker(10_000n * COIN);
    const { id } = await register(operator, REQUIREMENT / 4n);
    const receipt = await send(chain.deployer, 'setStakingRequirement', [200n * COIN]);
    expect(events(receipt.logs)).toMatchObject([
      {
        eventName: 'StakingRequirementUpdated',
        args: { previous: REQUIREMENT, requirement: 200n * COIN },
      },
    ]);
    expect((await node(id)).requirement).toBe(REQUIREMENT);
    await expectRevert(
      operator.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'registerNode',
        args: [nodeParams(), 49n * COIN],
      }),
      'InsufficientOperatorContribution',
    );
    const later = await register(operator, 50n * COIN);
    expect((await node(later.id)).requirement).toBe(200n * COIN);
    // The old node still activates at the old requirement.
    const contributor = await chain.newStaker();
    await send(contributor, 'contribute', [id, REQUIREMENT - REQUIREMENT / 4n]);
    expect((await node(id)).status).toBe(NodeStatus.Active);
  });

  it('refuses a requirement change by anyone but the owner, and a zero requirement', async () => {
    const stranger = await chain.newStaker();
    await expectRevert(
      stranger.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'setStakingRequirement',
        args: [1n],
      }),
      'NotOwner',
    );
    await expectRevert(
      chain.deployer.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'setStakingRequirement',
        args: [0n],
      }),
      'ZeroAmount',
    );
    await send(chain.deployer, 'transferOwnership', [stranger.account.address]);
    await send(stranger, 'setStakingRequirement', [7n]);
    expect(await read<bigint>('stakingRequirement')).toBe(7n);
  });

  it('the operator moves its node; nobody else can', async () => {
    const operator = await chain.newStaker();
    const stranger = await chain.newStaker();
    const { id } = await register(operator, REQUIREMENT);
    const receipt = await send(operator, 'updateAddress', [id, 0x01020304, 1_000, 1_001]);
    expect(events(receipt.logs)).toMatchObject([
      {
        eventName: 'NodeAddressUpdated',
        args: { id, ipv4: 0x01020304, storagePort: 1_000, relayPort: 1_001 },
      },
    ]);
    await expectRevert(
      stranger.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'updateAddress',
        args: [id, 1, 1, 1],
      }),
      'NotOperator',
    );
    await expectRevert(
      operator.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'updateAddress',
        args: [id, 1, 0, 1],
      }),
      'InvalidPort',
    );
    await expectRevert(
      operator.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'updateAddress',
        args: [99n, 1, 1, 1],
      }),
      'UnknownNode',
    );
  });
});

describe('pooled contributions', () => {
  it('ten contributors fill the stake exactly, each at least the open room over the open slots', async () => {
    const operator = await chain.newStaker();
    const { id } = await register(operator, REQUIREMENT / 4n);
    let room = REQUIREMENT - REQUIREMENT / 4n;
    for (let slots = 9n; slots >= 1n; slots--) {
      const minimum = (room + slots - 1n) / slots;
      expect(await read<bigint>('minimumContribution', [id])).toBe(minimum);
      const contributor = await chain.newStaker();
      if (minimum > 1n) {
        await expectRevert(
          contributor.writeContract({
            address: chain.staking,
            abi: murmurStakingAbi,
            functionName: 'contribute',
            args: [id, minimum - 1n],
          }),
          'BelowMinimumContribution',
        );
      }
      const receipt = await send(contributor, 'contribute', [id, minimum]);
      room -= minimum;
      const names = events(receipt.logs).map((event) => event.eventName);
      expect(names).toEqual(slots === 1n ? ['Contributed', 'NodeActivated'] : ['Contributed']);
    }
    expect(room).toBe(0n);
    const stored = await node(id);
    expect(stored.status).toBe(NodeStatus.Active);
    const contributions = await read<readonly { staker: Address; amount: bigint }[]>(
      'getContributions',
      [id],
    );
    expect(contributions).toHaveLength(10);
    expect(contributions.reduce((sum, entry) => sum + entry.amount, 0n)).toBe(REQUIREMENT);
    expect(await balance(chain.staking)).toBe(REQUIREMENT);
    // An eleventh is refused: the node is full and active.
    const late = await chain.newStaker();
    await expectRevert(
      late.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'contribute',
        args: [id, COIN],
      }),
      'NodeNotAwaitingContributions',
    );
  });

  it('refuses overfunding, zero, and unknown nodes; a contributor may top up', async () => {
    const operator = await chain.newStaker();
    const alice = await chain.newStaker();
    const { id } = await register(operator, 50n * COIN);
    await expectRevert(
      alice.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'contribute',
        args: [id, 50n * COIN + 1n],
      }),
      'ExceedsRequirement',
    );
    await expectRevert(
      alice.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'contribute',
        args: [id, 0n],
      }),
      'ZeroAmount',
    );
    await expectRevert(
      alice.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'contribute',
        args: [77n, COIN],
      }),
      'UnknownNode',
    );
    await send(alice, 'contribute', [id, 20n * COIN]);
    await send(operator, 'contribute', [id, 10n * COIN]);
    await send(alice, 'contribute', [id, 20n * COIN]);
    const contributions = await read<readonly { staker: Address; amount: bigint }[]>(
      'getContributions',
      [id],
    );
    expect(contributions).toEqual([
      { staker: operator.account.address, amount: 60n * COIN },
      { staker: alice.account.address, amount: 40n * COIN },
    ]);
    expect((await node(id)).status).toBe(NodeStatus.Active);
  });

  it('before activation a contributor takes its contribution back, keeping the order of the others', async () => {
    const operator = await chain.newStaker();
    const [alice, bob] = [await chain.newStaker(), await chain.newStaker()];
    const { id } = await register(operator, 25n * COIN);
    await send(alice, 'contribute', [id, 10n * COIN]);
    await send(bob, 'contribute', [id, 10n * COIN]);
    const before = await balance(alice.account.address);
    const receipt = await send(alice, 'withdrawContribution', [id]);
    expect(events(receipt.logs)).toMatchObject([
      {
        eventName: 'ContributionWithdrawn',
        args: { id, staker: alice.account.address, amount: 10n * COIN },
      },
    ]);
    expect(await balance(alice.account.address)).toBe(before + 10n * COIN);
    const contributions = await read<readonly { staker: Address }[]>('getContributions', [id]);
    expect(contributions.map((entry) => entry.staker)).toEqual([
      operator.account.address,
      bob.account.address,
    ]);
    expect((await node(id)).stake).toBe(35n * COIN);
    await expectRevert(
      alice.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'withdrawContribution',
        args: [id],
      }),
      'NotContributor',
    );
  });

  it("the operator's withdrawal cancels the registration and refunds everyone; the key is free again", async () => {
    const operator = await chain.newStaker();
    const alice = await chain.newStaker();
    const { id, params } = await register(operator, 25n * COIN);
    await send(alice, 'contribute', [id, 10n * COIN]);
    const [operatorBefore, aliceBefore] = [
      await balance(operator.account.address),
      await balance(alice.account.address),
    ];
    const receipt = await send(operator, 'withdrawContribution', [id]);
    expect(events(receipt.logs)).toMatchObject([
      { eventName: 'RegistrationCancelled', args: { id, refunded: 35n * COIN } },
    ]);
    expect(await balance(operator.account.address)).toBe(operatorBefore + 25n * COIN);
    expect(await balance(alice.account.address)).toBe(aliceBefore + 10n * COIN);
    expect((await node(id)).status).toBe(NodeStatus.None);
    expect(await read<readonly bigint[]>('listedNodeIds')).toEqual([]);
    await register(operator, REQUIREMENT, {
      ed25519: params.ed25519,
      attestation: params.attestation,
    });
  });

  it('refuses a withdrawal once the node is active', async () => {
    const operator = await chain.newStaker();
    const { id } = await register(operator, REQUIREMENT);
    await expectRevert(
      operator.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'withdrawContribution',
        args: [id],
      }),
      'NodeNotAwaitingContributions',
    );
  });
});

describe('exit', () => {
  it('a contributor asks, the delay passes in time (not blocks), anyone completes it and every stake returns', async () => {
    const operator = await chain.newStaker();
    const alice = await chain.newStaker();
    const stranger = await chain.newStaker();
    const { id, params } = await register(operator, 60n * COIN);
    await send(alice, 'contribute', [id, 40n * COIN]);
    const [operatorBefore, aliceBefore] = [
      await balance(operator.account.address),
      await balance(alice.account.address),
    ];
    const requested = await send(alice, 'requestExit', [id]);
    const block = await chain.client.getBlock({ blockNumber: requested.blockNumber });
    const exitableAt = block.timestamp + TEST_DEPLOY.exitDelay;
    expect(events(requested.logs)).toMatchObject([
      { eventName: 'ExitRequested', args: { id, staker: alice.account.address, exitableAt } },
    ]);
    // Many blocks but no time: still too early.
    await chain.test.mine({ blocks: 500, interval: 0 });
    await expectRevert(
      stranger.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'exit',
        args: [id],
      }),
      'ExitTooEarly',
    );
    expect((await node(id)).status).toBe(NodeStatus.Active);
    await chain.advance(Number(TEST_DEPLOY.exitDelay));
    const exited = await send(stranger, 'exit', [id]);
    expect(events(exited.logs)).toMatchObject([
      {
        eventName: 'NodeExited',
        args: { id, caller: stranger.account.address, returned: REQUIREMENT },
      },
    ]);
    expect(await balance(operator.account.address)).toBe(operatorBefore + 60n * COIN);
    expect(await balance(alice.account.address)).toBe(aliceBefore + 40n * COIN);
    expect(await balance(chain.staking)).toBe(0n);
    expect(await read<bigint>('activeNodeCount')).toBe(0n);
    expect(await read<bigint>('nodeIdOfEd25519', [params.ed25519])).toBe(0n);
  });

  it('refuses an exit that was not requested, and a request from a non-contributor or on a node not active', async () => {
    const operator = await chain.newStaker();
    const stranger = await chain.newStaker();
    const { id } = await register(operator, REQUIREMENT);
    const pending = await register(operator, 25n * COIN);
    await expectRevert(
      stranger.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'exit',
        args: [id],
      }),
      'ExitNotRequested',
    );
    await expectRevert(
      stranger.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'requestExit',
        args: [id],
      }),
      'NotContributor',
    );
    await expectRevert(
      operator.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'requestExit',
        args: [pending.id],
      }),
      'NodeNotActive',
    );
    await expectRevert(
      operator.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'exit',
        args: [pending.id],
      }),
      'NodeNotActive',
    );
    await expectRevert(
      operator.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'requestExit',
        args: [50n],
      }),
      'UnknownNode',
    );
  });

  it('a request can be re-sent an hour later; it re-emits the event and keeps the first deadline', async () => {
    const operator = await chain.newStaker();
    const { id } = await register(operator, REQUIREMENT);
    const first = await send(operator, 'requestExit', [id]);
    const [firstEvent] = events(first.logs) as unknown as [{ args: { exitableAt: bigint } }];
    await expectRevert(
      operator.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'requestExit',
        args: [id],
      }),
      'ExitRequestTooSoon',
    );
    await chain.advance(3_600);
    const second = await send(operator, 'requestExit', [id]);
    expect(events(second.logs)).toMatchObject([
      { eventName: 'ExitRequested', args: { id, exitableAt: firstEvent.args.exitableAt } },
    ]);
  });
});

describe('deregistration by a quorum', () => {
  interface Staked {
    id: bigint;
    attestationKey: Hex;
  }

  async function activeNodes(count: number): Promise<Staked[]> {
    const operator = await chain.newStaker(10_000n * COIN);
    const nodes: Staked[] = [];
    for (let i = 0; i < count; i++) {
      const attestationKey = generatePrivateKey();
      const { id } = await register(operator, REQUIREMENT, {
        attestation: privateKeyToAccount(attestationKey).address,
      });
      nodes.push({ id, attestationKey });
    }
    return nodes;
  }

  async function sign(
    signers: readonly Staked[],
    target: bigint,
    timestamp: bigint,
    reason = REASON_FAILED_UPTIME,
  ) {
    const digest = await read<Hex>('deregistrationDigest', [target, reason, timestamp]);
    return Promise.all(
      signers.map((signer) => privateKeyToAccount(signer.attestationKey).sign({ hash: digest })),
    );
  }

  async function now(): Promise<bigint> {
    return (await chain.client.getBlock()).timestamp;
  }

  function deregister(
    wallet: Wallet,
    target: bigint,
    timestamp: bigint,
    ids: readonly bigint[],
    signatures: readonly Hex[],
    reason = REASON_FAILED_UPTIME,
  ) {
    return wallet.writeContract({
      address: chain.staking,
      abi: murmurStakingAbi,
      functionName: 'deregister',
      args: [target, reason, timestamp, ids, signatures],
    });
  }

  it('two thirds of the active nodes remove one; its stake stays locked, then returns', async () => {
    const nodes = await activeNodes(4);
    const [a, b, c, d] = nodes as [Staked, Staked, Staked, Staked];
    expect(await read<bigint>('quorumSize')).toBe(3n);
    await chain.advance(Number(TEST_DEPLOY.minimumNodeAge));
    const submitter = await chain.newStaker();
    const timestamp = await now();
    const signatures = await sign([a, b, c], d.id, timestamp);
    const hash = await deregister(submitter, d.id, timestamp, [a.id, b.id, c.id], signatures);
    const receipt = await chain.client.waitForTransactionReceipt({ hash });
    expect(events(receipt.logs)).toMatchObject([
      {
        eventName: 'NodeDeregistered',
        args: { id: d.id, reason: REASON_FAILED_UPTIME, signers: 3n },
      },
    ]);
    expect((await node(d.id)).status).toBe(NodeStatus.Deregistered);
    expect(await read<bigint>('activeNodeCount')).toBe(3n);
    const operator = (await node(d.id)).operator;
    await expectRevert(
      submitter.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'releaseDeregisteredStake',
        args: [d.id],
      }),
      'StakeStillLocked',
    );
    await chain.advance(Number(TEST_DEPLOY.deregistrationLock));
    const before = await balance(operator);
    const released = await send(submitter, 'releaseDeregisteredStake', [d.id]);
    expect(events(released.logs)).toMatchObject([
      { eventName: 'DeregisteredStakeReleased', args: { id: d.id, returned: REQUIREMENT } },
    ]);
    expect(await balance(operator)).toBe(before + REQUIREMENT);
    await expectRevert(
      submitter.writeContract({
        address: chain.staking,
        abi: murmurStakingAbi,
        functionName: 'releaseDeregisteredStake',
        args: [d.id],
      }),
      'NotDeregistered',
    );
  });

  it('refuses a node younger than the minimum age, and an expired decision', async () => {
    const nodes = await activeNodes(4);
    const [a, b, c, d] = nodes as [Staked, Staked, Staked, Staked];
    const submitter = await chain.newStaker();
    let timestamp = await now();
    await expectRevert(
      deregister(
        submitter,
        d.id,
        timestamp,
        [a.id, b.id, c.id],
        await sign([a, b, c], d.id, timestamp),
      ),
      'NodeTooYoung',
    );
    await chain.advance(Number(TEST_DEPLOY.minimumNodeAge));
    timestamp = (await now()) - TEST_DEPLOY.signatureExpiry - 10n;
    await expectRevert(
      deregister(
        submitter,
        d.id,
        timestamp,
        [a.id, b.id, c.id],
        await sign([a, b, c], d.id, timestamp),
      ),
      'SignatureExpired',
    );
  });

  it('refuses too few signers, unordered or repeated ids, the target signing, a signer not active', async () => {
    const nodes = await activeNodes(4);
    const [a, b, c, d] = nodes as [Staked, Staked, Staked, Staked];
    const operator = await chain.newStaker();
    const pendingKey = generatePrivateKey();
    const pending = await register(operator, 25n * COIN, {
      attestation: privateKeyToAccount(pendingKey).address,
    });
    await chain.advance(Number(TEST_DEPLOY.minimumNodeAge));
    const submitter = await chain.newStaker();
    const timestamp = await now();
    await expectRevert(
      deregister(submitter, d.id, timestamp, [a.id, b.id], await sign([a, b], d.id, timestamp)),
      'InsufficientSigners',
    );
    await expectRevert(
      deregister(
        submitter,
        d.id,
        timestamp,
        [b.id, a.id, c.id],
        await sign([b, a, c], d.id, timestamp),
      ),
      'SignersNotIncreasing',
    );
    await expectRevert(
      deregister(
        submitter,
        d.id,
        timestamp,
        [a.id, a.id, c.id],
        await sign([a, a, c], d.id, timestamp),
      ),
      'SignersNotIncreasing',
    );
    await expectRevert(
      deregister(
        submitter,
        c.id,
        timestamp,
        [a.id, b.id, c.id],
        await sign([a, b, c], c.id, timestamp),
      ),
      'SignerIsTarget',
    );
    const pendingSigner = { id: pending.id, attestationKey: pendingKey };
    await expectRevert(
      deregister(
        submitter,
        d.id,
        timestamp,
        [a.id, b.id, pending.id],
        await sign([a, b, pendingSigner], d.id, timestamp),
      ),
      'SignerNotActive',
    );
  });

  it('refuses a signature by the wrong key or over another decision, a count mismatch, a bad reason, too many signers', async () => {
    const nodes = await activeNodes(4);
    const [a, b, c, d] = nodes as [Staked, Staked, Staked, Staked];
    await chain.advance(Number(TEST_DEPLOY.minimumNodeAge));
    const submitter = await chain.newStaker();
    const timestamp = await now();
    const good = await sign([a, b, c], d.id, timestamp);
    const [wrongKey] = await sign(
      [{ id: c.id, attestationKey: generatePrivateKey() }],
      d.id,
      timestamp,
    );
    await expectRevert(
      deregister(
        submitter,
        d.id,
        timestamp,
        [a.id, b.id, c.id],
        [good[0] as Hex, good[1] as Hex, wrongKey as Hex],
      ),
      'InvalidSignature',
    );
    const otherDecision = await sign([a, b, c], d.id, timestamp - 1n);
    await expectRevert(
      deregister(submitter, d.id, timestamp, [a.id, b.id, c.id], otherDecision),
      'InvalidSignature',
    );
    await expectRevert(
      deregister(submitter, d.id, timestamp, [a.id, b.id, c.id], good.slice(0, 2)),
      'SignatureCountMismatch',
    );
    await expectRevert(
      deregister(submitter, d.id, timestamp, [a.id, b.id, c.id], good, 2),
      'InvalidReason',
    );
    const many = Array.from({ length: 201 }, (_, i) => BigInt(i + 1));
    await expectRevert(
      deregister(
        submitter,
        d.id,
        timestamp,
        many,
        many.map(() => good[0] as Hex),
      ),
      'TooManySigners',
    );
    const pending = await register(await chain.newStaker(), 25n * COIN);
    await expectRevert(
      deregister(submitter, pending.id, timestamp, [a.id, b.id, c.id], good),
      'NodeNotActive',
    );
    await expectRevert(
      deregister(submitter, 999n, timestamp, [a.id, b.id, c.id], good),
      'UnknownNode',
    );
  });
});

describe('reentrancy', () => {
  it('a token that calls back into the registry during a refund is refused, and nothing changes', async () => {
    const hash = await chain.deployer.deployContract({
      abi: reentrantStakeTokenAbi,
      bytecode: reentrantStakeTokenBytecode,
    });
    const tokenAddress = (await chain.client.waitForTransactionReceipt({ hash }))
      .contractAddress as Address;
    const deployment = await deployMurmurRegistry(chain.deployer, chain.client, {
      ...TEST_DEPLOY,
      token: tokenAddress,
    });
    const operator = chain.deployer;
    const writeToken = async (functionName: 'mint' | 'arm', args: readonly unknown[]) => {
      const tx = await operator.writeContract({
        address: tokenAddress,
        abi: reentrantStakeTokenAbi,
        functionName,
        args: args as never,
      });
      await chain.client.waitForTransactionReceipt({ hash: tx });
    };
    await writeToken('mint', [operator.account.address, REQUIREMENT]);
    const registered = await operator.writeContract({
      address: deployment.staking,
      abi: murmurStakingAbi,
      functionName: 'registerNode',
      args: [nodeParams(), 25n * COIN],
    });
    await chain.client.waitForTransactionReceipt({ hash: registered });
    // During the refund the token re-enters withdrawContribution: the lock refuses it.
    await writeToken('arm', [
      deployment.staking,
      encodeFunctionData({
        abi: murmurStakingAbi,
        functionName: 'withdrawContribution',
        args: [1n],
      }),
    ]);
    const reentrancySelector = '0xab143c06'; // Reentrancy()
    try {
      await operator.writeContract({
        address: deployment.staking,
        abi: [...murmurStakingAbi, ...reentrantStakeTokenAbi],
        functionName: 'withdrawContribution',
        args: [1n],
      });
      throw new Error('the re-entered withdrawal succeeded');
    } catch (error) {
      const reverted = (error as BaseError).walk((e) => e instanceof ContractFunctionRevertedError);
      expect(reverted).toBeInstanceOf(ContractFunctionRevertedError);
      const data = (reverted as ContractFunctionRevertedError).data;
      expect(data?.errorName).toBe('CallbackFailed');
      expect(String(data?.args?.[0])).toBe(reentrancySelector);
    }
    const stored = await chain.client.readContract({
      address: deployment.staking,
      abi: murmurStakingAbi,
      functionName: 'getNode',
      args: [1n],
    });
    expect(stored.status).toBe(NodeStatus.AwaitingContributions);
    expect(stored.stake).toBe(25n * COIN);
  });
});
