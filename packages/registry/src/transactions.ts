/**
 * Transaction signing, verification, IDs and the builders that make signed transactions.
 *
 * Signed bytes: the UTF-8 of `"murmur-ledger-tx-v1\n" + chainId + "\n" + canonicalJson(tx)`
 * where `tx` is the JSON form without its signature fields (`signature`, `nodeSignature`,
 * `operatorSignature`). Binding the chain ID means a transaction signed for one chain is refused
 * on every other. Signatures are Ed25519, hex.
 *
 * Transaction ID: hex BLAKE2b-256 of the UTF-8 of `"murmur-ledger-txid-v1\n" + canonicalJson(tx)`
 * with the signatures included.
 */
import { assertEd25519KeyPair } from '@murmur/crypto';
import { bytesToHex, hexToBytes, InvalidInputError, utf8Encode } from '@murmur/wire';
import { canonicalJson, TRANSACTION_DOMAIN } from './canonical.js';
import { decodeTransaction, encodeTransaction } from './codec.js';
import type { JsonTransaction } from './schemas.js';
import type {
  ContributeTransaction,
  Ed25519KeyPair,
  FaucetTransaction,
  RegisterTransaction,
  RegistryCrypto,
  RequestUnlockTransaction,
  Reservation,
  SigningCrypto,
  StakingRequirementTransaction,
  StateChange,
  StateChangeTransaction,
  Transaction,
  TransferTransaction,
  UptimeProofTransaction,
  Version,
} from './types.js';

/** Domain tag that opens a transaction ID's hashed bytes. */
export const TRANSACTION_ID_DOMAIN = 'murmur-ledger-txid-v1\n';

const SIGNATURE_FIELDS = new Set(['signature', 'nodeSignature', 'operatorSignature']);
const PLACEHOLDER_SIGNATURE = '0'.repeat(128);

function unsignedJson(json: JsonTransaction): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    if (!SIGNATURE_FIELDS.has(key)) out[key] = value;
  }
  return out;
}

/**
 * The exact bytes a transaction's signature(s) cover on chain `chainId`: the domain tag, the
 * chain ID and the canonical JSON of the transaction without its signature fields.
 */
export function transactionSigningBytes(tx: Transaction, chainId: string): Uint8Array {
  return signingBytesOfJson(encodeTransaction(tx), chainId);
}

/** {@link transactionSigningBytes} of a transaction already in its JSON form. */
export function signingBytesOfJson(json: JsonTransaction, chainId: string): Uint8Array {
  const body = canonicalJson(unsignedJson(json) as never);
  return utf8Encode(`${TRANSACTION_DOMAIN}${chainId}\n${body}`);
}

/** A transaction's ID: hex BLAKE2b-256 of its canonical JSON, signatures included. */
export function transactionId(tx: Transaction, crypto: Pick<RegistryCrypto, 'blake2b'>): string {
  return transactionIdOfJson(encodeTransaction(tx), crypto);
}

/** {@link transactionId} of a transaction already in its JSON form. */
export function transactionIdOfJson(
  json: JsonTransaction,
  crypto: Pick<RegistryCrypto, 'blake2b'>,
): string {
  const body = canonicalJson(json as never);
  return bytesToHex(crypto.blake2b(utf8Encode(`${TRANSACTION_ID_DOMAIN}${body}`), 32));
}

/**
 * The keys that must sign `tx`, with the signature each must have made: the sender of a
 * transfer, the authority for faucet and state changes, node and operator for a registration,
 * the contributor for contributions and unlock requests, the node for uptime proofs.
 */
export function requiredSigners(
  tx: Transaction,
  authority: string,
): { key: string; signature: string }[] {
  switch (tx.type) {
    case 'transfer':
      return [{ key: tx.from, signature: tx.signature }];
    case 'faucet':
    case 'state-change':
    case 'staking-requirement':
      return [{ key: authority, signature: tx.signature }];
    case 'register':
      return [
        { key: tx.node, signature: tx.nodeSignature },
        { key: tx.operator, signature: tx.operatorSignature },
      ];
    case 'contribute':
    case 'request-unlock':
      return [{ key: tx.contributor, signature: tx.signature }];
    case 'uptime-proof':
      return [{ key: tx.node, signature: tx.signature }];
  }
}

/**
 * Whether every signature `tx` needs verifies on chain `chainId` (strict Ed25519). Faucet and
 * state-change transactions must be signed by `authority`.
 */
export function verifyTransactionSignatures(
  tx: Transaction,
  chainId: string,
  authority: string,
  crypto: Pick<RegistryCrypto, 'verify'>,
): boolean {
  return verifySignaturesOver(tx, transactionSigningBytes(tx, chainId), authority, crypto);
}

