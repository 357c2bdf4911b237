/**
 * {@link createEvmLedgerSource}: a {@link LedgerSource} over Murmur's staking contract on an EVM
 * chain. It follows the contract's events with viem and derives registry blocks from them
 * ({@link translateEvmBlock}), which a {@link createRegistryFollower} applies with the same state
 * machine and swarm formation as the devnet ledger's blocks: a node or a client cannot tell
 * which ledger is behind.
 *
 * - **Confirmations**: only EVM blocks at least `confirmations` deep are read.
 * - **Reorgs**: each round checks the hash of the last EVM block read; when it changed, the
 *   source walks back through the EVM blocks its registry blocks came from until one still has
 *   its hash, drops every registry block after it, and derives again from there (event
 *   `reorg`). A follower notices the new branch when it re-reads its tip and rolls back.
 * - **Checkpoint**: with a {@link EvmCheckpointStore}, the derived blocks and the last EVM block
 *   read are saved after each round; a restarted source resumes from them (and checks them
 *   against the chain first, as after any round).
 * - **RPC errors**: every call is retried with exponential back-off (`retry`), each failure
 *   reported on `error` as an {@link EvmLedgerError} (`rpc-failed`) with the attempt and delay.
 * - **Reconciliation**: every `reconcileEveryRounds` rounds, the contract's own list of nodes
 *   is compared with the derived state; a difference is reported (`reconcile-mismatch`).
 *
 * A follower drives it: the first `subscribe` starts the rounds and the last unsubscribe stops
 * them, so code that takes any {@link LedgerSource} (a client's directory) needs nothing more.
 * `start()`/`stop()` keep it running regardless.
 */
import { murmurStakingAbi } from '@murmur/contracts';
import {
  type AbortOptions,
  checkSchema,
  createChecker,
  createEmitter,
  type EventSource,
  type Logger,
  MurmurError,
  type Startable,
  silentLogger,
  sleep,
} from '@murmur/wire';
import Type, { type Static } from 'typebox';
import {
  createPublicClient,
  decodeEventLog,
  type Hex,
  http,
  type Log,
  type PublicClient,
} from 'viem';
import { applyBlock } from '../apply.js';
import { createBlock, createGenesis } from '../block.js';
import { decodeBlock, encodeBlock } from '../codec.js';
import { BLOCKS_MAX_LIMIT } from '../ledger-api.js';
import type { GetBlocksOptions, LedgerSource } from '../ledger-source.js';
import type {
  Block,
  GenesisConfig,
  RegistryCrypto,
  RegistryState,
  Transaction,
  TransactionResult,
} from '../types.js';
import {
  type EvmChainIdentity,
  evmGenesis,
  type StakingEvent,
  type TranslationNote,
  translateEvmBlock,
} from './translate.js';

/** What went wrong, as {@link EvmLedgerError.kind}. Stable strings. */
export type EvmLedgerErrorKind =
  /** An RPC call failed; it is retried after `details.delayMs`. */
  | 'rpc-failed'
  /** A reorg went below the contract's deployment block: the contract is not on this chain. */
  | 'reorg-too-deep'
  /** The contract's node list and the derived state disagree. */
  | 'reconcile-mismatch'
  /** An event was ignored or refused (see `details.note`). */
  | 'event-ignored'
  /** Registry transactions are not submitted to an EVM ledger: use the contract. */
  | 'unsupported'
  /** The contract refused an operator's transaction (`details.error` names its error). */
  | 'transaction-refused';

/** An error of the EVM ledger source. `code` follows the kind; `kind` is the stable detail. */
export class EvmLedgerError extends MurmurError {
  readonly kind: EvmLedgerErrorKind;
  constructor(
    kind: EvmLedgerErrorKind,
    message: string,
    init: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    const code =
      kind === 'rpc-failed'
        ? 'UPSTREAM_FAILED'
        : kind === 'unsupported'
          ? 'UNSUPPORTED'
          : kind === 'transaction-refused'
            ? 'FORBIDDEN'
            : 'INVALID_RESPONSE';
    super(code, message, {
      retryable: kind === 'rpc-failed',
      cause: init.cause,
      details: { kind, ...init.details },
    });
    this.kind = kind;
  }
}

