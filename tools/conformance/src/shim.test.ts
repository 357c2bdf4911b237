/**
 * The Python shim (`python/oxenmq.py`) against a small HTTP server standing in for a node and
 * the seed endpoint: what it sends (the OMQ part byte for byte inside `params`, one
 * connection's requests in order) and how it frames answers (200 → `[body]`, else
 * `[status, body]`), as Session's `OMQ::handle_client_request` does.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { seedHeight } from './devnet.js';

const SHIM_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'python');
const PYTHON = '/usr/bin/python3';
const X25519 = 'ab'.repeat(32);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => resolveBody(text));
  });
}

let server: Server | undefined;
let dir: string | undefined;
afterEach(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A node and seed stand-in: records storage RPC bodies, answers by method. */
async function startServer(received: string[]): Promise<number> {
  const created = createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.url === '/json_rpc') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 0,
          result: {
            service_node_states: [{ public_ip: '127.0.0.1', storage_port: 4321 }],
            height: 77,
          },
        }),
      );
      return;
    }
    received.push(body);
    const method = (JSON.parse(body) as { method: string }).method;
    // The first store answers late: a second request may not overtake it.
    if (method === 'store') {
      await new Promise((done) => setTimeout(done, 200));
      received.push('(store answered)');
    }
    if (method === 'retrieve') {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('retrieve signature verification failed');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"answered":"${method}"}`);
  });
  server = created;
  await new Promise<void>((done) => created.listen(0, '127.0.0.1', () => done()));
  return (created.address() as AddressInfo).port;
}

function runPython(script: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(
      PYTHON,
      ['-c', script],
      { env: { ...process.env, PYTHONPATH: SHIM_DIR, ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(stderr || error.message)) : resolveRun(stdout),
    );
  });
}

describe.skipIf(!existsSync(PYTHON))('the oxenmq shim', () => {
  it('posts storage.X with its part byte for byte, in order, and frames answers as OMQ', async () => {
    const received: string[] = [];
    const port = await startServer(received);
    dir = mkdtempSync(join(tmpdir(), 'conformance-shim-'));
    const devnetFile = join(dir, 'devnet.json');
    writeFileSync(
      devnetFile,
      JSON.stringify({
        seed: { url: `http://127.0.0.1:${port}/json_rpc` },
        nodes: [
          { x25519: X25519, ip: '127.0.0.1', storagePort: port, url: `http://127.0.0.1:${port}` },
        ],
      }),
    );
    const script = `
import json, oxenmq
o = oxenmq.OxenMQ()
o.start()
c = o.connect_remote(oxenmq.Address("curve://127.0.0.9:1/${X25519}"))
store = o.request_future(c, "storage.store", [b'{"pubkey": "05",  "data":[1, 2]}'])
retrieve = o.request_future(c, "storage.retrieve", ['{"pubkey":"05"}'])
sns = o.request_future(c, "rpc.get_service_nodes", b'{"active_only": true}')
out = [[p.decode() for p in f.get()] for f in (store, retrieve, sns)]
print(json.dumps(out))
`;
    const out = JSON.parse(
      await runPython(script, { MURMUR_DEVNET_JSON: devnetFile }),
    ) as string[][];
    expect(received).toEqual([
      '{"method":"store","params":{"pubkey": "05",  "data":[1, 2]}}',
      '(store answered)',
      '{"method":"retrieve","params":{"pubkey":"05"}}',
    ]);
    expect(out[0]).toEqual(['{"answered":"store"}']);
    expect(out[1]).toEqual(['401', 'retrieve signature verification failed']);
    expect(out[2]?.[0]).toBe('200');
    expect(JSON.parse(out[2]?.[1] ?? '{}')).toEqual({
      service_node_states: [{ public_ip: '127.0.0.1', storage_port: 4321, storage_lmq_port: 4321 }],
      height: 77,
    });
    expect(await seedHeight(`http://127.0.0.1:${port}/json_rpc`)).toBe(77);
  });

  it('skips a test that sends a bencoded body, and refuses an endpoint it has no mapping for', async () => {
    dir = mkdtempSync(join(tmpdir(), 'conformance-shim-'));
    const devnetFile = join(dir, 'devnet.json');
    writeFileSync(
      devnetFile,
      JSON.stringify({ seed: { url: 'http://127.0.0.1:1/json_rpc' }, nodes: [] }),
    );
    const script = `
import oxenmq, oxenc
o = oxenmq.OxenMQ()
c = o.connect_remote(oxenmq.Address("127.0.0.1", 1, b""))
try:
    o.request_future(c, "storage.batch", [oxenc.bt_serialize({"requests": []})])
except BaseException as e:
    print(type(e).__name__, str(e))
try:
    o.request_future(c, "admin.frobnicate", [b"{}"])
except oxenmq.ShimError as e:
    print("ShimError", str(e))
print(oxenc.bt_deserialize(oxenc.bt_serialize({"b": [1, b"x"], "a": -3})))
`;
    const out = (await runPython(script, { MURMUR_DEVNET_JSON: devnetFile })).trim().split('\n');
    expect(out[0]).toMatch(/^Skipped OMQ-only: `storage.batch` with a bencoded body$/);
    expect(out[1]).toMatch(/^ShimError no Murmur mapping for the OMQ endpoint `admin.frobnicate`$/);
    expect(out[2]).toBe("{b'a': -3, b'b': [1, b'x']}");
  });
});
