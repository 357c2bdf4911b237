/**
 * `murmur-devnet add-node`: a new service node joins a running devnet — initialised, funded by
 * the faucet, registered for real through a staking transaction (pooled with `--pooled`),
 * started, and waited for until it is active in a swarm and healthy; then devnet.json is
 * rewritten.
 */

import { formatSeconds } from '@murmur/terminal';
import { UsageError } from '@murmur/wire/program';
import { type CommandIo, type CommandModule, parseFlags, wantsHelp } from '../cli/args.js';
import { openDevnet, rewriteDevnetFile } from '../launcher/open-devnet.js';
import { programsFromEnv, resolveDevnetDir } from '../launcher/options.js';
import { shortSwarm } from '../launcher/summary.js';

const USAGE = `Usage: murmur-devnet add-node [--pooled | --solo] [--json] [--dir <path>]

Adds a service node to the running devnet of the directory, for real: a new node key, an
operator wallet (and contributor wallets when pooled) funded by the faucet, a registration
co-signed by the node key, the node process on the next loopback address and ports; waits
until it is active in a swarm and its /health is ready. The next \`up\` resumes it with the rest.

Options:
  --pooled | --solo  pool its stake among several wallets, or not (default: every third node)
  --json             print the new node as JSON (its devnet.json entry)
  --dir <path>       devnet directory (default $MURMUR_DEVNET_DIR or ./.devnet)
  -h, --help         this text
`;

async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(USAGE);
    return 0;
  }
  const { values } = parseFlags(argv, {
    pooled: { type: 'boolean' },
    solo: { type: 'boolean' },
    json: { type: 'boolean' },
    dir: { type: 'string' },
  });
  if (values.pooled === true && values.solo === true) {
    throw new UsageError('--pooled and --solo exclude each other');
  }
  const { dir } = resolveDevnetDir(values.dir, io.env);
  const testnet = await openDevnet(dir, programsFromEnv(io.env));
  try {
    const started = performance.now();
    const pooled = values.pooled === true ? true : values.solo === true ? false : undefined;
    const node = await testnet.addNode(pooled === undefined ? {} : { pooled });
    const took = formatSeconds(performance.now() - started);
    await rewriteDevnetFile(testnet);
    const record = await testnet.registryNode(node.name).catch(() => undefined);
    if (values.json === true) {
      const { readDevnetFile } = await import('../launcher/devnet-file.js');
      const entry = readDevnetFile(dir)?.nodes.find((candidate) => candidate.name === node.name);
      io.stdout(
        `${JSON.stringify(entry ?? { name: node.name, ed25519: node.ed25519 }, null, 2)}\n`,
      );
      return 0;
    }
    io.stdout(
      `${node.name} joined swarm ${shortSwarm(record?.swarmId ?? null)} at ${node.host}:${node.storagePort} (${node.pooled ? 'pooled' : 'solo'} stake), ready after ${took}; key ${node.ed25519}; log: ${node.logFile}\n`,
    );
    return 0;
  } finally {
    await testnet.detach();
  }
}

/** The `add-node` command. */
export const addNodeCommand: CommandModule = { usage: USAGE, run };
