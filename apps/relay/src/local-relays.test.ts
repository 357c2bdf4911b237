import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { InvalidInputError, UpstreamFailedError } from '@murmur/wire';
import { ConfigError } from '@murmur/wire/program';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalRelays } from './local-relays.js';

let crypto: MurmurCrypto;
let dir: string;
beforeAll(async () => {
  crypto = await loadCrypto();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-relays-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Stand-ins for murmur-relay (the real one is started by test/process/relay.test.ts). */
function program(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

describe('startLocalRelays', () => {
  it('refuses a count out of range', async () => {
    await expect(startLocalRelays({ count: 0 }, { crypto })).rejects.toThrow(InvalidInputError);
    await expect(startLocalRelays({ count: 17 }, { crypto })).rejects.toThrow(
      'count must be an integer from 1 to 16, not 17',
    );
  });

  it('says how to build the program when it is missing', async () => {
    const error = await startLocalRelays(
      { count: 1, program: join(dir, 'missing.js') },
      { crypto },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('pnpm --filter @murmur/relay build');
  });

  it('passes each relay its settings, and stops the started ones when a later one fails', async () => {
    const relay = program(
      'relay.js',
      `const args = process.argv.slice(2);
       const dataDir = args[args.indexOf('--data-dir') + 1];
       if (dataDir.includes('murmur-local-relay-2-')) { console.error('bind failed: ' + args.join(' ')); process.exit(3); }
       require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'first.pid'))}, String(process.pid));
       console.log(JSON.stringify({ ready: true }));
       setInterval(() => undefined, 1000);`,
    );
    const error = await startLocalRelays(
      { count: 2, program: relay, args: ['--node-url', 'http://127.0.0.1:9'] },
      { crypto },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamFailedError);
    const message = (error as Error).message;
    expect(message).toContain('relay 2 exited (code 3) before it was ready');
    expect(message).toMatch(
      /bind failed: start --data-dir \S+ --host 127\.0\.0\.1 --port \d+ --network-file \S+network\.json --log-level warn --node-url http:\/\/127\.0\.0\.1:9/,
    );
    const first = Number(readFileSync(join(dir, 'first.pid'), 'utf8'));
    expect(() => process.kill(first, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  it('gives up on a relay that never says it is ready', async () => {
    const relay = program('silent.js', 'setInterval(() => undefined, 1000);');
    await expect(
      startLocalRelays({ count: 1, program: relay, readyTimeoutMs: 300 }, { crypto }),
    ).rejects.toThrow('relay 1 printed no ready line within 300 ms');
  });

  it('stop() ends the relays and deletes their folders', async () => {
    const relay = program(
      'ok.js',
      'console.log(JSON.stringify({ ready: true })); setInterval(() => undefined, 1000);',
    );
    const local = await startLocalRelays({ count: 2, program: relay }, { crypto });
    expect(new Set(local.infos.map((info) => info.port)).size).toBe(2);
    expect(local.infos.every((info) => /^[0-9a-f]{64}$/.test(info.x25519))).toBe(true);
    expect(existsSync(local.networkFile)).toBe(true);
    await local.stop();
    expect(
      local.relays.every(
        (entry) => entry.child.exitCode !== null || entry.child.signalCode !== null,
      ),
    ).toBe(true);
    expect(local.relays.some((entry) => existsSync(entry.dataDir))).toBe(false);
  });
});
