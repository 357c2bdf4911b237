/**
 * From the staking contract's events to registry transactions: the pure half of the
 * {@link createEvmLedgerSource}. The chain is the ledger: its contract enforces the staking
 * rules, and each EVM block with registry events becomes one registry block whose transactions
 * replay those events through the very same state machine ({@link applyBlock}) the devnet ledger
 * feeds. Every follower derives the same blocks from the same chain, so the state, its hash
 * chain and the swarms (randomness from the derived block hash) are the same for all.
 *
 * The mapping (signatures are not checked for derived blocks: they come from the chain, which
 * authenticated the callers; nonces and every other rule still run):
 *
 * | contract event | registry transactions |
 * |---|---|
 * | `NodeRegistered` (binding signature valid, X25519 key matches, requirement current) | `faucet` of the stake to the operator's wallet, `register` |
 * | `NodeAddressUpdated` | an `uptime-proof` carrying the address (the last one per node and block) |
 * | `Contributed` | `faucet` of the amount, `contribute` |
 * | `ContributionWithdrawn` / `RegistrationCancelled` | `request-unlock` by the contributor / the operator |
 * | `NodeExited` | `request-unlock` by the operator, then one empty block in which the node exits |
 * | `NodeDeregistered` | `state-change` `deregister` by {@link EVM_AUTHORITY} |
 * | `StakingRequirementUpdated` | `staking-requirement` by {@link EVM_AUTHORITY} (nodes registered before keep theirs) |
 *
 * An EVM address `0xabc…` is the registry wallet `000000000000000000000000abc…` (24 zeros, then
 * the 40 hex digits in lower case). Balances in the derived state are bookkeeping only: the
 * stake token contract holds the real ones.
 */
import { bytesToHex, hexToBytes } from '@murmur/wire';
import { applyTransaction, type BlockTime } from '../apply.js';
import { ATOMIC_UNITS_PER_COIN, type RegistryParams, validateParams } from '../params.js';
import { nextNonce } from '../queries.js';
import type {
  GenesisConfig,
  RegistryCrypto,
  RegistryState,
  Transaction,
  TransactionResult,
} from '../types.js';
import { verifyAttestationBinding } from './attestation.js';

/** The authority of derived chains: no key, only a name for the chain's own decisions. */
export const EVM_AUTHORITY = 'ff'.repeat(32);
/** Placeholder of the signatures of derived transactions (never checked). */
const NO_SIGNATURE = '00'.repeat(64);
/** Uptime proofs never expire on an EVM ledger: uptime is judged by the nodes' quorum. */
const NEVER_MS = 100 * 365 * 24 * 3_600_000;

/** The registry wallet of an EVM address. */
export function evmWalletAddress(address: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) {
    throw new TypeError(`not an EVM address: ${JSON.stringify(address)}`);
  }
  return `${'0'.repeat(24)}${address.slice(2).toLowerCase()}`;
}

/** The EVM address of a registry wallet made by {@link evmWalletAddress} (else `undefined`). */
export function walletEvmAddress(wallet: string): `0x${string}` | undefined {
  return /^0{24}[0-9a-f]{40}$/.test(wallet) ? `0x${wallet.slice(24)}` : undefined;
}

/**
 * The parameter set of a derived chain: the contract's requirement, operator ≥ 25% rounded up,
 * 10 contributors; no rewards, no uptime judging (the nodes' quorum deregisters through the
 * contract), exits one block after the exit event, no lock in the derived state (the contract
 * keeps deregistered stakes locked).
 */
export function evmRegistryParams(
  stakingRequirement: bigint,
  options: { requirePublicIp?: boolean | undefined } = {},
): RegistryParams {
  const params: RegistryParams = {
    name: 'evm',
    blockTimeMs: 1_000,
    stakingRequirement,
    minOperatorStake: (stakingRequirement + 3n) / 4n,
    maxContributors: 10,
    unlockBlocks: 1,
    deregistrationLockBlocks: 0,
    uptimeProofIntervalMs: NEVER_MS,
    uptimeProofValidityMs: NEVER_MS,
    uptimeProofMinGapMs: 0,
    uptimeProofTimestampToleranceMs: 0,
    requirePublicIp: options.requirePublicIp ?? true,
    decommissionCreditInitialBlocks: 0,
    decommissionMinimumCreditBlocks: 0,
    decommissionCreditEarnBlocksPerBlock: { numerator: 0, denominator: 1 },
    decommissionCreditMaxBlocks: 0,
    rewardPerBlock: 0n,
    faucetEnabled: true,
    faucetMaxAmount: undefined,
    maxTransactionsPerBlock: 10_000,
  };
  validateParams(params);
  return Object.freeze(params);
}

/** What identifies a derived chain. */
export interface EvmChainIdentity {
  /** The EVM chain id. */
  chainId: number;
  /** The staking contract's address. */
  contract: `0x${string}`;
}

