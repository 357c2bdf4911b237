/**
 * The node's configuration: command-line flags, then `MURMUR_NODE_*` environment variables, then
 * `<dataDir>/config.json`, then defaults (the first that sets a value wins). Every value is
 * checked with a TypeBox schema; all the bad ones are named in one error, with where they came
 * from (`--port`, `MURMUR_NODE_PORT`, `config.json port`).
 *
 * The data directory itself comes from `--data-dir`, `MURMUR_NODE_DATA_DIR` or the default
 * `~/.murmur-node` (it cannot come from the file inside it).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ConfigError,
  LOG_LEVEL_SETTING,
  resolveSettings,
  type SettingSource,
  type SettingSpec,
  settingsDataDir,
} from '@murmur/wire/program';
import { DEFAULT_STORAGE_HTTPS_PORT, STORAGE_SIZE_LIMIT_BYTES } from '@murmur/wire/server';
import { readSettingsFile, writeCheckedSettingsFile } from '@murmur/wire/settings-file';
import Type from 'typebox';

/** The name of the config file inside the data directory. */
export const CONFIG_FILE_NAME = 'config.json';

/** The resolved configuration. */
export interface NodeConfig {
  /** Where the key, the config file and the database live. */
  dataDir: string;
  /** Address to listen on. */
  listen: string;
  /**
   * Storage RPC port, HTTPS (self-signed certificate derived from the node key, as Session's
   * nodes): `/storage_rpc/v1`, `/onion_req/v2`, `/health`, `/metrics`, and the peer links
   * (`/peer/v1`, WebSocket over TLS). This is the port the registry and `get_swarm` announce.
   */
  port: number;
  /**
   * Serve the storage port as plain HTTP instead (benchmarks and tests only: Session clients
   * speak HTTPS to it, and every node of a network must agree, for the peer links).
   */
  plainHttp: boolean;
  /** An extra plain-HTTP port serving the same routes (0 = off; for benchmarks comparing). */
  httpPort: number;
  /** The public IPv4 address announced in uptime proofs (none: no proofs are sent). */
  publicIp: string | undefined;
  /** The relay port announced in uptime proofs (where murmur-relay listens). */
  relayPort: number;
  /** Base URL of the ledger to follow (for example http://127.0.0.1:7070). */
  ledgerUrl: string | undefined;
  /** A static network file to use instead of a ledger (devnets without a ledger, tests). */
  networkFile: string | undefined;
  /** JSON-RPC URL of the EVM chain whose staking contract is the ledger (instead of ledgerUrl). */
  chainUrl: string | undefined;
  /** The staking contract on that chain. */
  contract: string | undefined;
  /** The block the contract was deployed in (where following starts). */
  deploymentBlock: number;
  /** How many blocks deep a chain block must be before the node reads it. */
  confirmations: number;
  /** pino log level. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `normal`: durable against process crashes; `full`: also against power loss (slower). */
  sync: 'normal' | 'full';
  /** Size cap of the message database, bytes. */
  storageLimit: number;
  /** Per-address rate limit on the storage RPC (Session's 300/s, burst 600). */
  rateLimit: boolean;
  /** Tokens per second per client address. */
  rateLimitPerSecond: number;
  /** Bucket size per address. */
  rateLimitBurst: number;
  /** Shed requests (503) while the event loop is late by more than this, ms (0 = off). */
  maxEventLoopDelay: number;
  /** Shed requests (503) while more than this many are in flight (0 = off). */
  maxInFlight: number;
  /** Shed while every request of the last 500 ms waited longer than this for its handler, ms (0 = off). */
  maxQueueDelay: number;
  /** Shed a request that waited longer than this since it reached the node (plus the longest recent event-loop stall), ms (0 = off). */
  maxQueueWait: number;
  /** Open connections in all on the storage port, peer links included; more are closed at once. */
  maxConnections: number;
  /** TLS handshakes in progress at once on the storage port; more connections are closed at once. */
  maxPendingHandshakes: number;
  /** A TLS handshake that made no progress for this long is abandoned, ms. */
  handshakeTimeout: number;
  /** The storage port's listen backlog (connections the kernel holds until the node accepts them). */
  listenBacklog: number;
  /** Devnet mode: exit requests to loopback and private addresses are allowed. */
  devnet: boolean;
  /** Check every answer against its schema (development). */
  validateResponses: boolean;
  /** How long a graceful shutdown may take before the process exits anyway, ms. */
  shutdownTimeout: number;
  /** Catch up from every swarm member this often, ms (0 = only on start and reconnection). */
  catchUpInterval: number;
  /**
   * Worker threads for signature checks, node signatures and onion layers (-1: one per core
   * beyond the first, at most 4; 0: none, everything on the event loop).
   */
  cryptoWorkers: number;
}

