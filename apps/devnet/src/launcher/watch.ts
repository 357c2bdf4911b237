/**
 * What the foreground `murmur-devnet up` shows while the devnet runs: a line when a process
 * stops or starts again (a `kill` or `restart` from another terminal, a crash), when a node
 * changes status in the registry (decommissioned, recommissioned, a new node active), when the
 * swarms change, and when the ledger stops or comes back; and `devnet.json` rewritten whenever
 * nodes or swarms change (nodes added by another process included).
 */
import type { StateResponse } from '@murmur/registry/ledger-http';
import type { Styles } from '@murmur/terminal';
import { readManifest, readPidsFile, runningRecordedProcesses } from '@murmur/testnet';
import { buildDevnetFile, readDevnetFile, writeDevnetFile } from './devnet-file.js';
import { shortSwarm } from './summary.js';

/** Options of {@link createDevnetWatcher}. */
export interface DevnetWatcherInit {
  /** The devnet directory. */
  dir: string;
  /** The registry state (`GET /state` of the ledger). */
  state(options: { signal?: AbortSignal }): Promise<StateResponse>;
  /** Prints one line (no newline). */
  write(line: string): void;
  styles: Styles;
  /** Wall clock (default `new Date()`), for the time stamps and `updatedAt`. */
  date?: (() => Date) | undefined;
}

/** Looks at the devnet once per {@link DevnetWatcher.tick}. */
export interface DevnetWatcher {
  /** One look (never throws; overlapping calls share the one in flight). */
  tick(): Promise<void>;
}

function swarmKey(state: StateResponse): string {
  return state.swarms
    .map((swarm) => `${swarm.id}:${[...swarm.members].sort().join(',')}`)
    .sort()
    .join(';');
}

/** A watcher that starts from what is true now (the first tick prints nothing). */
export function createDevnetWatcher(init: DevnetWatcherInit): DevnetWatcher {
  const { dir, styles } = init;
  const date = init.date ?? (() => new Date());
  let running: Set<string> | undefined;
  let statuses: Map<string, string> | undefined;
  let swarms: string | undefined;
  let nodeCount: number | undefined;
  let ledgerDown = false;
  let inFlight: Promise<void> | undefined;

  const say = (text: string) => {
    const time = date().toTimeString().slice(0, 8);
    init.write(`  ${styles.dim(time)}  ${text}`);
  };

  async function look(): Promise<void> {
    const manifest = readManifest(dir);
    if (manifest === undefined) return;
    const names = new Map(manifest.nodes.map((node) => [node.ed25519 ?? '', node.name]));
    const processNames = new Set(['ledger', ...manifest.nodes.map((node) => node.name)]);
    let recorded: string[] = [];
    try {
      recorded = runningRecordedProcesses(readPidsFile(dir))
        .map((entry) => entry.name)
        .filter((name) => processNames.has(name));
    } catch {
      // A pids file being rewritten: next time.
      return;
    }
    const now = new Set(recorded);
    if (running !== undefined) {
      for (const name of running) {
        if (!now.has(name)) {
          say(`${styles.yellow(name)} stopped ${styles.dim(`(log: ${dir}/logs/${name}.log)`)}`);
        }
      }
      for (const name of now) {
        if (!running.has(name)) say(`${styles.green(name)} running`);
      }
    }
    running = now;

    let state: StateResponse;
    try {
      state = await init.state({ signal: AbortSignal.timeout(3_000) });
    } catch {
      if (!ledgerDown)
        say(`${styles.yellow('the ledger does not answer')} (log: ${dir}/logs/ledger.log)`);
      ledgerDown = true;
      return;
    }
    if (ledgerDown) say(`${styles.green('the ledger answers again')} at height ${state.height}`);
    ledgerDown = false;

    let changed = nodeCount !== undefined && nodeCount !== manifest.nodes.length;
    nodeCount = manifest.nodes.length;
    const nextStatuses = new Map(
      state.nodes.map((record) => [record.ed25519, record.status as string]),
    );
    if (statuses !== undefined) {
      for (const [key, status] of nextStatuses) {
        const before = statuses.get(key);
        if (before === status) continue;
        changed = true;
        const name = names.get(key) ?? `${key.slice(0, 8)}… (not from this devnet)`;
        say(
          before === undefined
            ? `${name} registered: ${status}`
            : `${name}: ${before} → ${status === 'active' ? styles.green(status) : styles.yellow(status)} at height ${state.height}`,
        );
      }
      for (const key of statuses.keys()) {
        if (!nextStatuses.has(key)) {
          changed = true;
          say(`${names.get(key) ?? key.slice(0, 8)} left the registry at height ${state.height}`);
        }
      }
    }
    statuses = nextStatuses;
    const nextSwarms = swarmKey(state);
    if (swarms !== undefined && swarms !== nextSwarms) {
      changed = true;
      const text = state.swarms
        .map((swarm) => `${shortSwarm(swarm.id)} (${swarm.members.length})`)
        .join(', ');
      say(`swarms now: ${text}`);
    }
    swarms = nextSwarms;
    if (changed) {
      const previous = (() => {
        try {
          return readDevnetFile(dir);
        } catch {
          return undefined;
        }
      })();
      writeDevnetFile(
        dir,
        buildDevnetFile({ dir, manifest, state, createdAt: previous?.createdAt, now: date() }),
      );
    }
  }

  return {
    tick() {
      inFlight ??= look()
        .catch(() => undefined)
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    },
  };
}
