#!/usr/bin/env node
/**
 * `murmur-node`: the service node's command line.
 *
 * - `murmur-node init`: creates the data directory, the node key (mode 0600) and a config file;
 * - `murmur-node start`: runs the node until SIGTERM / SIGINT;
 * - `murmur-node register`: builds (and with `--submit`, submits) the registration transaction;
 * - `murmur-node status`: the node's key, configuration and, when it runs, its health.
 *
 * Exit codes: 0 success; 1 failure; 2 bad usage or configuration; 3 (`status`) running but not
 * ready.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import {
  createRegistration,
  encodeTransaction,
  parseCoins,
  type Reservation,
} from '@murmur/registry';
import { fetchNextNonce, httpLedgerSource } from '@murmur/registry/ledger-http';
import { InvalidInputError, MurmurError } from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { ConfigError, UsageError } from '@murmur/wire/program';
import {
  CONFIG_KEYS,
  type ConfigKey,
  ENV_PREFIX,
  type NodeConfig,
  readConfigFile,
  resolveConfig,
  writeConfigFile,
} from './config.js';

import { createKeyFile, keyFilePath, loadKeyFile } from './keys.js';
import { createLogger } from './logger.js';
import { type RunningNode, softwareVersion, startNode } from './server.js';
import { loadOrCreateTlsCredentials } from './tls.js';
import { loadWalletFile } from './wallet.js';

/** Where the CLI writes. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** For `start`: resolves when the process should shut down (default: SIGTERM / SIGINT). */
  waitForShutdown?: ((node: RunningNode) => Promise<void>) | undefined;
}

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };

/** Flags shared by every command that reads the configuration. */
function configOptions(): Record<string, OptionSpec> {
  const options: Record<string, OptionSpec> = { 'data-dir': { type: 'string' } };
  for (const spec of Object.values(CONFIG_KEYS)) {
    options[spec.flag] = { type: spec.kind === 'boolean' ? 'string' : 'string' };
  }
  // Bare boolean switches are handy: --devnet, --validate-responses.
  for (const flag of ['devnet', 'validate-responses', 'plain-http']) {
    options[flag] = { type: 'boolean' };
  }
  return options;
}

function configHelp(): string {
  const lines = [
    `  --data-dir <dir>              data directory (env ${ENV_PREFIX}DATA_DIR; default ~/.murmur-node)`,
  ];
  for (const [key, spec] of Object.entries(CONFIG_KEYS) as [
    ConfigKey,
    (typeof CONFIG_KEYS)[ConfigKey],
  ][]) {
    const flag = `--${spec.flag}${spec.kind === 'boolean' && key !== 'rateLimit' ? '' : ' <value>'}`;
    const fallback =
      'default' in spec && spec.default !== undefined ? `; default ${String(spec.default)}` : '';
    lines.push(`  ${flag.padEnd(30)}${spec.help} (env ${ENV_PREFIX}${spec.env}${fallback})`);
  }
  return lines.join('\n');
}

const USAGE = `murmur-node: the Murmur service node

Usage: murmur-node <command> [options]

Commands:
  init       create the data directory, the node key and a config file
  start      run the node
  register   build (or submit) the node's registration transaction
  status     show the node's key, configuration and health

Run \`murmur-node <command> --help\` for a command's options.
Options: --help, --version`;

