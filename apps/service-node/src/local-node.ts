/**
 * `@murmur/service-node/local` (Node only): a real `murmur-node` process on this machine, for the
 * node's process tests and the benchmarks: `murmur-node init` in a data directory, `murmur-node
 * start` with a static network file, wait until it listens (and, by default, until `/health`
 * answers 200), stop. One way to start a local node, owned by the app that owns the program (as
 * `@murmur/relay/local` starts relays).
 *
 * @example
 * ```ts
 * import { initLocalNode, startLocalNode, writeLoneNetwork } from '@murmur/service-node/local';
 *
 * const { dataDir, ed25519 } = initLocalNode({ dataDir: '/tmp/node-a' });
 * const networkFile = writeLoneNetwork('/tmp/node-a-network.json', ed25519);
 * const node = await startLocalNode({ dataDir, networkFile });
 * try {
 *   await fetch(`${node.url}/health`); // HTTPS with a self-signed certificate unless plainHttp
 * } finally {
 *   await node.stop();
 * }
 * ```
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_KEY_FILE_NAME, nodeKeyFileChecker } from '@murmur/registry/key-files';
import { UpstreamFailedError } from '@murmur/wire';
import { ConfigError } from '@murmur/wire/program';
import { readStateFile } from '@murmur/wire/settings-file';

/** This package's built program (`murmur-node`, `dist/cli.js`), from source or from `dist`. */
export const NODE_PROGRAM = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Lines of a node's output an error quotes. */
const TAIL_LINES = 20;
/** How much of a node's output {@link LocalNode.log} keeps: its start and its latest lines. */
const LOG_HEAD_CHARS = 64 * 1024;
const LOG_TAIL_CHARS = 256 * 1024;

function programOrThrow(program: string | undefined): string {
  const path = program ?? NODE_PROGRAM;
  if (!existsSync(path)) {
    throw new ConfigError(
      `murmur-node is not built: run \`pnpm --filter @murmur/service-node build\` (missing ${path})`,
      { details: { path } },
    );
  }
  return path;
}

/** Options of {@link initLocalNode}. */
export interface InitLocalNodeOptions {
  /** The data directory to create (it must not hold a key yet). */
  dataDir: string;
  /** The program to run (default {@link NODE_PROGRAM}). */
  program?: string | undefined;
  /** Extra flags of `murmur-node init` (written to its `config.json`). */
  args?: readonly string[] | undefined;
}

/**
 * Runs `murmur-node init` in `dataDir` (a new node key, a TLS certificate, `config.json` with
 * `args`) and returns the directory and the node's Ed25519 public key (hex).
 *
 * @throws `ConfigError` when the program is not built, or when the `key.json` it wrote is
 * malformed (naming the file and field); `UpstreamFailedError` (quoting its stderr) when `init`
 * fails.
 */
export function initLocalNode(options: InitLocalNodeOptions): { dataDir: string; ed25519: string } {
  const program = programOrThrow(options.program);
  const result = spawnSync(
    process.execPath,
    [program, 'init', '--data-dir', options.dataDir, ...(options.args ?? [])],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new UpstreamFailedError(
      `murmur-node init failed (${result.signal ?? `code ${result.status}`}): ${result.stderr.trim()}`,
    );
  }
  const keyPath = join(options.dataDir, NODE_KEY_FILE_NAME);
  const key = readStateFile(keyPath, nodeKeyFileChecker);
  if (key?.ed25519PublicKey === undefined) {
    throw new ConfigError(
      `${keyPath}: murmur-node init left no \`ed25519PublicKey\` in its key file`,
      { details: { path: keyPath, field: 'ed25519PublicKey' } },
    );
  }
  return { dataDir: options.dataDir, ed25519: key.ed25519PublicKey };
}

/**
 * Writes a static network file that lists one node alone in swarm 0 (its storage port 1: a node
 * never dials itself), for a node with no peers and no replication; returns `path`.
 */
export function writeLoneNetwork(path: string, ed25519: string): string {
  writeFileSync(
    path,
    JSON.stringify({ nodes: [{ ed25519, ip: '127.0.0.1', storagePort: 1, swarmId: '0' }] }),
  );
  return path;
}

/** Options of {@link startLocalNode}. */
export interface LocalNodeOptions {
  /** A data directory `murmur-node init` made ({@link initLocalNode}). */
  dataDir: string;
  /**
   * The static network file (`--network-file`). Without one, give `args` that name the
   * network another way (`--ledger-url <url> --public-ip 127.0.0.1`: a node that follows a
   * ledger and sends it uptime proofs).
   */
  networkFile?: string | undefined;
  /** The program to run (default {@link NODE_PROGRAM}). */
  program?: string | undefined;
  /** `--listen` (default `127.0.0.1`). */
  listen?: string | undefined;
  /** The storage port (default 0: a free port the node picks and reports). */
  port?: number | undefined;
  /** Serve the storage port as plain HTTP (`--plain-http`) instead of HTTPS. */
  plainHttp?: boolean | undefined;
  /** `--log-level` (default `info`). */
  logLevel?: string | undefined;
  /** Extra flags of `murmur-node start` (`--rate-limit false`, `--http-port 0`, …). */
  args?: readonly string[] | undefined;
  /** Flags of the Node.js runtime before the program (`--cpu-prof`, …). */
  execArgv?: readonly string[] | undefined;
  /**
   * The node's stderr: kept in {@link LocalNode.log} (`'pipe'`, the default) or written to this
   * process's stderr (`'inherit'`, for benchmarks that show what goes wrong as it happens).
   */
  stderr?: 'pipe' | 'inherit' | undefined;
  /**
   * When the node counts as started: when it logs that it listens (`'listening'`), or also once
   * its `/health` answers 200 (`'healthy'`, the default).
   */
  until?: 'listening' | 'healthy' | undefined;
  /** How long the node may take to be started, ms (default 30 s; a hang guard). */
  readyTimeoutMs?: number | undefined;
}

