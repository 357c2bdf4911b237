/**
 * `murmur-devnet up`, the whole sequence: start (or resume) a devnet with `@murmur/testnet` while
 * drawing its progress, write `devnet.json`, print the summary, optionally run the demo, then
 * stay in the foreground — reporting what changes — until Ctrl-C, SIGTERM, SIGHUP or
 * `murmur-devnet down`, and stop every process the devnet started and nothing else.
 *
 * Everything the outside world provides (output, signals, the testnet functions, the demo,
 * the clock, exiting) is a component, so that the sequence runs in tests with fakes.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { MurmurCrypto } from '@murmur/crypto';
import { formatSeconds, type Styles, type TerminalOutput } from '@murmur/terminal';
import {
  readManifest,
  type startTestnet,
  type stopTestnetProcesses,
  type Testnet,
  type TestnetManifest,
  type TestnetPrograms,
  testnetLayout,
} from '@murmur/testnet';
import { DevnetBusyError } from '../errors.js';
import type { DemoInit, DemoResult } from './demo.js';
import { type DemoBootstrap, demoBootstrapOf } from './demo-bootstrap.js';
import { buildDevnetFile, readDevnetFile, writeDevnetFile } from './devnet-file.js';
import { explainStartError } from './explain.js';
import {
  type LauncherRecord,
  processIdentity,
  removeLauncherRecord,
  runningLauncher,
  writeLauncherRecord,
} from './launcher-file.js';
import { describeNames, runningNames } from './processes.js';
import { devnetPrograms } from './programs.js';
import { createProgressView } from './progress-view.js';
import { formatSummary } from './summary.js';
import { createDevnetWatcher } from './watch.js';

/** Defaults of `murmur-devnet up`. */
export const UP_DEFAULTS = Object.freeze({
  /** Under the current directory. */
  dir: '.devnet',
  nodes: 20,
  /** The ledger on 22100, node i on 22101 + 2(i − 1) and the next port: devnet.json stays the same across runs. */
  basePort: 22_100,
  /** The devnet parameter set's block time. */
  blockTimeMs: 1_000,
  /** How often the foreground process looks at the devnet, ms. */
  watchIntervalMs: 2_000,
});

/** What to start. */
export interface UpOptions {
  /** Absolute devnet directory. */
  dir: string;
  nodes: number;
  /** 0: free ports. */
  basePort: number;
  /** Delete the directory first; else resume what is there. */
  fresh: boolean;
  /** Run the two-client demo once ready. */
  demo: boolean;
  /** Desktop daemons (`murmur-desktop`) to start once ready, accounts knowing each other. */
  desktop?: number | undefined;
  /** Block time of a new chain, ms. */
  blockTimeMs?: number | undefined;
  /** The ledger of a new devnet: `devnet` (default) or `evm` (anvil and the staking contract). */
  ledger?: 'devnet' | 'evm' | undefined;
  /** Log level of the ledger and the nodes. */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | undefined;
  /** Each start-up wait, ms (default the testnet's 60 s). */
  readyTimeoutMs?: number | undefined;
  /** Program paths other than the monorepo's built CLIs. */
  programs?: Partial<TestnetPrograms> | undefined;
  /** `--dir <path>` for the commands printed in hints (empty for the default directory). */
  dirFlag?: string | undefined;
  /** How to run murmur-devnet here, for the hints (default `murmur-devnet`). */
  command?: string | undefined;
  /** How often the running devnet is looked at, ms (default 2 s). */
  watchIntervalMs?: number | undefined;
}

