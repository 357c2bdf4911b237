import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { createKeyFile, nodeKeysFromSeed } from './keys.js';
import { startNode } from './server.js';
import { seedOf, testCrypto } from './test-support/harness.js';
import {
  createTlsCredentials,
  deriveTlsScalar,
  loadOrCreateTlsCredentials,
  TLS_CERT_FILE_NAME,
} from './tls.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the node TLS certificate', () => {
  it('is a valid self-signed P-256 certificate whose key derives from the node key', async () => {
    const crypto = await testCrypto();
    const keys = nodeKeysFromSeed(crypto, seedOf(3));
    const first = createTlsCredentials(crypto, keys);
    const again = createTlsCredentials(crypto, keys);
    const other = createTlsCredentials(crypto, nodeKeysFromSeed(crypto, seedOf(4)));
    const certificate = new X509Certificate(first.cert);
    expect(certificate.subject).toBe(`CN=${keys.ed25519Hex}`);
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(new Date(certificate.validTo).getUTCFullYear()).toBe(2049);
    expect(Buffer.from(again.publicKey)).toEqual(Buffer.from(first.publicKey));
    expect(Buffer.from(other.publicKey)).not.toEqual(Buffer.from(first.publicKey));
    expect(deriveTlsScalar(crypto, keys)).toHaveLength(32);
  });

  it('serves HTTPS on the storage port by default, plain HTTP only on an extra port asked for', async () => {
    const crypto = await testCrypto();
    const dir = mkdtempSync(join(tmpdir(), 'murmur-tls-'));
    try {
      const keys = createKeyFile(crypto, dir);
      const network = join(dir, 'network.json');
      writeFileSync(
        network,
        JSON.stringify({
          nodes: [{ ed25519: keys.ed25519Hex, ip: '127.0.0.1', storagePort: 1, swarmId: 0 }],
        }),
      );
      const httpPort = await freePort();
      const { config } = resolveConfig({
        flags: {
          'data-dir': dir,
          'network-file': network,
          listen: '127.0.0.1',
          port: '0',
          'http-port': String(httpPort),
        },
      });
      // What `init` does: the certificate file, and its fingerprint.
      const made = loadOrCreateTlsCredentials(crypto, keys, dir);
      expect(made.created).toBe(true);
      const fingerprint = made.fingerprint256;
      const node = await startNode(config, { logger: pino({ level: 'silent' }), crypto });
      try {
        expect(node.scheme).toBe('https');
        expect(node.httpPort).toBe(httpPort);
        const httpsPort = node.port;
        // Plain HTTP to the storage port is refused (it speaks TLS); the extra port answers.
        const refused = await fetch(`http://127.0.0.1:${httpsPort}/health`).catch(
          (e: unknown) => e,
        );
        expect(refused).toBeInstanceOf(TypeError);
        // The TLS server drops the plain-HTTP bytes: undici sees the socket close or reset.
        expect(['UND_ERR_SOCKET', 'ECONNRESET']).toContain(
          (refused as { cause?: { code?: unknown } }).cause?.code,
        );
        const plain = await fetch(`http://127.0.0.1:${httpPort}/storage_rpc/v1`, {
          method: 'POST',
          body: '{"method":"info","params":{}}',
        });
        expect(plain.status).toBe(200);
        const { status, body, publicKey } = await new Promise<{
          status: number;
          body: string;
          publicKey: Buffer;
        }>((resolve, reject) => {
          const outgoing = request(
            {
              host: '127.0.0.1',
              port: httpsPort,
              path: '/storage_rpc/v1',
              method: 'POST',
              rejectUnauthorized: false,
            },
            (response) => {
              const certificate = (response.socket as TLSSocket).getPeerCertificate();
              let text = '';
              response.on('data', (chunk: Buffer) => {
                text += chunk.toString();
              });
              response.on('end', () =>
                resolve({
                  status: response.statusCode ?? 0,
                  body: text,
                  publicKey: certificate.pubkey as Buffer,
                }),
              );
            },
          );
          outgoing.on('error', reject);
          outgoing.end('{"method":"info","params":{}}');
        });
        expect(status).toBe(200);
        expect(JSON.parse(body).version).toEqual([2, 8, 0]);
        const credentials = createTlsCredentials(crypto, keys);
        expect(publicKey).toEqual(Buffer.from(credentials.publicKey));
        // The certificate served is the file in the data directory; its fingerprint is stable.
        const file = readFileSync(join(dir, TLS_CERT_FILE_NAME), 'utf8');
        expect(node.tlsFingerprint).toBe(new X509Certificate(file).fingerprint256);
        expect(node.tlsFingerprint).toBe(fingerprint);
        expect(loadOrCreateTlsCredentials(crypto, keys, dir)).toMatchObject({
          created: false,
          fingerprint256: fingerprint,
        });
        expect(node.tlsFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      } finally {
        await node.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