/** The registry chain id of a derived chain: `evm-<chain id>-<contract, lower case>`. */
export function evmRegistryChainId(identity: EvmChainIdentity): string {
  return `evm-${identity.chainId}-${identity.contract.toLowerCase()}`;
}

/** The genesis of the chain derived from a contract (its requirement and deployment time). */
export function evmGenesis(
  identity: EvmChainIdentity,
  stakingRequirement: bigint,
  timestampMs: number,
  options: { requirePublicIp?: boolean | undefined } = {},
): GenesisConfig {
  return {
    chainId: evmRegistryChainId(identity),
    params: evmRegistryParams(stakingRequirement, options),
    timestamp: timestampMs,
    authority: EVM_AUTHORITY,
    allocations: [],
  };
}

/** A decoded contract event with the fields the translation reads. */
export type StakingEvent =
  | {
      eventName: 'NodeRegistered';
      args: {
        id: bigint;
        ed25519: `0x${string}`;
        operator: `0x${string}`;
        x25519: `0x${string}`;
        attestation: `0x${string}`;
        ed25519Signature: `0x${string}`;
        feeBasisPoints: number;
        requirement: bigint;
        amount: bigint;
      };
    }
  | {
      eventName: 'NodeAddressUpdated';
      args: { id: bigint; ipv4: number; storagePort: number; relayPort: number };
    }
  | { eventName: 'Contributed'; args: { id: bigint; staker: `0x${string}`; amount: bigint } }
  | { eventName: 'ContributionWithdrawn'; args: { id: bigint; staker: `0x${string}` } }
  | { eventName: 'RegistrationCancelled'; args: { id: bigint } }
  | { eventName: 'NodeExited'; args: { id: bigint } }
  | { eventName: 'NodeDeregistered'; args: { id: bigint; reason: number; signers: bigint } }
  | { eventName: 'StakingRequirementUpdated'; args: { previous: bigint; requirement: bigint } }
  | { eventName: 'Other'; args: Record<string, unknown> };

/** Something a follower should know about one event (it does not stop the derivation). */
export interface TranslationNote {
  kind: 'ignored-registration' | 'unknown-node' | 'refused-by-rules' | 'requirement-changed';
  message: string;
  nodeId?: bigint | undefined;
  reason?: string | undefined;
}

/** The result of {@link translateEvmBlock}. */
export interface TranslatedBlock {
  /** The accepted transactions, in order. */
  transactions: Transaction[];
  /** A node exits in this block: an empty block must follow so that it leaves. */
  exits: boolean;
  /** Contract ids registered in this block, with the node key, or `null` when ignored. */
  registrations: [bigint, string | null][];
  notes: TranslationNote[];
}

