/**
 * The scenario driver: a whole network's life on the real `@murmur/registry` state machine.
 *
 * Every change goes through real signed transactions (`createRegistration`,
 * `createContribution`, `createUnlockRequest`, `createUptimeProof`) submitted to an in-process
 * ledger ({@link createMemoryLedger}); each block is made by `produceBlock()`, which applies it
 * with `applyBlock`, so swarms change exactly as they would on a network following that ledger.
 * The simulator only decides who sends what and when, and measures what comes out.
 *
 * Phases:
 * 1. **join**: nodes register in batches (one batch a block) until `nodes` are registered; most
 *    are fully staked by their operator, some (`pooledPercent`) are pooled: the operator stakes
 *    25% and reserves a spot for one contributor, and three contributors complete the stake in
 *    the next block.
 * 2. **notice**: `unlockBlocks` blocks in which the first leavers send their unlock requests, so
 *    that from the first churn block on, nodes exit every block.
 * 3. **churn**: `blocks` blocks; each block `churnPercent`% of `nodes` exit (their unlock, asked
 *    `unlockBlocks` earlier, comes due), as many new nodes register, and as many nodes ask to
 *    unlock. `failPercent`% of the nodes stop sending uptime proofs at a random block of the
 *    first half of the phase; the registry decommissions and then deregisters them by its rules.
 *
 * Every active node sends an uptime proof every `uptimeProofIntervalMs` (first one at a random
 * block of its first interval), except the failing ones once they stop.
 */
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import {
  type Block,
  createContribution,
  createMemoryLedger,
  createRegistration,
  createUnlockRequest,
  createUptimeProof,
  type Ed25519KeyPair,
  type MemoryLedger,
  type RegistryParams,
  type RegistryState,
  type RejectionReason,
  resolveParams,
  type SigningCrypto,
  type Transaction,
} from '@murmur/registry';
import {
  type AbortOptions,
  bytesToHex,
  InvalidInputError,
  throwIfAborted,
  utf8Encode,
} from '@murmur/wire';
import {
  distribution,
  type SeriesSummary,
  type Spread,
  spread,
  summarizeSeries,
} from './metrics.js';
import { createRandom, type Random, sample } from './random.js';
import { createStoredData, type StoredData } from './stored-data.js';

/** The cryptography the simulator needs: signing for the transactions and key derivation. */
export type SimulatorCrypto = SigningCrypto & Pick<MurmurCrypto, 'ed25519KeyPairFromSeed'>;

/** What to simulate. Only `nodes` … `seed` are usually set; the rest have sensible defaults. */
export interface ScenarioOptions {
  /** Nodes registered in the join phase; the size of the network (e.g. 10,000). */
  nodes: number;
  /** Blocks in the churn phase (e.g. 500). */
  blocks: number;
  /** Percent of `nodes` that exit, and as many that join, per churn block (e.g. 0.5). */
  churnPercent: number;
  /** Percent of `nodes` that stop sending uptime proofs during the churn phase (e.g. 1). */
  failPercent: number;
  /** Random pubkeys that model the stored data (e.g. 1,000,000). */
  pubkeys: number;
  /** Registry parameter set: `oxen` (2-minute blocks) or `devnet` (1-second blocks). */
  params: 'oxen' | 'devnet';
  /** Seed of everything random (keys, choices, pubkeys): the same seed gives the same run. */
  seed: string;
  /**
   * Blocks between an unlock request and the exit. Default: the set's value, but at most 30.
   * Oxen's 15 days (10,800 blocks) would push every exit past a run of a few hundred blocks; the
   * delay only shifts when exits happen, not how swarms react to them.
   */
  unlockBlocks?: number | undefined;
  /**
   * Decommission credit a node starts with, in blocks (how long a failing node stays
   * decommissioned before it is deregistered). Default: the set's value.
   */
  decommissionCreditBlocks?: number | undefined;
  /** Registrations per block in the join phase (default 250). */
  joinBatch?: number | undefined;
  /** Percent of registrations pooled with contributors (default 10). */
  pooledPercent?: number | undefined;
  /** Operator wallets (default nodes / 10, at least 1): each runs several nodes. */
  operators?: number | undefined;
  /** Contributor wallets for pooled nodes (default nodes / 50, at least 3). */
  contributors?: number | undefined;
  /** Genesis timestamp in ms (default 2025-01-01T00:00:00Z). */
  genesisTimestamp?: number | undefined;
}

