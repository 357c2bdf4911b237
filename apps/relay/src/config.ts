/**
 * The relay's configuration: command-line flags, then `MURMUR_RELAY_*` environment variables,
 * then `<dataDir>/relay.json`, then defaults (the first that sets a value wins). Every value is
 * checked with `@murmur/wire`'s TypeBox checker, as the node's `config.json` is; all the bad ones
 * are named in one {@link ConfigError}, with where they came from (`--port`, `MURMUR_RELAY_PORT`,
 * `relay.json port`).
 *
 * The data directory (the node's, holding its key file) comes from `--data-dir`,
 * `MURMUR_RELAY_DATA_DIR` or the default `~/.murmur-node` (it cannot come from the file inside it).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  LOG_LEVEL_SETTING,
  type LogLevel,
  resolveSettings,
  type SettingSpec,
  settingsDataDir,
} from '@murmur/wire/program';
import { readSettingsFile, writeCheckedSettingsFile } from '@murmur/wire/settings-file';
import Type from 'typebox';

/** The name of the relay's config file inside the data directory. */
export const RELAY_CONFIG_FILE_NAME = 'relay.json';

/** The environment variable prefix. */
export const RELAY_ENV_PREFIX = 'MURMUR_RELAY_';

/** The relay's settings. */
export interface RelayConfig {
  dataDir: string;
  host: string;
  port: number;
  ledgerUrl?: string | undefined;
  networkFile?: string | undefined;
  nodeUrl?: string | undefined;
  logLevel: LogLevel;
  createRate: number;
  createBurst: number;
  maxCircuits: number;
  maxCircuitsPerAddress: number;
  exitDelayMeanMs: number;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
}

const URL_SCHEMA = Type.String({
  pattern: '^https?://[^\\s]+$',
  description: 'an http:// or https:// URL',
});
const FILE_SCHEMA = Type.String({ minLength: 1, description: 'a file path' });
const COUNT = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'a non-negative integer',
});
const RATE = Type.Number({ minimum: 0, description: 'a non-negative number' });

/** Every setting (except dataDir), with its flag, variable, schema and default. */
export const RELAY_SETTINGS = {
  host: {
    flag: 'host',
    env: 'HOST',
    kind: 'string',
    schema: Type.String({ minLength: 1, description: 'a host name or IP address to listen on' }),
    default: '0.0.0.0',
    help: 'address to listen on',
  },
  port: {
    flag: 'port',
    env: 'PORT',
    kind: 'integer',
    schema: Type.Integer({
      minimum: 0,
      maximum: 65_535,
      description: 'a port number from 0 to 65535',
    }),
    default: 22_022,
    help: 'the registered relay port',
  },
  ledgerUrl: {
    flag: 'ledger-url',
    env: 'LEDGER_URL',
    kind: 'string',
    schema: URL_SCHEMA,
    help: 'the ledger to follow (registry)',
  },
  networkFile: {
    flag: 'network-file',
    env: 'NETWORK_FILE',
    kind: 'string',
    schema: FILE_SCHEMA,
    help: 'a static node list instead of a ledger',
  },
  nodeUrl: {
    flag: 'node-url',
    env: 'NODE_URL',
    kind: 'string',
    schema: URL_SCHEMA,
    help: "this operator's murmur-node (exit upstream)",
  },
  tlsCert: {
    flag: 'tls-cert',
    env: 'TLS_CERT',
    kind: 'string',
    schema: FILE_SCHEMA,
    help: 'TLS certificate (PEM file): wss links bound to AUTH',
  },
  tlsKey: {
    flag: 'tls-key',
    env: 'TLS_KEY',
    kind: 'string',
    schema: FILE_SCHEMA,
    help: 'its private key (PEM file)',
  },
  logLevel: LOG_LEVEL_SETTING,
  createRate: {
    flag: 'create-rate',
    env: 'CREATE_RATE',
    kind: 'number',
    schema: RATE,
    default: 20,
    help: 'CREATEs a second per source',
  },
  createBurst: {
    flag: 'create-burst',
    env: 'CREATE_BURST',
    kind: 'integer',
    schema: COUNT,
    default: 40,
    help: 'CREATE burst per source',
  },
  maxCircuits: {
    flag: 'max-circuits',
    env: 'MAX_CIRCUITS',
    kind: 'integer',
    schema: COUNT,
    default: 20_000,
    help: 'circuits open at once',
  },
  maxCircuitsPerAddress: {
    flag: 'max-circuits-per-address',
    env: 'MAX_CIRCUITS_PER_ADDRESS',
    kind: 'integer',
    schema: COUNT,
    default: 64,
    help: 'circuits per client address',
  },
  exitDelayMeanMs: {
    flag: 'exit-delay-mean-ms',
    env: 'EXIT_DELAY_MEAN_MS',
    kind: 'number',
    schema: RATE,
    default: 0,
    help: 'mean random delay before each notification leaves the exit, ms (0 = off)',
  },
} as const satisfies Record<Exclude<keyof RelayConfig, 'dataDir'>, SettingSpec>;

/** A setting other than `dataDir`. */
export type RelaySettingKey = keyof typeof RELAY_SETTINGS;

/**
 * Reads `<dataDir>/relay.json` (absent: `undefined`).
 *
 * @throws {@link ConfigError} when the file is not JSON or not an object.
 */
export function readRelayConfigFile(dataDir: string): {
  path: string;
  values: Record<string, unknown> | undefined;
} {
  const path = join(dataDir, RELAY_CONFIG_FILE_NAME);
  return { path, values: readSettingsFile(path) };
}

/**
 * Resolves the settings: flags (as `node:util` parseArgs gives them, by flag name) > env >
 * `relay.json` > defaults.
 *
 * @throws {@link ConfigError} listing every bad value with its origin (unknown keys of the file
 * included), in `details.problems` too.
 */
export function resolveConfig(
  flags: Record<string, unknown>,
  env: Record<string, string | undefined>,
  home: string = homedir(),
): RelayConfig {
  const { dataDir } = settingsDataDir({
    flags,
    env,
    envPrefix: RELAY_ENV_PREFIX,
    fallback: join(home, '.murmur-node'),
  });
  const file = readRelayConfigFile(dataDir);
  const { values, problems } = resolveSettings(RELAY_SETTINGS, {
    flags,
    env,
    envPrefix: RELAY_ENV_PREFIX,
    fileName: RELAY_CONFIG_FILE_NAME,
    fileValues: file.values ?? {},
  });
  if (problems.length > 0) {
    throw new ConfigError(
      `invalid configuration${file.values === undefined ? '' : ` (${file.path})`}:\n  ${problems.join('\n  ')}`,
      { details: { problems } },
    );
  }
  return { dataDir, ...values } as unknown as RelayConfig;
}

/**
 * Writes `<dataDir>/relay.json` with `settings` (known keys only, each checked first).
 *
 * @throws {@link ConfigError} for an unknown key or a bad value, and when the file exists: an
 * operator's config file is never overwritten.
 */
export function writeRelayConfigFile(
  dataDir: string,
  settings: Partial<Omit<RelayConfig, 'dataDir'>>,
): string {
  const path = join(dataDir, RELAY_CONFIG_FILE_NAME);
  writeCheckedSettingsFile(path, RELAY_SETTINGS, settings, 0o600);
  return path;
}
