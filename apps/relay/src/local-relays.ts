/**
 * `@murmur/relay/local` (Node only): a few real `murmur-relay` processes on loopback that know
 * each other from a static network file (no ledger), and the WebSocket links a client builds
 * circuits over. For the relay's process tests and the circuit benchmarks: one way to start
 * local relays, owned by the app that owns the program.
 *
 * @example
 * ```ts
 * import { createCircuitBuilder } from '@murmur/circuits';
 * import { loadCrypto } from '@murmur/crypto';
 * import { relayConnector, startLocalRelays } from '@murmur/relay/local';
 *
 * const crypto = await loadCrypto();
 * const local = await startLocalRelays({ count: 3 }, { crypto });
 * try {
 *   const builder = createCircuitBuilder({}, { crypto, connect: relayConnector() });
 *   const circuit = await builder.build([local.infos[0], local.infos[1], local.infos[2]]);
 *   await circuit.ping();
 *   builder.close();
 * } finally {
 *   await local.stop();
 * }
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CellSink, CircuitRelay } from '@murmur/circuits';
import type { MurmurCrypto } from '@murmur/crypto';
import { writeSecretJson } from '@murmur/registry/key-files';
import { bytesToHex, InvalidInputError, UpstreamFailedError } from '@murmur/wire';
import { ConfigError } from '@murmur/wire/program';
import { WebSocket } from 'ws';

/** This package's built program (`murmur-relay`, `dist/cli.js`), from source or from `dist`. */
export const RELAY_PROGRAM = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** The address local relays listen on. */
const LOOPBACK = '127.0.0.1';

/** Lines of a relay's stderr an error quotes. */
const TAIL_LINES = 20;

/** Options of {@link startLocalRelays}. */
export interface LocalRelaysOptions {
  /** How many relays (1 to 16). */
  count: number;
  /** Extra flags of every `murmur-relay start` (`--node-url`, `--create-rate`, …). */
  args?: readonly string[] | undefined;
  /** Serve links over TLS (`wss`) with this certificate and key (PEM files). */
  tls?: { cert: string; key: string } | undefined;
  /** The program to run (default {@link RELAY_PROGRAM}). */
  program?: string | undefined;
  /** How long each relay may take to say it is ready, ms (default 30 s). */
  readyTimeoutMs?: number | undefined;
}

/** Components of {@link startLocalRelays}. */
export interface LocalRelaysComponents {
  crypto: Pick<MurmurCrypto, 'randomBytes' | 'identityFromSeed'>;
}

/** One running local relay. */
export interface LocalRelay {
  /** Its keys and address, as a circuit path names it. */
  info: CircuitRelay;
  /** Its data directory (its `key.json`). */
  dataDir: string;
  child: ChildProcess;
  /** Resolves its exit code when it exits. */
  exited: Promise<number | null>;
  /** The crypto backend its ready line names (`native`, or `wasm` when sodium-native did not load). */
  crypto: string | undefined;
}

/** What {@link startLocalRelays} started. */
export interface LocalRelays {
  relays: LocalRelay[];
  /** The relays' {@link CircuitRelay}s, in order. */
  infos: CircuitRelay[];
  /** The static network file every relay reads. */
  networkFile: string;
  /** SIGKILLs the relays still running, waits for them, deletes their folders. */
  stop(): Promise<void>;
}

