/**
 * Registry benchmark (`pnpm --filter @murmur/bench run bench:registry`; build @murmur/wire,
 * @murmur/crypto, @murmur/swarm and @murmur/registry first).
 *
 * One block of 1,000 signed transactions (400 transfers, 300 contributions of which 100
 * complete a node's stake and so recompute the swarms, 300 uptime proofs) applied to a state
 * with 1,000 active nodes and 2,300 wallets. `applyBlock` is pure, so the same block is applied
 * to the same state again and again. Rows:
 * - `applyBlock` on the native backend (target: a few tens of ms, signature checks dominating);
 * - the same on the wasm backend;
 * - `applyBlock` with signature checks off (the rules, hashing, swarms);
 * - the signature checks alone as `applyBlock` does them (signed bytes + `verify`);
 * - the baseline: 1,000 raw sodium-native `crypto_sign_verify_detached` calls on the same bytes.
 * Ratios are to the baseline, measured in the same run; the cases are interleaved run by run
 * (after 3 warm-up rounds) so that the shared machine's noise hits them alike. Options:
 * `--runs N` (default 15).
 */
import { createRequire } from 'node:module';
import { arch, cpus, platform } from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import {
  applyBlock,
  type Block,
  createBlock,
  createContribution,
  createGenesis,
  createRegistration,
  createTransfer,
  createUptimeProof,
  devnetParams,
  type Ed25519KeyPair,
  type RegistryState,
  requiredSigners,
  type Transaction,
  transactionSigningBytes,
} from '@murmur/registry';
import { numberOption } from './args.js';
import { median } from './stats.js';

interface RawSodium {
  crypto_sign_verify_detached(
    signature: Uint8Array,
    message: Uint8Array,
    publicKey: Uint8Array,
  ): boolean;
}

const require = createRequire(import.meta.url);
const raw = require('sodium-native') as RawSodium;

const COIN = 1_000_000_000n;
const ACTIVE_NODES = 1_000;
const AWAITING_NODES = 100;
const WALLETS = 1_000;
const CHAIN_ID = 'murmur-bench';

const RUNS = numberOption('runs', 15);

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Builds the state (1,000 active nodes, 100 awaiting two more contributions) and the block. */
function scenario(crypto: MurmurCrypto): { state: RegistryState; block: Block } {
  const keyCache = new Map<string, Ed25519KeyPair>();
  const key = (name: string) => {
    let pair = keyCache.get(name);
    if (pair === undefined) {
      pair = crypto.ed25519KeyPairFromSeed(crypto.blake2b(new TextEncoder().encode(name), 32));
      keyCache.set(name, pair);
    }
    return pair;
  };
  const address = (name: string) => hex(key(name).publicKey);
  const walletNames = Array.from({ length: WALLETS }, (_, i) => `wallet-${i}`);
  const operatorNames = Array.from({ length: 10 }, (_, i) => `operator-${i}`);
  const contributorNames = Array.from({ length: 300 }, (_, i) => `contributor-${i}`);
  const { block: genesis, state: initial } = createGenesis(
    {
      chainId: CHAIN_ID,
      params: { ...devnetParams, uptimeProofValidityMs: 10 * 60_000 },
      timestamp: 1_700_000_000_000,
      authority: address('authority'),
      allocations: [
        ...walletNames.map((name) => ({ address: address(name), amount: 1_000n * COIN })),
        ...operatorNames.map((name) => ({ address: address(name), amount: 100_000n * COIN })),
        ...contributorNames.map((name) => ({ address: address(name), amount: 100n * COIN })),
      ],
    },
    crypto,
  );
  let state = initial;
  let previous = genesis;
  const nonces = new Map<string, number>();
  const nonce = (name: string) => {
    const next = (nonces.get(name) ?? 0) + 1;
    nonces.set(name, next);
    return next;
  };
  const apply = (transactions: Transaction[]) => {
    const block = createBlock(
      {
        height: previous.height + 1,
        previousHash: previous.hash,
        timestamp: previous.timestamp + 1_000,
        transactions,
      },
      crypto,
    );
    const result = applyBlock(state, block, crypto);
    const refused = result.results.filter((entry) => !entry.accepted);
    if (refused.length > 0) throw new Error(`setup refused: ${JSON.stringify(refused[0])}`);
    state = result.state;
    previous = block;
  };
  // 1,000 fully staked nodes, registered 200 per block.
  for (let batch = 0; batch < ACTIVE_NODES / 200; batch++) {
    const transactions: Transaction[] = [];
    for (let i = batch * 200; i < (batch + 1) * 200; i++) {
      const operator = operatorNames[i % operatorNames.length] as string;
      transactions.push(
        createRegistration(
          {
            chainId: CHAIN_ID,
            feeBasisPoints: 500,
            operatorStake: devnetParams.stakingRequirement,
            nonce: nonce(operator),
          },
          { node: key(`node-${i}`), operator: key(operator) },
          crypto,
        ),
      );
    }
    apply(transactions);
  }
  // 100 nodes with the operator's 25% and one contribution of 25%, awaiting two more.
  const awaiting: Transaction[] = [];
  for (let i = 0; i < AWAITING_NODES; i++) {
    const operator = operatorNames[i % operatorNames.length] as string;
    awaiting.push(
      createRegistration(
        {
          chainId: CHAIN_ID,
          feeBasisPoints: 500,
          operatorStake: 25n * COIN,
          nonce: nonce(operator),
        },
        { node: key(`pending-${i}`), operator: key(operator) },
        crypto,
      ),
    );
  }
  apply(awaiting);
  const firstContributions: Transaction[] = [];
  for (let i = 0; i < AWAITING_NODES; i++) {
    const contributor = contributorNames[i] as string;
    firstContributions.push(
      createContribution(
        {
          chainId: CHAIN_ID,
          node: address(`pending-${i}`),
          amount: 25n * COIN,
          nonce: nonce(contributor),
        },
        key(contributor),
        crypto,
      ),
    );
  }
  apply(firstContributions);

  // The measured block: 400 transfers, 300 contributions (100 complete a stake), 300 proofs.
  const timestamp = previous.timestamp + 1_000;
  const transactions: Transaction[] = [];
  for (let i = 0; i < 400; i++) {
    const from = walletNames[i] as string;
    transactions.push(
      createTransfer(
        {
          chainId: CHAIN_ID,
          to: address(walletNames[(i + 1) % WALLETS] as string),
          amount: COIN,
          nonce: nonce(from),
        },
        key(from),
        crypto,
      ),
    );
  }
  for (let i = 0; i < AWAITING_NODES; i++) {
    for (const [offset, amount] of [
      [100, 25n * COIN],
      [200, 25n * COIN],
    ] as const) {
      const contributor = contributorNames[offset + i] as string;
      transactions.push(
        createContribution(
          { chainId: CHAIN_ID, node: address(`pending-${i}`), amount, nonce: nonce(contributor) },
          key(contributor),
          crypto,
        ),
      );
    }
  }
  for (let i = 0; i < AWAITING_NODES; i++) {
    const contributor = contributorNames[i] as string;
    transactions.push(
      createContribution(
        // Refused (the node is full by then): a contribution still costs its checks.
        {
          chainId: CHAIN_ID,
          node: address(`pending-${i}`),
          amount: COIN,
          nonce: nonce(contributor),
        },
        key(contributor),
        crypto,
      ),
    );
  }
  for (let i = 0; i < 300; i++) {
    transactions.push(
      createUptimeProof(
        {
          chainId: CHAIN_ID,
          ip: `10.0.${i >> 8}.${i & 255}`,
          storagePort: 22_021,
          relayPort: 22_022,
          version: [1, 0, 0],
          timestamp,
        },
        key(`node-${i}`),
        crypto,
      ),
    );
  }
  const block = createBlock(
    { height: previous.height + 1, previousHash: previous.hash, timestamp, transactions },
    crypto,
  );
  return { state, block };
}

