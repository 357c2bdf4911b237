/**
 * Uptime proofs: the node signs its public address, ports and version and submits the proof to
 * the ledger right after it starts (the registry learns the node's address from it), then on
 * the parameter set's interval (`uptimeProofIntervalMs`: an hour on Oxen's numbers, 5 s on a
 * devnet). A failed or refused submission is retried with backoff, never more slowly than the
 * interval.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import {
  createUptimeProof,
  type GenesisConfig,
  type LedgerSource,
  type TransactionResult,
  type Version,
} from '@murmur/registry';
import { type Clock, type Logger, silentLogger, systemClock } from '@murmur/wire';
import type { NodeKeys } from './keys.js';
import type { NodeMetrics } from './metrics.js';

/** Options of {@link createUptimeProver}. */
export interface UptimeProverInit {
  /** The public IPv4 address to announce. */
  ip: string;
  storagePort: number;
  relayPort: number;
  /** The node software's version. */
  version: Version;
  /** First retry delay after a failure, ms (default 1 s; doubles up to the interval). */
  retryInitialDelayMs?: number | undefined;
  /**
   * How often to look again while the ledger's genesis is not known yet (the first moments of a
   * start), ms (default 100): the first proof goes out as soon as the follower has the genesis,
   * since a node is not in the registry's address book before it.
   */
  genesisWaitMs?: number | undefined;
}

/** Components of {@link createUptimeProver}. */
export interface UptimeProverComponents {
  source: Pick<LedgerSource, 'submitTransaction'>;
  /** The chain's genesis configuration, once known (chain ID and proof interval). */
  genesis: () => GenesisConfig | undefined;
  keys: NodeKeys;
  crypto: MurmurCrypto;
  clock?: Clock | undefined;
  logger?: Logger | undefined;
  metrics?: NodeMetrics | undefined;
}

/** The prover: `start()` sends the first proof at once and schedules the next ones. */
export interface UptimeProver {
  start(): void;
  stop(): void;
  /** Builds and submits one proof now. */
  sendNow(): Promise<TransactionResult>;
  /** The last result (or error) and when it happened. */
  readonly last: { at: number; result?: TransactionResult; error?: string } | undefined;
}

/** Creates an uptime prover. */
export function createUptimeProver(
  init: UptimeProverInit,
  components: UptimeProverComponents,
): UptimeProver {
  const clock = components.clock ?? systemClock;
  const logger = (components.logger ?? silentLogger()).child({ component: 'uptime' });
  const retryInitial = init.retryInitialDelayMs ?? 1_000;
  const genesisWait = init.genesisWaitMs ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let failures = 0;
  let controller = new AbortController();
  let last: UptimeProver['last'];
  let acceptedOnce = false;

  async function sendNow(): Promise<TransactionResult> {
    const genesis = components.genesis();
    if (genesis === undefined) throw new Error('the ledger genesis is not known yet');
    const proof = createUptimeProof(
      {
        chainId: genesis.chainId,
        node: components.keys.ed25519Hex,
        ip: init.ip,
        storagePort: init.storagePort,
        relayPort: init.relayPort,
        version: init.version,
        timestamp: clock.now(),
      },
      components.keys.ed25519,
      components.crypto,
    );
    return components.source.submitTransaction(proof, { signal: controller.signal });
  }

  function intervalMs(): number {
    return components.genesis()?.params.uptimeProofIntervalMs ?? 60_000;
  }

  function schedule(delayMs: number): void {
    if (!running) return;
    timer = setTimeout(() => void tick(), delayMs);
    timer.unref();
  }

  async function tick(): Promise<void> {
    timer = undefined;
    if (!running) return;
    const interval = intervalMs();
    if (components.genesis() === undefined) {
      // The follower has not read the genesis yet (the first second of a start): not an error.
      logger.debug('waiting for the ledger genesis before the first uptime proof');
      schedule(Math.min(interval, genesisWait));
      return;
    }
    try {
      const result = await sendNow();
      last = { at: clock.now(), result };
      if (result.accepted) {
        components.metrics?.uptimeProofs.inc({ result: 'accepted' });
        if (!acceptedOnce)
          logger.info({ ip: init.ip, port: init.storagePort }, 'uptime proof accepted');
        else logger.debug('uptime proof accepted');
        acceptedOnce = true;
        failures = 0;
        schedule(interval);
        return;
      }
      components.metrics?.uptimeProofs.inc({ result: 'rejected' });
      // Too soon after the previous one is normal after a restart: the next one will do.
      if (result.reason === 'uptime-proof-too-soon' || result.reason === 'stale-uptime-proof') {
        logger.debug({ reason: result.reason }, 'uptime proof not needed yet');
        failures = 0;
        schedule(interval);
        return;
      }
      failures += 1;
      logger.warn(
        { reason: result.reason, message: result.message },
        result.reason === 'unknown-node'
          ? 'uptime proof refused: this node is not registered yet (see `murmur-node register`)'
          : 'uptime proof refused by the ledger',
      );
    } catch (error) {
      if (!running) return;
      failures += 1;
      components.metrics?.uptimeProofs.inc({ result: 'error' });
      last = { at: clock.now(), error: error instanceof Error ? error.message : String(error) };
      logger.warn({ err: error }, 'could not submit the uptime proof; retrying');
    }
    schedule(Math.min(interval, retryInitial * 2 ** Math.min(failures - 1, 16)));
  }

  return {
    start() {
      if (running) return;
      running = true;
      controller = new AbortController();
      schedule(0);
    },
    stop() {
      running = false;
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    sendNow,
    get last() {
      return last;
    },
  };
}
