/**
 * EVM registry benchmark (`pnpm --filter @murmur/bench run bench:evm`; build @murmur/contracts
 * and @murmur/registry first). On a local anvil (from npm) with Murmur's contracts:
 *
 * - **gas** of each operator transaction, from its receipt: register (solo, and pooled with the
 *   operator's 25%, both with the token approval reported apart), contribute (a middle one and
 *   the one that activates), exit request, exit (solo and 10 contributors), and a deregistration
 *   signed by the quorum of 10 active nodes (7 signatures);
 * - **follower lag**: from a registration's receipt to the registry follower's state holding the
 *   node in a swarm (`EvmLedgerSource` polling every `--poll` ms, confirmations 0, the follower
 *   fed by the source's subscription), over `--rounds` registrations; printed beside the poll
 *   interval, which bounds it.
 *
 * - **node view lag**: from a contract event's receipt (a registration that activates a node, then
 *   that node's exit) to a running `murmur-node` (`startNode`, `--chain`, confirmations 0, the
 *   node's own source polling every 1 s as shipped) having the node in, then out of, its view of
 *   the swarms, over `--node-rounds` registrations and exits;
 * - the gas of a staking requirement change by the owner.
 *
 * Options: `--rounds N` (default 30), `--poll MS` (default 100), `--node-rounds N` (default 10).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { murmurStakingAbi, REASON_FAILED_UPTIME } from '@murmur/contracts';
import { ANVIL_DEPLOYER_KEY, startDevChain } from '@murmur/contracts/dev-chain';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { createRegistryFollower } from '@murmur/registry';
import {
  attestationPrivateKey,
  contributeOnChain,
  createEvmLedgerSource,
  exitOnChain,
  registerNodeOnChain,
  requestExitOnChain,
} from '@murmur/registry/evm';
import { createKeyFile, resolveConfig, startNode } from '@murmur/service-node';
import { bytesToHex, utf8Encode } from '@murmur/wire';
import pino from 'pino';
import { createWalletClient, type Hex, http } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { numberOption } from './args.js';
import { median, percentile } from './stats.js';

const COIN = 1_000_000_000n;

function nodeKey(crypto: MurmurCrypto, name: string) {
  return crypto.ed25519KeyPairFromSeed(crypto.blake2b(utf8Encode(`bench-node:${name}`), 32));
}

async function main(): Promise<void> {
  const rounds = numberOption('rounds', 30);
  const pollMs = numberOption('poll', 100);
  const crypto = await loadCrypto();
  const chain = await startDevChain({ delays: { exitDelay: 60n, minimumNodeAge: 30n } });
  const wallets: Hex[] = [];
  const wallet = async (stake = 1_000n * COIN): Promise<Hex> => {
    const key = generatePrivateKey();
    await chain.fund(privateKeyToAccount(key).address, stake);
    wallets.push(key);
    return key;
  };
  const target = (privateKey: Hex) => ({ rpcUrl: chain.url, contract: chain.staking, privateKey });
  const address = { ip: '127.0.0.1', storagePort: 20_000, relayPort: 20_001, feeBasisPoints: 500 };
  const rows: [string, bigint][] = [];
  try {
    // Gas: a solo node, then a pooled one filled by nine contributors.
    const operator = await wallet(1_000_000n * COIN);
    const solo = await registerNodeOnChain(
      target(operator),
      { ...address, node: nodeKey(crypto, 'solo'), operatorStake: 100n * COIN },
      crypto,
    );
    rows.push(['token approve (first stake of a wallet)', solo.approvalGasUsed ?? 0n]);
    rows.push(['register, solo (activates)', solo.gasUsed]);
    const pooled = await registerNodeOnChain(
      target(operator),
      { ...address, node: nodeKey(crypto, 'pooled'), operatorStake: 25n * COIN },
      crypto,
    );
    rows.push(['register, pooled (operator 25%)', pooled.gasUsed]);
    let room = 75n * COIN;
    const contributions: bigint[] = [];
    for (let slots = 9n; slots >= 1n; slots--) {
      const amount = (room + slots - 1n) / slots;
      const receipt = await contributeOnChain(target(await wallet()), pooled.nodeId, amount);
      contributions.push(receipt.gasUsed);
      room -= amount;
    }
    rows.push(['contribute, 2nd contributor', contributions[0] ?? 0n]);
    rows.push(['contribute, 10th (fills and activates)', contributions[8] ?? 0n]);
    rows.push(['exit request', (await requestExitOnChain(target(operator), solo.nodeId)).gasUsed]);
    await requestExitOnChain(target(operator), pooled.nodeId);
    await chain.advance(60);
    rows.push([
      'exit, solo (1 refund)',
      (await exitOnChain(target(operator), solo.nodeId)).gasUsed,
    ]);
    rows.push([
      'exit, 10 contributors (10 refunds)',
      (await exitOnChain(target(operator), pooled.nodeId)).gasUsed,
    ]);

    // A deregistration signed by 7 of 10 active nodes.
    const quorum: { id: bigint; key: Hex }[] = [];
    for (let i = 0; i < 10; i++) {
      const node = nodeKey(crypto, `quorum-${i}`);
      const registered = await registerNodeOnChain(
        target(operator),
        { ...address, node, operatorStake: 100n * COIN },
        crypto,
      );
      quorum.push({
        id: registered.nodeId,
        key: attestationPrivateKey(node.secretKey.slice(0, 32), crypto),
      });
    }
    await chain.advance(30);
    const victim = quorum[9] as { id: bigint };
    const signers = quorum.slice(0, 7);
    const timestamp = (await chain.client.getBlock()).timestamp;
    const digest = await chain.client.readContract({
      address: chain.staking,
      abi: murmurStakingAbi,
      functionName: 'deregistrationDigest',
      args: [victim.id, REASON_FAILED_UPTIME, timestamp],
    });
    const signatures = await Promise.all(
      signers.map((signer) => privateKeyToAccount(signer.key).sign({ hash: digest })),
    );
    const submitter = createWalletClient({
      chain: { ...foundry, id: chain.chainId },
      transport: http(chain.url, { retryCount: 0 }),
      account: privateKeyToAccount(operator),
    });
    const hash = await submitter.writeContract({
      address: chain.staking,
      abi: murmurStakingAbi,
      functionName: 'deregister',
      args: [victim.id, REASON_FAILED_UPTIME, timestamp, signers.map((s) => s.id), signatures],
    });
    rows.push([
      'deregister, 7 of 10 signatures',
      (await chain.client.waitForTransactionReceipt({ hash })).gasUsed,
    ]);

    // Follower lag: receipt → the follower's state has the node in a swarm.
    const source = createEvmLedgerSource(
      {
        client: chain.client,
        contract: chain.staking,
        deploymentBlock: chain.deploymentBlock,
        confirmations: 0,
        pollIntervalMs: pollMs,
        requirePublicIp: false,
      },
      { crypto },
    );
    const follower = createRegistryFollower(
      { source, pollIntervalMs: 1_000, applyOptions: { verifySignatures: false } },
      { crypto },
    );
    source.start();
    follower.start();
    await follower.ready;
    await source.sync();
    await follower.sync();
    const waiting = new Map<string, (at: number) => void>();
    follower.on('state', (state) => {
      for (const [key, resolve] of [...waiting]) {
        if (state.swarmAssignment.has(key)) {
          waiting.delete(key);
          resolve(performance.now());
        }
      }
    });
    const lags: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const node = nodeKey(crypto, `lag-${i}`);
      const key = bytesToHex(node.publicKey);
      const seen = new Promise<number>((resolve) => waiting.set(key, resolve));
      const registered = await registerNodeOnChain(
        target(operator),
        { ...address, node, operatorStake: 100n * COIN },
        crypto,
      );
      const mined = performance.now();
      const guard = setTimeout(() => waiting.get(key)?.(Number.NaN), 30_000);
      const at = await seen;
      clearTimeout(guard);
      if (Number.isNaN(at)) throw new Error(`node ${registered.nodeId} never reached the follower`);
      lags.push(Math.max(0, at - mined));
    }
    follower.stop();
    await source.stop();

    // Node view lag: receipt → a running murmur-node's view of the swarms has the change.
    const nodeRounds = numberOption('node-rounds', 10);
    const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-evm-'));
    const nodeLags = { join: [] as number[], leave: [] as number[] };
    try {
      const dataDir = join(dir, 'node');
      mkdirSync(dataDir, { mode: 0o700 });
      const keys = createKeyFile(crypto, dataDir);
      await registerNodeOnChain(
        target(operator),
        { ...address, node: keys.ed25519, operatorStake: 100n * COIN },
        crypto,
      );
      const { config } = resolveConfig({
        flags: {
          'data-dir': dataDir,
          chain: chain.url,
          contract: chain.staking,
          'deployment-block': String(chain.deploymentBlock),
          confirmations: '0',
          listen: '127.0.0.1',
          port: '0',
          devnet: true,
        },
        env: {},
      });
      const node = await startNode(config, { logger: pino({ level: 'silent' }), crypto });
      try {
        const view = (key: string, present: boolean) =>
          new Promise<number>((resolve) => {
            const check = () => (node.network.snapshot()?.node(key) !== undefined) === present;
            if (check()) return resolve(performance.now());
            const guard = setTimeout(() => {
              stop();
              resolve(Number.NaN);
            }, 30_000);
            const stop = node.network.onChange(() => {
              if (!check()) return;
              clearTimeout(guard);
              stop();
              resolve(performance.now());
            });
          });
        await view(keys.ed25519Hex, true);
        for (let i = 0; i < nodeRounds; i++) {
          const member = nodeKey(crypto, `view-${i}`);
          const key = bytesToHex(member.publicKey);
          const joined = view(key, true);
          const registered = await registerNodeOnChain(
            target(operator),
            { ...address, node: member, operatorStake: 100n * COIN },
            crypto,
          );
          const mined = performance.now();
          const at = await joined;
          if (Number.isNaN(at)) throw new Error(`node ${registered.nodeId} never reached the view`);
          nodeLags.join.push(Math.max(0, at - mined));
          await requestExitOnChain(target(operator), registered.nodeId);
          await chain.advance(60);
          const left = view(key, false);
          await exitOnChain(target(operator), registered.nodeId);
          const exited = performance.now();
          const gone = await left;
          if (Number.isNaN(gone)) throw new Error(`node ${registered.nodeId} never left the view`);
          nodeLags.leave.push(Math.max(0, gone - exited));
        }
      } finally {
        await node.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // The owner changes the staking requirement.
    const owner = createWalletClient({
      chain: { ...foundry, id: chain.chainId },
      transport: http(chain.url, { retryCount: 0 }),
      account: privateKeyToAccount(ANVIL_DEPLOYER_KEY),
    });
    const changed = await owner.writeContract({
      address: chain.staking,
      abi: murmurStakingAbi,
      functionName: 'setStakingRequirement',
      args: [200n * COIN],
    });
    rows.push([
      'setStakingRequirement (owner)',
      (await chain.client.waitForTransactionReceipt({ hash: changed })).gasUsed,
    ]);

    process.stdout.write(
      'EVM registry on anvil 1.7.1 (solc 0.8.37, optimizer 200 runs, cancun)\n\n',
    );
    process.stdout.write('| transaction | gas |\n|---|---:|\n');
    for (const [name, gas] of rows)
      process.stdout.write(`| ${name} | ${gas.toLocaleString('en')} |\n`);
    const sorted = [...lags].sort((a, b) => a - b);
    process.stdout.write(
      `\nfollower lag, receipt → node in the follower's swarms (${rounds} registrations, source poll ${pollMs} ms, confirmations 0):\n` +
        `  median ${median(sorted).toFixed(0)} ms, p90 ${percentile(sorted, 90).toFixed(0)} ms, max ${(sorted[sorted.length - 1] ?? 0).toFixed(0)} ms` +
        ` (median / poll interval = ${(median(sorted) / pollMs).toFixed(2)})\n`,
    );
    for (const [what, lags] of [
      ['registration receipt → node in a murmur-node view', nodeLags.join],
      ['exit receipt → node out of a murmur-node view', nodeLags.leave],
    ] as const) {
      const ordered = [...lags].sort((a, b) => a - b);
      process.stdout.write(
        `${what} (${ordered.length} events, the node's source polls every 1,000 ms, confirmations 0):\n` +
          `  median ${median(ordered).toFixed(0)} ms, p90 ${percentile(ordered, 90).toFixed(0)} ms, max ${(ordered[ordered.length - 1] ?? 0).toFixed(0)} ms\n`,
      );
    }
  } finally {
    await chain.stop();
  }
}

await main();