/** {@link ScenarioOptions} with every default filled in. */
export interface ResolvedScenarioOptions {
  nodes: number;
  blocks: number;
  churnPercent: number;
  failPercent: number;
  pubkeys: number;
  params: 'oxen' | 'devnet';
  seed: string;
  unlockBlocks: number;
  decommissionCreditBlocks: number;
  joinBatch: number;
  pooledPercent: number;
  operators: number;
  contributors: number;
  genesisTimestamp: number;
  /** Block time of the parameter set, ms. */
  blockTimeMs: number;
  /** Blocks between two uptime proofs of a node. */
  proofIntervalBlocks: number;
}

/** A phase of the scenario. */
export type Phase = 'join' | 'notice' | 'churn';

/** First and last block height of a phase (inclusive). */
export interface PhaseRange {
  first: number;
  last: number;
}

/** What one block did to the swarms and the stored data. */
export interface BlockRecord {
  height: number;
  phase: Phase;
  /** Transactions in the block. */
  transactions: number;
  /** Active nodes after the block. */
  activeNodes: number;
  /** Swarms after the block. */
  swarms: number;
  /** Swarm sizes after the block. */
  minSize: number;
  p25Size: number;
  medianSize: number;
  p75Size: number;
  maxSize: number;
  /** Swarms with fewer than 5 nodes / more than 10 nodes. */
  swarmsUnder5: number;
  swarmsOver10: number;
  /** Nodes that entered the active set (and a swarm) in this block. */
  joined: number;
  /** Nodes that left the active set (exit, decommission, deregistration). */
  left: number;
  /** Nodes active before and after the block that are now in another swarm. */
  changedSwarm: number;
  /** Pubkeys whose swarm changed: their data must move to another swarm. */
  pubkeysMoved: number;
  /** `pubkeysMoved` over all pubkeys (0 … 1). */
  pubkeysMovedShare: number;
  /**
   * Data copied to nodes that joined a swarm (new nodes and nodes that changed swarm each
   * receive their swarm's whole data), over all data stored by all nodes after the block
   * (each copy counted) (0 … 1).
   */
  copiedShare: number;
  /** The same copied data in node-loads: how many average nodes' worth of data was copied. */
  copiedNodeLoads: number;
}

/** Per-block figures of one phase, each summarised over the phase's blocks. */
export interface PhaseSummary {
  /** Blocks in the phase. */
  blocks: number;
  activeNodes: SeriesSummary;
  swarms: SeriesSummary;
  minSize: SeriesSummary;
  p25Size: SeriesSummary;
  medianSize: SeriesSummary;
  p75Size: SeriesSummary;
  maxSize: SeriesSummary;
  swarmsUnder5: SeriesSummary;
  swarmsOver10: SeriesSummary;
  joined: SeriesSummary;
  left: SeriesSummary;
  changedSwarm: SeriesSummary;
  pubkeysMovedShare: SeriesSummary;
  copiedShare: SeriesSummary;
  copiedNodeLoads: SeriesSummary;
}

/** What the registry did, counted from its own node histories and the transaction results. */
export interface RegistryOutcome {
  /** Transactions submitted, and those the ledger refused (by reason; should be none). */
  transactions: number;
  rejected: Partial<Record<RejectionReason, number>>;
  /** Transactions by type. */
  registrations: number;
  pooledRegistrations: number;
  contributions: number;
  unlockRequests: number;
  uptimeProofs: number;
  /** Node events recorded by the registry, by type (`activated`, `exited`, …). */
  events: Record<string, number>;
  /** The failing nodes: chosen, stopped sending proofs, and what the registry did to them. */
  failing: {
    /** Their Ed25519 keys (hex), in the order chosen. */
    keys: string[];
    chosen: number;
    stopped: number;
    decommissioned: number;
    deregistered: number;
    /** Stopped but still registered at the end (decommissioned, credit not yet exhausted). */
    stillRegistered: number;
  };
}

