/**
 * Three `murmur-relay` processes with `--tls-cert/--tls-key`: links are `wss`, and relay AUTH is
 * bound to each connection's TLS exporter. A client builds a circuit over `wss` (which needs two
 * authenticated relay-to-relay links) and pings the exit. Skipped, saying so, without openssl.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CircuitRelay, createCircuitBuilder } from '@murmur/circuits';
import { loadCrypto } from '@murmur/crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { relayConnector, startLocalRelays } from '../../src/local-relays.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const stops: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const stop of stops) await stop();
});

describe.skipIf(!hasOpenssl)('murmur-relay over wss (openssl makes the test certificate)', () => {
  it('builds a circuit whose relay links are wss with exporter-bound AUTH', async () => {
    const crypto = await loadCrypto();
    const certDir = mkdtempSync(join(tmpdir(), 'relay-tls-'));
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(certDir, 'key.pem'),
      '-out',
      join(certDir, 'cert.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=relay',
    ]);
    expect(made.status).toBe(0);
    const local = await startLocalRelays(
      { count: 3, tls: { cert: join(certDir, 'cert.pem'), key: join(certDir, 'key.pem') } },
      { crypto },
    );
    stops.push(local.stop);
    const { infos } = local;
    const builder = createCircuitBuilder({}, { crypto, connect: relayConnector({ tls: true }) });
    const circuit = await builder.build(infos as [CircuitRelay, CircuitRelay, CircuitRelay]);
    await circuit.ping();
    const metrics = await new Promise<string>((done, fail) => {
      import('node:https').then(({ get }) => {
        get(
          `https://127.0.0.1:${infos[1]?.port}/metrics`,
          { rejectUnauthorized: false },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => {
              text += chunk.toString();
            });
            response.on('end', () => done(text));
          },
        ).on('error', fail);
      }, fail);
    });
    expect(metrics).toContain('murmur_relay_links{kind="relay"} 2');
    expect(metrics).toContain('murmur_relay_links_refused_total 0');
    builder.close();
  });
});
