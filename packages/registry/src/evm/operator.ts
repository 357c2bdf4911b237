/**
 * What an operator does on the EVM ledger (Node only): an EVM wallet key file, and the
 * transactions that stake through Murmur's contract — register a node (its Ed25519 key, the
 * X25519 key it gives, the attestation key derived from its seed with the binding signature,
 * its address and ports, the fee and the operator's stake), contribute, ask to exit, complete
 * an exit. Each waits for its receipt and reports the gas used. A refusal by the contract is an
 * {@link EvmLedgerError} of kind `transaction-refused` naming the contract's error.
 */
import { readFileSync } from 'node:fs';
import { murmurStakeTokenAbi, murmurStakingAbi } from '@murmur/contracts';
import { bytesToHex } from '@murmur/wire';
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  decodeEventLog,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type TransactionReceipt,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { KeyFileError, readSecretJson, writeSecretJson } from '../key-files.js';
import type { Ed25519KeyPair, SigningCrypto } from '../types.js';
import { attestationBindingMessage, attestationPrivateKey } from './attestation.js';
import { EvmLedgerError } from './evm-ledger-source.js';

// ---------------------------------------------------------------------------------------------
// EVM wallet files

/** An EVM wallet file: `{"type":"murmur-evm-wallet","version":1,"address","privateKey"}`, 0600. */
export interface EvmWalletFile {
  type: 'murmur-evm-wallet';
  version: 1;
  address: `0x${string}`;
  privateKey: Hex;
}

const EVM_WALLET_FILE = 'EVM wallet file';

/** Creates a new EVM wallet file (mode 0600; never overwrites). */
export function createEvmWalletFile(
  path: string,
  privateKey: Hex = generatePrivateKey(),
): EvmWalletFile {
  const file: EvmWalletFile = {
    type: 'murmur-evm-wallet',
    version: 1,
    address: privateKeyToAccount(privateKey).address,
    privateKey,
  };
  writeSecretJson(path, file, EVM_WALLET_FILE);
  return file;
}

/**
 * Reads an EVM wallet file: the JSON form above, or a file holding only the private key as hex
 * (as other tools export it). Refuses a file others can read, and a key whose address does not
 * match the one the file states.
 */
export function loadEvmWalletFile(path: string): EvmWalletFile {
  let data: unknown;
  try {
    data = readSecretJson(path, EVM_WALLET_FILE);
  } catch (error) {
    // A bare hex key is not JSON; read it as text (the mode check already ran).
    if (!(error instanceof KeyFileError) || !/not JSON/.test(error.message)) throw error;
    data = undefined;
  }
  let privateKey: string | undefined;
  let stated: string | undefined;
  if (typeof data === 'object' && data !== null) {
    const record = data as { type?: unknown; privateKey?: unknown; address?: unknown };
    if (record.type !== 'murmur-evm-wallet') {
      throw new KeyFileError(`${path} is not an EVM wallet file (type must be murmur-evm-wallet)`, {
        details: { path },
      });
    }
    privateKey = typeof record.privateKey === 'string' ? record.privateKey : undefined;
    stated = typeof record.address === 'string' ? record.address : undefined;
  } else if (data === undefined) {
    privateKey = readKeyText(path);
  }
  if (privateKey === undefined || !/^(0x)?[0-9a-fA-F]{64}$/.test(privateKey)) {
    throw new KeyFileError(`${path}: privateKey must be 64 hex characters (with or without 0x)`, {
      details: { path },
    });
  }
  const key = (privateKey.startsWith('0x') ? privateKey : `0x${privateKey}`).toLowerCase() as Hex;
  const address = privateKeyToAccount(key).address;
  if (stated !== undefined && stated.toLowerCase() !== address.toLowerCase()) {
    throw new KeyFileError(`${path}: the address ${stated} is not the key's (${address})`, {
      details: { path },
    });
  }
  return { type: 'murmur-evm-wallet', version: 1, address, privateKey: key };
}

