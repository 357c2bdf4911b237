import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { bytesToHex } from '@murmur/wire';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RelayDirectoryService } from './directory.js';
import { createLogger } from './logger.js';
import { type RunningRelay, startRelay } from './server.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});
const running: RunningRelay[] = [];
afterEach(async () => {
  for (const relay of running.splice(0)) await relay.close();
});

/** A directory that is not caught up until `catchUp()`. */
function lateDirectory(): RelayDirectoryService & { catchUp(): void } {
  let ready = false;
  return {
    lookup: () => undefined,
    address: () => undefined,
    size: () => 0,
    ready: () => ready,
    start: async () => undefined,
    stop: async () => undefined,
    catchUp() {
      ready = true;
    },
  };
}

/** Opens a link to `url`: `open`, or the HTTP status of the refusal. */
function link(
  url: string,
): Promise<{ open: true } | { open: false; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.close();
      resolve({ open: true });
    });
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => resolve({ open: false, status: response.statusCode ?? 0, body }));
    });
    socket.once('error', (error) => {
      if (!String(error.message).includes('Unexpected server response')) reject(error);
    });
  });
}

describe('a relay that has not caught up with the ledger', () => {
  it('refuses links with 503 and /health says starting, then serves both once caught up', async () => {
    const identity = crypto.identityFromSeed(crypto.randomBytes(32));
    const directory = lateDirectory();
    const relay = await startRelay(
      { host: '127.0.0.1', port: 0 },
      {
        crypto,
        keys: {
          ed25519: identity.ed25519,
          x25519: identity.x25519,
          ed25519Hex: bytesToHex(identity.ed25519.publicKey),
        },
        directory,
        logger: createLogger('silent'),
      },
    );
    running.push(relay);
    const health = `http://127.0.0.1:${relay.port}/health`;

    const refused = await link(relay.url);
    expect(refused).toEqual({
      open: false,
      status: 503,
      body: 'relay starting: not caught up with the ledger yet',
    });
    const before = await fetch(health);
    expect(before.status).toBe(503);
    expect(((await before.json()) as { status: string }).status).toBe('starting');
    // Nothing reached the relay core.
    expect(Object.values(relay.core.stats().links).reduce((sum, n) => sum + n, 0)).toBe(0);

    directory.catchUp();
    expect(await link(relay.url)).toEqual({ open: true });
    const after = await fetch(health);
    expect(after.status).toBe(200);
    expect(((await after.json()) as { status: string }).status).toBe('ok');
  });
});