/** How a node process ended. */
export interface LocalNodeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running `murmur-node` started by {@link startLocalNode}. */
export interface LocalNode {
  child: ChildProcess;
  /** Its process id. */
  pid: number;
  /** Its data directory. */
  dataDir: string;
  /** The storage port it listens on. */
  port: number;
  /** The extra plain-HTTP port (`--http-port`), if it serves one. */
  httpPort: number | undefined;
  /** `https://127.0.0.1:<port>` (or `http://` with `plainHttp`). */
  url: string;
  /** Resolves when the process exits. */
  exited: Promise<LocalNodeExit>;
  /** What it printed (stdout, and stderr unless inherited): its first 64 KiB and last 256 KiB. */
  log(): string;
  /** Sends `signal` (default SIGTERM) unless it already exited, and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<LocalNodeExit>;
}

function healthStatus(url: string, plainHttp: boolean): Promise<number> {
  return new Promise((done) => {
    const get = plainHttp ? httpGet : httpsGet;
    // The node's certificate is self-signed (derived from its key): not checked here.
    const request = get(
      `${url}/health`,
      { rejectUnauthorized: false, agent: false, timeout: 5_000 },
      (response) => {
        response.resume();
        response.on('end', () => done(response.statusCode ?? 0));
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => done(0));
  });
}

/**
 * Starts `murmur-node start` on a static network (or the ledger `args` name) and resolves once it listens (and, unless
 * `until: 'listening'`, answers `/health` with 200). On failure the process is killed.
 *
 * @throws `ConfigError` when the program is not built; `UpstreamFailedError` when the node exits
 * before it is started (quoting its output) or is not started in time.
 */
export async function startLocalNode(options: LocalNodeOptions): Promise<LocalNode> {
  const program = programOrThrow(options.program);
  const plainHttp = options.plainHttp === true;
  const child = spawn(
    process.execPath,
    [
      ...(options.execArgv ?? []),
      program,
      'start',
      '--data-dir',
      options.dataDir,
      ...(options.networkFile === undefined ? [] : ['--network-file', options.networkFile]),
      '--listen',
      options.listen ?? '127.0.0.1',
      '--port',
      String(options.port ?? 0),
      '--log-level',
      options.logLevel ?? 'info',
      ...(plainHttp ? ['--plain-http'] : []),
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', options.stderr ?? 'pipe'] },
  );
  let head = '';
  let tail = '';
  const record = (chunk: Buffer) => {
    const text = chunk.toString();
    if (head.length < LOG_HEAD_CHARS) head += text;
    else tail = (tail + text).slice(-LOG_TAIL_CHARS);
  };
  const log = () => head + tail;
  // Always drained, so that the node never blocks on a full pipe.
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  const exited = new Promise<LocalNodeExit>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  let ended: LocalNodeExit | undefined;
  void exited.then((exit) => {
    ended = exit;
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<LocalNodeExit> => {
    if (ended === undefined && child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
    }
    return exited;
  };
  const quoted = () => log().trim().split('\n').slice(-TAIL_LINES).join('\n  ');
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  try {
    const listening = await new Promise<{ port: number; httpPort?: number }>((done, fail) => {
      let buffer = '';
      const timer = setTimeout(() => {
        finish(
          new UpstreamFailedError(
            `murmur-node did not listen within ${timeoutMs} ms:\n  ${quoted()}`,
          ),
        );
      }, timeoutMs);
      const finish = (error: Error | undefined, value?: { port: number; httpPort?: number }) => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        if (error === undefined) done(value as { port: number; httpPort?: number });
        else fail(error);
      };
      const onData = (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.includes('murmur-node listening')) continue;
          finish(undefined, JSON.parse(line) as { port: number; httpPort?: number });
          return;
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        finish(
          new UpstreamFailedError(
            `murmur-node exited (${signal ?? `code ${code}`}) before it listened:\n  ${quoted()}`,
          ),
        );
      };
      child.stdout?.on('data', onData);
      child.once('exit', onExit);
    });
    const url = `${plainHttp ? 'http' : 'https'}://127.0.0.1:${listening.port}`;
    if ((options.until ?? 'healthy') === 'healthy') {
      for (;;) {
        if (ended !== undefined) {
          throw new UpstreamFailedError(
            `murmur-node exited (${ended.signal ?? `code ${ended.code}`}) before /health answered 200:\n  ${quoted()}`,
          );
        }
        if ((await healthStatus(url, plainHttp)) === 200) break;
        if (Date.now() > deadline) {
          throw new UpstreamFailedError(
            `murmur-node's /health did not answer 200 within ${timeoutMs} ms:\n  ${quoted()}`,
          );
        }
        await new Promise((done) => setTimeout(done, 100));
      }
    }
    return {
      child,
      pid: child.pid as number,
      dataDir: options.dataDir,
      port: listening.port,
      httpPort: listening.httpPort,
      url,
      exited,
      log,
      stop,
    };
  } catch (error) {
    await stop('SIGKILL');
    throw error;
  }
}