function readKeyText(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

// ---------------------------------------------------------------------------------------------
// Transactions

/** Where and as whom an operator transaction goes. */
export interface ChainTarget {
  /** The chain's JSON-RPC URL. */
  rpcUrl: string;
  /** The staking contract. */
  contract: `0x${string}`;
  /** The signing wallet's private key. */
  privateKey: Hex;
}

/** What an operator transaction did. */
export interface ChainReceipt {
  hash: Hex;
  blockNumber: bigint;
  gasUsed: bigint;
  /** Gas of the token approval sent first, if one was needed. */
  approvalGasUsed?: bigint | undefined;
}

async function clients(target: ChainTarget) {
  const transport = http(target.rpcUrl, { retryCount: 0 });
  const account = privateKeyToAccount(target.privateKey);
  const client = createPublicClient({ transport }) as PublicClient;
  const chain = defineChain({
    id: await client.getChainId(),
    name: 'murmur-staking-chain',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [target.rpcUrl] } },
  });
  return { account, client, wallet: createWalletClient({ transport, account, chain }) };
}

/** Turns a revert into an actionable {@link EvmLedgerError}. */
function refused(error: unknown, what: string): never {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      const name = reverted.data?.errorName ?? 'unknown';
      const args = (reverted.data?.args ?? []).map((arg) => String(arg));
      throw new EvmLedgerError(
        'transaction-refused',
        `${what} refused by the contract: ${name}(${args.join(', ')})`,
        {
          cause: error,
          details: { error: name, args },
        },
      );
    }
    throw new EvmLedgerError('rpc-failed', `${what} failed: ${error.shortMessage}`, {
      cause: error,
    });
  }
  throw error;
}

async function send(
  target: ChainTarget,
  what: string,
  functionName: string,
  args: readonly unknown[],
  approve?: bigint,
): Promise<ChainReceipt & { receipt: TransactionReceipt }> {
  let approvalGasUsed: bigint | undefined;
  try {
    const { account, client, wallet } = await clients(target);
    if (approve !== undefined && approve > 0n) {
      const token = await client.readContract({
        address: target.contract,
        abi: murmurStakingAbi,
        functionName: 'token',
      });
      const allowance = await client.readContract({
        address: token,
        abi: murmurStakeTokenAbi,
        functionName: 'allowance',
        args: [account.address, target.contract],
      });
      if (allowance < approve) {
        const hash = await wallet.writeContract({
          address: token,
          abi: murmurStakeTokenAbi,
          functionName: 'approve',
          args: [target.contract, approve],
        });
        approvalGasUsed = (await client.waitForTransactionReceipt({ hash })).gasUsed;
      }
    }
    const hash = await wallet.writeContract({
      address: target.contract,
      // The token's errors too: a transfer it refuses reverts the registry's call.
      abi: [...murmurStakingAbi, ...murmurStakeTokenAbi.filter((item) => item.type === 'error')],
      functionName: functionName as never,
      args: args as never,
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') {
      throw new EvmLedgerError(
        'transaction-refused',
        `${what} reverted in block ${receipt.blockNumber}`,
      );
    }
    return {
      hash,
      blockNumber: receipt.blockNumber,
      gasUsed: receipt.gasUsed,
      approvalGasUsed,
      receipt,
    };
  } catch (error) {
    if (error instanceof EvmLedgerError) throw error;
    return refused(error, what);
  }
}

/** Sends `functionName(args)` to the staking contract and waits for its receipt. */
export async function sendStakingTransaction(
  target: ChainTarget,
  what: string,
  functionName: string,
  args: readonly unknown[],
): Promise<ChainReceipt> {
  const { receipt: _receipt, ...rest } = await send(target, what, functionName, args);
  return rest;
}

/** Input of {@link registerNodeOnChain}. */
export interface RegisterOnChainInit {
  /** The node's Ed25519 key pair (libsodium form: the secret key starts with the seed). */
  node: Ed25519KeyPair;
  /** The operator's stake, atomic units (at least 25% of the requirement). */
  operatorStake: bigint;
  /** Fee, basis points (0 … 10,000). */
  feeBasisPoints: number;
  /** The node's public IPv4 address, dotted. */
  ip: string;
  storagePort: number;
  relayPort: number;
}

function ipv4Number(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (
    parts.length !== 4 ||
    parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)
  ) {
    throw new EvmLedgerError(
      'transaction-refused',
      `${JSON.stringify(ip)} is not a dotted IPv4 address`,
    );
  }
  return parts.reduce((value, part) => value * 256 + part, 0);
}

