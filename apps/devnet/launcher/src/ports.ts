/**
 * Ports and addresses: free ports picked by the kernel, fixed ports from a base, a probe that
 * tells whether a port can be listened on, and the loopback address each node listens on.
 */
import { createServer, type Server } from 'node:net';
import { InvalidInputError } from '@murmur/wire';

/** The ports of one node: storage RPC (HTTP) and relay (announced in uptime proofs). */
export interface NodePorts {
  storagePort: number;
  relayPort: number;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Options of {@link findFreePorts}. */
export interface FindFreePortsOptions {
  /** Ports never to return (ports of stopped nodes, which are free now but still theirs). */
  exclude?: Iterable<number> | undefined;
}

/**
 * `count` distinct ports that are free on `host` now, picked by the kernel (listen on port 0).
 * All are held open together while picking, so they differ from each other; another process
 * may still take one before it is used (the start-up probe then names that process).
 */
export async function findFreePorts(
  count: number,
  host = '127.0.0.1',
  options: FindFreePortsOptions = {},
): Promise<number[]> {
  if (!Number.isSafeInteger(count) || count < 0 || count > 10_000) {
    throw new InvalidInputError(
      `findFreePorts: count must be an integer from 0 to 10000, not ${count}`,
    );
  }
  const exclude = new Set(options.exclude ?? []);
  const servers: Server[] = [];
  const ports: number[] = [];
  try {
    let attempts = 0;
    while (ports.length < count) {
      if (++attempts > count + 1_000) {
        throw new InvalidInputError(`findFreePorts: could not find ${count} free ports on ${host}`);
      }
      const server = createServer();
      servers.push(server);
      const port = await listen(server, host, 0);
      if (!exclude.has(port)) ports.push(port);
    }
  } finally {
    await Promise.all(servers.map(close));
  }
  return ports;
}

/** Whether something can listen on `host:port` right now (false when it is in use). */
export async function isPortFree(host: string, port: number): Promise<boolean> {
  const server = createServer();
  try {
    await listen(server, host, port);
    return true;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') return false;
    throw error;
  } finally {
    if (server.listening) await close(server);
  }
}

/**
 * The fixed port layout from `basePort`: the ledger on `basePort`, node `i` (1-based) on
 * `basePort + 1 + 2(i − 1)` for storage and the next port for its relay.
 */
export function basePortLayout(basePort: number, index: number): NodePorts {
  checkBasePort(basePort);
  if (!Number.isSafeInteger(index) || index < 1) {
    throw new InvalidInputError(`node index must be a positive integer, not ${index}`);
  }
  const storagePort = basePort + 1 + 2 * (index - 1);
  if (storagePort + 1 > 65_535) {
    throw new InvalidInputError(
      `basePort ${basePort} leaves no room for node ${index} (its relay port would be ${storagePort + 1} > 65535)`,
    );
  }
  return { storagePort, relayPort: storagePort + 1 };
}

/** Checks a base port: an integer from 1 to 65534. */
export function checkBasePort(basePort: number): void {
  if (!Number.isSafeInteger(basePort) || basePort < 1 || basePort > 65_534) {
    throw new InvalidInputError(
      `basePort must be 0 (free ports) or an integer from 1 to 65534, not ${basePort}`,
    );
  }
}

/**
 * The address node `index` (1-based) listens on and announces. With `distinct` (Linux, where
 * all of 127.0.0.0/8 is loopback) each node gets its own /24 — `127.0.1.1`, `127.0.2.1`, …,
 * `127.1.0.1` for node 256 — so that onion path selection, which wants one node per /24 on a
 * path, works on one machine. Without it every node uses `host`.
 */
export function nodeAddress(index: number, host: string, distinct: boolean): string {
  if (!Number.isSafeInteger(index) || index < 1 || index > 65_279) {
    throw new InvalidInputError(`node index must be an integer from 1 to 65279, not ${index}`);
  }
  if (!distinct) return host;
  return `127.${Math.floor(index / 256)}.${index % 256}.1`;
}

/** Whether per-node loopback addresses can be used: Linux and the default loopback host. */
export function distinctAddressesSupported(host: string, platform = process.platform): boolean {
  return platform === 'linux' && host === '127.0.0.1';
}

/** The IPv4 address a node announces in its uptime proofs for its listening address. */
export function announcedAddress(listen: string): string {
  if (listen === '0.0.0.0' || listen === 'localhost' || listen === '::' || listen === '::1') {
    return '127.0.0.1';
  }
  return listen;
}

/** `http://host:port`, bracketing IPv6 hosts. */
export function httpUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** `https://host:port` (a node's storage port), bracketing IPv6 hosts. */
export function httpsUrl(host: string, port: number): string {
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
