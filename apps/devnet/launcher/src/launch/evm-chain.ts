/**
 * The EVM ledger of a testnet (`ledger: 'evm'`, `murmur-devnet up --ledger evm`): anvil from npm
 * (the binary inside `@foundry-rs/anvil`, never downloaded) as the testnet's `ledger` process on
 * the manifest's ledger port, Murmur's stake token and staking contract deployed on it (once:
 * the manifest records where), and the nodes staked through the contract — operators and
 * contributors with EVM wallet files, the operator's 25–50 % and the contributions of pooled
 * nodes as the staking plan says, the nodes' attestation addresses given gas for the
 * deregistrations they may submit. The launcher then reads the chain through
 * `evmLedgerView`, so its waits and status work as on the devnet ledger.
 */
import { existsSync } from 'node:fs';
import { anvilBinaryPath } from '@murmur/contracts/anvil';
import { type ConnectedDevChain, connectDevChain } from '@murmur/contracts/dev-chain';
import {
  attestationAddress,
  contributeOnChain,
  createEvmLedgerSource,
  createEvmWalletFile,
  type EvmLedgerSource,
  evmLedgerView,
  evmRegistryChainId,
  loadEvmWalletFile,
  registerNodeOnChain,
} from '@murmur/registry/evm';
import { loadNodeKeyFile } from '@murmur/registry/key-files';
import { type Context, LEDGER, ledgerUrlOf } from '../context.js';
import type { ManifestNode, TestnetLayout } from '../manifest.js';
import { mapLimit, pollUntil } from '../poll.js';
import { announcedAddress } from '../ports.js';
import { anyExit, ensurePortFree } from '../processes/exits.js';
import { spawnProcess } from '../processes/managed-process.js';
import { savePids } from '../processes/process-table.js';
import { stakingPlan } from '../staking/staking-plan.js';

/**
 * The `murmur-node` flags that follow the testnet's contract instead of a ledger URL (none
 * before the contracts are deployed: `murmur-node init` runs meanwhile and needs none).
 */
export function evmNodeFlags(context: Pick<Context, 'manifest'>): string[] {
  const evm = context.manifest.evm;
  if (evm === undefined) return [];
  return [
    '--chain',
    ledgerUrlOf(context.manifest),
    '--contract',
    evm.staking,
    '--deployment-block',
    evm.deploymentBlock,
    '--confirmations',
    '0',
  ];
}

/** The anvil flags of a testnet: its address and port, and its state file (kept on stop). */
function anvilArgs(context: Pick<Context, 'manifest' | 'layout'>): string[] {
  return [
    '--host',
    context.manifest.host,
    '--port',
    String(context.manifest.ledgerPort),
    '--state',
    context.layout.chainState,
    ...context.manifest.ledgerArgs,
  ];
}

/**
 * Starts anvil as the testnet's `ledger` process, waits until it answers, deploys the contracts
 * on a new chain (or checks the recorded ones), records them in the manifest and points
 * `context.client` at the chain. Returns the chain and the source behind `context.client`
 * (stop it with the testnet).
 */
