/**
 * What every part of a testnet works with (the {@link Context}): its folder, its manifest, the
 * programs it starts, the ledger client and the processes it runs. The launching, staking and
 * readiness parts take it as input; {@link startTestnet} and {@link openTestnet} build it.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import type { HttpLedgerSource } from '@murmur/registry/ledger-http';
import type { AbortOptions } from '@murmur/wire';
import type { TestnetPrograms } from './cli-paths.js';
import type { ManifestNode, TestnetLayout, TestnetManifest } from './manifest.js';
import {
  announcedAddress,
  basePortLayout,
  findFreePorts,
  httpsUrl,
  httpUrl,
  type NodePorts,
  nodeAddress,
} from './ports.js';
import type { ManagedProcess } from './processes/managed-process.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_READY_TIMEOUT_MS = 60_000;
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;
export const DEFAULT_POOLED_EVERY = 3;
export const DEFAULT_BLOCK_TIME_MS = 1_000;
/** The ledger's process name (in `pids.json`, logs and errors). */
export const LEDGER = 'ledger';
/** The guard process's name (see processes/reaper.ts). */
export const REAPER = 'reaper';

/** The ledger routes a testnet uses (the devnet ledger's HTTP API). */
export type LauncherLedger = Pick<
  HttpLedgerSource,
  | 'getGenesis'
  | 'getState'
  | 'getHealth'
  | 'getWallet'
  | 'getTransactionStatus'
  | 'submitTransaction'
  | 'requestFaucet'
  | 'requestStateChange'
>;

/** Everything a testnet instance works with. */
export interface Context {
  dir: string;
  layout: TestnetLayout;
  manifest: TestnetManifest;
  programs: TestnetPrograms;
  crypto: MurmurCrypto;
  /** The ledger's HTTP API (every answer checked with the registry's schemas). */
  client: LauncherLedger;
  env: Record<string, string | undefined>;
  readyTimeoutMs: number;
  stopTimeoutMs: number;
  pooledEvery: number;
  processes: Map<string, ManagedProcess>;
}

/** `{signal}` without an undefined property (exactOptionalPropertyTypes). */
export function withSignal(signal: AbortSignal | undefined): AbortOptions {
  return signal === undefined ? {} : { signal };
}

/**
 * The environment of the programs a testnet starts: this process's, plus `extra`, without
 * `NODE_OPTIONS` (a test runner's loader hooks are not for the programs under test).
 */
export function childEnvironment(
  extra: Readonly<Record<string, string>> | undefined,
  inherited: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string | undefined> {
  const { NODE_OPTIONS: _loaderHooks, ...rest } = inherited;
  return { ...rest, ...extra };
}

/** An error's message, or the thrown value as text. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The ledger URL of a manifest. */
export function ledgerUrlOf(manifest: Pick<TestnetManifest, 'host' | 'ledgerPort'>): string {
  return httpUrl(manifest.host, manifest.ledgerPort);
}

/** A node's storage port speaks HTTPS (self-signed certificate), as Session's. */
export function nodeUrl(node: Pick<ManifestNode, 'host' | 'storagePort'>): string {
  return httpsUrl(announcedAddress(node.host), node.storagePort);
}

/** The listen address of node `index` (its own loopback /24 when the manifest says so). */
export function nodeHostOf(context: Pick<Context, 'manifest'>, index: number): string {
  return nodeAddress(index, context.manifest.host, context.manifest.distinctAddresses);
}

/**
 * Ports for new nodes at `indexes`: from the base port's layout, or free ones other than the
 * ports the manifest already records.
 */
export async function choosePorts(
  context: Pick<Context, 'manifest'>,
  indexes: readonly number[],
): Promise<NodePorts[]> {
  const { basePort } = context.manifest;
  if (basePort !== 0) return indexes.map((index) => basePortLayout(basePort, index));
  const used = [context.manifest.ledgerPort];
  for (const node of context.manifest.nodes) used.push(node.storagePort, node.relayPort);
  const free = await findFreePorts(indexes.length * 2, context.manifest.host, { exclude: used });
  return indexes.map((_index, i) => ({
    storagePort: free[2 * i] as number,
    relayPort: free[2 * i + 1] as number,
  }));
}