const PORT = (minimum: number) =>
  Type.Integer({ minimum, maximum: 65_535, description: `a port number from ${minimum} to 65535` });
const IPV4 = Type.String({
  pattern:
    '^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$',
  description: 'a dotted-quad IPv4 address',
});

/** Every configuration key (except dataDir), with its flag, variable, schema and default. */
export const CONFIG_KEYS = {
  listen: {
    flag: 'listen',
    env: 'LISTEN',
    kind: 'string',
    schema: Type.String({ minLength: 1, description: 'a host name or IP address to listen on' }),
    help: 'address to listen on',
    default: '0.0.0.0',
  },
  port: {
    flag: 'port',
    env: 'PORT',
    kind: 'integer',
    schema: PORT(0),
    help: 'storage RPC port, HTTPS with a self-signed certificate (0 picks a free port)',
    default: DEFAULT_STORAGE_HTTPS_PORT,
  },
  plainHttp: {
    flag: 'plain-http',
    env: 'PLAIN_HTTP',
    kind: 'boolean',
    schema: Type.Boolean({ description: 'true or false' }),
    help: 'serve the storage port as plain HTTP (benchmarks, tests; clients expect HTTPS)',
    default: false,
  },
  httpPort: {
    flag: 'http-port',
    env: 'HTTP_PORT',
    kind: 'integer',
    schema: PORT(0),
    help: 'extra plain-HTTP port with the same routes, for benchmarks (0 = off)',
    default: 0,
  },
  publicIp: {
    flag: 'public-ip',
    env: 'PUBLIC_IP',
    kind: 'string',
    schema: IPV4,
    help: 'public IPv4 address announced in uptime proofs (none: no proofs)',
  },
  relayPort: {
    flag: 'relay-port',
    env: 'RELAY_PORT',
    kind: 'integer',
    schema: PORT(1),
    help: 'relay port announced in uptime proofs',
    default: 22_022,
  },
  ledgerUrl: {
    flag: 'ledger-url',
    env: 'LEDGER_URL',
    kind: 'string',
    schema: Type.String({
      pattern: '^https?://[^\\s]+$',
      description: 'an http:// or https:// URL',
    }),
    help: 'URL of the ledger to follow',
  },
  networkFile: {
    flag: 'network-file',
    env: 'NETWORK_FILE',
    kind: 'string',
    schema: Type.String({ minLength: 1, description: 'a file path' }),
    help: 'static network file instead of a ledger (devnets, tests)',
  },
  chainUrl: {
    flag: 'chain',
    env: 'CHAIN_URL',
    kind: 'string',
    schema: Type.String({
      pattern: '^https?://[^\\s]+$',
      description: 'an http:// or https:// JSON-RPC URL',
    }),
    help: 'JSON-RPC URL of the EVM chain whose staking contract is the ledger',
  },
  contract: {
    flag: 'contract',
    env: 'CONTRACT',
    kind: 'string',
    schema: Type.String({ pattern: '^0x[0-9a-fA-F]{40}$', description: '0x and 40 hex digits' }),
    help: 'address of the staking contract on --chain',
  },
  deploymentBlock: {
    flag: 'deployment-block',
    env: 'DEPLOYMENT_BLOCK',
    kind: 'integer',
    schema: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'a block number',
    }),
    help: 'block the staking contract was deployed in (following starts there)',
    default: 0,
  },
  confirmations: {
    flag: 'confirmations',
    env: 'CONFIRMATIONS',
    kind: 'integer',
    schema: Type.Integer({ minimum: 0, maximum: 10_000, description: 'a block count' }),
    help: 'how deep a chain block must be before it is read',
    default: 2,
  },
  logLevel: LOG_LEVEL_SETTING,
  sync: {
    flag: 'sync',
    env: 'SYNC',
    kind: 'string',
    schema: Type.Union([Type.Literal('normal'), Type.Literal('full')], {
      description: 'normal or full',
    }),
    help: 'normal (survives process crashes) or full (also power loss; slower)',
    default: 'normal',
  },
  storageLimit: {
    flag: 'storage-limit',
    env: 'STORAGE_LIMIT',
    kind: 'size',
    schema: Type.Integer({
      minimum: 1_048_576,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'a size of at least 1 MiB (bytes, or with K, M, G, T: 500M, 3.5G)',
    }),
    help: 'size cap of the message database (bytes, or 500M, 3.5G, ...)',
    default: STORAGE_SIZE_LIMIT_BYTES,
  },
  rateLimit: {
    flag: 'rate-limit',
    env: 'RATE_LIMIT',
    kind: 'boolean',
    schema: Type.Boolean({ description: 'true or false' }),
    help: 'per-address rate limit on the storage RPC (true/false)',
    default: true,
  },
  rateLimitPerSecond: {
    flag: 'rate-limit-per-second',
    env: 'RATE_LIMIT_PER_SECOND',
    kind: 'integer',
    schema: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'a positive integer' }),
    help: 'requests per second each address earns',
    default: 300,
  },
  rateLimitBurst: {
    flag: 'rate-limit-burst',
    env: 'RATE_LIMIT_BURST',
    kind: 'integer',
    schema: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'a positive integer' }),
    help: 'bucket size per address',
    default: 600,
  },
  maxEventLoopDelay: {
    flag: 'max-event-loop-delay',
    env: 'MAX_EVENT_LOOP_DELAY',
    kind: 'integer',
    schema: Type.Integer({ minimum: 0, maximum: 60_000, description: 'milliseconds (0 = off)' }),
    help: 'shed load above this event-loop delay, ms (0 = off)',
    default: 250,
  },
  maxInFlight: {
    flag: 'max-in-flight',
    env: 'MAX_IN_FLIGHT',
    kind: 'integer',
    schema: Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'a count (0 = off)' }),
    help: 'shed load above this many requests in flight (0 = off)',
    default: 512,
  },
  maxQueueDelay: {
    flag: 'max-queue-delay',
    env: 'MAX_QUEUE_DELAY',
    kind: 'integer',
    schema: Type.Integer({ minimum: 0, maximum: 60_000, description: 'milliseconds (0 = off)' }),
    help: 'shed load while every request of the last 500 ms waited longer than this for its handler, ms (0 = off)',
    default: 500,
  },
  maxQueueWait: {
    flag: 'max-queue-wait',
    env: 'MAX_QUEUE_WAIT',
    kind: 'integer',
    schema: Type.Integer({ minimum: 0, maximum: 60_000, description: 'milliseconds (0 = off)' }),
    help: 'shed a request that already waited longer than this since it reached the node (its connection accepted or its headers read) plus the longest recent event-loop stall, ms (0 = off)',
    default: 2_000,
  },
  maxConnections: {
    flag: 'max-connections',
    env: 'MAX_CONNECTIONS',
    kind: 'integer',
    schema: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'a count' }),
    help: 'open connections in all on the storage port, peer links included; more are closed at once',
    default: 4_096,
  },
  maxPendingHandshakes: {
    flag: 'max-pending-handshakes',
    env: 'MAX_PENDING_HANDSHAKES',
    kind: 'integer',
    schema: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'a count' }),
    help: 'TLS handshakes in progress at once on the storage port (registered nodes exempt); more connections are closed before any handshake work',
    default: 256,
  },
  handshakeTimeout: {
    flag: 'handshake-timeout',
    env: 'HANDSHAKE_TIMEOUT',
    kind: 'integer',
    schema: Type.Integer({ minimum: 100, maximum: 120_000, description: 'milliseconds' }),
    help: 'abandon a TLS handshake that made no progress for this long, ms',
    default: 10_000,
  },
  listenBacklog: {
    flag: 'listen-backlog',
    env: 'LISTEN_BACKLOG',
    kind: 'integer',
    schema: Type.Integer({ minimum: 1, maximum: 65_535, description: 'a count' }),
    help: 'the storage port listen backlog: connections the kernel holds until the node accepts them (capped by net.core.somaxconn)',
    default: 511,
  },
  devnet: {
    flag: 'devnet',
    env: 'DEVNET',
    kind: 'boolean',
    schema: Type.Boolean({ description: 'true or false' }),
    help: 'devnet mode: allow exit requests to loopback and private addresses',
    default: false,
  },
  validateResponses: {
    flag: 'validate-responses',
    env: 'VALIDATE_RESPONSES',
    kind: 'boolean',
    schema: Type.Boolean({ description: 'true or false' }),
    help: 'check every answer against its schema (development)',
    default: false,
  },
  shutdownTimeout: {
    flag: 'shutdown-timeout',
    env: 'SHUTDOWN_TIMEOUT',
    kind: 'integer',
    schema: Type.Integer({ minimum: 100, maximum: 600_000, description: 'milliseconds' }),
    help: 'longest graceful shutdown before exiting anyway, ms',
    default: 10_000,
  },
  catchUpInterval: {
    flag: 'catch-up-interval',
    env: 'CATCH_UP_INTERVAL',
    kind: 'integer',
    schema: Type.Integer({
      minimum: 0,
      maximum: 86_400_000,
      description: 'milliseconds (0 = off)',
    }),
    help: 'catch up from every swarm member this often, ms (0 = only at start and reconnection)',
    default: 60_000,
  },
  cryptoWorkers: {
    flag: 'crypto-workers',
    env: 'CRYPTO_WORKERS',
    kind: 'integer',
    schema: Type.Integer({ minimum: -1, maximum: 64, description: 'a thread count (-1 = auto)' }),
    help: 'worker threads for signatures and onion layers (-1 = cores - 1, at most 4; 0 = none)',
    default: -1,
  },
} as const satisfies Record<Exclude<keyof NodeConfig, 'dataDir'>, SettingSpec>;