/**
 * Registers `init.node` with the wallet of `target` as operator: approves the stake if needed,
 * sends `registerNode` and waits for it. Returns the contract's node id and whether the node is
 * active (the operator staked the whole requirement).
 */
export async function registerNodeOnChain(
  target: ChainTarget,
  init: RegisterOnChainInit,
  crypto: SigningCrypto,
): Promise<ChainReceipt & { nodeId: bigint; active: boolean; attestation: `0x${string}` }> {
  const seed = init.node.secretKey.slice(0, 32);
  const attestation = privateKeyToAccount(attestationPrivateKey(seed, crypto)).address;
  const { client } = await clients(target);
  const chainId = await client.getChainId();
  const ed25519 = bytesToHex(init.node.publicKey);
  const signature = crypto.sign(
    attestationBindingMessage({ ed25519, attestation, chainId, contract: target.contract }),
    init.node.secretKey,
  );
  const sent = await send(
    target,
    'the registration',
    'registerNode',
    [
      {
        ed25519: `0x${ed25519}`,
        x25519: `0x${bytesToHex(crypto.ed25519PublicKeyToX25519(init.node.publicKey))}`,
        attestation,
        ed25519Signature: `0x${bytesToHex(signature)}`,
        feeBasisPoints: init.feeBasisPoints,
        ipv4: ipv4Number(init.ip),
        storagePort: init.storagePort,
        relayPort: init.relayPort,
      },
      init.operatorStake,
    ],
    init.operatorStake,
  );
  let nodeId: bigint | undefined;
  let active = false;
  for (const log of sent.receipt.logs) {
    try {
      const event = decodeEventLog({ abi: murmurStakingAbi, data: log.data, topics: log.topics });
      if (event.eventName === 'NodeRegistered') nodeId = event.args.id;
      if (event.eventName === 'NodeActivated') active = true;
    } catch {
      // the token's Transfer
    }
  }
  if (nodeId === undefined) {
    throw new EvmLedgerError(
      'transaction-refused',
      'the registration emitted no NodeRegistered event',
    );
  }
  const { receipt: _receipt, ...rest } = sent;
  return { ...rest, nodeId, active, attestation };
}

/** Contributes `amount` to node `nodeId` (approving it first if needed). */
export async function contributeOnChain(
  target: ChainTarget,
  nodeId: bigint,
  amount: bigint,
): Promise<ChainReceipt> {
  const { receipt: _receipt, ...rest } = await send(
    target,
    'the contribution',
    'contribute',
    [nodeId, amount],
    amount,
  );
  return rest;
}

/** Asks for node `nodeId`'s exit (the wallet must be one of its contributors). */
export async function requestExitOnChain(
  target: ChainTarget,
  nodeId: bigint,
): Promise<ChainReceipt> {
  const { receipt: _receipt, ...rest } = await send(target, 'the exit request', 'requestExit', [
    nodeId,
  ]);
  return rest;
}

/** Completes node `nodeId`'s exit once its delay has passed (any wallet may). */
export async function exitOnChain(target: ChainTarget, nodeId: bigint): Promise<ChainReceipt> {
  const { receipt: _receipt, ...rest } = await send(target, 'the exit', 'exit', [nodeId]);
  return rest;
}
