/**
 * The devnet's processes as `pids.json` records them: which still run (pid identity checked,
 * so that a recycled pid is never taken for ours), and their names for people.
 */
import { readPidsFile, runningRecordedProcesses } from '@murmur/testnet';

/** Helper processes of a testnet that are not part of the network. */
const HELPERS = new Set(['reaper', 'init']);

/**
 * The names of the devnet's processes that still run: the ledger and the nodes, and with `all`
 * the helpers too (the orphan guard, a node-key init in progress).
 */
export function runningNames(dir: string, all = false): string[] {
  try {
    return runningRecordedProcesses(readPidsFile(dir))
      .map((entry) => entry.name)
      .filter((name) => all || !HELPERS.has(name));
  } catch {
    return [];
  }
}

/** The pids of the devnet's processes that still run (helpers included). */
export function runningPids(dir: string): number[] {
  try {
    return runningRecordedProcesses(readPidsFile(dir)).map((entry) => entry.pid);
  } catch {
    return [];
  }
}

/**
 * `the ledger and 20 nodes (node-01 … node-20) and their 20 relays`, `node-03, node-07`,
 * `node-07/relay`, `the ledger`.
 */
export function describeNames(names: readonly string[]): string {
  const visible = names.filter((name) => !HELPERS.has(name));
  const relays = visible.filter((name) => name.endsWith('/relay')).sort();
  const nodes = visible.filter((name) => name !== 'ledger' && !name.endsWith('/relay')).sort();
  const parts: string[] = [];
  if (visible.includes('ledger')) parts.push('the ledger');
  if (nodes.length > 0) {
    parts.push(
      nodes.length <= 3
        ? nodes.join(', ')
        : `${nodes.length} nodes (${nodes[0]} … ${nodes[nodes.length - 1]})`,
    );
  }
  if (relays.length > 0) {
    const theirs = relays.length === nodes.length && nodes.length > 3;
    parts.push(
      theirs
        ? `their ${relays.length} relays`
        : relays.length <= 3
          ? relays.join(', ')
          : `${relays.length} relays (${relays[0]} … ${relays[relays.length - 1]})`,
    );
  }
  return parts.join(' and ');
}
