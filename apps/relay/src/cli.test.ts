import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-main.js';
import { resolveConfig } from './config.js';

function io(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { env, stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), out, err };
}

describe('murmur-relay configuration and CLI', () => {
  it('resolves flags over env over relay.json over defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-config-'));
    writeFileSync(
      join(dir, 'relay.json'),
      JSON.stringify({ port: 30_001, logLevel: 'debug', createBurst: 7 }),
    );
    const config = resolveConfig(
      { 'data-dir': dir, 'create-burst': '9' },
      { MURMUR_RELAY_PORT: '30002' },
    );
    expect(config).toMatchObject({
      dataDir: dir,
      port: 30_002,
      logLevel: 'debug',
      createBurst: 9,
      host: '0.0.0.0',
      maxCircuits: 20_000,
    });
    expect(resolveConfig({ 'data-dir': dir }, {}).port).toBe(30_001);
  });

  it('refuses bad values with exit code 2 and a message naming the flag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-config-'));
    const bad = io();
    expect(await runCli(['start', '--data-dir', dir, '--port', 'abc'], bad)).toBe(2);
    expect(bad.err.join('')).toContain('--port');
    const unknown = io();
    expect(await runCli(['fly', '--data-dir', dir], unknown)).toBe(2);
    const noDirectory = io();
    expect(await runCli(['start', '--data-dir', dir], noDirectory)).toBe(2);
    expect(noDirectory.err.join('')).toContain('--ledger-url');
  });

  it('init needs the node key (the relay never makes its own) and writes relay.json with the given settings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-init-'));
    const before = io();
    expect(await runCli(['init', '--data-dir', dir, '--port', '30003'], before)).toBe(2);
    expect(before.err.join('')).toContain('murmur-node init');
    writeFileSync(join(dir, 'key.json'), '{}', { mode: 0o600 });
    expect(
      await runCli(
        ['init', '--data-dir', dir, '--port', '30003', '--node-url', 'http://127.0.0.1:1'],
        io(),
      ),
    ).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'relay.json'), 'utf8'))).toEqual({
      port: 30_003,
      nodeUrl: 'http://127.0.0.1:1',
    });
  });
});
