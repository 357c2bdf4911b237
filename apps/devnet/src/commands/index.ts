/**
 * The table of murmur-devnet's commands. Each command lives in its own module, loaded only when
 * it runs; adding a command is one entry here.
 */
import type { CommandModule } from '../cli/args.js';

/** One command of the CLI. */
export interface CommandEntry {
  /** The word after `murmur-devnet`. */
  readonly name: string;
  /** One line for `murmur-devnet --help`. */
  readonly summary: string;
  /** Loads the command's module. */
  load(): Promise<CommandModule>;
}

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly CommandEntry[] = Object.freeze([
  {
    name: 'up',
    summary: 'start a whole local network (ledger + N service nodes) and keep it in the foreground',
    load: async () => (await import('./up.js')).upCommand,
  },
  {
    name: 'status',
    summary: 'show the devnet: each process running or stopped, ready, swarm, height',
    load: async () => (await import('./status.js')).statusCommand,
  },
  {
    name: 'down',
    summary: 'stop a running devnet (its `up` and every process it started) from another terminal',
    load: async () => (await import('./down.js')).downCommand,
  },
  {
    name: 'logs',
    summary: 'print or follow (-f) the log of a node or the ledger',
    load: async () => (await import('./logs.js')).logsCommand,
  },
  {
    name: 'kill',
    summary: 'kill a node (or the ledger) of a running devnet, to try a fault by hand',
    load: async () => (await import('./kill.js')).killCommand,
  },
  {
    name: 'restart',
    summary: 'restart (or start again) a node or the ledger from its data directory',
    load: async () => (await import('./restart.js')).restartCommand,
  },
  {
    name: 'add-node',
    summary: 'register a new service node for real and start it in the running devnet',
    load: async () => (await import('./add-node.js')).addNodeCommand,
  },
  {
    name: 'ledger',
    summary: 'run the devnet ledger: block producer, HTTP API, block feed, seed endpoint',
    load: async () => (await import('./ledger.js')).ledgerCommand,
  },
  {
    name: 'wallet',
    summary: 'create wallets; fund, transfer, register, contribute, unlock; inspect nodes',
    load: async () => (await import('./wallet.js')).walletCommand,
  },
]);