export async function startEvmChain(
  context: Context,
  options: { signal?: AbortSignal | undefined },
): Promise<{ chain: ConnectedDevChain; source: EvmLedgerSource }> {
  const { manifest, layout } = context;
  await ensurePortFree(manifest.host, manifest.ledgerPort, 'the chain (anvil)');
  const proc = spawnProcess({
    name: LEDGER,
    executable: anvilBinaryPath(),
    args: anvilArgs(context),
    logFile: layout.logFile(LEDGER),
    env: context.env,
  });
  context.processes.set(LEDGER, proc);
  savePids(context);
  const url = ledgerUrlOf(manifest);
  const existing =
    manifest.evm === undefined
      ? undefined
      : {
          token: manifest.evm.token as `0x${string}`,
          staking: manifest.evm.staking as `0x${string}`,
          deploymentBlock: BigInt(manifest.evm.deploymentBlock),
        };
  const chain = await pollUntil(
    async () => {
      try {
        return await connectDevChain(url, existing);
      } catch (error) {
        // Not listening yet; a chain without the recorded contract is a real failure.
        if (error instanceof Error && /no staking contract/.test(error.message)) throw error;
        return undefined;
      }
    },
    {
      intervalMs: 50,
      timeoutMs: context.readyTimeoutMs,
      signal: options.signal,
      failure: anyExit([proc], 'while it was starting', new Map([[LEDGER, manifest.ledgerPort]])),
      describeTimeout: () =>
        `anvil did not answer on ${url} within ${context.readyTimeoutMs} ms; log: ${proc.logFile}`,
    },
  );
  manifest.evm = {
    chainId: chain.chainId,
    token: chain.token,
    staking: chain.staking,
    deploymentBlock: chain.deploymentBlock.toString(),
  };
  manifest.chainId = evmRegistryChainId({ chainId: chain.chainId, contract: chain.staking });
  const source = createEvmLedgerSource(
    {
      client: chain.client,
      contract: chain.staking,
      deploymentBlock: chain.deploymentBlock,
      confirmations: 0,
      pollIntervalMs: 200,
      requirePublicIp: false,
    },
    { crypto: context.crypto },
  );
  context.client = evmLedgerView(source);
  return { chain, source };
}

/** Whether the testnet in `layout` holds an EVM chain it can resume. */
export function evmChainExists(layout: Pick<TestnetLayout, 'chainState'>): boolean {
  return existsSync(layout.chainState);
}

/** An EVM wallet file at `path`, created on first use. */
function evmWallet(path: string) {
  return existsSync(path) ? loadEvmWalletFile(path) : createEvmWalletFile(path);
}

/**
 * Stakes `nodes` through the contract: per the staking plan, the operator registers (solo: the
 * whole requirement; pooled: 25–50 %) and the contributors fill the rest; every wallet and every
 * node's attestation address gets gas first. `onDone` is called once per node staked.
 */
export async function stakeOnChain(
  context: Context,
  chain: ConnectedDevChain,
  nodes: readonly ManifestNode[],
  onDone?: () => void,
): Promise<void> {
  const genesis = await context.client.getGenesis();
  const rules = {
    stakingRequirement: genesis.params.stakingRequirement,
    minOperatorStake: genesis.params.minOperatorStake,
    maxContributors: genesis.params.maxContributors,
  };
  // Funding comes from one account (the token's owner): one transaction after another.
  const prepared = [];
  for (const node of nodes) {
    const plan = stakingPlan(node.index, node.pooled, rules);
    const keys = loadNodeKeyFile(context.crypto, context.layout.nodeDir(node.name));
    const operator = evmWallet(context.layout.evmWallet(node.name, 'operator'));
    const contributors = plan.contributions.map((_, i) =>
      evmWallet(context.layout.evmWallet(node.name, `contributor-${i + 1}`)),
    );
    await chain.fund(operator.address, plan.operatorStake);
    for (const [i, wallet] of contributors.entries()) {
      await chain.fund(wallet.address, plan.contributions[i] as bigint);
    }
    await chain.fund(attestationAddress(keys.ed25519.secretKey.slice(0, 32), context.crypto), 0n);
    prepared.push({ node, plan, keys, operator, contributors });
  }
  // Each node's stakes come from its own wallets: the nodes go in parallel.
  await mapLimit(prepared, 4, async ({ node, plan, keys, operator, contributors }) => {
    const target = (privateKey: `0x${string}`) => ({
      rpcUrl: chain.url,
      contract: chain.staking,
      privateKey,
    });
    const registered = await registerNodeOnChain(
      target(operator.privateKey),
      {
        node: keys.ed25519,
        operatorStake: plan.operatorStake,
        feeBasisPoints: plan.feeBasisPoints,
        ip: announcedAddress(node.host),
        storagePort: node.storagePort,
        relayPort: node.relayPort,
      },
      context.crypto,
    );
    for (const [i, wallet] of contributors.entries()) {
      await contributeOnChain(
        target(wallet.privateKey),
        registered.nodeId,
        plan.contributions[i] as bigint,
      );
    }
    context.crypto.wipe(keys.ed25519.secretKey);
    context.crypto.wipe(keys.x25519.secretKey);
    onDone?.();
  });
}
