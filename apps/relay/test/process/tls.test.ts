/**
 * Three `murmur-relay` processes with `--tls-cert/--tls-key`: links are `wss`, and relay AUTH is
 * bound to each connection's TLS exporter. A client builds a circuit over `wss` (which needs two
 * authenticated relay-to-relay links) and pings the exit. Skipped, saying so, without openssl.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CellSink, type CircuitRelay, createCircuitBuilder } from '@murmur/circuits';
import { loadCrypto } from '@murmur/crypto';
import { writeSecretJson } from '@murmur/registry/key-files';
import { bytesToHex } from '@murmur/wire';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
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
    const infos: CircuitRelay[] = [];
    const dirs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const dir = mkdtempSync(join(tmpdir(), `relay-tls-${i}-`));
      const seed = crypto.randomBytes(32);
      const identity = crypto.identityFromSeed(seed);
      writeSecretJson(
        join(dir, 'key.json'),
        {
          version: 1,
          ed25519Seed: bytesToHex(seed),
          ed25519PublicKey: bytesToHex(identity.ed25519.publicKey),
        },
        'node key file',
      );
      dirs.push(dir);
      infos.push({
        ed25519: bytesToHex(identity.ed25519.publicKey),
        x25519: bytesToHex(identity.x25519.publicKey),
        ip: '127.0.0.1',
        port: await freePort(),
      });
    }
    const networkFile = join(certDir, 'network.json');
    writeFileSync(
      networkFile,
      JSON.stringify({
        nodes: infos.map((r) => ({ ed25519: r.ed25519, ip: r.ip, relayPort: r.port })),
      }),
    );
    for (const [i, dir] of dirs.entries()) {
      const child = spawn(
        process.execPath,
        [
          cli,
          'start',
          '--data-dir',
          dir,
          '--host',
          '127.0.0.1',
          '--port',
          String(infos[i]?.port),
          '--network-file',
          networkFile,
          '--tls-cert',
          join(certDir, 'cert.pem'),
          '--tls-key',
          join(certDir, 'key.pem'),
          '--log-level',
          'warn',
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      children.push(child);
      await new Promise<void>((done, fail) => {
        let out = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('"ready":true')) done();
        });
        child.once('exit', (code) => fail(new Error(`relay exited with ${code}`)));
      });
    }
    const connect = (relay: CircuitRelay, sink: CellSink) =>
      new Promise<{ send(cell: Uint8Array): void; close(): void }>((done, fail) => {
        const socket = new WebSocket(`wss://${relay.ip}:${relay.port}/`, {
          rejectUnauthorized: false,
        });
        socket.on('message', (data: Buffer) => sink.receive(new Uint8Array(data)));
        socket.on('close', () => sink.closed());
        socket.once('error', fail);
        socket.once('open', () =>
          done({ send: (cell) => socket.send(cell), close: () => socket.close() }),
        );
      });
    const builder = createCircuitBuilder({}, { crypto, connect });
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
