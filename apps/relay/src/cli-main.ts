/**
 * `murmur-relay`: the circuit relay's command line (loaded by the entry `cli.ts`, which tunes V8's
 * heap first).
 *
 * - `murmur-relay init`: writes `<data-dir>/relay.json` beside the node's key file;
 * - `murmur-relay start`: runs the relay until SIGTERM / SIGINT (circuits get DESTROY);
 * - `murmur-relay status`: the relay's key and configuration and, when it runs, its health.
 *
 * The relay has the node's identity: it reads the node's key file (`<data-dir>/key.json`,
 * written by `murmur-node init`). Settings: flags, then `MURMUR_RELAY_*` environment variables,
 * then `<data-dir>/relay.json`, then defaults. Exit codes: 0 success; 1 failure; 2 bad usage
 * or configuration; 3 (`status`) running but not ready.
 */
import { existsSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCrypto } from '@murmur/crypto';
import { loadNodeKeyFile, NODE_KEY_FILE_NAME } from '@murmur/registry/key-files';
import { MurmurError } from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { ConfigError, UsageError } from '@murmur/wire/program';
import {
  RELAY_SETTINGS,
  type RelayConfig,
  type RelaySettingKey,
  resolveConfig,
  writeRelayConfigFile,
} from './config.js';
import { ledgerDirectory, type RelayDirectoryService, staticDirectory } from './directory.js';
import { nodeExitService } from './exit-service.js';
import { createLogger } from './logger.js';
import { createMonitorClient, type MonitorClient } from './monitor-client.js';
import { type RunningRelay, startRelay } from './server.js';

