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