/** A derived registry block and the EVM block it came from. */
export interface EvmEntry {
  block: Block;
  evmNumber: bigint;
  evmHash: Hex;
  /** Contract ids registered in this block (`null`: ignored registration). */
  registrations: readonly (readonly [bigint, string | null])[];
}

/** What a checkpoint holds (JSON-safe through {@link encodeCheckpoint}). */
export interface EvmCheckpoint {
  identity: EvmChainIdentity;
  genesis: GenesisConfig;
  entries: EvmEntry[];
  scanned: { number: bigint; hash: Hex };
}

/** Where a source keeps its checkpoint. */
export interface EvmCheckpointStore {
  load(): Promise<unknown> | unknown;
  save(checkpoint: unknown): Promise<void> | void;
}

/** Options of {@link createEvmLedgerSource}. */
export interface EvmLedgerSourceInit {
  /** A viem public client of the chain (use `retryCount: 0` on its transport: the source retries). */
  client?: PublicClient | undefined;
  /** Or the chain's JSON-RPC URL (an HTTP client is made). */
  rpcUrl?: string | undefined;
  /** The staking contract. */
  contract: `0x${string}`;
  /** The block the contract was deployed in (its genesis). */
  deploymentBlock: bigint;
  /** How deep a block must be before it is read (default 2; 0 reads the head). */
  confirmations?: number | undefined;
  /** Time between rounds (default 1,000 ms). */
  pollIntervalMs?: number | undefined;
  /** Most EVM blocks per `eth_getLogs` (default 1,000). */
  maxBlockRange?: number | undefined;
  /** Back-off of failed RPC calls (default 250 ms doubling to 15,000 ms). */
  retry?: { initialDelayMs?: number | undefined; maxDelayMs?: number | undefined } | undefined;
  /** Whether node addresses must be public IPv4 (default true; false for a loopback devnet). */
  requirePublicIp?: boolean | undefined;
  /** Saves the derived chain after each round and resumes from it. */
  checkpoint?: EvmCheckpointStore | undefined;
  /** Rounds between reconciliations against the contract's node list (default 120; 0: never). */
  reconcileEveryRounds?: number | undefined;
  /** Derived states kept for rolling back without replaying (default 256; older are replayed). */
  keptStates?: number | undefined;
}

/** Components of {@link createEvmLedgerSource}. */
export interface EvmLedgerSourceComponents {
  crypto: RegistryCrypto;
  logger?: Logger | undefined;
}

/** What the source emits. */
export interface EvmLedgerSourceEvents extends Record<string, unknown> {
  /** A registry block was derived. */
  block: Block;
  /** The chain reorganised: registry blocks above `height` were dropped. */
  reorg: { fromHeight: number; height: number; evmBlock: bigint };
  /** Trouble (RPC failures, ignored events, reconciliation differences); the source goes on. */
  error: EvmLedgerError;
  /** A round finished: the EVM block read up to. */
  round: { scanned: bigint; head: bigint };
}

/** A running EVM ledger source. */
export interface EvmLedgerSource
  extends LedgerSource,
    Startable,
    EventSource<EvmLedgerSourceEvents> {
  /** Runs a round that starts now or after the one in flight (resolves when it is done). */
  sync(options?: AbortOptions): Promise<void>;
  /** The derived state after the last block (undefined before the genesis is loaded). */
  readonly state: RegistryState | undefined;
  /** The last EVM block read. */
  readonly scanned: { number: bigint; hash: Hex } | undefined;
  /** Failed RPC calls so far. */
  readonly rpcErrors: number;
  /** Compares the contract's node list with the derived state now; true when they agree. */
  reconcile(options?: AbortOptions): Promise<boolean>;
}

/** A checkpoint as JSON-safe data. */
export function encodeCheckpoint(checkpoint: EvmCheckpoint): unknown {
  return {
    version: 1,
    identity: checkpoint.identity,
    scanned: { number: checkpoint.scanned.number.toString(), hash: checkpoint.scanned.hash },
    entries: checkpoint.entries.map((entry) => ({
      block: encodeBlock(entry.block),
      evmNumber: entry.evmNumber.toString(),
      evmHash: entry.evmHash,
      registrations: entry.registrations.map(([id, node]) => [id.toString(), node]),
    })),
  };
}