/** Everything a run produced. Deterministic: the same options give an identical result. */
export interface ScenarioResult {
  options: ResolvedScenarioOptions;
  phases: Record<Phase, PhaseRange>;
  /** One record per block, from height 1. */
  blocks: BlockRecord[];
  /** Per-block figures summarised over each phase. */
  summary: Record<Phase, PhaseSummary>;
  /** How the pubkeys spread over the final swarms, and over nodes (each stores its swarm's). */
  spread: { perSwarm: Spread; perNode: Spread };
  registry: RegistryOutcome;
  /** Height and hash of the last block (the hash commits to every transaction of the run). */
  finalHeight: number;
  finalBlockHash: string;
  /** Pubkeys whose tracked swarm differed from a full lookup at the end (0: tracking exact). */
  storedDataMismatches: number;
}

/** Progress after each block. */
export interface ScenarioProgress {
  height: number;
  totalBlocks: number;
  phase: Phase;
  activeNodes: number;
  swarms: number;
}

/** What the per-block hook sees (tests use it to check invariants on the real state). */
export interface BlockView {
  block: Block;
  state: RegistryState;
  record: BlockRecord;
}

/** Components of {@link runScenario}. */
export interface ScenarioComponents extends AbortOptions {
  /** Crypto for signatures (default: `loadCrypto({ backend: 'native' })`). */
  crypto?: SimulatorCrypto | undefined;
  /** Called after each block. */
  onProgress?: ((progress: ScenarioProgress) => void) | undefined;
  /** Called after each block with the block and the registry state (tests). */
  onBlock?: ((view: BlockView) => void) | undefined;
}

const DEFAULT_GENESIS_TIMESTAMP = Date.UTC(2025, 0, 1);
const CHAIN_ID = 'murmur-sim';
const VERSION = [1, 0, 0] as const;

function checkNumber(
  value: unknown,
  field: string,
  minimum: number,
  maximum: number,
  integer: boolean,
): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    value < minimum ||
    value > maximum
  ) {
    throw new InvalidInputError(
      `${field} must be ${integer ? 'an integer' : 'a number'} from ${minimum} to ${maximum}, got ${String(value)}`,
      { details: { field } },
    );
  }
  return value;
}

/** Checks `options` and fills in the defaults. Throws `InvalidInputError` naming the field. */
export function resolveScenarioOptions(options: ScenarioOptions): ResolvedScenarioOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError('scenario options must be an object');
  }
  const nodes = checkNumber(options.nodes, 'nodes', 1, 100_000, true);
  const blocks = checkNumber(options.blocks, 'blocks', 1, 1_000_000, true);
  const churnPercent = checkNumber(options.churnPercent, 'churnPercent', 0, 50, false);
  const failPercent = checkNumber(options.failPercent, 'failPercent', 0, 100, false);
  const pubkeys = checkNumber(options.pubkeys, 'pubkeys', 1, 50_000_000, true);
  if (options.params !== 'oxen' && options.params !== 'devnet') {
    throw new InvalidInputError('params must be "oxen" or "devnet"', {
      details: { field: 'params' },
    });
  }
  if (typeof options.seed !== 'string' || options.seed.length > 200) {
    throw new InvalidInputError('seed must be a string of at most 200 characters', {
      details: { field: 'seed' },
    });
  }
  const set = resolveParams(options.params);
  const unlockBlocks = checkNumber(
    options.unlockBlocks ?? Math.min(set.unlockBlocks, 30),
    'unlockBlocks',
    1,
    1_000_000,
    true,
  );
  const decommissionCreditBlocks = checkNumber(
    options.decommissionCreditBlocks ?? set.decommissionCreditInitialBlocks,
    'decommissionCreditBlocks',
    set.decommissionMinimumCreditBlocks,
    set.decommissionCreditMaxBlocks,
    true,
  );
  const joinBatch = checkNumber(options.joinBatch ?? 250, 'joinBatch', 1, 5_000, true);
  const pooledPercent = checkNumber(options.pooledPercent ?? 10, 'pooledPercent', 0, 100, false);
  const operators = checkNumber(
    options.operators ?? Math.max(1, Math.ceil(nodes / 10)),
    'operators',
    1,
    100_000,
    true,
  );
  const contributors = checkNumber(
    options.contributors ?? Math.max(3, Math.ceil(nodes / 50)),
    'contributors',
    3,
    100_000,
    true,
  );
  const genesisTimestamp = checkNumber(
    options.genesisTimestamp ?? DEFAULT_GENESIS_TIMESTAMP,
    'genesisTimestamp',
    0,
    8.64e15,
    true,
  );
  return {
    nodes,
    blocks,
    churnPercent,
    failPercent,
    pubkeys,
    params: options.params,
    seed: options.seed,
    unlockBlocks,
    decommissionCreditBlocks,
    joinBatch,
    pooledPercent,
    operators,
    contributors,
    genesisTimestamp,
    blockTimeMs: set.blockTimeMs,
    proofIntervalBlocks: Math.max(1, Math.ceil(set.uptimeProofIntervalMs / set.blockTimeMs)),
  };
}