function ipv4Text(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/**
 * The transactions of one EVM block's events against `state` (the derived state before it).
 * Each candidate is checked with {@link applyTransaction} as it would apply in the block; one
 * the rules refuse is left out and noted, so the block applies exactly as derived.
 */
export function translateEvmBlock(
  state: RegistryState,
  events: readonly StakingEvent[],
  context: {
    crypto: RegistryCrypto;
    identity: EvmChainIdentity;
    /** Contract id → node key (`null`: a registration that was ignored). */
    nodes: ReadonlyMap<bigint, string | null>;
    at: BlockTime;
  },
): TranslatedBlock {
  const { crypto, identity, at } = context;
  const out: TranslatedBlock = { transactions: [], exits: false, registrations: [], notes: [] };
  const known = new Map(context.nodes);
  let work = state;
  const proofs = new Map<string, { ip: string; storagePort: number; relayPort: number }>();

  const submit = (tx: Transaction, nodeId: bigint): TransactionResult => {
    const { state: next, result } = applyTransaction(work, tx, crypto, at, {
      verifySignatures: false,
    });
    if (result.accepted) {
      work = next;
      out.transactions.push(tx);
    } else {
      out.notes.push({
        kind: 'refused-by-rules',
        nodeId,
        reason: result.reason,
        message: `the registry rules refused the ${tx.type} derived from node ${nodeId}: ${result.message}`,
      });
    }
    return result;
  };
  const faucet = (to: string, amount: bigint, nodeId: bigint) =>
    submit(
      {
        type: 'faucet',
        to,
        amount,
        nonce: nextNonce(work, EVM_AUTHORITY),
        signature: NO_SIGNATURE,
      },
      nodeId,
    );
  const nodeOf = (id: bigint): string | undefined => {
    const node = known.get(id);
    if (node === undefined) {
      out.notes.push({
        kind: 'unknown-node',
        nodeId: id,
        message: `no registration for node ${id}`,
      });
    }
    return node ?? undefined;
  };
  const unlock = (node: string, contributor: string, nodeId: bigint) =>
    submit(
      {
        type: 'request-unlock',
        node,
        contributor,
        nonce: nextNonce(work, contributor),
        signature: NO_SIGNATURE,
      },
      nodeId,
    );

  for (const event of events) {
    switch (event.eventName) {
      case 'NodeRegistered': {
        const { args } = event;
        const node = args.ed25519.slice(2).toLowerCase();
        const ignore = (message: string) => {
          known.set(args.id, null);
          out.registrations.push([args.id, null]);
          out.notes.push({ kind: 'ignored-registration', nodeId: args.id, message });
        };
        const bound = verifyAttestationBinding(
          { ed25519: node, attestation: args.attestation, ...identity },
          args.ed25519Signature,
          crypto,
        );
        if (!bound) {
          ignore(`node ${args.id}: the Ed25519 signature does not bind its attestation key`);
          break;
        }
        let x25519: string | undefined;
        try {
          x25519 = bytesToHex(crypto.ed25519PublicKeyToX25519(hexToBytes(node, { length: 32 })));
        } catch {
          x25519 = undefined;
        }
        if (x25519 !== args.x25519.slice(2).toLowerCase()) {
          ignore(`node ${args.id}: its X25519 key is not the one its Ed25519 key gives`);
          break;
        }
        if (args.requirement !== work.params.stakingRequirement) {
          ignore(
            `node ${args.id}: registered at a requirement of ${args.requirement}, the derived chain has ${work.params.stakingRequirement}`,
          );
          break;
        }
        const operator = evmWalletAddress(args.operator);
        faucet(operator, args.amount, args.id);
        const result = submit(
          {
            type: 'register',
            node,
            operator,
            feeBasisPoints: args.feeBasisPoints,
            operatorStake: args.amount,
            reserved: [],
            nonce: nextNonce(work, operator),
            nodeSignature: NO_SIGNATURE,
            operatorSignature: NO_SIGNATURE,
          },
          args.id,
        );
        known.set(args.id, result.accepted ? node : null);
        out.registrations.push([args.id, result.accepted ? node : null]);
        break;
      }
      case 'NodeAddressUpdated': {
        const node = nodeOf(event.args.id);
        if (node === undefined) break;
        proofs.set(node, {
          ip: ipv4Text(event.args.ipv4),
          storagePort: event.args.storagePort,
          relayPort: event.args.relayPort,
        });
        break;
      }
      case 'Contributed': {
        const node = nodeOf(event.args.id);
        if (node === undefined) break;
        const contributor = evmWalletAddress(event.args.staker);
        faucet(contributor, event.args.amount, event.args.id);
        submit(
          {
            type: 'contribute',
            node,
            contributor,
            amount: event.args.amount,
            nonce: nextNonce(work, contributor),
            signature: NO_SIGNATURE,
          },
          event.args.id,
        );
        break;
      }
      case 'ContributionWithdrawn': {
        const node = nodeOf(event.args.id);
        if (node !== undefined) unlock(node, evmWalletAddress(event.args.staker), event.args.id);
        break;
      }
      case 'RegistrationCancelled':
      case 'NodeExited': {
        const node = nodeOf(event.args.id);
        const operator = node === undefined ? undefined : work.nodes.get(node)?.operator;
        if (node === undefined || operator === undefined) break;
        const result = unlock(node, operator, event.args.id);
        if (result.accepted && event.eventName === 'NodeExited') out.exits = true;
        break;
      }
      case 'NodeDeregistered': {
        const node = nodeOf(event.args.id);
        if (node === undefined) break;
        submit(
          {
            type: 'state-change',
            node,
            change: 'deregister',
            reason: `failed uptime: removed by a quorum of ${event.args.signers} nodes`,
            nonce: nextNonce(work, EVM_AUTHORITY),
            signature: NO_SIGNATURE,
          },
          event.args.id,
        );
        break;
      }
      case 'StakingRequirementUpdated': {
        const requirement = event.args.requirement;
        if (requirement === work.params.stakingRequirement) break;
        const result = submit(
          {
            type: 'staking-requirement',
            stakingRequirement: requirement,
            // The contract's operator minimum: a quarter, rounded up.
            minOperatorStake: (requirement + 3n) / 4n,
            nonce: nextNonce(work, EVM_AUTHORITY),
            signature: NO_SIGNATURE,
          },
          0n,
        );
        if (result.accepted) {
          out.notes.push({
            kind: 'requirement-changed',
            message: `the contract's staking requirement is now ${requirement} (${Number(requirement) / Number(ATOMIC_UNITS_PER_COIN)} coins) for registrations from this block on`,
          });
        }
        break;
      }
      default:
        break;
    }
  }
  for (const [node, proof] of proofs) {
    submit(
      {
        type: 'uptime-proof',
        node,
        ...proof,
        version: [0, 0, 0],
        timestamp: at.timestamp,
        signature: NO_SIGNATURE,
      },
      -1n,
    );
  }
  return out;
}