interface Row {
  name: string;
  times: number[];
}

const rows: Row[] = [];
const native = await loadCrypto({ backend: 'native' });
const wasm = await loadCrypto({ backend: 'wasm' });
const { state, block } = scenario(native);

// Check the block does what it says once, outside the timings.
const check = applyBlock(state, block, native);
const accepted = check.results.filter((result) => result.accepted).length;
const activated = check.state.swarmAssignment.size - state.swarmAssignment.size;

const signed = block.transactions.map((tx) => ({
  tx,
  signers: requiredSigners(tx, state.authority).map((signer) => ({
    key: Buffer.from(signer.key, 'hex'),
    signature: Buffer.from(signer.signature, 'hex'),
  })),
}));
const messages = signed.map(({ tx, signers }) => ({
  message: transactionSigningBytes(tx, CHAIN_ID),
  signers,
}));
const cases: { name: string; body: () => void }[] = [
  {
    name: `applyBlock, ${block.transactions.length} transactions, native`,
    body: () => applyBlock(state, block, native),
  },
  {
    name: `applyBlock, ${block.transactions.length} transactions, wasm`,
    body: () => applyBlock(state, block, wasm),
  },
  {
    name: 'applyBlock with verifySignatures: false (rules, hashing, swarms)',
    body: () => applyBlock(state, block, native, { verifySignatures: false }),
  },
  {
    name: 'signature checks alone (signed bytes + verify), native',
    body: () => {
      for (const { tx, signers } of signed) {
        const message = transactionSigningBytes(tx, CHAIN_ID);
        for (const signer of signers) {
          if (!native.verify(signer.signature, message, signer.key)) throw new Error('bad');
        }
      }
    },
  },
  {
    name: `baseline: ${block.transactions.length} raw sodium-native verifies`,
    body: () => {
      for (const { message, signers } of messages) {
        for (const signer of signers) {
          if (!raw.crypto_sign_verify_detached(signer.signature, message, signer.key)) {
            throw new Error('bad');
          }
        }
      }
    },
  },
];
// Interleaved: each run measures every case once, so the shared machine's noise hits them alike.
const times = cases.map(() => [] as number[]);
for (let run = -3; run < RUNS; run++) {
  for (const [index, entry] of cases.entries()) {
    const start = performance.now();
    entry.body();
    if (run >= 0) times[index]?.push(performance.now() - start);
  }
}
for (const [index, entry] of cases.entries()) {
  rows.push({ name: entry.name, times: times[index] as number[] });
}
const baseline = rows.at(-1) as Row;

const baselineMs = median(baseline.times);
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `Registry benchmark: Node ${process.version}, ${platform()} ${arch()}, ${cpus().length} cores (${cpu})`,
);
console.log(
  `Block ${block.height}: ${block.transactions.length} transactions (${accepted} accepted, ${activated} nodes activated) on ${state.nodes.size} nodes and ${state.wallets.size} wallets; ${RUNS} runs`,
);
console.log('');
console.log('| benchmark | median | min | max | runs | per transaction | ratio to baseline |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const row of rows) {
  const medianMs = median(row.times);
  console.log(
    `| ${row.name} | ${medianMs.toFixed(1)} ms | ${Math.min(...row.times).toFixed(1)} ms | ${Math.max(...row.times).toFixed(1)} ms | ${row.times.length} | ${((medianMs * 1_000) / block.transactions.length).toFixed(1)} µs | ${(medianMs / baselineMs).toFixed(2)} |`,
  );
}