/** The heights of each phase for resolved options. */
export function phaseRanges(options: ResolvedScenarioOptions): Record<Phase, PhaseRange> {
  const joinBlocks = Math.ceil(options.nodes / options.joinBatch);
  const noticeLast = joinBlocks + options.unlockBlocks;
  return {
    join: { first: 1, last: joinBlocks },
    notice: { first: joinBlocks + 1, last: noticeLast },
    churn: { first: noticeLast + 1, last: noticeLast + options.blocks },
  };
}

/** A node the simulator runs. */
interface SimNode {
  readonly index: number;
  readonly keyPair: Ed25519KeyPair;
  readonly key: string;
  readonly ip: string;
  readonly operator: number;
  /** Contributor wallet indices of a pooled node (empty when fully staked by the operator). */
  readonly contributors: readonly number[];
  /** Height from which it sends no more proofs (failing nodes), else Infinity. */
  failAt: number;
  /** It asked to unlock (it exits `unlockBlocks` later). */
  leaving: boolean;
}

/** A wallet the simulator signs with, and its next nonce. */
interface Wallet {
  readonly keyPair: Ed25519KeyPair;
  readonly address: string;
  nonce: number;
}

/** A set with O(1) add, remove and uniform random pick. */
class PickableSet {
  readonly #items: number[] = [];
  readonly #positions = new Map<number, number>();

  get size(): number {
    return this.#items.length;
  }