const HELP = {
  init: `Usage: murmur-node init [options]

Creates the data directory (mode 0700), the node's Ed25519 key (key.json, mode 0600) and
config.json holding the settings given as options. Never overwrites an existing key.

Options:
${configHelp()}
  -h, --help                    show this help`,
  start: `Usage: murmur-node start [options]

Runs the node until SIGTERM or SIGINT. Settings come from options, then ${ENV_PREFIX}*
environment variables, then <data-dir>/config.json, then defaults.

Options:
${configHelp()}
  -h, --help                    show this help`,
  register: `Usage: murmur-node register --wallet <file> --operator-stake <coins> [options]
       murmur-node register --chain <rpc url> --contract <address> --wallet-key <file>
                            --operator-stake <coins> [options]

Devnet ledger: builds the registration transaction of this node, signed by the node key and the
operator's wallet, and prints it as JSON; with --submit, sends it to the ledger and reports the
verdict.

EVM chain (--chain, or chainUrl in the configuration): stakes through the staking contract
with the operator's EVM wallet (approving the stake first when needed). The registration
carries the node's Ed25519 and X25519 keys, its attestation key (derived from the node key)
with the Ed25519 signature binding it, the address and ports (--public-ip, --port,
--relay-port, or the configuration) and the fee. Prints the node's id on the contract.

Options:
  --wallet <file>               the operator's wallet file (JSON {address, seed}, mode 0600)
  --operator-stake <coins>      the operator's stake, in coins (up to 9 decimals)
  --fee <basis points>          operator fee, 0 to 10000 (default 0)
  --reserve <address:coins>     reserve a contributor spot (repeatable; devnet ledger only)
  --chain <url>                 JSON-RPC URL of the EVM chain (default: from the configuration)
  --contract <address>          the staking contract (default: from the configuration)
  --wallet-key <file>           the operator's EVM wallet file (JSON {address, privateKey} or a
                                hex key, mode 0600)
  --public-ip <ip>              the node's public IPv4 (EVM; default: from the configuration)
  --port <port>                 the node's storage port (EVM; default: from the configuration)
  --relay-port <port>           the node's relay port (EVM; default: from the configuration)
  --submit                      submit to the ledger instead of printing
  --ledger-url <url>            the ledger (default: from the configuration)
  --chain-id <id>               chain ID (default: asked from the ledger)
  --nonce <n>                   the wallet's next nonce (default: asked from the ledger)
  --data-dir <dir>              data directory holding the node key
  -h, --help                    show this help`,
  status: `Usage: murmur-node status [options]

Shows the node's key and configuration and asks the running node for its health
(GET /health on 127.0.0.1 and the configured port). Exit code 0 when ready, 3 when running
but not ready, 1 when it cannot be reached.

Options:
  --json                        print one JSON object
  --url <url>                   the node's base URL (default https://127.0.0.1:<port>)
${configHelp()}
  -h, --help                    show this help`,
};

type Values = Record<string, string | boolean | string[] | undefined>;

/** A string option's value. */
function text(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A boolean switch's value. */
function flag(values: Values, name: string): boolean {
  return values[name] === true;
}

/** A repeatable option's values. */
function list(values: Values, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : [];
}

function parse(args: string[], options: Record<string, OptionSpec>): Values {
  try {
    const { values } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
      strict: true,
    });
    return values as Values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function configFlags(values: Values): Record<string, string | boolean | undefined> {
  const flags: Record<string, string | boolean | undefined> = {};
  for (const [name, value] of Object.entries(values)) {
    if (name === 'help' || Array.isArray(value)) continue;
    flags[name] = value;
  }
  return flags;
}

/** Amount in coins (`@murmur/registry`'s parseCoins); a bad one is a usage error (exit 2). */
function coinsFlag(text: string, what: string): bigint {
  try {
    return parseCoins(text, what);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new UsageError(error.message);
    throw error;
  }
}

async function commandInit(args: string[], io: CliIo, crypto: () => Promise<MurmurCrypto>) {
  const values = parse(args, configOptions());
  if (flag(values, 'help')) {
    io.stdout(`${HELP.init}\n`);
    return 0;
  }
  const flags = configFlags(values);
  // Check the flags before touching the disk.
  const resolved = resolveConfig({ flags, env: io.env });
  const { dataDir } = resolved.config;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const loaded = await crypto();
  const keys = createKeyFile(loaded, dataDir);
  const tls = loadOrCreateTlsCredentials(loaded, keys, dataDir);
  const existing = readConfigFile(dataDir);
  let configPath = existing.path;
  if (existing.values === undefined) {
    const settings: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
      if (flags[spec.flag] !== undefined) settings[key] = resolved.config[key as ConfigKey];
    }
    configPath = writeConfigFile(dataDir, settings as Partial<NodeConfig>);
  }
  io.stdout(
    [
      `Initialised ${dataDir}`,
      `  node key      ${keyFilePath(dataDir)} (mode 0600: back it up, keep it secret)`,
      `  config        ${configPath}${existing.values === undefined ? '' : ' (kept as it was)'}`,
      `  ed25519       ${keys.ed25519Hex}`,
      `  x25519        ${keys.x25519Hex}`,
      `  tls cert      ${tls.path} (self-signed; HTTPS on the storage port)`,
      `  tls sha256    ${tls.fingerprint256}`,
      '',
      'Next: register the node with your operator wallet, then start it:',
      `  murmur-node register --data-dir ${dataDir} --wallet <wallet.json> --operator-stake <coins> --submit`,
      `  murmur-node start --data-dir ${dataDir}`,
      '',
    ].join('\n'),
  );
  return 0;
}

