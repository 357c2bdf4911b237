/**
 * A devnet for the suite: `murmur-devnet up` (apps/devnet) spawned in its own process group on
 * free ports in a directory of the run, waited for until it prints that it is ready, and
 * stopped as Ctrl-C stops it (SIGINT to the launcher, which stops every process it started).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { join } from 'node:path';

/** A running devnet. */
export interface RunningDevnet {
  /** Its `devnet.json`. */
  file: string;
  /** Where `up` writes its output. */
  logFile: string;
  /** Stops it; resolves once the launcher has exited. */
  stop(): Promise<void>;
}

/** Options of {@link startDevnet}. */
export interface StartDevnetOptions {
  /** `apps/devnet/dist/cli.js`. */
  cli: string;
  dir: string;
  nodes: number;
  /** The ledger's block time (`up --block-time-ms`). */
  blockTimeMs: number;
  timeoutMs: number;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) resolveExit();
    else child.once('exit', () => resolveExit());
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** Starts `murmur-devnet up --nodes <n> --base-port 0 --dir <dir>` and waits until it is ready. */
export async function startDevnet(options: StartDevnetOptions): Promise<RunningDevnet> {
  const logFile = join(options.dir, 'up.log');
  const out = openSync(logFile, 'a');
  const { NODE_OPTIONS: _hooks, ...env } = process.env;
  const child = spawn(
    process.execPath,
    [
      options.cli,
      'up',
      '--nodes',
      String(options.nodes),
      '--base-port',
      '0',
      '--block-time-ms',
      String(options.blockTimeMs),
      '--dir',
      join(options.dir, 'devnet'),
    ],
    { detached: true, stdio: ['ignore', out, out], env: { ...env, NO_COLOR: '1' } },
  );
  closeSync(out);
  const gone = exited(child);
  const file = join(options.dir, 'devnet', 'devnet.json');

  async function stop(): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(child.pid as number, 'SIGINT');
    } catch {
      return;
    }
    const result = await Promise.race([gone.then(() => 'gone'), sleep(30_000)]);
    if (result !== 'gone') {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
      await gone;
    }
  }

  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const output = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    if (/Devnet ready/.test(output) && existsSync(file)) return { file, logFile, stop };
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`murmur-devnet up exited before the devnet was ready; see ${logFile}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the devnet was not ready within ${options.timeoutMs} ms; see ${logFile}`);
    }
    await sleep(250);
  }
}

/** A devnet's seed endpoint may be https with a self-signed certificate: not checked, here only. */
const insecureAgent = new Agent({ rejectUnauthorized: false });

/** The chain height the seed endpoint at `url` reports (JSON-RPC `get_service_nodes`). */
export function seedHeight(url: string, timeoutMs = 10_000): Promise<number> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'get_service_nodes',
    params: { limit: 1 },
  });
  return new Promise((resolveHeight, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'POST',
        timeout: timeoutMs,
        headers: { 'content-type': 'application/json' },
        ...(target.protocol === 'https:' ? { agent: insecureAgent } : {}),
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          try {
            const height = (JSON.parse(text) as { result?: { height?: unknown } }).result?.height;
            if (typeof height !== 'number') throw new Error('no height in the answer');
            resolveHeight(height);
          } catch (error) {
            reject(
              new Error(
                `the seed endpoint ${url} answered ${response.statusCode} without a height: ${(error as Error).message}`,
              ),
            );
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`the seed endpoint ${url} did not answer`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Waits until the seed endpoint at `url` reports a height of at least `height`. */
export async function waitForHeight(
  url: string,
  height: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await seedHeight(url);
    if (current >= height) return current;
    if (Date.now() > deadline) {
      throw new Error(
        `the devnet's chain was at height ${current}, not ${height}, after ${timeoutMs} ms`,
      );
    }
    await sleep(1_000);
  }
}
