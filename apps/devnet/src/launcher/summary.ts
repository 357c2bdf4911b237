/**
 * What `murmur-devnet up` prints once the devnet is ready: a table of the nodes (name, address,
 * swarm, stake, pooled, status) and where everything is (seed endpoint, ledger, devnet.json,
 * logs, data; on an EVM devnet the chain and the staking contract instead of the seed endpoint
 * and the block feed, which do not exist there), then how to stop it.
 */

import { formatSeconds, type Styles } from '@murmur/terminal';
import type { DevnetFile } from './devnet-file.js';
import { formatTable } from './terminal.js';

/** The first eight hex digits of a swarm ID (enough to tell a devnet's swarms apart). */
export function shortSwarm(id: string | null): string {
  return id === null ? '-' : id.slice(0, 8);
}

/** Options of {@link formatSummary}. */
export interface SummaryInit {
  /** Milliseconds from the start of `up` to all-ready. */
  readyAfterMs: number;
  /** Whether the devnet resumed from disk. */
  resumed: boolean;
  /** Nodes whose `/health` is ready (default: all). */
  ready?: ReadonlySet<string> | undefined;
  /** `--dir <path>` to add to the commands shown, when the directory is not the default. */
  dirFlag?: string | undefined;
  /** How to run murmur-devnet here (default `murmur-devnet`). */
  command?: string | undefined;
}

/** The summary as text (ends with a newline). */
export function formatSummary(file: DevnetFile, init: SummaryInit, styles: Styles): string {
  const flag = init.dirFlag === undefined || init.dirFlag === '' ? '' : ` ${init.dirFlag}`;
  const command = init.command ?? 'murmur-devnet';
  const rows = file.nodes.map((node) => {
    const ready = init.ready === undefined || init.ready.has(node.name);
    const status =
      node.status === 'active' && ready
        ? styles.green('ready')
        : node.status === 'active'
          ? styles.yellow('active, not ready')
          : styles.yellow(node.status ?? 'not registered');
    return [
      node.name,
      `${node.ip}:${node.storagePort}`,
      shortSwarm(node.swarm),
      node.stake ?? '-',
      node.pooled ? `yes (${node.contributors} wallets)` : 'no',
      status,
    ];
  });
  const swarms = file.swarms.length;
  const lines = [
    '',
    `${styles.green('✔')} ${styles.bold(
      `Devnet ready in ${formatSeconds(init.readyAfterMs)}: ${file.nodes.length} nodes in ${swarms} swarm${swarms === 1 ? '' : 's'}`,
    )}${styles.dim(` (chain ${file.chainId}${init.resumed ? ', resumed from disk' : ''})`)}`,
    '',
    ...formatTable(['node', 'address', 'swarm', 'stake', 'pooled', 'status'], rows, styles),
    '',
    ...(file.evm === undefined
      ? [
          `  Seed endpoint  ${styles.cyan(file.seed.url)}`,
          `  Ledger         ${styles.cyan(file.ledger.url)}  ${styles.dim(`(block feed ${file.ledger.feedUrl})`)}`,
        ]
      : [
          `  Chain          ${styles.cyan(file.evm.rpcUrl)}  ${styles.dim(`(anvil, EVM chain id ${file.evm.chainId}; no seed endpoint)`)}`,
          `  Contract       ${styles.cyan(file.evm.contract)}  ${styles.dim(`(staking, deployed in block ${file.evm.deploymentBlock}; token ${file.evm.token})`)}`,
        ]),
    `  devnet.json    ${file.dir}/devnet.json  ${styles.dim('(keys, addresses, ports, swarms)')}`,
    `  Logs           ${file.logsDir}  ${styles.dim(`(${command} logs node-01 -f${flag})`)}`,
    `  Data           ${file.dir}/nodes  ${styles.dim(`(ledger: ${file.ledger.dataDir})`)}`,
    '',
    `Press ${styles.bold('Ctrl-C')} to stop the devnet ${styles.dim(`(or run \`${command} down${flag}\` in another terminal)`)}.`,
    '',
  ];
  return lines.join('\n');
}
