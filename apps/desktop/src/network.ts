/**
 * Which Murmur network the daemon talks to: seed endpoint URLs, from `--network <seed URL>`, from
 * a devnet's `devnet.json` (`--network path/to/devnet.json`), or from the settings screen.
 */
import { readFileSync } from 'node:fs';
import { InvalidInputError } from '@murmur/wire';
import { ConfigError } from '@murmur/wire/program';

/** The network the clients use. */
export interface NetworkConfig {
  seeds: string[];
}

/** Checks one seed URL: absolute http(s). */
export function checkSeedUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError(`not a URL: ${JSON.stringify(value.slice(0, 80))}`, {
      details: { field: 'seedUrl' },
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError('a seed URL must be http:// or https://', {
      details: { field: 'seedUrl' },
    });
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/json_rpc';
  return url.toString();
}

/** The seed URL of a parsed `devnet.json`. */
export function seedsFromDevnetFile(content: unknown): string[] {
  const file = content as { version?: unknown; seed?: { url?: unknown } } | null;
  if (file === null || typeof file !== 'object' || file.version !== 1) {
    throw new InvalidInputError('not a devnet.json (version 1)', { details: { field: 'devnet' } });
  }
  if (typeof file.seed?.url !== 'string') {
    throw new InvalidInputError('devnet.json has no seed.url', { details: { field: 'devnet' } });
  }
  return [checkSeedUrl(file.seed.url)];
}

/** `--network`: a seed URL, or the path of a `devnet.json`. */
export function networkFromArgument(value: string): NetworkConfig {
  if (/^https?:\/\//.test(value)) return { seeds: [checkSeedUrl(value)] };
  let content: unknown;
  try {
    content = JSON.parse(readFileSync(value, 'utf8'));
  } catch (cause) {
    throw new ConfigError(`--network ${value}: neither a seed URL nor a readable devnet.json`, {
      cause,
    });
  }
  try {
    return { seeds: seedsFromDevnetFile(content) };
  } catch (cause) {
    throw new ConfigError(`--network ${value}: ${(cause as Error).message}`, { cause });
  }
}

const LOOPBACK_HOST = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/;

/**
 * Whether the seeds are a devnet's: plain `http://` on loopback, as `murmur-devnet` and
 * `@murmur/testnet` serve them. A devnet's relays speak plain `ws://` (no certificates); any
 * other network's speak `wss://`.
 */
export function isDevnetNetwork(network: NetworkConfig): boolean {
  return (
    network.seeds.length > 0 &&
    network.seeds.every((seed) => {
      const url = new URL(seed);
      return url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname);
    })
  );
}

/** The scheme of the relays' WebSockets on this network (see {@link isDevnetNetwork}). */
export function relaySchemeFor(network: NetworkConfig): 'ws' | 'wss' {
  return isDevnetNetwork(network) ? 'ws' : 'wss';
}