/** {@link verifyTransactionSignatures} with the signed bytes already computed. */
export function verifySignaturesOver(
  tx: Transaction,
  message: Uint8Array,
  authority: string,
  crypto: Pick<RegistryCrypto, 'verify'>,
): boolean {
  for (const { key, signature } of requiredSigners(tx, authority)) {
    let ok = false;
    try {
      ok = crypto.verify(
        hexToBytes(signature, { length: 64, field: 'signature' }),
        message,
        hexToBytes(key, { length: 32, field: 'key' }),
      );
    } catch {
      ok = false;
    }
    if (!ok) return false;
  }
  return true;
}

function checkKeyPair(keyPair: Ed25519KeyPair, field: string): string {
  assertEd25519KeyPair(keyPair, field);
  return bytesToHex(keyPair.publicKey);
}

function checkChainId(chainId: unknown): string {
  if (typeof chainId !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(chainId)) {
    throw new InvalidInputError('chainId must be 1 to 64 of [A-Za-z0-9._-]', {
      details: { field: 'chainId' },
    });
  }
  return chainId;
}

function sign(
  unsigned: Transaction,
  chainId: string,
  keyPair: Ed25519KeyPair,
  crypto: Pick<SigningCrypto, 'sign'>,
): string {
  return bytesToHex(crypto.sign(transactionSigningBytes(unsigned, chainId), keyPair.secretKey));
}

/** Checks a built transaction against its schema (so builders refuse what a ledger would). */
function checked<T extends Transaction>(tx: T): T {
  return decodeTransaction(encodeTransaction(tx)) as T;
}

/** A transaction with one signer. */
type SingleSignedTransaction = Extract<Transaction, { signature: string }>;

/**
 * The one way a builder makes a transaction with one signer: the chain ID and `signer` checked
 * (its public key, hex, goes to `fields`), the fields checked against the transaction's schema,
 * then signed by `signer` on the chain, frozen.
 */
function signedBy<T extends SingleSignedTransaction>(
  chainIdInput: unknown,
  signer: Ed25519KeyPair,
  signerField: string,
  crypto: Pick<SigningCrypto, 'sign'>,
  fields: (signerKey: string) => Omit<T, 'signature'>,
): T {
  const chainId = checkChainId(chainIdInput);
  const signerKey = checkKeyPair(signer, signerField);
  const unsigned = checked({ ...fields(signerKey), signature: PLACEHOLDER_SIGNATURE } as T);
  const signed: T = { ...unsigned, signature: sign(unsigned, chainId, signer, crypto) };
  return Object.freeze(signed);
}

/** Common input of every builder. */
export interface TransactionInit {
  /** The chain the transaction is for (bound into the signature). */
  chainId: string;
}

/** Input of {@link createTransfer}. */
export interface TransferInit extends TransactionInit {
  to: string;
  amount: bigint;
  /** The sender's current nonce + 1. */
  nonce: number;
}

/** A signed transfer from the wallet of `wallet` (its public key is the sender address). */
export function createTransfer(
  init: TransferInit,
  wallet: Ed25519KeyPair,
  crypto: Pick<SigningCrypto, 'sign'>,
): TransferTransaction {
  return signedBy<TransferTransaction>(init.chainId, wallet, 'wallet', crypto, (from) => ({
    type: 'transfer',
    from,
    to: init.to,
    amount: init.amount,
    nonce: init.nonce,
  }));
}

/** Input of {@link createFaucet}. */
export interface FaucetInit extends TransactionInit {
  to: string;
  amount: bigint;
  /** The authority's current nonce + 1. */
  nonce: number;
}

/** A signed faucet transaction (devnet): the authority mints `amount` into `to`. */
export function createFaucet(
  init: FaucetInit,
  authority: Ed25519KeyPair,
  crypto: Pick<SigningCrypto, 'sign'>,
): FaucetTransaction {
  return signedBy<FaucetTransaction>(init.chainId, authority, 'authority', crypto, () => ({
    type: 'faucet',
    to: init.to,
    amount: init.amount,
    nonce: init.nonce,
  }));
}

/** Input of {@link createRegistration}. */
export interface RegistrationInit extends TransactionInit {
  /** Operator fee, basis points (0 … 10,000). */
  feeBasisPoints: number;
  /** The operator's stake. */
  operatorStake: bigint;
  /** Reserved spots for named contributors. */
  reserved?: readonly Reservation[] | undefined;
  /** The operator's current nonce + 1. */
  nonce: number;
}

/**
 * A registration signed by both the node key and the operator wallet. The node's address comes
 * later, with its first uptime proof.
 */
export function createRegistration(
  init: RegistrationInit,
  keys: { node: Ed25519KeyPair; operator: Ed25519KeyPair },
  crypto: Pick<SigningCrypto, 'sign'>,
): RegisterTransaction {
  const chainId = checkChainId(init.chainId);
  const node = checkKeyPair(keys.node, 'node');
  const operator = checkKeyPair(keys.operator, 'operator');
  const unsigned: RegisterTransaction = checked({
    type: 'register',
    node,
    operator,
    feeBasisPoints: init.feeBasisPoints,
    operatorStake: init.operatorStake,
    reserved: (init.reserved ?? []).map((spot) => ({ address: spot.address, amount: spot.amount })),
    nonce: init.nonce,
    nodeSignature: PLACEHOLDER_SIGNATURE,
    operatorSignature: PLACEHOLDER_SIGNATURE,
  });
  return Object.freeze({
    ...unsigned,
    nodeSignature: sign(unsigned, chainId, keys.node, crypto),
    operatorSignature: sign(unsigned, chainId, keys.operator, crypto),
  });
}