/** What `up` works with. */
export interface UpComponents {
  /** Standard output. */
  output: TerminalOutput;
  /** Standard error. */
  errors: { write(text: string): void };
  styles: Styles;
  startTestnet: typeof startTestnet;
  stopTestnetProcesses: typeof stopTestnetProcesses;
  /** Subscribes to the stop signals (SIGINT, SIGTERM, SIGHUP); returns the unsubscribe. */
  onStopSignal(handler: (signal: NodeJS.Signals) => void): () => void;
  /** Runs the demo (loaded only with `--demo`). */
  runDemo?: ((init: DemoInit) => Promise<DemoResult>) | undefined;
  /**
   * Starts `count` desktop daemons on the devnet (`--desktop N`) whose accounts know each
   * other, their data in `dir`; returns one line per desktop (name, Session ID, URL) and the
   * function that stops them.
   */
  startDesktops?:
    | ((init: { count: number; dir: string; seedUrl: string; logsDir: string }) => Promise<{
        lines: string[];
        stop(): Promise<void>;
      }>)
    | undefined;
  /** Leaves at once (a second Ctrl-C). */
  exit(code: number): void;
  /** Milliseconds clock (default `performance.now`). */
  now?: (() => number) | undefined;
  /** This process's pid (default `process.pid`). */
  pid?: number | undefined;
  /** The repository root, to show paths relative to it. */
  root?: string | undefined;
  /** Timers (default the global ones). */
  setInterval?: ((callback: () => void, ms: number) => unknown) | undefined;
  clearInterval?: ((handle: unknown) => void) | undefined;
  /** Only for `runDemo`'s default loader. */
  crypto?: MurmurCrypto | undefined;
}

function describeStart(
  options: UpOptions,
  resumed: TestnetManifest | undefined,
  styles: Styles,
): string[] {
  const lines: string[] = [];
  if (resumed !== undefined) {
    lines.push(
      `${styles.bold('murmur-devnet')}: resuming the devnet in ${options.dir} ${styles.dim(`(chain ${resumed.chainId ?? '?'}, ${resumed.nodes.length} nodes; --fresh starts over)`)}`,
    );
    if (options.nodes > resumed.nodes.length) {
      lines.push(
        styles.dim(
          `  ${options.nodes - resumed.nodes.length} more nodes will be added (--nodes ${options.nodes})`,
        ),
      );
    } else if (options.nodes < resumed.nodes.length) {
      lines.push(
        styles.dim(
          `  all ${resumed.nodes.length} recorded nodes start (--nodes ${options.nodes} does not remove nodes)`,
        ),
      );
    }
    if (resumed.basePort !== options.basePort) {
      lines.push(
        styles.dim(
          `  the recorded ports are kept (${resumed.basePort === 0 ? 'free ports' : `base port ${resumed.basePort}`}); --fresh --base-port ${options.basePort} changes them`,
        ),
      );
    }
  } else {
    const ports =
      options.basePort === 0
        ? 'free ports'
        : `ledger on port ${options.basePort}, nodes from ${options.basePort + 1}`;
    lines.push(
      `${styles.bold('murmur-devnet')}: starting a devnet of ${options.nodes} nodes in ${options.dir} ${styles.dim(`(${ports})`)}`,
    );
  }
  lines.push('');
  return lines;
}

/** The files a devnet directory may hold at its top (a directory with others is not one). */
const DEVNET_ENTRIES = new Set([
  'testnet.json',
  'devnet.json',
  'launcher.json',
  'pids.json',
  'ledger',
  'ledger-params.json',
  'nodes',
  'wallets',
  'logs',
  // `up --desktop N` (and murmur-desktop-devnet): the desktop daemons' data directories.
  'desktop',
]);

/**
 * Whether `dir` may be used (and, with --fresh, deleted): it does not exist, is empty, or holds
 * only what a devnet puts there. Protects a mistyped `--dir ~ --fresh`.
 */
export function looksLikeDevnet(dir: string): boolean {
  if (!existsSync(dir)) return true;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return false;
  }
  return entries.every((entry) => DEVNET_ENTRIES.has(entry) || entry.endsWith('.tmp'));
}