/** A configuration key other than `dataDir`. */
export type ConfigKey = keyof typeof CONFIG_KEYS;

/** The environment variable prefix. */
export const ENV_PREFIX = 'MURMUR_NODE_';

/** Where a value came from. */
export type ConfigSource = SettingSource;

/** The result of {@link resolveConfig}. */
export interface ResolvedConfig {
  config: NodeConfig;
  /** Where each value came from (for `status` and logs). */
  sources: Record<keyof NodeConfig, ConfigSource>;
  /** The config file read, if any. */
  configFile: string | undefined;
}

/** Inputs of {@link resolveConfig}. */
export interface ConfigInputs {
  /** Flags as `node:util` parseArgs gives them (by flag name: `port`, `log-level`, ...). */
  flags?: Record<string, string | boolean | undefined> | undefined;
  /** The environment (pass `process.env`). */
  env?: Record<string, string | undefined> | undefined;
  /** Home directory for the default data directory (default `os.homedir()`). */
  home?: string | undefined;
}

/** The default data directory. */
export function defaultDataDir(home = homedir()): string {
  return join(home, '.murmur-node');
}

/** Reads `<dataDir>/config.json` (absent: `{}`). */
export function readConfigFile(dataDir: string): {
  path: string;
  values: Record<string, unknown> | undefined;
} {
  const path = join(dataDir, CONFIG_FILE_NAME);
  return { path, values: readSettingsFile(path) };
}