async function commandStart(args: string[], io: CliIo, crypto: () => Promise<MurmurCrypto>) {
  const values = parse(args, configOptions());
  if (flag(values, 'help')) {
    io.stdout(`${HELP.start}\n`);
    return 0;
  }
  const { config, configFile } = resolveConfig({ flags: configFlags(values), env: io.env });
  const logger = createLogger({ level: config.logLevel });
  // A bug must not leave a half-working node behind: log it and exit (systemd restarts it).
  const crash = (kind: string) => (error: unknown) => {
    logger.fatal({ err: error }, `${kind}: murmur-node is exiting`);
    logger.flush?.();
    process.exit(1);
  };
  if (io.waitForShutdown === undefined) {
    process.once('uncaughtException', crash('uncaught exception'));
    process.once('unhandledRejection', crash('unhandled promise rejection'));
  }
  let node: RunningNode;
  try {
    node = await startNode(config, { logger, crypto: await crypto() });
  } catch (error) {
    logger.fatal({ err: error }, 'murmur-node could not start');
    logger.flush?.();
    throw error;
  }
  if (configFile !== undefined) logger.debug({ configFile }, 'configuration file read');
  const wait =
    io.waitForShutdown ??
    (() =>
      new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'signal received');
          // A second signal means: stop now.
          const force = () => {
            logger.warn('second signal: exiting without waiting');
            logger.flush?.();
            process.exit(1);
          };
          process.once('SIGTERM', force);
          process.once('SIGINT', force);
          resolve();
        };
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
      }));
  await wait(node);
  const deadline = setTimeout(() => {
    logger.error({ timeoutMs: config.shutdownTimeout }, 'shutdown took too long; exiting anyway');
    logger.flush?.();
    process.exit(1);
  }, config.shutdownTimeout);
  deadline.unref();
  await node.close();
  clearTimeout(deadline);
  logger.flush?.();
  return 0;
}

async function commandRegister(args: string[], io: CliIo, crypto: () => Promise<MurmurCrypto>) {
  const values = parse(args, {
    wallet: { type: 'string' },
    'operator-stake': { type: 'string' },
    fee: { type: 'string' },
    reserve: { type: 'string', multiple: true },
    submit: { type: 'boolean' },
    'ledger-url': { type: 'string' },
    'chain-id': { type: 'string' },
    nonce: { type: 'string' },
    'data-dir': { type: 'string' },
    chain: { type: 'string' },
    contract: { type: 'string' },
    'wallet-key': { type: 'string' },
    'public-ip': { type: 'string' },
    port: { type: 'string' },
    'relay-port': { type: 'string' },
  });
  if (flag(values, 'help')) {
    io.stdout(`${HELP.register}\n`);
    return 0;
  }
  {
    const { config } = resolveConfig({
      flags: {
        'data-dir': text(values, 'data-dir'),
        chain: text(values, 'chain'),
        contract: text(values, 'contract'),
        'public-ip': text(values, 'public-ip'),
        port: text(values, 'port'),
        'relay-port': text(values, 'relay-port'),
      },
      env: io.env,
    });
    if (config.chainUrl !== undefined) return registerOnChain(values, config, io, crypto);
  }
  const walletPath = text(values, 'wallet');
  if (walletPath === undefined) throw new UsageError('--wallet <file> is required');
  const stakeText = text(values, 'operator-stake');
  if (stakeText === undefined) throw new UsageError('--operator-stake <coins> is required');
  const operatorStake = coinsFlag(stakeText, '--operator-stake');
  const feeText = text(values, 'fee') ?? '0';
  if (!/^[0-9]{1,5}$/.test(feeText) || Number(feeText) > 10_000) {
    throw new UsageError(`--fee: must be basis points from 0 to 10000 (got "${feeText}")`);
  }
  const reserved: Reservation[] = list(values, 'reserve').map((entry) => {
    const [address, amount] = entry.split(':');
    if (address === undefined || !/^[0-9a-fA-F]{64}$/.test(address) || amount === undefined) {
      throw new UsageError(`--reserve: "${entry}" must be <64-hex address>:<coins>`);
    }
    return { address: address.toLowerCase(), amount: coinsFlag(amount, '--reserve') };
  });
  const { config } = resolveConfig({
    flags: { 'data-dir': text(values, 'data-dir'), 'ledger-url': text(values, 'ledger-url') },
    env: io.env,
  });
  const suite = await crypto();
  const keys = loadKeyFile(suite, config.dataDir);
  const wallet = loadWalletFile(suite, walletPath);
  const ledger =
    config.ledgerUrl === undefined ? undefined : httpLedgerSource({ url: config.ledgerUrl });
  try {
    let chainId = text(values, 'chain-id');
    let nonce: number | undefined;
    const nonceText = text(values, 'nonce');
    if (nonceText !== undefined) {
      if (!/^[0-9]{1,15}$/.test(nonceText) || Number(nonceText) < 1) {
        throw new UsageError(`--nonce: must be a positive integer (got "${nonceText}")`);
      }
      nonce = Number(nonceText);
    }
    if (chainId === undefined || nonce === undefined) {
      if (ledger === undefined) {
        throw new UsageError(
          'without a ledger (--ledger-url or the configuration), give --chain-id and --nonce',
        );
      }
      if (chainId === undefined) chainId = (await ledger.getGenesis()).chainId;
      if (nonce === undefined) {
        nonce = await fetchNextNonce(ledger, wallet.address);
      }
    }
    const tx = createRegistration(
      { chainId, feeBasisPoints: Number(feeText), operatorStake, reserved, nonce },
      { node: keys.ed25519, operator: wallet.keyPair },
      suite,
    );
    if (!flag(values, 'submit')) {
      io.stdout(`${JSON.stringify(encodeTransaction(tx), null, 2)}\n`);
      return 0;
    }
    if (ledger === undefined) throw new UsageError('--submit needs --ledger-url');
    const result = await ledger.submitTransaction(tx);
    if (result.accepted) {
      io.stdout(`accepted: registration ${result.id} of node ${keys.ed25519Hex}\n`);
      return 0;
    }
    io.stderr(`rejected (${result.reason}): ${result.message}\n`);
    return 1;
  } finally {
    ledger?.stop();
  }
}