  add(item: number): void {
    if (this.#positions.has(item)) return;
    this.#positions.set(item, this.#items.length);
    this.#items.push(item);
  }

  delete(item: number): void {
    const position = this.#positions.get(item);
    if (position === undefined) return;
    const last = this.#items.pop() as number;
    this.#positions.delete(item);
    if (last !== item) {
      this.#items[position] = last;
      this.#positions.set(last, position);
    }
  }

  /** Removes and returns a uniformly random item. */
  take(random: Random): number | undefined {
    if (this.#items.length === 0) return undefined;
    const item = this.#items[random.integer(this.#items.length)] as number;
    this.delete(item);
    return item;
  }
}

/** A public, unique IPv4 address for node `index` (20.0.0.1 … 79.255.255.254). */
export function nodeAddress(index: number): string {
  const a = 20 + (Math.floor(index / 65_536) % 60);
  const b = Math.floor(index / 256) % 256;
  const c = index % 256;
  const d = 1 + ((index * 7) % 254);
  return `${a}.${b}.${c}.${d}`;
}

/** The per-block figures that {@link PhaseSummary} summarises. */
const SUMMARISED_FIELDS = [
  'activeNodes',
  'swarms',
  'minSize',
  'p25Size',
  'medianSize',
  'p75Size',
  'maxSize',
  'swarmsUnder5',
  'swarmsOver10',
  'joined',
  'left',
  'changedSwarm',
  'pubkeysMovedShare',
  'copiedShare',
  'copiedNodeLoads',
] as const satisfies readonly (keyof BlockRecord)[];

/** Summarises the records of `phase` (every figure `NaN` when the phase has no block). */
export function summarizePhase(records: readonly BlockRecord[], phase: Phase): PhaseSummary {
  const selected = records.filter((record) => record.phase === phase);
  const summary = { blocks: selected.length } as PhaseSummary;
  for (const field of SUMMARISED_FIELDS) {
    summary[field] = summarizeSeries(selected.map((record) => record[field]));
  }
  return summary;
}

/** Swarm sizes of an assignment (node → swarm). */
function swarmSizes(assignment: ReadonlyMap<string, bigint>): Map<bigint, number> {
  const sizes = new Map<bigint, number>();
  for (const id of assignment.values()) sizes.set(id, (sizes.get(id) ?? 0) + 1);
  return sizes;
}

/**
 * Compares two assignments and the stored data after the swarm IDs changed: the record's swarm
 * and data figures (everything except `height`, `phase` and `transactions`).
 */
function measureSwarms(
  previous: ReadonlyMap<string, bigint>,
  next: ReadonlyMap<string, bigint>,
  data: StoredData,
): Omit<BlockRecord, 'height' | 'phase' | 'transactions'> {
  const sizes = swarmSizes(next);
  const ids = [...sizes.keys()];
  const { moved } = data.update(ids);
  let joined = 0;
  let changedSwarm = 0;
  let copied = 0;
  for (const [node, swarm] of next) {
    const before = previous.get(node);
    if (before === swarm) continue;
    if (before === undefined) joined++;
    else changedSwarm++;
    copied += data.pubkeysIn(swarm);
  }
  let left = 0;
  for (const node of previous.keys()) if (!next.has(node)) left++;
  let stored = 0;
  for (const [id, size] of sizes) stored += size * data.pubkeysIn(id);
  const stats = distribution([...sizes.values()]);
  let under5 = 0;
  let over10 = 0;
  for (const size of sizes.values()) {
    if (size < 5) under5++;
    if (size > 10) over10++;
  }
  const empty = sizes.size === 0;
  return {
    activeNodes: next.size,
    swarms: sizes.size,
    minSize: empty ? 0 : stats.min,
    p25Size: empty ? 0 : stats.p25,
    medianSize: empty ? 0 : stats.median,
    p75Size: empty ? 0 : stats.p75,
    maxSize: empty ? 0 : stats.max,
    swarmsUnder5: under5,
    swarmsOver10: over10,
    joined,
    left,
    changedSwarm,
    pubkeysMoved: moved,
    pubkeysMovedShare: moved / data.count,
    copiedShare: stored === 0 ? 0 : copied / stored,
    copiedNodeLoads: stored === 0 ? 0 : (copied * next.size) / stored,
  };
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs a scenario (see the module description) and returns what it measured. Deterministic:
 * the same options (and seed) give an identical {@link ScenarioResult}. Asynchronous only to let
 * progress be drawn and `signal` be honoured between blocks.
 *
 * @example
 * ```ts
 * const result = await runScenario(
 *   { nodes: 1_000, blocks: 100, churnPercent: 0.5, failPercent: 1, pubkeys: 100_000, params: 'oxen', seed: 'demo' },
 *   { onProgress: (p) => console.error(p.height, '/', p.totalBlocks) },
 * );
 * result.summary.churn.copiedShare.mean; // share of all data moving per block
 * ```
 */
export async function runScenario(
  options: ScenarioOptions,
  components: ScenarioComponents = {},
): Promise<ScenarioResult> {
  const resolved = resolveScenarioOptions(options);
  const crypto: SimulatorCrypto = components.crypto ?? (await loadCrypto({ backend: 'native' }));
  const { signal, onProgress, onBlock } = components;
  throwIfAborted(signal);

  const phases = phaseRanges(resolved);
  const totalBlocks = phases.churn.last;
  const params: RegistryParams = resolveParams(resolved.params, {
    unlockBlocks: resolved.unlockBlocks,
    decommissionCreditInitialBlocks: resolved.decommissionCreditBlocks,
  });
  const requirement = params.stakingRequirement;
  const quarter = requirement / 4n;
  const random = createRandom(`${resolved.seed}\nscenario`);

  const deriveKey = (kind: string, index: number): Ed25519KeyPair =>
    crypto.ed25519KeyPairFromSeed(
      crypto.blake2b(utf8Encode(`murmur-sim\n${resolved.seed}\n${kind}\n${index}`), 32),
    );
  const makeWallet = (kind: string, index: number): Wallet => {
    const keyPair = deriveKey(kind, index);
    return { keyPair, address: bytesToHex(keyPair.publicKey), nonce: 0 };
  };

  // Funding: every operator and contributor gets enough for its share of all registrations.
  const churnPerBlock = (resolved.nodes * resolved.churnPercent) / 100;
  const plannedRegistrations =
    resolved.nodes + Math.ceil(churnPerBlock * (resolved.blocks + resolved.unlockBlocks)) + 1;
  const operators = Array.from({ length: resolved.operators }, (_, i) => makeWallet('operator', i));
  const contributors = Array.from({ length: resolved.contributors }, (_, i) =>
    makeWallet('contributor', i),
  );
  const perOperator =
    BigInt(Math.ceil(plannedRegistrations / resolved.operators) + 2) * requirement;
  const perContributor =
    BigInt(
      Math.ceil(
        (plannedRegistrations * (resolved.pooledPercent / 100) * 3) / resolved.contributors,
      ) + 2,
    ) * quarter;
  const authority = deriveKey('authority', 0);
  let now = resolved.genesisTimestamp;
  const clock = { now: () => now };
  const ledger: MemoryLedger = createMemoryLedger(
    {
      genesis: {
        chainId: CHAIN_ID,
        params,
        timestamp: resolved.genesisTimestamp,
        authority: bytesToHex(authority.publicKey),
        allocations: [
          ...operators.map((wallet) => ({ address: wallet.address, amount: perOperator })),
          ...contributors.map((wallet) => ({ address: wallet.address, amount: perContributor })),
        ],
      },
      maxMempoolSize: 1_000_000,
    },
    { crypto, clock },
  );

  const data = createStoredData(resolved.pubkeys, createRandom(`${resolved.seed}\npubkeys`));
  const nodes: SimNode[] = [];
  const healthy = new PickableSet();
  const proofsDue = new Map<number, number[]>();
  const contributionsDue = new Map<number, number[]>();
  const unlocksRequested = new Map<number, number>();
  const failing: number[] = [];
  const records: BlockRecord[] = [];
  const outcome: RegistryOutcome = {
    transactions: 0,
    rejected: {},
    registrations: 0,
    pooledRegistrations: 0,
    contributions: 0,
    unlockRequests: 0,
    uptimeProofs: 0,
    events: {},
    failing: {
      keys: [],
      chosen: 0,
      stopped: 0,
      decommissioned: 0,
      deregistered: 0,
      stillRegistered: 0,
    },
  };
  let churnCarry = 0;
  let pendingActivation: number[] = [];

  const schedule = (table: Map<number, number[]>, height: number, index: number) => {
    const list = table.get(height);
    if (list === undefined) table.set(height, [index]);
    else list.push(index);
  };

  function register(height: number, pooled: boolean): { tx: Transaction; index: number } {
    const index = nodes.length;
    const keyPair = deriveKey('node', index);
    const operatorIndex = index % operators.length;
    const operator = operators[operatorIndex] as Wallet;
    const chosen = pooled
      ? sample(
          random,
          Array.from({ length: contributors.length }, (_, i) => i),
          3,
        )
      : [];
    const node: SimNode = {
      index,
      keyPair,
      key: bytesToHex(keyPair.publicKey),
      ip: nodeAddress(index),
      operator: operatorIndex,
      contributors: chosen,
      failAt: Number.POSITIVE_INFINITY,
      leaving: false,
    };
    nodes.push(node);
    const reservedFor = chosen[0] === undefined ? undefined : (contributors[chosen[0]] as Wallet);
    const tx = createRegistration(
      {
        chainId: CHAIN_ID,
        feeBasisPoints: random.integer(1_001),
        operatorStake: pooled ? quarter : requirement,
        reserved:
          reservedFor === undefined ? [] : [{ address: reservedFor.address, amount: quarter }],
        nonce: ++operator.nonce,
      },
      { node: keyPair, operator: operator.keyPair },
      crypto,
    );
    outcome.registrations++;
    if (pooled) {
      outcome.pooledRegistrations++;
      schedule(contributionsDue, height + 1, index);
    }
    return { tx, index };
  }

  function contributions(index: number): Transaction[] {
    const node = nodes[index] as SimNode;
    const amounts = [quarter, quarter, requirement - 3n * quarter];
    return node.contributors.map((contributorIndex, i) => {
      const wallet = contributors[contributorIndex] as Wallet;
      outcome.contributions++;
      return createContribution(
        { chainId: CHAIN_ID, node: node.key, amount: amounts[i] as bigint, nonce: ++wallet.nonce },
        wallet.keyPair,
        crypto,
      );
    });
  }

  function unlock(index: number): Transaction {
    const node = nodes[index] as SimNode;
    node.leaving = true;
    // Any contributor may ask: pooled nodes' unlocks come from a random contributor of theirs.
    const signers = [
      operators[node.operator] as Wallet,
      ...node.contributors.map((i) => contributors[i] as Wallet),
    ];
    const wallet = signers[random.integer(signers.length)] as Wallet;
    outcome.unlockRequests++;
    return createUnlockRequest(
      { chainId: CHAIN_ID, node: node.key, nonce: ++wallet.nonce },
      wallet.keyPair,
      crypto,
    );
  }

  function proof(index: number, timestamp: number): Transaction {
    const node = nodes[index] as SimNode;
    outcome.uptimeProofs++;
    return createUptimeProof(
      {
        chainId: CHAIN_ID,
        ip: node.ip,
        storagePort: 22_021,
        relayPort: 22_022,
        version: VERSION,
        timestamp,
      },
      node.keyPair,
      crypto,
    );
  }

  const phaseOf = (height: number): Phase =>
    height <= phases.join.last ? 'join' : height <= phases.notice.last ? 'notice' : 'churn';

  for (let height = 1; height <= totalBlocks; height++) {
    throwIfAborted(signal);
    const phase = phaseOf(height);
    now = resolved.genesisTimestamp + height * params.blockTimeMs;
    const state = ledger.state;
    const txs: Transaction[] = [];

    // Failing nodes are chosen when the churn phase starts.
    if (height === phases.churn.first && resolved.failPercent > 0) {
      const count = Math.min(
        healthy.size,
        Math.round((resolved.nodes * resolved.failPercent) / 100),
      );
      const window = Math.max(1, Math.floor(resolved.blocks / 2));
      for (let i = 0; i < count; i++) {
        const index = healthy.take(random) as number;
        (nodes[index] as SimNode).failAt = height + random.integer(window);
        failing.push(index);
        outcome.failing.keys.push((nodes[index] as SimNode).key);
      }
      outcome.failing.chosen = failing.length;
    }

    // Uptime proofs due now, from nodes still registered and not failing.
    for (const index of proofsDue.get(height) ?? []) {
      const node = nodes[index] as SimNode;
      if (height >= node.failAt) continue;
      if (!state.nodes.has(node.key)) continue;
      txs.push(proof(index, now));
      schedule(proofsDue, height + resolved.proofIntervalBlocks, index);
    }
    proofsDue.delete(height);

    // Pooled registrations of the previous block are completed by their contributors.
    for (const index of contributionsDue.get(height) ?? []) txs.push(...contributions(index));
    contributionsDue.delete(height);

    // Registrations: a batch in the join phase, as many as exit now in the churn phase.
    const registering =
      phase === 'join'
        ? Math.min(resolved.joinBatch, resolved.nodes - nodes.length)
        : phase === 'churn'
          ? (unlocksRequested.get(height - resolved.unlockBlocks) ?? 0)
          : 0;
    const registered: number[] = [];
    for (let i = 0; i < registering; i++) {
      const pooled = random.nextFloat() * 100 < resolved.pooledPercent;
      const { tx, index } = register(height, pooled);
      txs.push(tx);
      registered.push(index);
    }

    // Unlock requests: from the notice phase on, churnPercent% of nodes a block.
    if (phase !== 'join' && churnPerBlock > 0) {
      churnCarry += churnPerBlock;
      const count = Math.floor(churnCarry + 1e-9);
      churnCarry -= count;
      let requested = 0;
      for (let i = 0; i < count; i++) {
        const index = healthy.take(random);
        if (index === undefined) break;
        txs.push(unlock(index));
        requested++;
      }
      unlocksRequested.set(height, requested);
    }

    for (const tx of txs) {
      const result = ledger.submit(tx);
      outcome.transactions++;
      if (!result.accepted) {
        outcome.rejected[result.reason] = (outcome.rejected[result.reason] ?? 0) + 1;
      }
    }
    const produced = ledger.produceBlock({ timestamp: now });
    const previousAssignment = state.swarmAssignment;
    const next = produced.state;

    // Nodes that became active start their proof schedule and may be chosen to leave or fail.
    for (const index of [...pendingActivation, ...registered]) {
      const node = nodes[index] as SimNode;
      if (next.nodes.get(node.key)?.status === 'active') {
        healthy.add(index);
        schedule(proofsDue, height + 1 + random.integer(resolved.proofIntervalBlocks), index);
      }
    }
    pendingActivation = registered.filter((index) => {
      const status = next.nodes.get((nodes[index] as SimNode).key)?.status;
      return status === 'awaiting-contributions';
    });

    const base = { height, phase, transactions: produced.block.transactions.length };
    const previousRecord = records[records.length - 1];
    const record: BlockRecord =
      next.swarmAssignment === previousAssignment && previousRecord !== undefined
        ? {
            ...previousRecord,
            ...base,
            joined: 0,
            left: 0,
            changedSwarm: 0,
            pubkeysMoved: 0,
            pubkeysMovedShare: 0,
            copiedShare: 0,
            copiedNodeLoads: 0,
          }
        : { ...base, ...measureSwarms(previousAssignment, next.swarmAssignment, data) };
    records.push(record);
    onBlock?.({ block: produced.block, state: next, record });
    onProgress?.({
      height,
      totalBlocks,
      phase,
      activeNodes: record.activeNodes,
      swarms: record.swarms,
    });
    if (height % 4 === 0) await yieldToEventLoop();
  }

  // What the registry recorded.
  const finalState = ledger.state;
  for (const [, events] of finalState.history) {
    for (const event of events) outcome.events[event.type] = (outcome.events[event.type] ?? 0) + 1;
  }
  for (const index of failing) {
    const node = nodes[index] as SimNode;
    if (node.failAt > totalBlocks) continue;
    outcome.failing.stopped++;
    const history = finalState.history.get(node.key) ?? [];
    if (history.some((event) => event.type === 'decommissioned')) outcome.failing.decommissioned++;
    if (history.some((event) => event.type === 'deregistered')) outcome.failing.deregistered++;
    if (finalState.nodes.has(node.key)) outcome.failing.stillRegistered++;
  }

  const storedDataMismatches = data.verify();
  const bySwarm = data.countsBySwarm();
  const perNode: number[] = [];
  for (const swarm of finalState.swarmAssignment.values()) perNode.push(data.pubkeysIn(swarm));
  return {
    options: resolved,
    phases,
    blocks: records,
    summary: {
      join: summarizePhase(records, 'join'),
      notice: summarizePhase(records, 'notice'),
      churn: summarizePhase(records, 'churn'),
    },
    spread: { perSwarm: spread([...bySwarm.values()]), perNode: spread(perNode) },
    registry: outcome,
    finalHeight: finalState.height,
    finalBlockHash: finalState.hash,
    storedDataMismatches,
  };
}