/** Input of {@link createContribution}. */
export interface ContributionInit extends TransactionInit {
  /** The node's Ed25519 key, hex. */
  node: string;
  amount: bigint;
  /** The contributor's current nonce + 1. */
  nonce: number;
}

/** A signed contribution from `contributor`'s wallet. */
export function createContribution(
  init: ContributionInit,
  contributor: Ed25519KeyPair,
  crypto: Pick<SigningCrypto, 'sign'>,
): ContributeTransaction {
  return signedBy<ContributeTransaction>(
    init.chainId,
    contributor,
    'contributor',
    crypto,
    (address) => ({
      type: 'contribute',
      node: init.node,
      contributor: address,
      amount: init.amount,
      nonce: init.nonce,
    }),
  );
}

/** Input of {@link createUnlockRequest}. */
export interface UnlockRequestInit extends TransactionInit {
  /** The node's Ed25519 key, hex. */
  node: string;
  /** The contributor's current nonce + 1. */
  nonce: number;
}

/** A signed unlock request (or cancellation / withdrawal, see {@link RequestUnlockTransaction}). */
export function createUnlockRequest(
  init: UnlockRequestInit,
  contributor: Ed25519KeyPair,
  crypto: Pick<SigningCrypto, 'sign'>,
): RequestUnlockTransaction {
  return signedBy<RequestUnlockTransaction>(
    init.chainId,
    contributor,
    'contributor',
    crypto,
    (address) => ({
      type: 'request-unlock',
      node: init.node,
      contributor: address,
      nonce: init.nonce,
    }),
  );
}

/** Input of {@link createUptimeProof}. */
export interface UptimeProofInit extends TransactionInit {
  /** The node's Ed25519 key (hex); optional, it must match the key pair when given. */
  node?: string | undefined;
  /** Dotted IPv4 address. */
  ip: string;
  storagePort: number;
  relayPort: number;
  version: Version;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
}

/** An uptime proof signed by the node key. */
export function createUptimeProof(
  init: UptimeProofInit,
  nodeKeyPair: Ed25519KeyPair,
  crypto: Pick<SigningCrypto, 'sign'>,
): UptimeProofTransaction {
  return signedBy<UptimeProofTransaction>(
    init.chainId,
    nodeKeyPair,
    'nodeKeyPair',
    crypto,
    (node) => {
      if (init.node !== undefined && init.node !== node) {
        throw new InvalidInputError('node does not match the key pair that signs the proof', {
          details: { field: 'node' },
        });
      }
      return {
        type: 'uptime-proof',
        node,
        ip: init.ip,
        storagePort: init.storagePort,
        relayPort: init.relayPort,
        version: init.version,
        timestamp: init.timestamp,
      };
    },
  );
}

/** Input of {@link createStateChange}. */
export interface StateChangeInit extends TransactionInit {
  /** The node's Ed25519 key, hex. */
  node: string;
  change: StateChange;
  /** Why; at most 200 characters. */
  reason: string;
  /** The authority's current nonce + 1. */
  nonce: number;
}

/** A state change signed by the authority. */
export function createStateChange(
  init: StateChangeInit,
  authority: Ed25519KeyPair,
  crypto: Pick<SigningCrypto, 'sign'>,
): StateChangeTransaction {
  return signedBy<StateChangeTransaction>(init.chainId, authority, 'authority', crypto, () => ({
    type: 'state-change',
    node: init.node,
    change: init.change,
    reason: init.reason,
    nonce: init.nonce,
  }));
}

/** Input of {@link createStakingRequirementChange}. */
export interface StakingRequirementInit extends TransactionInit {
  /** The new requirement, atomic units. */
  stakingRequirement: bigint;
  /** The new operator minimum (default a quarter of the requirement, rounded up). */
  minOperatorStake?: bigint | undefined;
  /** The authority's current nonce + 1. */
  nonce: number;
}

/** A staking requirement change signed by the authority. */
export function createStakingRequirementChange(
  init: StakingRequirementInit,
  authority: Ed25519KeyPair,
  crypto: Pick<SigningCrypto, 'sign'>,
): StakingRequirementTransaction {
  return signedBy<StakingRequirementTransaction>(
    init.chainId,
    authority,
    'authority',
    crypto,
    () => ({
      type: 'staking-requirement',
      stakingRequirement: init.stakingRequirement,
      minOperatorStake: init.minOperatorStake ?? (init.stakingRequirement + 3n) / 4n,
      nonce: init.nonce,
    }),
  );
}
