/**
 * `murmur-devnet ledger`: runs one ledger process until SIGTERM or SIGINT.
 *
 * When it is ready it prints one JSON line on stdout, for launchers and tests:
 * `{"event":"ledger-ready","url":"http://127.0.0.1:7070","height":0,"chainId":"…","dir":"…","pid":…}`.
 * Logs go to stderr (pretty on a terminal) or to `--log-file`.
 */
import { resolve } from 'node:path';
import { loadCrypto } from '@murmur/crypto';
import { type Allocation, parseCoins } from '@murmur/registry';
import { isLogLevel, LOG_LEVELS, UsageError } from '@murmur/wire/program';
import {
  type CommandIo,
  type CommandModule,
  parseFlags,
  parseInteger,
  parsePort,
  wantsHelp,
} from '../cli/args.js';
import {
  DEFAULT_LEDGER_HOST,
  DEFAULT_LEDGER_PORT,
  type StartLedgerInit,
  startLedger,
} from '../ledger/run.js';
import { createProcessLogger } from '../logger.js';

const USAGE = `Usage: murmur-devnet ledger --dir <path> [options]

Runs the devnet ledger: a block producer with an HTTP API (transactions, blocks, state), a
WebSocket feed of new blocks and the Session-style seed endpoint (POST /json_rpc). An empty
directory starts a new chain; a directory that holds one resumes it at its last height.

Options:
  --dir <path>                ledger directory: database and authority key (required)
  --host <address>            listening address (default ${DEFAULT_LEDGER_HOST})
  --port <n>                  listening port (default ${DEFAULT_LEDGER_PORT}; 0 picks a free one)
  --params <set|file>         devnet (default), oxen, or a JSON file of overrides   [new chain]
  --block-time-ms <n>         time between blocks                                 [new chain]
                              (the devnet set's block-counted durations are scaled
                              so they last as long in seconds as at its 1 s blocks:
                              at 250 ms, unlock 40 blocks instead of 10; values a
                              --params file sets are taken as written)
  --no-scale-params           keep the devnet set's block counts at any block time [new chain]
  --chain-id <id>             chain ID (default murmur-devnet-<random>)            [new chain]
  --allocate <address:coins>  genesis balance; repeat for more                     [new chain]
  --max-mempool <n>           most transactions waiting for a block (default 10000)
  --resume-grace-ms <n>       a chain with active nodes resumed after a long stop makes no block
                              until they all sent fresh uptime proofs, at most this long
                              (default 30000; 0: no hold)
  --log-level <level>         trace, debug, info (default), warn, error
  --log-file <path>           JSON log lines to this file instead of stderr
  -h, --help                  this text

When ready it prints one line on stdout:
  {"event":"ledger-ready","url":"http://127.0.0.1:7070","height":0,"chainId":"…",…}
It stops cleanly on SIGTERM or SIGINT.
`;

function parseAllocation(text: string): Allocation {
  const match = /^([0-9a-f]{64}):(.+)$/.exec(text);
  if (match === null) {
    throw new UsageError(
      `--allocate must be <64-hex address>:<coins>, not ${JSON.stringify(text)}`,
    );
  }
  return { address: match[1] as string, amount: parseCoins(match[2] as string, '--allocate') };
}

/** What the `ledger` command line asks for. */
export interface LedgerCommandLine {
  options: StartLedgerInit & { dir: string };
  level: string;
  logFile: string | undefined;
}

/**
 * Reads the `ledger` command line (flags > environment > defaults).
 *
 * @throws {@link UsageError} for a missing `--dir`, an unknown flag or a value out of range.
 */
export function parseLedgerCommandLine(
  argv: readonly string[],
  env: CommandIo['env'],
): LedgerCommandLine {
  const { values } = parseFlags(argv, {
    dir: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    params: { type: 'string' },
    'block-time-ms': { type: 'string' },
    'no-scale-params': { type: 'boolean' },
    'chain-id': { type: 'string' },
    allocate: { type: 'string', multiple: true },
    'max-mempool': { type: 'string' },
    'resume-grace-ms': { type: 'string' },
    'log-level': { type: 'string' },
    'log-file': { type: 'string' },
  });
  if (values.dir === undefined) throw new UsageError('--dir <path> is required');
  const level = values['log-level'] ?? env.MURMUR_LOG_LEVEL ?? 'info';
  if (!isLogLevel(level)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const options = {
    dir: resolve(values.dir),
    host: values.host ?? DEFAULT_LEDGER_HOST,
    port: values.port === undefined ? DEFAULT_LEDGER_PORT : parsePort(values.port),
    params: values.params,
    blockTimeMs:
      values['block-time-ms'] === undefined
        ? undefined
        : parseInteger(values['block-time-ms'], '--block-time-ms', { min: 10, max: 86_400_000 }),
    scaleParams: values['no-scale-params'] !== true,
    chainId: values['chain-id'],
    allocations: values.allocate?.map(parseAllocation),
    maxMempoolSize:
      values['max-mempool'] === undefined
        ? undefined
        : parseInteger(values['max-mempool'], '--max-mempool', { min: 1, max: 1_000_000 }),
    resumeGraceMs:
      values['resume-grace-ms'] === undefined
        ? undefined
        : parseInteger(values['resume-grace-ms'], '--resume-grace-ms', { min: 0, max: 3_600_000 }),
  };
  return { options, level, logFile: values['log-file'] };
}

async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(USAGE);
    return 0;
  }
  const { options, level, logFile } = parseLedgerCommandLine(argv, io.env);
  const { dir } = options;

  const logger = createProcessLogger({
    level,
    file: logFile,
    base: { service: 'murmur-ledger' },
  });
  // The ledger signs and verifies with Ed25519 and hashes with BLAKE2b; it never uses ML-KEM, so
  // the pure-JS one (nothing until called) instead of instantiating libsodium's WebAssembly
  // build at every start (as murmur-relay does).
  const crypto = await loadCrypto({ mlkem: 'noble' });

  let fatal: ((error: unknown) => void) | undefined;
  const fatalError = new Promise<unknown>((resolveFatal) => {
    fatal = resolveFatal;
  });
  let running: Awaited<ReturnType<typeof startLedger>>;
  try {
    running = await startLedger(options, {
      crypto,
      logger,
      onFatal: (error) => fatal?.(error),
    });
  } catch (error) {
    logger.error({ err: error }, 'the ledger could not start');
    throw error;
  }
  io.stdout(
    `${JSON.stringify({
      event: 'ledger-ready',
      url: running.url,
      port: running.port,
      height: running.ledger.height,
      chainId: running.ledger.genesis.chainId,
      created: running.created,
      dir,
      pid: process.pid,
    })}\n`,
  );

  const signalled = new Promise<NodeJS.Signals>((resolveSignal) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      // A second signal while closing stops at once.
      const force = () => process.exit(1);
      process.once('SIGTERM', force);
      process.once('SIGINT', force);
      resolveSignal(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  const reason = await Promise.race([
    signalled.then((signal) => ({ signal })),
    fatalError.then((error) => ({ error })),
  ]);
  if ('signal' in reason) logger.info({ signal: reason.signal }, 'stopping');
  else logger.fatal({ err: reason.error }, 'stopping after a fatal error');
  await running.close();
  logger.info({ height: running.ledger.height }, 'ledger stopped');
  return 'signal' in reason ? 0 : 1;
}

/** The `ledger` command. */
export const ledgerCommand: CommandModule = { usage: USAGE, run };