/** `register --chain`: stakes through the contract with the operator's EVM wallet. */
async function registerOnChain(
  values: Values,
  config: NodeConfig,
  io: CliIo,
  crypto: () => Promise<MurmurCrypto>,
): Promise<number> {
  if (config.contract === undefined) {
    throw new UsageError('--chain needs --contract <address> (the staking contract)');
  }
  const keyPath = text(values, 'wallet-key');
  if (keyPath === undefined) throw new UsageError('--wallet-key <file> is required with --chain');
  const stakeText = text(values, 'operator-stake');
  if (stakeText === undefined) throw new UsageError('--operator-stake <coins> is required');
  const operatorStake = parseCoins(stakeText, '--operator-stake');
  const feeText = text(values, 'fee') ?? '0';
  if (!/^[0-9]{1,5}$/.test(feeText) || Number(feeText) > 10_000) {
    throw new UsageError(`--fee: must be basis points from 0 to 10000 (got "${feeText}")`);
  }
  if (list(values, 'reserve').length > 0) {
    throw new UsageError('--reserve is for the devnet ledger: the contract has no reserved spots');
  }
  if (config.publicIp === undefined) {
    throw new UsageError(
      '--public-ip <ip> is required with --chain: the contract records the address',
    );
  }
  const suite = await crypto();
  const keys = loadKeyFile(suite, config.dataDir);
  // The EVM tooling (viem) is loaded only for `--chain`.
  const { loadEvmWalletFile, registerNodeOnChain } = await import('@murmur/registry/evm');
  const wallet = loadEvmWalletFile(keyPath);
  const result = await registerNodeOnChain(
    {
      rpcUrl: config.chainUrl as string,
      contract: config.contract as `0x${string}`,
      privateKey: wallet.privateKey,
    },
    {
      node: keys.ed25519,
      operatorStake,
      feeBasisPoints: Number(feeText),
      ip: config.publicIp,
      storagePort: config.port,
      relayPort: config.relayPort,
    },
    suite,
  );
  io.stdout(
    [
      `registered node ${keys.ed25519Hex} as id ${result.nodeId} on ${config.contract}`,
      `  transaction ${result.hash} in block ${result.blockNumber} (gas ${result.gasUsed}${result.approvalGasUsed === undefined ? '' : `, approval ${result.approvalGasUsed}`})`,
      `  operator    ${wallet.address}`,
      `  attestation ${result.attestation}`,
      result.active
        ? '  active: the operator staked the whole requirement'
        : '  awaiting contributions until the stake reaches the requirement',
      `  start it with: murmur-node start --data-dir ${config.dataDir} --chain ${config.chainUrl} --contract ${config.contract}`,
      '',
    ].join('\n'),
  );
  return 0;
}