/** Adds `count` nodes to a resumed devnet, one after the other, printing each. */
async function addExtraNodes(
  testnet: Testnet,
  count: number,
  signal: AbortSignal,
  write: (text: string) => void,
  styles: Styles,
): Promise<void> {
  write(`  … Adding ${count} node${count === 1 ? '' : 's'} to the resumed devnet\n`);
  const { height } = await testnet.state({ signal });
  // The resumed ledger holds its first block until the recorded nodes proved their uptime;
  // a registration now would end the hold before they did.
  await testnet.waitForHeight(height + 1, { timeoutMs: 40_000, signal }).catch(() => undefined);
  for (let added = 0; added < count; added++) {
    const node = await testnet.addNode({ signal });
    write(
      `  ${styles.green('✔')} ${node.name} registered and ready (${node.host}:${node.storagePort})\n`,
    );
  }
}

/**
 * Runs `up` to the end; resolves the exit code: 0 after a stop asked for by a signal or `down`,
 * 1 when the devnet could not start (everything it started is stopped first).
 *
 * @throws {@link DevnetBusyError} when a launcher already runs on the directory.
 */
export async function runUp(options: UpOptions, components: UpComponents): Promise<number> {
  const { output, styles, errors } = components;
  const now = components.now ?? (() => performance.now());
  const pid = components.pid ?? process.pid;
  const setTimer = components.setInterval ?? ((callback, ms) => setInterval(callback, ms));
  const clearTimer =
    components.clearInterval ?? ((handle) => clearInterval(handle as NodeJS.Timeout));
  const write = (text: string) => output.write(text);
  const { dir } = options;
  const begin = now();

  const flag = options.dirFlag ? ` ${options.dirFlag}` : '';
  const command = options.command ?? 'murmur-devnet';
  if (!looksLikeDevnet(dir)) {
    throw new DevnetBusyError(
      `${dir} is not empty and holds no devnet: choose a new or empty directory with --dir`,
    );
  }
  const live = runningLauncher(dir);
  if (live !== undefined && live.pid !== pid) {
    throw new DevnetBusyError(
      `a devnet already runs in ${dir} (murmur-devnet up, pid ${live.pid}, ${live.state}): see it with \`${command} status${flag}\`, stop it with \`${command} down${flag}\``,
    );
  }
  const busy = runningNames(dir, true);
  if (busy.length > 0) {
    throw new DevnetBusyError(
      `processes of a devnet still run in ${dir} (${describeNames(busy)}): stop them with \`${command} down${flag}\``,
    );
  }
  // --fresh: deleted here rather than by the testnet, so that launcher.json (written next) stays.
  if (options.fresh) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const manifest = options.fresh ? undefined : readManifest(dir);
  const resumed =
    manifest !== undefined && existsSync(`${testnetLayout(dir).ledgerDir}/ledger.sqlite`)
      ? manifest
      : undefined;
  const previousFile = (() => {
    if (resumed === undefined) return undefined;
    try {
      return readDevnetFile(dir);
    } catch {
      return undefined;
    }
  })();
  write(describeStart(options, resumed, styles).join('\n'));

  const identity = processIdentity(pid);
  const record: LauncherRecord = {
    version: 1,
    pid,
    ...identity,
    startedAt: new Date().toISOString(),
    state: 'starting',
  };
  writeLauncherRecord(dir, record);

  const startAbort = new AbortController();
  const demoAbort = new AbortController();
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  let requestStop: (signal: NodeJS.Signals) => void = () => undefined;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    requestStop = resolve;
  });
  let signals = 0;
  const unsubscribe = components.onStopSignal((signal) => {
    signals++;
    if (signals > 1) {
      write(`\n${styles.red('Forced stop')}: SIGKILL to every devnet process.\n`);
      void components
        .stopTestnetProcesses(dir, { graceMs: 0 })
        .catch(() => undefined)
        .finally(() => {
          removeLauncherRecord(dir, pid);
          components.exit(130);
        });
      return;
    }
    if (phase === 'starting') {
      write(`\n${styles.yellow(`${signal}`)}: stopping what was started…\n`);
      startAbort.abort();
    } else {
      demoAbort.abort();
      requestStop(signal);
    }
  });

  const view = createProgressView({ output, styles, now });
  // A resumed devnet restarts its recorded nodes first and adds the extra ones afterwards, once
  // the ledger made its first block with their uptime proofs (see the ledger's resume hold).
  const extra = resumed === undefined ? 0 : Math.max(0, options.nodes - resumed.nodes.length);
  const stepEnds: Record<string, number> = {};
  let testnet: Testnet | undefined;
  try {
    try {
      testnet = await components.startTestnet({
        dir,
        nodes: resumed === undefined ? options.nodes : resumed.nodes.length,
        basePort: options.basePort,
        fresh: false,
        blockTimeMs: options.blockTimeMs,
        ...(options.ledger === undefined ? {} : { ledger: options.ledger }),
        logLevel: options.logLevel,
        readyTimeoutMs: options.readyTimeoutMs,
        programs: devnetPrograms(options.programs),
        onProgress: (event) => {
          view.onProgress(event);
          if (event.status === 'done') stepEnds[event.step] = Math.round(now() - begin);
        },
        signal: startAbort.signal,
      });
    } finally {
      view.finish();
    }
    if (extra > 0) await addExtraNodes(testnet, extra, startAbort.signal, write, styles);
  } catch (error) {
    if (testnet !== undefined) await testnet.stop().catch(() => undefined);
    const leftovers = runningNames(dir, true);
    if (leftovers.length > 0) await components.stopTestnetProcesses(dir).catch(() => undefined);
    removeLauncherRecord(dir, pid);
    unsubscribe();
    const clean = runningNames(dir, true).length === 0;
    if (startAbort.signal.aborted) {
      write(
        `Stopped before the devnet was ready; ${clean ? 'no devnet process is left' : `still running: ${describeNames(runningNames(dir))}`}.\n`,
      );
      return clean ? 0 : 1;
    }
    errors.write(
      `\n${styles.red('✖')} murmur-devnet up: ${explainStartError(error, {
        dir,
        resumed: resumed !== undefined,
        root: components.root,
        dirFlag: options.dirFlag,
        command,
      })}\n`,
    );
    errors.write(
      clean
        ? `Everything it had started is stopped; no devnet process is left. Logs: ${testnetLayout(dir).logsDir}\n`
        : `Some processes are still running (${describeNames(runningNames(dir))}): run \`${command} down${flag}\`\n`,
    );
    return 1;
  }

  phase = 'running';
  const readyAfterMs = now() - begin;
  let state: Awaited<ReturnType<Testnet['state']>> | undefined;
  try {
    state = await testnet.state({ signal: AbortSignal.timeout(5_000) });
  } catch {
    state = undefined;
  }
  const file = buildDevnetFile({
    dir,
    manifest: readManifest(dir) as TestnetManifest,
    state,
    createdAt: previousFile?.createdAt,
    now: new Date(),
  });
  writeDevnetFile(dir, file);
  writeLauncherRecord(dir, {
    ...record,
    state: 'ready',
    readyAt: new Date().toISOString(),
    readyAfterMs: Math.round(readyAfterMs),
    timings: { ...testnet.timings },
    stepEnds,
  });
  write(
    formatSummary(
      file,
      { readyAfterMs, resumed: resumed !== undefined, dirFlag: options.dirFlag, command },
      styles,
    ),
  );

  const watcher = createDevnetWatcher({
    dir,
    state: (stateOptions) => testnet.state(stateOptions),
    write: (line) => write(`${line}\n`),
    styles,
  });
  await watcher.tick();
  // The timer also keeps this process alive while the devnet runs.
  const timer = setTimer(
    () => void watcher.tick(),
    options.watchIntervalMs ?? UP_DEFAULTS.watchIntervalMs,
  );

  if (options.demo && components.runDemo !== undefined) {
    const names = new Map(file.nodes.map((node) => [node.ed25519, node.name]));
    // The seed endpoint on the devnet ledger; the staking contract on an EVM devnet.
    let bootstrap: DemoBootstrap | undefined;
    try {
      bootstrap = demoBootstrapOf(file);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      write(`\n  ${styles.red('✖')} demo not started: ${message}\n`);
    }
    const result: DemoResult =
      bootstrap === undefined
        ? { ok: false, deliveries: [] }
        : await components.runDemo({ bootstrap, nodeNames: names, signal: demoAbort.signal });
    if (!result.ok && !demoAbort.signal.aborted) {
      write(styles.dim(`  the devnet keeps running; logs in ${file.logsDir}\n`));
    }
    if (!demoAbort.signal.aborted) {
      write(`\nPress ${styles.bold('Ctrl-C')} to stop the devnet.\n`);
    }
  }

  let desktops: { stop(): Promise<void> } | undefined;
  const desktopCount = options.desktop ?? 0;
  if (desktopCount > 0 && file.evm !== undefined) {
    // The desktop daemon bootstraps from a seed endpoint; an EVM devnet has none (its clients
    // follow the contract), so say so instead of starting daemons that cannot find the network.
    write(
      `  ${styles.red('✖')} the desktops did not start: --desktop needs the devnet ledger's seed endpoint, and this devnet runs on --ledger evm\n` +
        styles.dim('  the devnet keeps running; start one with --ledger devnet for desktops\n'),
    );
  } else if (
    desktopCount > 0 &&
    components.startDesktops !== undefined &&
    !demoAbort.signal.aborted
  ) {
    try {
      const started = await components.startDesktops({
        count: desktopCount,
        dir: join(dir, 'desktop'),
        seedUrl: file.seed.url,
        logsDir: file.logsDir,
      });
      desktops = started;
      write(
        `\n${styles.bold('Desktops')} (murmur-desktop; their accounts know each other: open a URL)\n` +
          `${started.lines.map((line) => `  ${line}`).join('\n')}\n` +
          `\nPress ${styles.bold('Ctrl-C')} to stop the devnet and the desktops.\n`,
      );
    } catch (error) {
      write(
        `  ${styles.red('✖')} the desktops did not start: ${(error as Error).message}\n` +
          styles.dim(`  the devnet keeps running; logs in ${file.logsDir}\n`),
      );
    }
  }

  const signal = await stopRequested;
  phase = 'stopping';
  await desktops?.stop().catch(() => undefined);
  clearTimer(timer);
  writeLauncherRecord(dir, { ...record, state: 'stopping' });
  const before = runningNames(dir);
  write(
    `\n${styles.yellow(signal)}: stopping the devnet (${describeNames(before) || 'nothing running'})…\n`,
  );
  const stopStarted = now();
  try {
    await testnet.stop();
  } catch {
    await components.stopTestnetProcesses(dir).catch(() => undefined);
  }
  const left = runningNames(dir, true);
  if (left.length > 0) await components.stopTestnetProcesses(dir).catch(() => undefined);
  const still = runningNames(dir, true);
  removeLauncherRecord(dir, pid);
  unsubscribe();
  if (still.length > 0) {
    errors.write(
      `murmur-devnet up: could not stop ${describeNames(still)}; run \`${command} down${flag}\`\n`,
    );
    return 1;
  }
  write(
    `${styles.green('✔')} Stopped ${describeNames(before) || 'nothing'} in ${formatSeconds(now() - stopStarted)}; nothing else was touched.\n` +
      `${styles.dim(`  Data kept in ${dir}: the next \`up\`${flag === '' ? '' : ` with${flag}`} resumes this devnet; --fresh starts a new one.`)}\n`,
  );
  return 0;
}
