/**
 * Quorum decisions on the EVM ledger: each node signs a deregistration with its attestation key
 * (derived from its Ed25519 seed), and any one of them submits the signatures of at least two
 * thirds of the active nodes in one transaction. The digest is the contract's
 * `deregistrationDigest`, computed here offline so that a node can sign without asking the
 * chain. {@link contractQuorumChain} gives a node's quorum participant its chain calls.
 */
import { murmurStakingAbi } from '@murmur/contracts';
import { createPublicClient, encodeAbiParameters, type Hex, http, keccak256, toHex } from 'viem';
import { privateKeyToAccount, sign } from 'viem/accounts';
import type { RegistryCrypto } from '../types.js';
import { attestationPrivateKey } from './attestation.js';
import { type ChainReceipt, type ChainTarget, sendStakingTransaction } from './operator.js';

/** `MurmurStaking.DEREGISTER_TAG`. */
export const DEREGISTER_TAG = keccak256(toHex('murmur-deregister-v1'));
/** `MurmurStaking.REASON_FAILED_UPTIME`. */
export const REASON_FAILED_UPTIME = 1;

/** What the quorum decides. */
export interface DeregistrationDecision {
  /** The EVM chain id. */
  chainId: number | bigint;
  /** The staking contract. */
  contract: `0x${string}`;
  /** The contract's id of the node to remove. */
  nodeId: bigint;
  /** Its Ed25519 key, 64 hex (with or without 0x). */
  ed25519: string;
  /** Why ({@link REASON_FAILED_UPTIME}). */
  reason: number;
  /** When the decision was taken, Unix seconds (valid `signatureExpiry` either side). */
  timestamp: bigint;
}

/** The digest the quorum signs (equal to the contract's `deregistrationDigest`). */
export function deregistrationDigest(decision: DeregistrationDecision): Hex {
  const ed25519 = decision.ed25519.startsWith('0x') ? decision.ed25519 : `0x${decision.ed25519}`;
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'bytes32' },
        { type: 'uint256' },
        { type: 'address' },
        { type: 'uint64' },
        { type: 'bytes32' },
        { type: 'uint8' },
        { type: 'uint64' },
      ],
      [
        DEREGISTER_TAG,
        BigInt(decision.chainId),
        decision.contract,
        decision.nodeId,
        ed25519.toLowerCase() as Hex,
        decision.reason,
        decision.timestamp,
      ],
    ),
  );
}

/** One node's signature of a decision. */
export interface QuorumSignature {
  /** The signer's contract id. */
  nodeId: bigint;
  /** 65-byte `r ‖ s ‖ v` signature by its attestation key. */
  signature: Hex;
}

/** Node `nodeId` (Ed25519 seed `seed`) signs `decision` with its attestation key. */
export async function signDeregistration(
  decision: DeregistrationDecision,
  signer: { nodeId: bigint; seed: Uint8Array },
  crypto: Pick<RegistryCrypto, 'blake2b'>,
): Promise<QuorumSignature> {
  const signature = await sign({
    hash: deregistrationDigest(decision),
    privateKey: attestationPrivateKey(signer.seed, crypto),
    to: 'hex',
  });
  return { nodeId: signer.nodeId, signature };
}

/** The attestation address of a node seed (what the contract checks signatures against). */
export function attestationAddress(
  seed: Uint8Array,
  crypto: Pick<RegistryCrypto, 'blake2b'>,
): `0x${string}` {
  return privateKeyToAccount(attestationPrivateKey(seed, crypto)).address;
}

/**
 * Submits a deregistration with the quorum's signatures (put in increasing signer order here).
 * Any wallet may submit; the contract checks that at least two thirds of the active nodes
 * signed.
 */
export async function submitDeregistration(
  target: ChainTarget,
  decision: DeregistrationDecision,
  signatures: readonly QuorumSignature[],
): Promise<ChainReceipt> {
  const ordered = [...signatures].sort((a, b) =>
    a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0,
  );
  return sendStakingTransaction(target, 'the deregistration', 'deregister', [
    decision.nodeId,
    decision.reason,
    decision.timestamp,
    ordered.map((entry) => entry.nodeId),
    ordered.map((entry) => entry.signature),
  ]);
}

/**
 * The chain calls of a node's quorum participant ({@link createUptimeQuorum}), through the
 * staking contract: reads at the chain's head, and submissions signed by `target.privateKey`
 * (the node's attestation key by default in `murmur-node`; it needs gas).
 */
export function contractQuorumChain(target: ChainTarget): {
  chainId(): Promise<number>;
  nodeIdOf(ed25519: string): Promise<bigint | undefined>;
  attestationOf(nodeId: bigint): Promise<`0x${string}`>;
  quorumSize(): Promise<number>;
  submit(
    decision: DeregistrationDecision,
    signatures: readonly QuorumSignature[],
  ): Promise<ChainReceipt>;
} {
  const client = createPublicClient({ transport: http(target.rpcUrl, { retryCount: 0 }) });
  const read = <T>(functionName: string, args: readonly unknown[]): Promise<T> =>
    client.readContract({
      address: target.contract,
      abi: murmurStakingAbi,
      functionName: functionName as never,
      args: args as never,
    }) as Promise<T>;
  return {
    chainId: () => client.getChainId(),
    async nodeIdOf(ed25519) {
      const key = (ed25519.startsWith('0x') ? ed25519 : `0x${ed25519}`).toLowerCase() as Hex;
      const id = await read<bigint>('nodeIdOfEd25519', [key]);
      return id === 0n ? undefined : id;
    },
    async attestationOf(nodeId) {
      const node = await read<{ attestation: `0x${string}` }>('getNode', [nodeId]);
      return node.attestation;
    },
    async quorumSize() {
      return Number(await read<bigint>('quorumSize', []));
    },
    submit: (decision, signatures) => submitDeregistration(target, decision, signatures),
  };
}