/** The fields of `/health` that `status` prints. */
interface HealthAnswer {
  status?: unknown;
  reason?: unknown;
  height?: unknown;
  swarm?: unknown;
  swarmMembers?: unknown;
  storedMessages?: unknown;
}

async function commandStatus(args: string[], io: CliIo, crypto: () => Promise<MurmurCrypto>) {
  const values = parse(args, {
    ...configOptions(),
    json: { type: 'boolean' },
    url: { type: 'string' },
  });
  if (flag(values, 'help')) {
    io.stdout(`${HELP.status}\n`);
    return 0;
  }
  const { json: _json, url: _url, ...flags } = configFlags(values);
  const { config, sources } = resolveConfig({ flags, env: io.env });
  const loaded = await crypto();
  const keys = loadKeyFile(loaded, config.dataDir);
  const tls = loadOrCreateTlsCredentials(loaded, keys, config.dataDir);
  const host = config.listen === '0.0.0.0' || config.listen === '::' ? '127.0.0.1' : config.listen;
  const scheme = config.plainHttp ? 'http' : 'https';
  const url = text(values, 'url') ?? `${scheme}://${host}:${config.port}`;
  let health: HealthAnswer | undefined;
  let error: string | undefined;
  // The node's own certificate is self-signed: no check (no global TLS switch either).
  const nodeFetch = createNodeFetch({ keepAlive: false });
  try {
    const response = await nodeFetch(`${url.replace(/\/$/, '')}/health`, {
      signal: AbortSignal.timeout(3_000),
    });
    health = (await response.json()) as HealthAnswer;
  } catch (cause) {
    error = `not reachable at ${url} (${cause instanceof Error ? cause.message : String(cause)})`;
  } finally {
    nodeFetch.close();
  }
  const report = {
    node: keys.ed25519Hex,
    x25519: keys.x25519Hex,
    dataDir: config.dataDir,
    url,
    tlsFingerprint: tls.fingerprint256,
    config: Object.fromEntries(
      Object.entries(config).map(([key, value]) => [
        key,
        { value, source: sources[key as keyof NodeConfig] },
      ]),
    ),
    health: health ?? { status: 'down', reason: error },
  };
  if (flag(values, 'json')) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else {
    io.stdout(
      [
        `node      ${keys.ed25519Hex}`,
        `x25519    ${keys.x25519Hex}`,
        `data dir  ${config.dataDir}`,
        `tls       sha256 ${tls.fingerprint256}${config.plainHttp ? ' (not served: --plain-http)' : ''}`,
        `ledger    ${config.ledgerUrl ?? (config.chainUrl === undefined ? undefined : `${config.chainUrl} contract ${config.contract}`) ?? config.networkFile ?? '(none configured)'}`,
        `status    ${health === undefined ? `down: ${error}` : `${String(health.status)}${health.reason === undefined ? '' : ` (${String(health.reason)})`}`}`,
        ...(health?.status === 'ready'
          ? [
              `height    ${String(health.height)}`,
              `swarm     ${String(health.swarm)} (${String(health.swarmMembers)} members)`,
              `messages  ${String(health.storedMessages)}`,
            ]
          : []),
        '',
      ].join('\n'),
    );
  }
  if (health === undefined) return 1;
  return health.status === 'ready' ? 0 : 3;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  let cryptoPromise: Promise<MurmurCrypto> | undefined;
  const crypto = () => {
    cryptoPromise ??= loadCrypto();
    return cryptoPromise;
  };
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      case '--version':
      case '-v':
        io.stdout(`${softwareVersion()}\n`);
        return 0;
      case 'init':
        return await commandInit(args, io, crypto);
      case 'start':
        return await commandStart(args, io, crypto);
      case 'register':
        return await commandRegister(args, io, crypto);
      case 'status':
        return await commandStatus(args, io, crypto);
      default:
        io.stderr(`murmur-node: unknown command "${command}"\n\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr(`murmur-node ${command}: ${error.message}\n(see murmur-node ${command} --help)\n`);
      return 2;
    }
    if (MurmurError.isInstance(error)) {
      io.stderr(`murmur-node ${command}: ${error.message}\n`);
      return 1;
    }
    io.stderr(
      `murmur-node ${command}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}

function invokedDirectly(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const code = await main(process.argv.slice(2), {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
  process.exitCode = code;
}
