/**
 * Store and info requests over HTTP against a real `murmur-node start` process (static network,
 * rate limit off), from this process with 32 requests in flight for 5 s each. Both processes
 * share the machine, so the figures are a floor.
 *
 * Run: `pnpm --filter @murmur/service-node build && cd apps/service-node && pnpm exec tsx bench/http-throughput.ts`
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto } from '@murmur/crypto';

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'murmur-http-bench-'));
spawnSync(process.execPath, [cli, 'init', '--data-dir', dir]);
const key = JSON.parse(readFileSync(join(dir, 'key.json'), 'utf8')).ed25519PublicKey as string;
writeFileSync(
  join(dir, 'network.json'),
  JSON.stringify({ nodes: [{ ed25519: key, ip: '127.0.0.1', storagePort: 1, swarmId: '0' }] }),
);
const child = spawn(
  process.execPath,
  [
    cli,
    'start',
    '--data-dir',
    dir,
    '--network-file',
    join(dir, 'network.json'),
    '--listen',
    '127.0.0.1',
    '--port',
    '0',
    '--rate-limit',
    'false',
    '--log-level',
    'info',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const port = await new Promise<number>((resolve) => {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const line = output.split('\n').find((l) => l.includes('murmur-node listening'));
    if (line !== undefined) resolve(JSON.parse(line).port);
  });
});
const crypto = await loadCrypto();
const pubkey = crypto.generateIdentity().sessionId;
const url = `http://127.0.0.1:${port}/storage_rpc/v1`;

async function load(name: string, body: (i: number) => string, seconds = 5, concurrency = 32) {
  let count = 0;
  let failures = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const response = await fetch(url, { method: 'POST', body: body(count) });
      await response.arrayBuffer();
      if (response.status === 200) count += 1;
      else failures += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  process.stdout.write(
    `${name.padEnd(40)} ${Math.round(count / seconds)
      .toLocaleString('en-US')
      .padStart(8)} /s  (${failures} failures)\n`,
  );
}

await load('info', () => '{"method":"info","params":{}}');
await load('store (300-byte messages)', (i) =>
  JSON.stringify({
    method: 'store',
    params: {
      pubkey,
      timestamp: Date.now(),
      ttl: 3_600_000,
      data:
        Buffer.alloc(300, i % 251).toString('base64') + Buffer.from(String(i)).toString('base64'),
    },
  }),
);
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
rmSync(dir, { recursive: true, force: true });
