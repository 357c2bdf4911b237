/**
 * Launching the ledger: `murmur-devnet ledger` on the manifest's port, waiting for its
 * `ledger-ready` line (which carries the chain ID), and the flags that make a new chain.
 */
import { writeFileSync } from 'node:fs';
import { InvalidInputError } from '@murmur/wire';
import { type Context, LEDGER } from '../context.js';
import type { TestnetLayout, TestnetManifest } from '../manifest.js';
import { pollUntil } from '../poll.js';
import { anyExit, ensurePortFree } from '../processes/exits.js';
import { readLogFrom, spawnProcess } from '../processes/managed-process.js';
import { savePids } from '../processes/process-table.js';
import type { TestnetOptions } from '../types.js';

/** The chain ID of the first `ledger-ready` event in `log` (JSON lines), if there is one yet. */
export function ledgerReadyChainId(log: string): string | undefined {
  for (const line of log.split('\n')) {
    if (!line.includes('"ledger-ready"')) continue;
    try {
      const event = JSON.parse(line) as { event?: unknown; chainId?: unknown };
      if (event.event === 'ledger-ready' && typeof event.chainId === 'string') {
        return event.chainId;
      }
    } catch {
      // A partial line: read again.
    }
  }
  return undefined;
}

/**
 * Starts the ledger process and waits for its ready line; records the chain ID in the
 * manifest.
 *
 * @throws {@link PortInUseError}; {@link ProcessExitedError} when it exits while starting;
 * {@link TestnetTimeoutError}; `InvalidInputError` when it runs another chain than the
 * manifest records.
 */
export async function startLedgerProcess(
  context: Context,
  options: { signal?: AbortSignal | undefined; newChainArgs?: readonly string[] },
): Promise<void> {
  const { manifest, layout } = context;
  await ensurePortFree(manifest.host, manifest.ledgerPort, 'the ledger');
  const proc = spawnProcess({
    name: LEDGER,
    args: [
      context.programs.ledgerCli,
      'ledger',
      '--dir',
      layout.ledgerDir,
      '--host',
      manifest.host,
      '--port',
      String(manifest.ledgerPort),
      '--log-level',
      manifest.logLevel,
      ...(options.newChainArgs ?? []),
      ...manifest.ledgerArgs,
    ],
    logFile: layout.logFile(LEDGER),
    env: context.env,
  });
  context.processes.set(LEDGER, proc);
  savePids(context);
  const chainId = await pollUntil(
    () => ledgerReadyChainId(readLogFrom(proc.logFile, proc.logOffset)),
    {
      intervalMs: 25,
      timeoutMs: context.readyTimeoutMs,
      signal: options.signal,
      failure: anyExit([proc], 'while it was starting', new Map([[LEDGER, manifest.ledgerPort]])),
      describeTimeout: () =>
        `the ledger printed no ready line within ${context.readyTimeoutMs} ms; log: ${proc.logFile}`,
    },
  );
  if (manifest.chainId !== undefined && manifest.chainId !== chainId) {
    throw new InvalidInputError(
      `the ledger in ${layout.ledgerDir} runs chain ${chainId}, but ${layout.manifest} records ${manifest.chainId}`,
    );
  }
  manifest.chainId = chainId;
}

/**
 * The ledger flags of a new chain: the block time (the ledger scales the devnet set's
 * block-counted durations to it, unless `scaleParams` is false) and the parameter overrides,
 * written to `ledger-params.json` on the devnet set.
 */
export function newChainLedgerArgs(
  layout: Pick<TestnetLayout, 'ledgerParams'>,
  manifest: Pick<TestnetManifest, 'blockTimeMs'>,
  options: Pick<TestnetOptions, 'scaleParams' | 'ledgerParams'>,
): string[] {
  const args = ['--block-time-ms', String(manifest.blockTimeMs)];
  if (options.scaleParams === false) args.push('--no-scale-params');
  const overrides = options.ledgerParams ?? {};
  if (Object.keys(overrides).length > 0) {
    const file = { base: 'devnet', ...overrides };
    writeFileSync(layout.ledgerParams, `${JSON.stringify(file, null, 2)}\n`);
    args.push('--params', layout.ledgerParams);
  }
  return args;
}
