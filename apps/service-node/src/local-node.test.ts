import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpstreamFailedError } from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { ConfigError } from '@murmur/wire/program';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initLocalNode, NODE_PROGRAM, startLocalNode, writeLoneNetwork } from './local-node.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-node-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Stand-ins for murmur-node for the failure paths (the real one is started below). */
/** Pids of the live processes whose command line mentions `text` (Linux `/proc`). */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // A zombie (killed, not yet reaped) has an empty command line.
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return found;
}

function program(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

describe('@murmur/service-node/local', () => {
  it('says how to build the program when it is missing', async () => {
    const missing = join(dir, 'missing.js');
    const error = await startLocalNode({ dataDir: dir, networkFile: 'n', program: missing }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('pnpm --filter @murmur/service-node build');
    expect(() => initLocalNode({ dataDir: dir, program: missing })).toThrow(ConfigError);
  });

  it('quotes a failed init', () => {
    const failing = program('init.js', "console.error('no room on the disk'); process.exit(1);");
    expect(() => initLocalNode({ dataDir: dir, program: failing })).toThrow(
      new UpstreamFailedError('murmur-node init failed (code 1): no room on the disk'),
    );
  });

  it('names the file and field of a malformed key file, and leaves it as it is', () => {
    const dataDir = join(dir, 'corrupt');
    const corrupt = '{"version":1,"ed25519PublicKey":"ab"}';
    const writer = program(
      'corrupt-init.js',
      `const fs = require('node:fs'); const dir = process.argv[4]; fs.mkdirSync(dir, { recursive: true }); fs.writeFileSync(dir + '/key.json', ${JSON.stringify(corrupt)});`,
    );
    const keyPath = join(dataDir, 'key.json');
    expect(() => initLocalNode({ dataDir, program: writer })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        details: { path: keyPath, field: 'ed25519Seed' },
      }),
    );
    expect(readFileSync(keyPath, 'utf8')).toBe(corrupt);
  });

  it('passes its settings, and quotes the output of a node that exits before it listens', async () => {
    const node = program(
      'exits.js',
      "console.log('args ' + process.argv.slice(2).join(' ')); console.error('bind failed'); process.exit(3);",
    );
    const error = await startLocalNode({
      dataDir: join(dir, 'data'),
      networkFile: join(dir, 'network.json'),
      program: node,
      plainHttp: true,
      args: ['--rate-limit', 'false'],
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamFailedError);
    const message = (error as Error).message;
    expect(message).toContain('murmur-node exited (code 3) before it listened');
    expect(message).toContain('bind failed');
    expect(message).toContain(
      `args start --data-dir ${join(dir, 'data')} --network-file ${join(dir, 'network.json')} --listen 127.0.0.1 --port 0 --log-level info --plain-http --rate-limit false`,
    );
  });

  it('kills a node that never listens, after the timeout', async () => {
    const silent = program('silent.js', 'setInterval(() => undefined, 1000);');
    const error = await startLocalNode({
      dataDir: dir,
      networkFile: 'n',
      program: silent,
      readyTimeoutMs: 1_000,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamFailedError);
    expect((error as Error).message).toContain('did not listen within 1000 ms');
    // No process of that program is left. (Found by its command line, not by a pid file it
    // writes: on a busy machine it may not have run a line of its own before the 1 s ran out.)
    expect(processesMentioning(silent)).toEqual([]);
  });

  it('inits, starts until /health answers 200 over HTTPS, and stops the real murmur-node', async () => {
    expect(existsSync(NODE_PROGRAM)).toBe(true);
    const { dataDir, ed25519 } = initLocalNode({ dataDir: join(dir, 'node') });
    expect(ed25519).toMatch(/^[0-9a-f]{64}$/);
    const networkFile = writeLoneNetwork(join(dir, 'network.json'), ed25519);
    const node = await startLocalNode({ dataDir, networkFile, args: ['--rate-limit', 'false'] });
    try {
      expect(node.url).toBe(`https://127.0.0.1:${node.port}`);
      expect(node.port).toBeGreaterThan(0);
      expect(node.log()).toContain('murmur-node listening');
      const nodeFetch = createNodeFetch({ keepAlive: false });
      const health = await nodeFetch(`${node.url}/health`);
      nodeFetch.close();
      expect(health.status).toBe(200);
    } finally {
      const exit = await node.stop();
      expect(exit).toEqual({ code: 0, signal: null });
    }
    expect(node.log()).toContain('murmur-node stopped');
    // Stopping again is harmless.
    expect(await node.stop()).toEqual({ code: 0, signal: null });
  }, 60_000);
});
