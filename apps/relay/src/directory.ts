/**
 * Who may link and be extended to: the active registered nodes, with the address of their relay
 * (IP and registered relay port). From the ledger (a `@murmur/registry` follower) in production,
 * or from a static JSON file (tests, closed networks).
 */
import { readFileSync } from 'node:fs';
import type { RelayDirectory } from '@murmur/circuits/relay';
import type { MurmurCrypto } from '@murmur/crypto';
import {
  activeNodes,
  createRegistryFollower,
  type LedgerSource,
  type RegistryState,
} from '@murmur/registry';
import { httpLedgerSource } from '@murmur/registry/ledger-http';
import { hexToBytes, InvalidInputError, isHex, type Logger } from '@murmur/wire';
import { WebSocket } from 'ws';

/** One relay the directory knows. */
export interface DirectoryEntry {
  x25519: Uint8Array;
  ip: string;
  relayPort: number;
}

/** The directory with addresses, and a lifecycle. */
export interface RelayDirectoryService extends RelayDirectory {
  /** The relay address of an active node. */
  address(ed25519Hex: string): DirectoryEntry | undefined;
  /** Active nodes known. */
  size(): number;
  /** `starting` until the ledger has been read once. */
  ready(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function fromEntries(entries: Map<string, DirectoryEntry>) {
  return {
    lookup: (hex: string) => entries.get(hex.toLowerCase()),
    address: (hex: string) => entries.get(hex.toLowerCase()),
    size: () => entries.size,
  };
}

/**
 * A directory from a JSON file `{ "nodes": [{ "ed25519", "x25519"?, "ip", "relayPort" }] }`
 * (x25519 defaults to the conversion of the Ed25519 key, as the registry does).
 */
export function staticDirectory(crypto: MurmurCrypto, path: string): RelayDirectoryService {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new InvalidInputError(`cannot read the network file ${path} as JSON`, { cause });
  }
  const nodes = (json as { nodes?: unknown }).nodes;
  if (!Array.isArray(nodes)) throw new InvalidInputError(`${path} must hold {"nodes": [...]}`);
  const entries = new Map<string, DirectoryEntry>();
  for (const [index, node] of nodes.entries()) {
    const { ed25519, x25519, ip, relayPort } = node as Record<string, unknown>;
    if (!isHex(ed25519, 32) || typeof ip !== 'string' || typeof relayPort !== 'number') {
      throw new InvalidInputError(
        `${path}: nodes[${index}] needs ed25519 (64 hex), ip and relayPort`,
      );
    }
    entries.set(ed25519.toLowerCase(), {
      x25519: isHex(x25519, 32)
        ? hexToBytes(x25519)
        : crypto.ed25519PublicKeyToX25519(hexToBytes(ed25519)),
      ip,
      relayPort,
    });
  }
  return {
    ...fromEntries(entries),
    ready: () => true,
    start: async () => undefined,
    stop: async () => undefined,
  };
}

/** A directory that follows the ledger at `ledgerUrl` (HTTP and its WebSocket feed). */
export function ledgerDirectory(
  crypto: MurmurCrypto,
  ledgerUrl: string,
  logger: Logger,
): RelayDirectoryService {
  const source = httpLedgerSource(
    { url: ledgerUrl },
    { WebSocket: WebSocket as never, logger: logger.child({ component: 'ledger' }) },
  );
  return followerDirectory(crypto, source, logger);
}

/**
 * A directory over any ledger source: the active nodes whose last uptime proof gives an address
 * and a relay port, rebuilt after every block.
 */
export function followerDirectory(
  crypto: MurmurCrypto,
  source: LedgerSource,
  logger: Logger,
): RelayDirectoryService {
  let entries = new Map<string, DirectoryEntry>();
  let caughtUp = false;
  const follower = createRegistryFollower(
    { source },
    { crypto, logger: logger.child({ component: 'follower' }) },
  );
  const rebuild = (state: RegistryState) => {
    const next = new Map<string, DirectoryEntry>();
    for (const record of activeNodes(state)) {
      if (record.ip === undefined || record.relayPort === undefined || record.relayPort === 0)
        continue;
      next.set(record.ed25519.toLowerCase(), {
        x25519: hexToBytes(record.x25519),
        ip: record.ip,
        relayPort: record.relayPort,
      });
    }
    if (next.size !== entries.size) {
      logger.info({ relays: next.size, height: state.height }, 'relays known');
    }
    entries = next;
  };
  const onState = (state: RegistryState) => rebuild(state);
  return {
    lookup: (hex) => entries.get(hex.toLowerCase()),
    address: (hex) => entries.get(hex.toLowerCase()),
    size: () => entries.size,
    ready: () => caughtUp,
    async start() {
      follower.on('state', onState);
      follower.start();
      void follower.ready.then(
        (state) => {
          caughtUp = true;
          rebuild(state);
          logger.info(
            { relays: entries.size, height: state.height },
            'directory ready: caught up with the ledger',
          );
        },
        () => undefined,
      );
    },
    async stop() {
      follower.off('state', onState);
      await follower.stop();
    },
  };
}
