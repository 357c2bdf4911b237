/**
 * A real anvil with Murmur's contracts deployed, and named actors: operators and contributors
 * (EVM accounts with gas, stake tokens and the registry approved) and nodes (Ed25519 keys with
 * their derived attestation keys), for the EVM ledger source's tests.
 */

import {
  deployMurmurRegistry,
  murmurStakeTokenAbi,
  murmurStakingAbi,
  REASON_FAILED_UPTIME,
} from '@murmur/contracts';
import { type Anvil, startAnvil } from '@murmur/contracts/anvil';
import { ANVIL_DEPLOYER_KEY } from '@murmur/contracts/dev-chain';
import type { MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, utf8Encode } from '@murmur/wire';
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeEventLog,
  type Hex,
  http,
  type PublicClient,
  parseEther,
  type TestClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { attestationBindingMessage, attestationPrivateKey } from '../evm/attestation.js';
import {
  createEvmLedgerSource,
  type EvmLedgerSource,
  type EvmLedgerSourceInit,
} from '../evm/evm-ledger-source.js';
import type { Ed25519KeyPair } from '../types.js';

export const COIN = 1_000_000_000n;

/** The delays of the test deployment (seconds). */
export const TEST_DELAYS = {
  exitDelay: 600n,
  deregistrationLock: 1_200n,
  minimumNodeAge: 300n,
  signatureExpiry: 600n,
};

export type Wallet = WalletClient<Transport, Chain, Account>;

export interface NodeAddress {
  ipv4?: number;
  storagePort?: number;
  relayPort?: number;
}

export class EvmTestChain {
  readonly wallets: Map<string, Wallet> = new Map();
  readonly nodeIds = new Map<string, bigint>();

  private constructor(
    readonly crypto: MurmurCrypto,
    readonly anvil: Anvil,
    readonly client: PublicClient,
    readonly test: TestClient<'anvil'>,
    readonly deployer: Wallet,
    readonly token: Address,
    readonly staking: Address,
    readonly deploymentBlock: bigint,
    readonly chainId: number,
    private readonly transport: Transport,
  ) {}

  static async start(
    crypto: MurmurCrypto,
    stakingRequirement = 100n * COIN,
  ): Promise<EvmTestChain> {
    const anvil = await startAnvil();
    const transport = http(anvil.url, { retryCount: 0 });
    const client = createPublicClient({ chain: foundry, transport, pollingInterval: 50 });
    const test = createTestClient({ chain: foundry, mode: 'anvil', transport });
    const deployer = createWalletClient({
      chain: foundry,
      transport,
      account: privateKeyToAccount(ANVIL_DEPLOYER_KEY),
    });
    const deployment = await deployMurmurRegistry(deployer, client as PublicClient, {
      stakingRequirement,
      ...TEST_DELAYS,
    });
    return new EvmTestChain(
      crypto,
      anvil,
      client as PublicClient,
      test as TestClient<'anvil'>,
      deployer,
      deployment.token,
      deployment.staking,
      deployment.blockNumber,
      await client.getChainId(),
      transport,
    );
  }

  stop(): Promise<void> {
    return this.anvil.stop();
  }

  /**
   * An EVM ledger source following this chain from its deployment, with no confirmations and
   * private addresses allowed (as every test here needs); `init` adds or overrides settings.
   */
  ledgerSource(init: Partial<EvmLedgerSourceInit> = {}): EvmLedgerSource {
    return createEvmLedgerSource(
      {
        client: this.client,
        contract: this.staking,
        deploymentBlock: this.deploymentBlock,
        confirmations: 0,
        requirePublicIp: false,
        ...init,
      },
      { crypto: this.crypto },
    );
  }

  /** The named Ed25519 node key (same derivation as the devnet `TestChain`). */
  nodeKey(name: string): { seed: Uint8Array; pair: Ed25519KeyPair } {
    const seed = this.crypto.blake2b(utf8Encode(name), 32);
    return { seed, pair: this.crypto.ed25519KeyPairFromSeed(seed) };
  }

  /** The hex Ed25519 key of the named node. */
  nodeKeyHex(name: string): string {
    return bytesToHex(this.nodeKey(name).pair.publicKey);
  }

  /** The private key of the named EVM account. */
  accountKey(name: string): Hex {
    return `0x${bytesToHex(this.crypto.blake2b(utf8Encode(`evm-account:${name}`), 32))}`;
  }

  /** A named, funded EVM account that has approved the registry. */
  async wallet(name: string): Promise<Wallet> {
    const existing = this.wallets.get(name);
    if (existing !== undefined) return existing;
    const key = this.accountKey(name);
    const account = privateKeyToAccount(key);
    const wallet = createWalletClient({ chain: foundry, transport: this.transport, account });
    this.wallets.set(name, wallet);
    await this.test.setBalance({ address: account.address, value: parseEther('100') });
    await this.wait(
      this.deployer.writeContract({
        address: this.token,
        abi: murmurStakeTokenAbi,
        functionName: 'mint',
        args: [account.address, 10_000n * COIN],
      }),
    );
    await this.wait(
      wallet.writeContract({
        address: this.token,
        abi: murmurStakeTokenAbi,
        functionName: 'approve',
        args: [this.staking, 2n ** 256n - 1n],
      }),
    );
    return wallet;
  }