const DecimalSchema = Type.String({ pattern: '^[0-9]{1,78}$', description: 'a decimal integer' });
const BlockHashSchema = Type.String({
  pattern: '^0x[0-9a-fA-F]{64}$',
  description: 'a 0x-prefixed 32-byte hash',
});

/** A checkpoint as {@link encodeCheckpoint} writes it; blocks are checked by `decodeBlock`. */
const EncodedCheckpointSchema = Type.Object({
  version: Type.Literal(1),
  identity: Type.Object({
    chainId: Type.Integer({ minimum: 0, description: 'an EVM chain id' }),
    contract: Type.String({ pattern: '^0x[0-9a-fA-F]{40}$', description: 'a contract address' }),
  }),
  scanned: Type.Object({ number: DecimalSchema, hash: BlockHashSchema }),
  entries: Type.Array(
    Type.Object({
      block: Type.Unknown(),
      evmNumber: DecimalSchema,
      evmHash: BlockHashSchema,
      registrations: Type.Array(
        Type.Tuple([DecimalSchema, Type.Union([Type.String(), Type.Null()])]),
      ),
    }),
    { minItems: 1, description: 'a non-empty list of entries' },
  ),
});
const encodedCheckpointChecker = createChecker(EncodedCheckpointSchema);
type EncodedCheckpoint = Static<typeof EncodedCheckpointSchema>;

/**
 * Decodes a saved checkpoint, checked with a compiled TypeBox schema.
 * @throws `InvalidInputError` naming the field (`evm checkpoint: \`scanned.number\` must be …`).
 */
function decodeCheckpointEntries(saved: unknown): Omit<EvmCheckpoint, 'genesis'> {
  const data: EncodedCheckpoint = checkSchema(encodedCheckpointChecker, saved, 'evm checkpoint', {
    rootName: 'the checkpoint',
  });
  return {
    identity: { chainId: data.identity.chainId, contract: data.identity.contract as Hex },
    scanned: { number: BigInt(data.scanned.number), hash: data.scanned.hash as Hex },
    entries: data.entries.map((entry) => ({
      block: decodeBlock(entry.block),
      evmNumber: BigInt(entry.evmNumber),
      evmHash: entry.evmHash as Hex,
      registrations: entry.registrations.map(([id, node]) => [BigInt(id), node] as const),
    })),
  };
}

const RECOGNISED = new Set([
  'NodeRegistered',
  'NodeAddressUpdated',
  'Contributed',
  'ContributionWithdrawn',
  'RegistrationCancelled',
  'NodeExited',
  'NodeDeregistered',
  'StakingRequirementUpdated',
]);

