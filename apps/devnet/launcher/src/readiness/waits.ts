/**
 * The waits of a testnet, each with a deadline, an abort signal and a way out when a process
 * exits meanwhile: registrations in a block ({@link waitForRegistrations}), one transaction in a
 * block ({@link waitForIncluded}), the ledger at a height ({@link waitForLedgerHeight}), and
 * nodes active with a swarm and/or healthy ({@link waitForNodes}), with a timeout message that
 * says, node by node, what was still missing.
 */
import { waitForTransaction } from '@murmur/registry/ledger-http';
import { createNodeFetch } from '@murmur/wire/node';
import { type Context, LEDGER, nodeUrl, withSignal } from '../context.js';
import type { ManifestNode } from '../manifest.js';
import { pollUntil } from '../poll.js';
import { anyExit } from '../processes/exits.js';
import type { ProgressTracker } from '../progress.js';
import type { WaitOptions } from '../types.js';
import { nodeHealth, notActiveReason } from './health.js';

/** The part of a {@link Context} the waits use. */
export type WaitContext = Pick<
  Context,
  'client' | 'manifest' | 'layout' | 'processes' | 'readyTimeoutMs'
>;

/** Time between two looks at the ledger: a fraction of a block, within `[min, max]` ms. */
function blockInterval(blockTimeMs: number, divisor: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, blockTimeMs / divisor));
}

/**
 * Waits until every node of `nodes` is registered and fully staked (active or decommissioned)
 * in a block. Ends at once when the ledger this instance started exits.
 */
export async function waitForRegistrations(
  context: WaitContext,
  nodes: readonly ManifestNode[],
  signal: AbortSignal | undefined,
): Promise<void> {
  if (nodes.length === 0) return;
  let missing: string[] = [];
  const ledger = context.processes.get(LEDGER);
  await pollUntil(
    async () => {
      const state = await context.client.getState(withSignal(signal));
      const byKey = new Map(state.nodes.map((record) => [record.ed25519, record]));
      missing = nodes
        .filter((node) => {
          const status = byKey.get(node.ed25519 as string)?.status;
          return status !== 'active' && status !== 'decommissioned';
        })
        .map((node) => node.name);
      return missing.length === 0 ? true : undefined;
    },
    {
      intervalMs: blockInterval(context.manifest.blockTimeMs, 3, 20, 200),
      timeoutMs: context.readyTimeoutMs,
      signal,
      failure:
        ledger === undefined || ledger.adopted
          ? undefined
          : anyExit([ledger], 'while registrations were waiting for a block'),
      describeTimeout: () =>
        `no block made ${missing.join(', ')} active within ${context.readyTimeoutMs} ms; ledger log: ${context.layout.logFile(LEDGER)}`,
    },
  );
}

/** Waits until transaction `id` is in a block (`@murmur/registry`'s waitForTransaction). */
export function waitForIncluded(
  context: Pick<WaitContext, 'client' | 'manifest' | 'readyTimeoutMs'>,
  id: string,
  options: WaitOptions,
): Promise<number> {
  return waitForTransaction(context.client, id, {
    pollMs: blockInterval(context.manifest.blockTimeMs, 3, 20, 200),
    timeoutMs: options.timeoutMs ?? context.readyTimeoutMs,
    ...withSignal(options.signal),
  });
}

/** Waits until the ledger's height is at least `height`; resolves the height it saw. */
export async function waitForLedgerHeight(
  context: Pick<WaitContext, 'client' | 'manifest' | 'layout' | 'readyTimeoutMs'>,
  height: number,
  options: WaitOptions,
): Promise<number> {
  let last = -1;
  return pollUntil(
    async () => {
      last = (await context.client.getHealth(withSignal(options.signal))).height;
      return last >= height ? last : undefined;
    },
    {
      intervalMs: blockInterval(context.manifest.blockTimeMs, 2, 20, 250),
      timeoutMs: options.timeoutMs ?? context.readyTimeoutMs,
      signal: options.signal,
      describeTimeout: () =>
        `the ledger did not reach height ${height} (at ${last}); log: ${context.layout.logFile(LEDGER)}`,
    },
  );
}