  async wait(hash: Promise<Hex>) {
    const receipt = await this.client.waitForTransactionReceipt({ hash: await hash });
    if (receipt.status !== 'success') throw new Error('transaction reverted');
    return receipt;
  }

  private async call(name: string, functionName: string, args: readonly unknown[]) {
    const wallet = await this.wallet(name);
    return this.wait(
      wallet.writeContract({
        address: this.staking,
        abi: murmurStakingAbi,
        functionName: functionName as never,
        args: args as never,
      }),
    );
  }

  /** Registers node `node` with `operator` staking `amount`; returns the receipt. */
  async register(
    operator: string,
    node: string,
    amount: bigint,
    options: NodeAddress & { fee?: number; badBinding?: boolean } = {},
  ) {
    const { seed, pair } = this.nodeKey(node);
    const ed25519 = bytesToHex(pair.publicKey);
    const attestation = privateKeyToAccount(attestationPrivateKey(seed, this.crypto)).address;
    const message = attestationBindingMessage({
      ed25519,
      attestation,
      chainId: this.chainId,
      contract: this.staking,
    });
    const signature = this.crypto.sign(message, pair.secretKey);
    if (options.badBinding === true) signature[0] = (signature[0] as number) ^ 1;
    const receipt = await this.call(operator, 'registerNode', [
      {
        ed25519: `0x${ed25519}`,
        x25519: `0x${bytesToHex(this.crypto.ed25519PublicKeyToX25519(pair.publicKey))}`,
        attestation,
        ed25519Signature: `0x${bytesToHex(signature)}`,
        feeBasisPoints: options.fee ?? 0,
        ipv4: options.ipv4 ?? 0x7f000001,
        storagePort: options.storagePort ?? 22_021,
        relayPort: options.relayPort ?? 22_022,
      },
      amount,
    ]);
    for (const log of receipt.logs) {
      try {
        const event = decodeEventLog({ abi: murmurStakingAbi, data: log.data, topics: log.topics });
        if (event.eventName === 'NodeRegistered') this.nodeIds.set(node, event.args.id);
      } catch {
        // the token's Transfer
      }
    }
    return receipt;
  }

  id(node: string): bigint {
    const id = this.nodeIds.get(node);
    if (id === undefined) throw new Error(`node ${node} is not registered`);
    return id;
  }

  contribute(contributor: string, node: string, amount: bigint) {
    return this.call(contributor, 'contribute', [this.id(node), amount]);
  }

  withdraw(contributor: string, node: string) {
    return this.call(contributor, 'withdrawContribution', [this.id(node)]);
  }

  requestExit(contributor: string, node: string) {
    return this.call(contributor, 'requestExit', [this.id(node)]);
  }

  exit(caller: string, node: string) {
    return this.call(caller, 'exit', [this.id(node)]);
  }

  /** The quorum `signers` (node names) removes `node`, submitted by `submitter`. */
  async deregister(submitter: string, node: string, signers: readonly string[]) {
    const timestamp = (await this.client.getBlock()).timestamp;
    const digest = await this.client.readContract({
      address: this.staking,
      abi: murmurStakingAbi,
      functionName: 'deregistrationDigest',
      args: [this.id(node), REASON_FAILED_UPTIME, timestamp],
    });
    const ordered = [...signers].sort((a, b) => (this.id(a) < this.id(b) ? -1 : 1));
    const signatures = await Promise.all(
      ordered.map((name) =>
        privateKeyToAccount(attestationPrivateKey(this.nodeKey(name).seed, this.crypto)).sign({
          hash: digest,
        }),
      ),
    );
    return this.call(submitter, 'deregister', [
      this.id(node),
      REASON_FAILED_UPTIME,
      timestamp,
      ordered.map((name) => this.id(name)),
      signatures,
    ]);
  }

  /** The contract owner changes the staking requirement. */
  setRequirement(requirement: bigint) {
    return this.wait(
      this.deployer.writeContract({
        address: this.staking,
        abi: murmurStakingAbi,
        functionName: 'setStakingRequirement',
        args: [requirement],
      }),
    );
  }

  /** Moves the chain's clock and mines a block. */
  async advance(seconds: number): Promise<void> {
    await this.test.increaseTime({ seconds });
    await this.test.mine({ blocks: 1 });
  }

  /** The registry wallet of a named EVM account. */
  async walletAddress(name: string): Promise<Address> {
    return (await this.wallet(name)).account.address;
  }
}