/** Where the CLI writes. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  waitForShutdown?: ((relay: RunningRelay) => Promise<void>) | undefined;
}

const USAGE = `murmur-relay: the Murmur circuit relay (runs beside murmur-node, with its key)

Usage: murmur-relay <command> [options]

Commands:
  init     write <data-dir>/relay.json with the settings given
  start    run the relay until SIGTERM or SIGINT
  status   show the relay's key, configuration and health

Options (flags > MURMUR_RELAY_* env > relay.json > defaults):
  --data-dir <dir>     the node's data directory, holding key.json (env['MURMUR_RELAY_DATA_DIR']; default ~/.murmur-node)
${Object.values(RELAY_SETTINGS)
  .map(
    (s) =>
      `  --${`${s.flag} <v>`.padEnd(19)}${s.help} (env MURMUR_RELAY_${s.env}${'default' in s ? `; default ${s.default}` : ''})`,
  )
  .join('\n')}
  --json               (status) one JSON object
  -h, --help`;

function options() {
  const spec: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    'data-dir': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const s of Object.values(RELAY_SETTINGS)) spec[s.flag] = { type: 'string' };
  return spec;
}

/** Runs the CLI; resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    io.stdout(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  try {
    const { values } = parseArgs({ args: rest, options: options(), strict: true });
    if (values['help'] === true) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    const config = resolveConfig(values, io.env);
    switch (command) {
      case 'init':
        return init(config, values, io);
      case 'start':
        return await start(config, io);
      case 'status':
        return await status(config, values['json'] === true, io);
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.stderr(`murmur-relay: ${(error as Error).message}\n`);
      return 2;
    }
    io.stderr(`murmur-relay: ${MurmurError.isInstance(error) ? error.message : String(error)}\n`);
    return 1;
  }
}

function init(config: RelayConfig, values: Record<string, unknown>, io: CliIo): number {
  if (!existsSync(join(config.dataDir, NODE_KEY_FILE_NAME))) {
    throw new UsageError(
      `no node key in ${config.dataDir}: run \`murmur-node init --data-dir ${config.dataDir}\` first (the relay uses the node's identity)`,
    );
  }
  const settings: Partial<Record<RelaySettingKey, unknown>> = {};
  for (const key of Object.keys(RELAY_SETTINGS) as RelaySettingKey[]) {
    if (values[RELAY_SETTINGS[key].flag] !== undefined) settings[key] = config[key];
  }
  const path = writeRelayConfigFile(config.dataDir, settings as Partial<RelayConfig>);
  io.stdout(`wrote ${path}\n`);
  return 0;
}

async function start(config: RelayConfig, io: CliIo): Promise<number> {
  if (config.ledgerUrl === undefined && config.networkFile === undefined) {
    throw new UsageError(
      'give --ledger-url (or --network-file): the relay must know the registered relays',
    );
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new UsageError('give both --tls-cert and --tls-key, or neither');
  }
  const tls =
    config.tlsCert === undefined
      ? undefined
      : {
          cert: readFileSync(config.tlsCert, 'utf8'),
          key: readFileSync(config.tlsKey as string, 'utf8'),
        };
  const logger = createLogger(config.logLevel);
  // A relay never uses ML-KEM (MCP v1 is X25519 ntor): the pure-JS implementation costs nothing
  // until called, where the default would instantiate libsodium's WebAssembly build at start.
  const crypto = await loadCrypto({ mlkem: 'noble' });
  const keys = loadNodeKeyFile(crypto, config.dataDir);
  logger.info({ node: keys.ed25519Hex, crypto: crypto.backend }, 'murmur-relay starting');
  if (crypto.backend !== 'native') {
    logger.warn(
      'the native crypto addon (sodium-native) did not load: the WebAssembly build runs instead, 2-5 times slower',
    );
  }
  const directory: RelayDirectoryService =
    config.networkFile !== undefined
      ? staticDirectory(crypto, config.networkFile)
      : ledgerDirectory(crypto, config.ledgerUrl as string, logger);
  // The exit's upstream: the node's storage RPC and its monitor endpoint (both HTTPS with the
  // node's self-signed certificate, or plain HTTP on benchmarks).
  const nodeFetch = config.nodeUrl === undefined ? undefined : createNodeFetch();
  const monitor: MonitorClient | undefined =
    config.nodeUrl === undefined
      ? undefined
      : createMonitorClient({ nodeUrl: config.nodeUrl }, { crypto, ed25519: keys.ed25519, logger });
  const relay = await startRelay(
    {
      host: config.host,
      port: config.port,
      tls,
      limits: {
        createRatePerSecond: config.createRate,
        createBurst: config.createBurst,
        maxCircuits: config.maxCircuits,
        maxCircuitsPerClientAddress: config.maxCircuitsPerAddress,
        exitDelayMeanMs: config.exitDelayMeanMs,
      },
    },
    {
      crypto,
      keys,
      directory,
      exit:
        config.nodeUrl === undefined
          ? undefined
          : nodeExitService(config.nodeUrl, { fetch: nodeFetch, monitor }),
      monitorStats: monitor === undefined ? undefined : () => monitor.stats(),
      logger,
    },
  );
  io.stdout(
    `${JSON.stringify({ ready: true, port: relay.port, ed25519: keys.ed25519Hex, crypto: crypto.backend })}\n`,
  );
  const wait =
    io.waitForShutdown ??
    (() =>
      new Promise<void>((resolve) => {
        process.once('SIGTERM', () => resolve());
        process.once('SIGINT', () => resolve());
      }));
  await wait(relay);
  await relay.close();
  monitor?.close();
  nodeFetch?.close();
  logger.info('murmur-relay stopped');
  return 0;
}

async function status(config: RelayConfig, json: boolean, io: CliIo): Promise<number> {
  const crypto = await loadCrypto();
  const keys = loadNodeKeyFile(crypto, config.dataDir);
  const url = `${config.tlsCert === undefined ? 'http' : 'https'}://127.0.0.1:${config.port}/health`;
  let health: unknown;
  let code = 1;
  try {
    // The relay's certificate is self-signed (links authenticate by AUTH): do not check it here.
    const { status: httpStatus, body } = await new Promise<{ status: number; body: string }>(
      (done, fail) => {
        const get = config.tlsCert === undefined ? httpGet : httpsGet;
        const request = get(url, { rejectUnauthorized: false, timeout: 5000 }, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          response.on('end', () => done({ status: response.statusCode ?? 0, body: text }));
        });
        request.on('timeout', () => request.destroy(new Error('timed out')));
        request.on('error', fail);
      },
    );
    health = JSON.parse(body);
    code = httpStatus === 200 ? 0 : 3;
  } catch (error) {
    health = { error: `cannot reach ${url}: ${String(error)}` };
  }
  const report = { ed25519: keys.ed25519Hex, port: config.port, health };
  io.stdout(
    json
      ? `${JSON.stringify(report)}\n`
      : `key ${keys.ed25519Hex}\nport ${config.port}\nhealth ${JSON.stringify(health)}\n`,
  );
  return code;
}

/** Runs the CLI on this process's arguments and environment; sets the exit code. */
export function main(): void {
  runCli(process.argv.slice(2), {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`murmur-relay: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