/** What {@link waitForNodes} waits for. */
export interface NodeWait {
  /** Active in the registry with the announced address and a swarm. */
  active: boolean;
  /** `/health` ready. */
  healthy: boolean;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Ends the wait when it rejects (a process exited: {@link anyExit}). */
  failure?: Promise<never> | undefined;
  /** Start-up progress (the `swarms` and `health` steps). */
  tracker?: ProgressTracker | undefined;
  /** The fetch `/health` is asked with (default: one with kept-alive connections, closed at the end). */
  fetch?: typeof fetch | undefined;
}

/** Waits until `nodes` are active with an address and a swarm and/or healthy. */
export async function waitForNodes(
  context: Pick<WaitContext, 'client' | 'manifest' | 'layout'>,
  nodes: readonly ManifestNode[],
  wait: NodeWait,
): Promise<void> {
  const active = new Map<string, string | undefined>();
  const healthy = new Map<string, string>();
  const readyHealth = new Set<string>();
  const { tracker } = wait;
  if (wait.active) tracker?.start('swarms', nodes.length);
  if (wait.healthy) tracker?.start('health', nodes.length);
  let activeDone = !wait.active;
  let healthDone = !wait.healthy;
  // One kept-alive connection per node for the whole wait: a node polled every 200 ms would
  // otherwise do a TLS handshake per poll, CPU that the starting nodes need.
  const ownFetch =
    wait.fetch === undefined ? createNodeFetch({ keepAlive: true, maxSockets: 1 }) : undefined;
  const healthFetch = wait.fetch ?? (ownFetch as typeof fetch);
  try {
    await pollUntil(
      async () => {
        const work: Promise<void>[] = [];
        if (!activeDone) {
          work.push(
            (async () => {
              const state = await context.client.getState(withSignal(wait.signal));
              const byKey = new Map(state.nodes.map((record) => [record.ed25519, record]));
              let count = 0;
              for (const node of nodes) {
                const reason = notActiveReason(byKey.get(node.ed25519 as string), node);
                active.set(node.name, reason);
                if (reason === undefined) count++;
              }
              tracker?.progress('swarms', count, nodes.length, `height ${state.height}`);
              if (count === nodes.length) {
                activeDone = true;
                tracker?.done(
                  'swarms',
                  `${state.swarms.length} swarm(s) at height ${state.height}`,
                );
              }
            })(),
          );
        }
        if (!healthDone) {
          const pending = nodes.filter((node) => !readyHealth.has(node.name));
          work.push(
            (async () => {
              await Promise.all(
                pending.map(async (node) => {
                  const answer = await nodeHealth(nodeUrl(node), wait.signal, healthFetch);
                  healthy.set(node.name, answer.text);
                  if (answer.ready) readyHealth.add(node.name);
                }),
              );
              tracker?.progress('health', readyHealth.size, nodes.length);
              if (readyHealth.size === nodes.length) {
                healthDone = true;
                tracker?.done('health');
              }
            })(),
          );
        }
        await Promise.all(work);
        return activeDone && healthDone ? true : undefined;
      },
      {
        intervalMs: blockInterval(context.manifest.blockTimeMs, 2, 50, 200),
        timeoutMs: wait.timeoutMs,
        signal: wait.signal,
        failure: wait.failure,
        describeTimeout: () => {
          const lines: string[] = [];
          for (const node of nodes) {
            const problems: string[] = [];
            const reason = active.get(node.name);
            if (wait.active && !activeDone && reason !== undefined)
              problems.push(`registry: ${reason}`);
            if (wait.healthy && !readyHealth.has(node.name)) {
              problems.push(healthy.get(node.name) ?? '/health not asked yet');
            }
            if (problems.length > 0) {
              lines.push(
                `  ${node.name}: ${problems.join('; ')}; log: ${context.layout.logFile(node.name)}`,
              );
            }
          }
          const what = [wait.active ? 'active with a swarm' : '', wait.healthy ? 'healthy' : '']
            .filter(Boolean)
            .join(' and ');
          return `nodes not ${what} within ${wait.timeoutMs} ms:\n${lines.join('\n')}\nlogs in ${context.layout.logsDir}`;
        },
      },
    );
  } finally {
    ownFetch?.close();
  }
}
