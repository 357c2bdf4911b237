/**
 * `murmur-devnet up`: a whole Murmur network on this machine, in the foreground, until Ctrl-C.
 * The sequence lives in `launcher/run-up.ts`; this module reads the command line and wires the
 * process (output, signals, exit) to it.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestnet, stopTestnetProcesses } from '@murmur/testnet';
import { isLogLevel, LOG_LEVELS, UsageError } from '@murmur/wire/program';
import {
  type CommandIo,
  type CommandModule,
  optionalInteger,
  parseFlags,
  parseInteger,
  parsePort,
  wantsHelp,
} from '../cli/args.js';
import {
  invocationOf,
  programsFromEnv,
  resolveDevnetDir,
  stylesOf,
  terminalOf,
} from '../launcher/options.js';
import { runUp, UP_DEFAULTS, type UpOptions } from '../launcher/run-up.js';

const USAGE = `Usage: murmur-devnet up [options]

Starts a whole Murmur network on this machine and keeps it in the foreground: the devnet
ledger, wallets funded by its faucet, N service nodes registered for real through staking
transactions (every third one pooled by several contributors), each node its own murmur-node
process on its own loopback address, ports and data directory. Shows the progress, then the
nodes, the seed endpoint and where logs and data live; writes <dir>/devnet.json for clients and
tests; on Ctrl-C stops every process it started and nothing else.

A second \`up\` on the same directory resumes the same devnet (chain, keys, addresses, ports);
--fresh starts a new one.

Options:
  --nodes <n>             service nodes (default ${UP_DEFAULTS.nodes})
  --base-port <n>         ledger on <n>, node i on <n>+1+2(i-1) and the next port
                          (default ${UP_DEFAULTS.basePort}); 0 picks free ports
  --dir <path>            devnet directory (default $MURMUR_DEVNET_DIR or ./.devnet)
  --fresh                 delete the directory's devnet first and start a new one
  --ledger <kind>         the ledger of a new devnet: devnet (default), the devnet ledger
                          process; or evm, anvil from npm with Murmur's staking contract,
                          the nodes staked through it and following it (--chain); a resumed
                          devnet keeps its own
  --demo                  once ready, two clients exchange messages through onion paths
                          (devnet ledger: from the seed endpoint, pushed over relay
                          circuits; evm: following the contract, by polls)
  --desktop <n>           once ready, start n murmur-desktop daemons (1 to 20) whose accounts
                          know each other, and print their URLs (data in <dir>/desktop)
  --block-time-ms <n>     block time of a new chain (default ${UP_DEFAULTS.blockTimeMs}, the devnet parameter set)
  --log-level <level>     ledger and node log level: trace, debug, info (default), warn, error
  --ready-timeout-ms <n>  how long each start-up wait may take (default 60000)
  -h, --help              this text

Environment: NO_COLOR (no colours), MURMUR_DEVNET_DIR, MURMUR_NODE_CLI and MURMUR_LEDGER_CLI
(other program files than the monorepo's built ones).

Other terminals: murmur-devnet status | logs <node> [-f] | kill <node> | restart <node> |
add-node | down (each takes the same --dir).

Exit codes: 0 stopped by Ctrl-C, SIGTERM, SIGHUP or \`murmur-devnet down\`; 1 could not start
(everything it had started is stopped; the message names the process and its log file);
2 usage error.
`;

/** Reads `up`'s command line. */
export function parseUpArgs(
  argv: readonly string[],
  io: CommandIo,
  cwd = process.cwd(),
): UpOptions {
  const { values } = parseFlags(argv, {
    nodes: { type: 'string' },
    'base-port': { type: 'string' },
    dir: { type: 'string' },
    fresh: { type: 'boolean' },
    demo: { type: 'boolean' },
    desktop: { type: 'string' },
    'block-time-ms': { type: 'string' },
    ledger: { type: 'string' },
    'log-level': { type: 'string' },
    'ready-timeout-ms': { type: 'string' },
  });
  const nodes =
    values.nodes === undefined
      ? UP_DEFAULTS.nodes
      : parseInteger(values.nodes, '--nodes', { min: 1, max: 500 });
  const basePort =
    values['base-port'] === undefined
      ? UP_DEFAULTS.basePort
      : parsePort(values['base-port'], '--base-port');
  if (basePort !== 0 && basePort + 2 * nodes > 65_535) {
    throw new UsageError(
      `--base-port ${basePort} leaves no room for ${nodes} nodes (they need ports up to ${basePort + 2 * nodes}); choose a lower one or 0`,
    );
  }
  const logLevel = values['log-level'] ?? io.env.MURMUR_LOG_LEVEL ?? 'info';
  if (!isLogLevel(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const ledger = values.ledger ?? 'devnet';
  if (ledger !== 'devnet' && ledger !== 'evm') {
    throw new UsageError(`--ledger must be devnet or evm, not ${JSON.stringify(ledger)}`);
  }
  const { dir, dirFlag } = resolveDevnetDir(values.dir, io.env, cwd);
  const programs = programsFromEnv(io.env);
  return {
    dir,
    dirFlag,
    nodes,
    basePort,
    fresh: values.fresh === true,
    demo: values.demo === true,
    desktop:
      values.desktop === undefined
        ? undefined
        : parseInteger(values.desktop, '--desktop', { min: 1, max: 20 }),
    ledger,
    blockTimeMs: optionalInteger(
      values['block-time-ms'],
      '--block-time-ms',
      { min: 50, max: 60_000 },
      undefined,
    ),
    logLevel: logLevel as UpOptions['logLevel'],
    readyTimeoutMs: optionalInteger(
      values['ready-timeout-ms'],
      '--ready-timeout-ms',
      { min: 1_000, max: 3_600_000 },
      undefined,
    ),
    programs: Object.keys(programs).length === 0 ? undefined : programs,
  };
}

async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(USAGE);
    return 0;
  }
  const options = { ...parseUpArgs(argv, io), command: invocationOf(process.argv[1]) };
  const styles = stylesOf(io);
  const output = terminalOf(io);
  return runUp(options, {
    output,
    errors: { write: (text) => io.stderr(text) },
    styles,
    startTestnet,
    stopTestnetProcesses,
    onStopSignal(handler) {
      const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
      for (const signal of signals) process.on(signal, handler);
      return () => {
        for (const signal of signals) process.off(signal, handler);
      };
    },
    async runDemo(init) {
      const [{ loadCrypto }, { runDemo }] = await Promise.all([
        import('@murmur/crypto'),
        import('../launcher/demo.js'),
      ]);
      return runDemo(init, { crypto: await loadCrypto(), output, styles });
    },
    async startDesktops(init) {
      const [{ loadCrypto }, desktop, { createNodeFetch }] = await Promise.all([
        import('@murmur/crypto'),
        import('@murmur/desktop'),
        import('@murmur/wire/node'),
      ]);
      const logger = desktop.createDesktopLogger({
        level: 'info',
        file: join(init.logsDir, 'desktop.log'),
      });
      const started = await desktop.startDesktops(
        { count: init.count, dir: init.dir, network: { seeds: [init.seedUrl] } },
        { crypto: await loadCrypto(), logger, fetch: createNodeFetch() },
      );
      return {
        lines: started.map(
          (item) => `${item.name.padEnd(11)} ${item.sessionId.slice(0, 12)}…  ${item.daemon.url}`,
        ),
        stop: async () => {
          await Promise.all(started.map((item) => item.daemon.close()));
        },
      };
    },
    exit: (code) => process.exit(code),
    root: fileURLToPath(new URL('../../../../', import.meta.url)),
  });
}

/** The `up` command. */
export const upCommand: CommandModule = { usage: USAGE, run };