/** A source over the staking contract. Call `start()`; `stop()` clears every timer. */
export function createEvmLedgerSource(
  init: EvmLedgerSourceInit,
  components: EvmLedgerSourceComponents,
): EvmLedgerSource {
  const { contract } = init;
  if (init.client === undefined && init.rpcUrl === undefined) {
    throw new TypeError('createEvmLedgerSource needs a client or an rpcUrl');
  }
  const client =
    init.client ??
    (createPublicClient({ transport: http(init.rpcUrl, { retryCount: 0 }) }) as PublicClient);
  const { crypto } = components;
  const logger = (components.logger ?? silentLogger()).child({ component: 'evm-ledger-source' });
  const confirmations = BigInt(Math.max(init.confirmations ?? 2, 0));
  const pollIntervalMs = init.pollIntervalMs ?? 1_000;
  const maxRange = BigInt(Math.max(init.maxBlockRange ?? 1_000, 1));
  const initialDelay = init.retry?.initialDelayMs ?? 250;
  const maxDelay = init.retry?.maxDelayMs ?? 15_000;
  const reconcileEvery = init.reconcileEveryRounds ?? 120;
  const KEPT_STATES = Math.max(init.keptStates ?? 256, 1);
  const events = createEmitter<EvmLedgerSourceEvents>((error) =>
    logger.warn({ err: error }, 'a listener threw'),
  );
  const listeners = new Set<(block: Block) => void>();

  let identity: EvmChainIdentity | undefined;
  let genesis: GenesisConfig | undefined;
  /** Entry 0 is the genesis block (the deployment block). */
  /** Derived states are kept for the last `keptStates` entries (and genesis). */
  let entries: (EvmEntry & { state?: RegistryState | undefined })[] = [];
  let scanned: { number: bigint; hash: Hex } | undefined;
  let nodeIds = new Map<bigint, string | null>();
  let running = false;
  let lifecycle = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;
  let loading: Promise<void> | undefined;
  let rpcErrors = 0;
  let rounds = 0;
  let autoStarted = false;

  function report(error: EvmLedgerError): void {
    logger.warn({ err: error, kind: error.kind }, error.message);
    events.emit('error', error);
  }

  /** One RPC call, retried with back-off until it succeeds or the signal aborts. */
  async function rpc<T>(what: string, call: () => Promise<T>, signal: AbortSignal): Promise<T> {
    let delayMs = initialDelay;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw signal.reason;
      try {
        return await call();
      } catch (cause) {
        if (signal.aborted) throw signal.reason;
        rpcErrors++;
        report(
          new EvmLedgerError(
            'rpc-failed',
            `${what} failed (attempt ${attempt}); retrying in ${delayMs} ms`,
            {
              cause,
              details: { call: what, attempt, delayMs },
            },
          ),
        );
        // An abort ends the wait with the signal's reason, as every other abort here does.
        await sleep(delayMs, signal).catch((error: unknown) => {
          throw signal.aborted ? signal.reason : error;
        });
        delayMs = Math.min(delayMs * 2, maxDelay);
      }
    }
  }

  function rebuildIds(): void {
    nodeIds = new Map();
    for (const entry of entries) {
      for (const [id, node] of entry.registrations) nodeIds.set(id, node);
    }
  }

  function checkpointData(): unknown {
    return encodeCheckpoint({
      identity: identity as EvmChainIdentity,
      genesis: genesis as GenesisConfig,
      entries: entries.map(({ state: _state, ...entry }) => entry),
      scanned: scanned as { number: bigint; hash: Hex },
    });
  }

  async function loadGenesis(signal: AbortSignal): Promise<void> {
    if (genesis !== undefined) return;
    const chainId = await rpc('eth_chainId', () => client.getChainId(), signal);
    identity = { chainId, contract: contract.toLowerCase() as `0x${string}` };
    const deployment = await rpc(
      'eth_getBlockByNumber',
      () => client.getBlock({ blockNumber: init.deploymentBlock }),
      signal,
    );
    const requirement = await rpc(
      'stakingRequirement',
      () =>
        client.readContract({
          address: contract,
          abi: murmurStakingAbi,
          functionName: 'stakingRequirement',
          blockNumber: init.deploymentBlock,
        }),
      signal,
    );
    const config = evmGenesis(identity, requirement, Number(deployment.timestamp) * 1_000, {
      requirePublicIp: init.requirePublicIp,
    });
    const created = createGenesis(config, crypto);
    const genesisEntry: EvmEntry & { state: RegistryState } = {
      block: created.block,
      evmNumber: init.deploymentBlock,
      evmHash: deployment.hash as Hex,
      registrations: [],
      state: created.state,
    };
    entries = [genesisEntry];
    scanned = { number: init.deploymentBlock, hash: deployment.hash as Hex };
    // Resume from a checkpoint of the same contract and genesis.
    const saved: unknown = await init.checkpoint?.load();
    if (saved !== undefined && saved !== null) {
      try {
        const restored = decodeCheckpointEntries(saved);
        if (
          restored.identity.chainId !== identity.chainId ||
          restored.identity.contract !== identity.contract ||
          restored.entries[0]?.block.hash !== created.block.hash
        ) {
          throw new Error('the checkpoint is of another chain or contract');
        }
        let state = created.state;
        const replayed: (EvmEntry & { state?: RegistryState | undefined })[] = [genesisEntry];
        for (const entry of restored.entries.slice(1)) {
          state = applyBlock(state, entry.block, crypto, { verifySignatures: false }).state;
          replayed.push({ ...entry, state });
        }
        for (let index = 1; index < replayed.length - KEPT_STATES; index++) {
          (replayed[index] as { state?: RegistryState | undefined }).state = undefined;
        }
        entries = replayed;
        scanned = restored.scanned;
        logger.info(
          { height: state.height, evmBlock: scanned.number.toString() },
          'resumed from the checkpoint',
        );
      } catch (cause) {
        report(
          new EvmLedgerError(
            'event-ignored',
            'the checkpoint does not apply: deriving from the deployment block',
            {
              cause,
            },
          ),
        );
      }
    }
    genesis = config;
    rebuildIds();
  }

  function ensureGenesis(signal: AbortSignal): Promise<void> {
    if (genesis !== undefined) return Promise.resolve();
    loading ??= loadGenesis(signal).finally(() => {
      loading = undefined;
    });
    return loading;
  }

  function lastEntry() {
    return entries[entries.length - 1] as EvmEntry & { state?: RegistryState | undefined };
  }

  /** The derived state after entry `index`, replayed from the nearest kept one if needed. */
  function stateAt(index: number): RegistryState {
    let from = index;
    while ((entries[from] as { state?: RegistryState }).state === undefined) from--;
    let state = (entries[from] as { state: RegistryState }).state;
    for (let next = from + 1; next <= index; next++) {
      const entry = entries[next] as { block: Block; state?: RegistryState };
      state = applyBlock(state, entry.block, crypto, { verifySignatures: false }).state;
      if (next >= entries.length - KEPT_STATES) entry.state = state;
    }
    return state;
  }

  function tipState(): RegistryState {
    return stateAt(entries.length - 1);
  }

  function append(
    block: Block,
    evm: { number: bigint; hash: Hex },
    registrations: EvmEntry['registrations'],
  ) {
    const state = applyBlock(tipState(), block, crypto, { verifySignatures: false }).state;
    entries.push({ block, evmNumber: evm.number, evmHash: evm.hash, registrations, state });
    const old = entries[entries.length - 1 - KEPT_STATES];
    if (old !== undefined && entries.length - 1 - KEPT_STATES > 0) old.state = undefined;
    for (const [id, node] of registrations) nodeIds.set(id, node);
    events.emit('block', block);
    for (const listener of [...listeners]) {
      try {
        listener(block);
      } catch (error) {
        logger.warn({ err: error }, 'a block listener threw');
      }
    }
  }

  function deriveBlock(
    evm: { number: bigint; hash: Hex; timestamp: bigint },
    decoded: StakingEvent[],
  ): void {
    const previous = lastEntry();
    const timestamp = Math.max(previous.block.timestamp + 1, Number(evm.timestamp) * 1_000);
    const at = { height: previous.block.height + 1, timestamp };
    const translated = translateEvmBlock(tipState(), decoded, {
      crypto,
      identity: identity as EvmChainIdentity,
      nodes: nodeIds,
      at,
    });
    for (const note of translated.notes) {
      if (note.kind === 'requirement-changed') {
        logger.info({ evmBlock: evm.number.toString() }, note.message);
      } else reportNote(note, evm.number);
    }
    const block = createBlock(
      {
        height: at.height,
        previousHash: previous.block.hash,
        timestamp,
        transactions: translated.transactions,
      },
      crypto,
    );
    append(block, evm, translated.registrations);
    if (translated.exits) {
      const exitBlock = createBlock(
        {
          height: block.height + 1,
          previousHash: block.hash,
          timestamp: timestamp + 1,
          transactions: [],
        },
        crypto,
      );
      append(exitBlock, evm, []);
    }
  }

  function reportNote(note: TranslationNote, evmBlock: bigint): void {
    report(
      new EvmLedgerError('event-ignored', note.message, {
        details: {
          note: note.kind,
          nodeId: note.nodeId?.toString(),
          evmBlock: evmBlock.toString(),
        },
      }),
    );
  }

  /** The chain changed below the last block read: drop what came from the old branch. */
  async function handleReorg(signal: AbortSignal): Promise<void> {
    const fromHeight = lastEntry().block.height;
    for (let index = entries.length - 1; index >= 0; index--) {
      const entry = entries[index] as EvmEntry;
      const current = await rpc(
        'eth_getBlockByNumber',
        () => client.getBlock({ blockNumber: entry.evmNumber }),
        signal,
      );
      if (current.hash !== entry.evmHash) continue;
      // Keep every entry of this EVM block (an exit adds a second one).
      let keep = index + 1;
      while (keep < entries.length && (entries[keep] as EvmEntry).evmNumber === entry.evmNumber)
        keep++;
      entries = entries.slice(0, keep);
      scanned = { number: entry.evmNumber, hash: entry.evmHash };
      rebuildIds();
      const height = lastEntry().block.height;
      logger.warn(
        { fromHeight, height, evmBlock: entry.evmNumber.toString() },
        'the chain reorganised: deriving again from the last block that still stands',
      );
      events.emit('reorg', { fromHeight, height, evmBlock: entry.evmNumber });
      return;
    }
    throw new EvmLedgerError(
      'reorg-too-deep',
      'the contract deployment block is no longer on the chain',
    );
  }

  async function round(signal: AbortSignal): Promise<void> {
    await ensureGenesis(signal);
    const head = await rpc(
      'eth_blockNumber',
      () => client.getBlockNumber({ cacheTime: 0 }),
      signal,
    );
    const last = scanned as { number: bigint; hash: Hex };
    const now = await rpc(
      'eth_getBlockByNumber',
      () => client.getBlock({ blockNumber: last.number }),
      signal,
    );
    if (now.hash !== last.hash) await handleReorg(signal);
    const target = head - confirmations;
    while ((scanned as { number: bigint }).number < target) {
      if (signal.aborted) throw signal.reason;
      const from = (scanned as { number: bigint }).number + 1n;
      const to = target < from + maxRange - 1n ? target : from + maxRange - 1n;
      const first = await rpc(
        'eth_getBlockByNumber',
        () => client.getBlock({ blockNumber: from }),
        signal,
      );
      if (first.parentHash !== (scanned as { hash: Hex }).hash) {
        await handleReorg(signal);
        continue;
      }
      const toBlock =
        to === from
          ? first
          : await rpc('eth_getBlockByNumber', () => client.getBlock({ blockNumber: to }), signal);
      const logs = await rpc(
        'eth_getLogs',
        () => client.getLogs({ address: contract, fromBlock: from, toBlock: to }),
        signal,
      );
      const byBlock = new Map<bigint, Log[]>();
      for (const log of logs) {
        const number = log.blockNumber as bigint;
        const list = byBlock.get(number) ?? [];
        list.push(log);
        byBlock.set(number, list);
      }
      let consistent = true;
      const derived: {
        evm: { number: bigint; hash: Hex; timestamp: bigint };
        decoded: StakingEvent[];
      }[] = [];
      for (const number of [...byBlock.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
        const blockLogs = (byBlock.get(number) as Log[]).sort(
          (a, b) => (a.logIndex ?? 0) - (b.logIndex ?? 0),
        );
        const header =
          number === to
            ? toBlock
            : number === from
              ? first
              : await rpc(
                  'eth_getBlockByNumber',
                  () => client.getBlock({ blockNumber: number }),
                  signal,
                );
        if (blockLogs.some((log) => log.blockHash !== header.hash)) {
          consistent = false;
          break;
        }
        const decoded: StakingEvent[] = [];
        for (const log of blockLogs) {
          try {
            const event = decodeEventLog({
              abi: murmurStakingAbi,
              data: log.data,
              topics: log.topics,
            });
            if (RECOGNISED.has(event.eventName)) decoded.push(event as unknown as StakingEvent);
          } catch {
            // Not one of the registry's events.
          }
        }
        derived.push({
          evm: { number, hash: header.hash as Hex, timestamp: header.timestamp },
          decoded,
        });
      }
      const again = await rpc(
        'eth_getBlockByNumber',
        () => client.getBlock({ blockNumber: to }),
        signal,
      );
      if (!consistent || again.hash !== toBlock.hash) {
        // The range changed while it was read: read it again next round.
        logger.debug({ from: from.toString(), to: to.toString() }, 'the range changed while read');
        return;
      }
      for (const { evm, decoded } of derived) {
        if (decoded.length > 0) deriveBlock(evm, decoded);
      }
      scanned = { number: to, hash: toBlock.hash as Hex };
      await init.checkpoint?.save(checkpointData());
    }
    rounds++;
    if (reconcileEvery > 0 && rounds % reconcileEvery === 0) await reconcileNow(signal);
    events.emit('round', { scanned: (scanned as { number: bigint }).number, head });
  }

  async function reconcileNow(signal: AbortSignal): Promise<boolean> {
    await ensureGenesis(signal);
    const at = scanned as { number: bigint };
    const ids = await rpc(
      'listedNodeIds',
      () =>
        client.readContract({
          address: contract,
          abi: murmurStakingAbi,
          functionName: 'listedNodeIds',
          blockNumber: at.number,
        }),
      signal,
    );
    const onChain = new Set<string>();
    for (const id of ids) {
      const node = nodeIds.get(id);
      if (node !== null && node !== undefined) onChain.add(node);
    }
    const derived = new Set(tipState().nodes.keys());
    const missing = [...onChain].filter((node) => !derived.has(node));
    const extra = [...derived].filter((node) => !onChain.has(node));
    if (missing.length === 0 && extra.length === 0) return true;
    report(
      new EvmLedgerError(
        'reconcile-mismatch',
        'the contract and the derived registry list different nodes',
        {
          details: { missing, extra, evmBlock: at.number.toString() },
        },
      ),
    );
    return false;
  }

  function runRound(): Promise<void> {
    if (inFlight !== undefined) return inFlight;
    const signal = lifecycle.signal;
    inFlight = round(signal).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  /** One round, its failure reported (unless stopping), then the next one scheduled. */
  function nextRound(): void {
    runRound()
      .catch((error: unknown) => {
        if (!lifecycle.signal.aborted) {
          report(
            error instanceof EvmLedgerError
              ? error
              : new EvmLedgerError('rpc-failed', 'a round failed', { cause: error }),
          );
        }
      })
      .finally(schedule);
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      timer = undefined;
      nextRound();
    }, pollIntervalMs);
  }

  const source: EvmLedgerSource = {
    derivesBlocks: true,
    get state() {
      return entries.length === 0 ? undefined : tipState();
    },
    get scanned() {
      return scanned;
    },
    get rpcErrors() {
      return rpcErrors;
    },
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),

    start() {
      autoStarted = false;
      if (running) return;
      running = true;
      lifecycle = new AbortController();
      nextRound();
    },

    async stop() {
      if (!running) return;
      running = false;
      lifecycle.abort(new EvmLedgerError('unsupported', 'the source stopped'));
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await inFlight?.catch(() => undefined);
    },

    sync(options = {}) {
      // A round that starts after this call: one in flight may have read the head before.
      const run =
        inFlight === undefined
          ? runRound()
          : inFlight.catch(() => undefined).then(() => runRound());
      if (options.signal === undefined) return run;
      return Promise.race([
        run,
        new Promise<void>((_, reject) =>
          options.signal?.addEventListener('abort', () => reject(options.signal?.reason), {
            once: true,
          }),
        ),
      ]);
    },

    reconcile(options = {}) {
      return reconcileNow(options.signal ?? lifecycle.signal);
    },

    async getGenesis(options = {}) {
      await ensureGenesis(options.signal ?? lifecycle.signal);
      return genesis as GenesisConfig;
    },

    async getBlocks(fromHeight: number, options: GetBlocksOptions = {}) {
      await ensureGenesis(options.signal ?? lifecycle.signal);
      const limit = Math.min(Math.max(options.limit ?? BLOCKS_MAX_LIMIT, 1), BLOCKS_MAX_LIMIT);
      return entries.slice(fromHeight, fromHeight + limit).map((entry) => entry.block);
    },

    subscribe(listener, onError) {
      listeners.add(listener);
      const forward = (error: EvmLedgerError) => onError?.(error);
      if (onError !== undefined) events.on('error', forward);
      // A follower drives the source: its first subscription starts the rounds, and the last
      // one leaving stops them again (unless start() was called by the owner).
      if (!running) {
        source.start();
        autoStarted = true;
      }
      return () => {
        listeners.delete(listener);
        if (onError !== undefined) events.off('error', forward);
        if (listeners.size === 0 && autoStarted) {
          autoStarted = false;
          void source.stop();
        }
      };
    },

    async submitTransaction(_tx: Transaction): Promise<TransactionResult> {
      throw new EvmLedgerError(
        'unsupported',
        'registry transactions are not submitted to an EVM ledger: stake through the contract (murmur-node register --chain)',
      );
    },
  };
  return source;
}