/** A port nothing listens on right now (the kernel's pick). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, LOOPBACK, () => done());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Resolves once `child` prints its ready line; rejects, quoting its stderr, if it exits first. */
function readyLine(
  child: ChildProcess,
  name: string,
  stderr: () => string,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  return new Promise((done, fail) => {
    let out = '';
    const timer = setTimeout(() => {
      fail(new UpstreamFailedError(`${name} printed no ready line within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (error?: Error, line?: Record<string, unknown>) => {
      clearTimeout(timer);
      child.stdout?.removeListener('data', onData);
      child.removeListener('exit', onExit);
      if (error === undefined) done(line ?? {});
      else fail(error);
    };
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((text) => text.includes('"ready":true'));
      if (line === undefined) return;
      try {
        finish(undefined, JSON.parse(line) as Record<string, unknown>);
      } catch {
        // The line is not complete yet.
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      const tail = stderr().trim().split('\n').slice(-TAIL_LINES).join('\n  ');
      finish(
        new UpstreamFailedError(
          `${name} exited (${signal ?? `code ${code}`}) before it was ready${tail === '' ? '' : `:\n  ${tail}`}`,
        ),
      );
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/**
 * Starts `options.count` relays on 127.0.0.1, each with a fresh node key in its own temporary
 * folder and a free port, all reading one static network file that lists them; resolves once
 * each has printed its ready line. On failure the relays already started are stopped.
 *
 * @throws `ConfigError` when the program is not built; `UpstreamFailedError` when a relay exits
 * before it is ready (quoting its stderr) or is not ready in time.
 */
export async function startLocalRelays(
  options: LocalRelaysOptions,
  components: LocalRelaysComponents,
): Promise<LocalRelays> {
  const { count } = options;
  if (!Number.isSafeInteger(count) || count < 1 || count > 16) {
    throw new InvalidInputError(`count must be an integer from 1 to 16, not ${count}`);
  }
  const program = options.program ?? RELAY_PROGRAM;
  if (!existsSync(program)) {
    throw new ConfigError(
      `murmur-relay is not built: run \`pnpm --filter @murmur/relay build\` (missing ${program})`,
    );
  }
  const { crypto } = components;
  const relays: LocalRelay[] = [];
  const folders: string[] = [];
  const stop = async () => {
    await Promise.all(
      relays.map(async (relay) => {
        if (relay.child.exitCode === null && relay.child.signalCode === null) {
          relay.child.kill('SIGKILL');
        }
        await relay.exited;
      }),
    );
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  };

  const infos: CircuitRelay[] = [];
  const dataDirs: string[] = [];
  for (let i = 0; i < count; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), `murmur-local-relay-${i + 1}-`));
    folders.push(dataDir);
    const seed = crypto.randomBytes(32);
    const identity = crypto.identityFromSeed(seed);
    writeSecretJson(
      join(dataDir, 'key.json'),
      {
        version: 1,
        ed25519Seed: bytesToHex(seed),
        ed25519PublicKey: bytesToHex(identity.ed25519.publicKey),
      },
      'node key file',
    );
    dataDirs.push(dataDir);
    infos.push({
      ed25519: bytesToHex(identity.ed25519.publicKey),
      x25519: bytesToHex(identity.x25519.publicKey),
      ip: LOOPBACK,
      port: await freePort(),
    });
  }
  const networkFile = join(dataDirs[0] as string, 'network.json');
  writeFileSync(
    networkFile,
    JSON.stringify({
      nodes: infos.map((info) => ({ ed25519: info.ed25519, ip: info.ip, relayPort: info.port })),
    }),
  );
  const tlsArgs =
    options.tls === undefined ? [] : ['--tls-cert', options.tls.cert, '--tls-key', options.tls.key];
  try {
    for (const [i, dataDir] of dataDirs.entries()) {
      const info = infos[i] as CircuitRelay;
      const child = spawn(
        process.execPath,
        [
          program,
          'start',
          '--data-dir',
          dataDir,
          '--host',
          LOOPBACK,
          '--port',
          String(info.port),
          '--network-file',
          networkFile,
          '--log-level',
          'warn',
          ...tlsArgs,
          ...(options.args ?? []),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-16_384);
      });
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      const relay: LocalRelay = { info, dataDir, child, exited, crypto: undefined };
      relays.push(relay);
      const ready = await readyLine(
        child,
        `relay ${i + 1}`,
        () => stderr,
        options.readyTimeoutMs ?? 30_000,
      );
      relay.crypto = typeof ready['crypto'] === 'string' ? ready['crypto'] : undefined;
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { relays, infos, networkFile, stop };
}

/** A link a circuit builder sends cells over. */
export interface RelayLink {
  send(cell: Uint8Array): void;
  close(): void;
}

/**
 * The `connect` of a circuit builder for relays on this machine: a WebSocket to
 * `ws://ip:port/` (or `wss://` with `tls`, accepting the self-signed certificates of local
 * relays), every message handed to the sink as it arrives.
 */
export function relayConnector(
  options: { tls?: boolean | undefined } = {},
): (relay: CircuitRelay, sink: CellSink) => Promise<RelayLink> {
  const scheme = options.tls === true ? 'wss' : 'ws';
  return (relay, sink) =>
    new Promise((done, fail) => {
      const socket = new WebSocket(`${scheme}://${relay.ip}:${relay.port}/`, {
        rejectUnauthorized: false,
      });
      socket.binaryType = 'nodebuffer';
      socket.on('message', (data: Buffer) => sink.receive(new Uint8Array(data)));
      socket.on('close', () => sink.closed());
      socket.once('error', fail);
      socket.once('open', () =>
        done({ send: (cell) => socket.send(cell), close: () => socket.close() }),
      );
    });
}
