/**
 * Runs the four example programs of docs/CLIENTS.md (create an account, send, receive,
 * restore) against the in-process fake network, in a temporary directory, exactly as written
 * (only the seed URL resolves to the fake network and `fetch` is the fake one).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCrypto } from '@murmur/crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeNetwork } from './test-support/fake-network.js';

const guide = readFileSync(
  fileURLToPath(new URL('../../../docs/CLIENTS.md', import.meta.url)),
  'utf8',
);

function example(name: string): string {
  const block = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((match) => match[1] as string)
    .find((code) => code.startsWith(`// ${name} `));
  if (block === undefined) throw new Error(`docs/CLIENTS.md has no ${name} example`);
  return block;
}

let directory: string | undefined;
const savedArgv = process.argv;
const savedCwd = process.cwd();

afterEach(() => {
  vi.unstubAllGlobals();
  process.argv = savedArgv;
  process.chdir(savedCwd);
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  directory = undefined;
});

describe('docs/CLIENTS.md examples', () => {
  it('create an account, send, receive and restore, as written', async () => {
    const network = createFakeNetwork({
      crypto: await loadCrypto(),
      seedUrl: 'http://127.0.0.1:38157/json_rpc',
    });
    vi.stubGlobal('fetch', network.fetch);
    directory = mkdtempSync(join(tmpdir(), 'murmur-clients-doc-'));
    process.chdir(directory);
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      out.push(args.join(' '));
    });
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let runs = 0;
    const run = async (name: string, ...args: string[]) => {
      const file = join(directory as string, `${name.replace('.ts', '')}-${runs++}.ts`);
      writeFileSync(file, example(name));
      out.length = 0;
      process.argv = ['node', file, ...args];
      await import(/* @vite-ignore */ file);
      return [...out];
    };

    const alice = await run('create-account.ts', 'alice.db', 'Alice');
    expect(alice[0]).toMatch(/^Session ID: 05[0-9a-f]{64}$/);
    expect(alice[1]?.replace('Recovery phrase: ', '').split(' ')).toHaveLength(24);
    expect(await run('create-account.ts', 'alice.db')).toEqual([alice[0]]);
    const bob = await run('create-account.ts', 'bob.db');
    const bobId = bob[0]?.replace('Session ID: ', '') as string;
    const bobPhrase = bob[1]?.replace('Recovery phrase: ', '') as string;

    const sent = await run('send.ts', 'alice.db', bobId, 'hi', 'Bob');
    // A first message to Bob: held while Alice looks for his account keys (none: his client has
    // never run on the network), then sealed with v1 as a Session client would.
    expect(sent.slice(0, -1).map((line) => line.split(' ').at(-1))).toEqual([
      'securing',
      'queued',
      'sending',
      'sent',
    ]);
    // Delivered under its storage hash, which is not the local ID a held message keeps.
    const hash = /^delivered as (\S{8})…$/.exec(sent.at(-1) ?? '')?.[1];
    expect(hash, String(sent.at(-1))).toBeDefined();
    expect(sent[0]?.startsWith(hash as string)).toBe(false);
    expect(await run('receive.ts', 'bob.db', '0')).toEqual(['Alice: hi Bob']);
    expect(await run('restore.ts', 'bob-laptop.db', ...bobPhrase.split(' '))).toEqual([
      `restored ${bobId}`,
      '1 message(s) still on the network',
    ]);
  });
});