/**
 * Resolves the configuration.
 *
 * @throws {@link ConfigError} listing every bad value with its origin, unknown keys in the config
 * file included.
 */
export function resolveConfig(inputs: ConfigInputs = {}): ResolvedConfig {
  const flags = inputs.flags ?? {};
  const env = inputs.env ?? {};
  const found = settingsDataDir({
    flags,
    env,
    envPrefix: ENV_PREFIX,
    fallback: defaultDataDir(inputs.home),
  });
  const dataDir = resolve(found.dataDir);

  const file = readConfigFile(dataDir);
  const { values, sources, problems } = resolveSettings(CONFIG_KEYS, {
    flags,
    env,
    envPrefix: ENV_PREFIX,
    fileName: CONFIG_FILE_NAME,
    fileValues: file.values ?? {},
  });
  const config: Record<string, unknown> = { dataDir, ...values };
  sources['dataDir'] = found.source;

  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
  return {
    config: config as unknown as NodeConfig,
    sources: sources as Record<keyof NodeConfig, ConfigSource>,
    configFile: file.values === undefined ? undefined : file.path,
  };
}

/**
 * Writes `<dataDir>/config.json` with `values` (only known keys; checked first).
 *
 * @throws {@link ConfigError} for an unknown key or a bad value, and when the file exists: an
 * operator's config file is never overwritten.
 */
export function writeConfigFile(
  dataDir: string,
  values: Partial<Omit<NodeConfig, 'dataDir'>>,
): string {
  const path = join(dataDir, CONFIG_FILE_NAME);
  writeCheckedSettingsFile(path, CONFIG_KEYS, values, 0o644);
  return path;
}
