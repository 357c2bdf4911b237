/**
 * Failures of `murmur-devnet up` in words a person can act on: which program is not built and
 * how to build it, which port is taken and by whom, which node did not start and where its log
 * is (with its last lines), what was still missing when the wait ran out.
 */
import { relative } from 'node:path';
import {
  MissingBuildError,
  PortInUseError,
  ProcessExitedError,
  TestnetBusyError,
  TestnetTimeoutError,
  TransactionRefusedError,
} from '@murmur/testnet';
import { MurmurError } from '@murmur/wire';

/** What the explanation may mention. */
export interface ExplainContext {
  /** The devnet directory. */
  dir: string;
  /** Whether the devnet was resumed (its ports are the recorded ones). */
  resumed: boolean;
  /** The repository root, to show program paths relative to it. */
  root?: string | undefined;
  /** `--dir <path>` for the commands shown, when not the default directory. */
  dirFlag?: string | undefined;
  /** How to run murmur-devnet here (default `murmur-devnet`). */
  command?: string | undefined;
}

const BUILT_APPS: readonly [string, string][] = [
  ['apps/service-node/dist/cli.js', 'apps/service-node'],
  ['apps/devnet/dist/cli.js', 'apps/devnet'],
];

/** The error's message with a headline and a hint; several lines, no trailing newline. */
export function explainStartError(error: unknown, context: ExplainContext): string {
  const flag = context.dirFlag === undefined || context.dirFlag === '' ? '' : ` ${context.dirFlag}`;
  const command = context.command ?? 'murmur-devnet';
  if (error instanceof MissingBuildError) {
    const app = BUILT_APPS.find(([file]) => error.file.endsWith(file));
    const shown =
      context.root !== undefined && error.file.startsWith(context.root)
        ? relative(context.root, error.file)
        : error.file;
    if (app !== undefined) {
      return `${app[1]} is not built (missing ${shown}): run \`npm run devnet\` (it builds) or \`pnpm build\``;
    }
    return `the program ${shown} does not exist (check MURMUR_NODE_CLI / MURMUR_LEDGER_CLI), or run \`pnpm build\``;
  }
  if (error instanceof PortInUseError) {
    const hint = context.resumed
      ? `this devnet keeps the ports it was created with: free port ${error.port}, or start a new devnet with --fresh --base-port <n> (or --base-port 0 for free ports)`
      : `choose other ports with --base-port <n> (or --base-port 0 for free ports), or stop what holds port ${error.port}`;
    return `${error.message}\n${hint}`;
  }
  if (error instanceof ProcessExitedError) {
    const [first, ...rest] = error.message.split('\n');
    return [`${error.process} failed to start: ${first}`, `  log: ${error.logFile}`, ...rest].join(
      '\n',
    );
  }
  if (error instanceof TestnetTimeoutError) {
    return `the devnet was not ready in time: ${error.message}`;
  }
  if (error instanceof TestnetBusyError) {
    return `a devnet already runs in ${context.dir} (pids ${error.pids.join(', ')}): see it with \`${command} status${flag}\`, stop it with \`${command} down${flag}\``;
  }
  if (error instanceof TransactionRefusedError) {
    return `${error.message}\n  ledger log: ${context.dir}/logs/ledger.log`;
  }
  if (MurmurError.isInstance(error)) return error.message;
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}
