/**
 * Starts the anvil binary that `@foundry-rs/anvil` ships inside its platform package (installed
 * from npm; never downloaded at run time). Node only. Used by tests, benchmarks and the devnet.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Options of {@link startAnvil}. */
export interface AnvilOptions {
  /** Port to listen on (default 0: a free one). */
  port?: number | undefined;
  /** Seconds between blocks when mining on an interval (default: mine one block per transaction). */
  blockTime?: number | undefined;
  /** Chain id (default anvil's 31337). */
  chainId?: number | undefined;
  /** Dump the chain to this file on exit and reload it on start (a devnet that resumes). */
  stateFile?: string | undefined;
  /** More command-line arguments. */
  args?: readonly string[] | undefined;
  /** How long to wait for anvil to listen (default 20,000 ms). */
  startTimeoutMs?: number | undefined;
}

/** A running anvil. */
export interface Anvil {
  /** `http://127.0.0.1:PORT` (the WebSocket endpoint is `ws://` on the same port). */
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Stops anvil (SIGINT, so that `--state` is dumped) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Thrown when the anvil binary is missing or does not start. */
export class AnvilError extends Error {
  readonly code = 'ANVIL_FAILED';
  override readonly name = 'AnvilError';
}

/** Path of the anvil binary inside the installed npm package for this platform. */
export function anvilBinaryPath(): string {
  const require = createRequire(import.meta.url);
  const wrapper = dirname(require.resolve('@foundry-rs/anvil/package.json'));
  const platform = `@foundry-rs/anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
  let dir: string;
  try {
    dir = dirname(createRequire(join(wrapper, 'package.json')).resolve(`${platform}/package.json`));
  } catch (cause) {
    throw new AnvilError(
      `${platform} is not installed: reinstall @foundry-rs/anvil (pnpm install) on a supported platform`,
      { cause },
    );
  }
  const binary = join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
  if (!existsSync(binary)) throw new AnvilError(`no anvil binary at ${binary}`);
  return binary;
}

/** Starts anvil on 127.0.0.1 and resolves once it listens. */
export function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const args = ['--host', '127.0.0.1', '--port', String(options.port ?? 0)];
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime));
  if (options.chainId !== undefined) args.push('--chain-id', String(options.chainId));
  if (options.stateFile !== undefined) args.push('--state', options.stateFile);
  args.push(...(options.args ?? []));
  const child = spawn(anvilBinaryPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise<Anvil>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new AnvilError(`anvil did not start in time; it printed: ${output.slice(-2_000)}`));
    }, options.startTimeoutMs ?? 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /Listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      child.stderr?.resume();
      const port = Number(match[1]);
      resolve({
        url: `http://127.0.0.1:${port}`,
        wsUrl: `ws://127.0.0.1:${port}`,
        port,
        process: child,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
          await exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new AnvilError(
          `anvil exited (${code ?? signal}) before listening: ${output.slice(-2_000)}`,
        ),
      );
    });
  });
}
