import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ATOMIC_UNITS_PER_COIN,
  createMemoryLedger,
  decodeTransaction,
  devnetParams,
} from '@murmur/registry';
import { fetchNextNonce, httpLedgerSource } from '@murmur/registry/ledger-http';
import { bytesToHex } from '@murmur/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { createKeyFile, keyFilePath, loadKeyFile } from './keys.js';
import { seedOf, testCrypto } from './test-support/harness.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'murmur-cli-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    env,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

describe('murmur-node init', () => {
  it('creates the data directory, a 0600 key and a config file with the given settings', async () => {
    const dataDir = join(dir, 'node');
    const { code, stdout } = await run([
      'init',
      '--data-dir',
      dataDir,
      '--port',
      '25000',
      '--ledger-url',
      'http://127.0.0.1:7070',
    ]);
    expect(code).toBe(0);
    expect(statSync(keyFilePath(dataDir)).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o077).toBe(0);
    expect(JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8'))).toEqual({
      port: 25000,
      ledgerUrl: 'http://127.0.0.1:7070',
    });
    const keys = loadKeyFile(await testCrypto(), dataDir);
    expect(stdout).toContain(keys.ed25519Hex);
    expect(readFileSync(keyFilePath(dataDir), 'utf8')).not.toContain(keys.x25519Hex);
  });

  it('never overwrites an existing key', async () => {
    const first = await run(['init', '--data-dir', dir]);
    expect(first.code).toBe(0);
    const before = readFileSync(keyFilePath(dir), 'utf8');
    const second = await run(['init', '--data-dir', dir]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already exists; refusing to overwrite/);
    expect(readFileSync(keyFilePath(dir), 'utf8')).toBe(before);
  });

  it('refuses a bad config.json, naming the file and the setting, and creates nothing', async () => {
    const damaged = [
      [
        '{"logLevel": "loud", "colour": 1}',
        /config\.json colour: unknown setting\n {2}config\.json logLevel: must be one of fatal, error/,
      ],
      ['[1, 2]', /config\.json must hold a JSON object of settings/],
      ['{ "port": 25', /config\.json is not valid JSON/],
    ] as const;
    for (const [text, message] of damaged) {
      const dataDir = join(dir, `bad-${damaged.findIndex(([entry]) => entry === text)}`);
      mkdirSync(dataDir, { mode: 0o700 });
      writeFileSync(join(dataDir, 'config.json'), text);
      const { code, stderr } = await run(['init', '--data-dir', dataDir, '--port', '25000']);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(readFileSync(join(dataDir, 'config.json'), 'utf8')).toBe(text);
      expect(readdirSync(dataDir)).toEqual(['config.json']);
    }
  });

  it('refuses bad settings before touching the disk (exit 2)', async () => {
    const dataDir = join(dir, 'never');
    const { code, stderr } = await run(['init', '--data-dir', dataDir, '--port', 'x']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--port: must be a port number/);
    expect(() => statSync(dataDir)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

describe('the key file', () => {
  it('refuses a key readable by others, with the chmod command', async () => {
    const crypto = await testCrypto();
    createKeyFile(crypto, dir);
    chmodSync(keyFilePath(dir), 0o644);
    expect(() => loadKeyFile(crypto, dir)).toThrow(
      new RegExp(`mode 644.*chmod 600 ${keyFilePath(dir)}`),
    );
    const status = await run(['status', '--data-dir', dir, '--port', '1']);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/chmod 600/);
    chmodSync(keyFilePath(dir), 0o600);
    expect(loadKeyFile(crypto, dir).ed25519Hex).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a missing, malformed or edited key file', async () => {
    const crypto = await testCrypto();
    expect(() => loadKeyFile(crypto, dir)).toThrow(/murmur-node init/);
    writeFileSync(keyFilePath(dir), '{"version":1}', { mode: 0o600 });
    expect(() => loadKeyFile(crypto, dir)).toThrow(/not a murmur-node key file/);
    writeFileSync(
      keyFilePath(dir),
      JSON.stringify({
        version: 1,
        ed25519Seed: '11'.repeat(32),
        ed25519PublicKey: '22'.repeat(32),
      }),
      { mode: 0o600 },
    );
    expect(() => loadKeyFile(crypto, dir)).toThrow(/does not match the seed/);
  });
});

describe('murmur-node register', () => {
  function writeWallet(seed = seedOf(50), mode = 0o600) {
    const path = join(dir, 'wallet.json');
    writeFileSync(path, JSON.stringify({ seed: bytesToHex(seed) }), { mode });
    chmodSync(path, mode);
    return path;
  }

  it('prints the registration transaction signed by the node and the wallet', async () => {
    const crypto = await testCrypto();
    const keys = createKeyFile(crypto, dir);
    const wallet = writeWallet();
    const { code, stdout, stderr } = await run([
      'register',
      '--data-dir',
      dir,
      '--wallet',
      wallet,
      '--operator-stake',
      '25.5',
      '--fee',
      '500',
      '--reserve',
      `${'ab'.repeat(32)}:10`,
      '--chain-id',
      'test-chain',
      '--nonce',
      '3',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const tx = decodeTransaction(JSON.parse(stdout));
    expect(tx).toMatchObject({
      type: 'register',
      node: keys.ed25519Hex,
      operator: bytesToHex(crypto.ed25519KeyPairFromSeed(seedOf(50)).publicKey),
      feeBasisPoints: 500,
      operatorStake: 25n * ATOMIC_UNITS_PER_COIN + ATOMIC_UNITS_PER_COIN / 2n,
      reserved: [{ address: 'ab'.repeat(32), amount: 10n * ATOMIC_UNITS_PER_COIN }],
      nonce: 3,
    });
    // The ledger's own rules accept it.
    const ledger = createMemoryLedger(
      {
        genesis: {
          chainId: 'test-chain',
          params: devnetParams,
          timestamp: Date.now(),
          authority: '00'.repeat(32),
          allocations: [
            {
              address: (tx as { operator: string }).operator,
              amount: 1000n * ATOMIC_UNITS_PER_COIN,
            },
          ],
        },
      },
      { crypto },
    );
    const withNonce1 = await run([
      'register',
      '--data-dir',
      dir,
      '--wallet',
      wallet,
      '--operator-stake',
      '100',
      '--chain-id',
      'test-chain',
      '--nonce',
      '1',
    ]);
    expect(ledger.submit(decodeTransaction(JSON.parse(withNonce1.stdout))).accepted).toBe(true);
  });

  it('refuses bad amounts, fees, reservations and a readable wallet', async () => {
    const crypto = await testCrypto();
    createKeyFile(crypto, dir);
    const wallet = writeWallet();
    const base = [
      'register',
      '--data-dir',
      dir,
      '--wallet',
      wallet,
      '--chain-id',
      'c',
      '--nonce',
      '1',
    ];
    const lots = await run([...base, '--operator-stake', 'lots']);
    expect(lots.code).toBe(2);
    expect(lots.stderr).toMatch(/--operator-stake must be a number of coins/);
    expect((await run([...base, '--operator-stake', '1', '--fee', '10001'])).stderr).toMatch(
      /--fee/,
    );
    expect((await run([...base, '--operator-stake', '1', '--reserve', 'x:1'])).stderr).toMatch(
      /--reserve/,
    );
    expect((await run(['register', '--data-dir', dir, '--operator-stake', '1'])).stderr).toMatch(
      /--wallet <file> is required/,
    );
    expect((await run([...base.slice(0, 5), '--operator-stake', '1'])).stderr).toMatch(
      /give --chain-id and --nonce/,
    );
    chmodSync(wallet, 0o640);
    const readable = await run([...base, '--operator-stake', '1']);
    expect(readable.code).toBe(1);
    expect(readable.stderr).toMatch(/chmod 600/);
  });
});

describe('usage', () => {
  it('prints help for every command and refuses unknown commands and flags', async () => {
    for (const command of ['init', 'start', 'register', 'status']) {
      const { code, stdout } = await run([command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`Usage: murmur-node ${command}`));
    }
    expect((await run(['--help'])).code).toBe(0);
    expect((await run([])).code).toBe(2);
    expect((await run(['launch'])).stderr).toMatch(/unknown command "launch"/);
    const unknownFlag = await run(['start', '--colour', 'blue']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/colour/);
    expect((await run(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('start refuses to run without a ledger or a network file', async () => {
    await run(['init', '--data-dir', dir]);
    const { code, stderr } = await run([
      'start',
      '--data-dir',
      dir,
      '--port',
      '0',
      '--log-level',
      'silent',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--ledger-url .* or --network-file/);
  });

  it('status reports a node that is not running (exit 1), with the fingerprint init printed', async () => {
    const init = await run(['init', '--data-dir', dir]);
    const printed = /tls sha256 +([0-9A-F:]{95})/.exec(init.stdout)?.[1];
    expect(printed).toBeDefined();
    const { code, stdout } = await run(['status', '--data-dir', dir, '--port', '1', '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.health.status).toBe('down');
    expect(report.url).toBe('https://127.0.0.1:1');
    expect(report.tlsFingerprint).toBe(printed);
  });
});

describe('the next nonce of a wallet (fetchNextNonce, as murmur-node register reads it)', () => {
  const address = 'ab'.repeat(32);
  const state = { wallets: [{ address, nonce: 4 }] };
  /** A real ledger client over a fetch that answers as `answer` says. */
  function ledgerAnswering(answer: () => Response, asked: string[] = []) {
    return httpLedgerSource(
      { url: 'http://ledger.test/' },
      {
        fetch: (async (url: string) => {
          asked.push(url);
          return answer();
        }) as unknown as typeof fetch,
      },
    );
  }

  it('comes from the ledger’s /wallet route (it counts transactions still in the mempool)', async () => {
    const asked: string[] = [];
    const ledger = ledgerAnswering(
      () =>
        new Response(
          JSON.stringify({
            address,
            height: 12,
            balance: '10',
            locked: '0',
            nonce: 4,
            nextNonce: 7,
            lockedEntries: [],
          }),
          { status: 200 },
        ),
      asked,
    );
    expect(await fetchNextNonce(ledger, address)).toBe(7);
    expect(asked).toEqual([`http://ledger.test/wallet/${address}`]);
    ledger.stop();
  });

  it('falls back to the state for a ledger without the route or with an odd answer', async () => {
    const getState = async () => state as never;
    const missing = {
      getState,
      getWallet: ledgerAnswering(() => new Response('no', { status: 404 })).getWallet,
    };
    expect(await fetchNextNonce(missing, address)).toBe(5);
    const odd = {
      getState,
      getWallet: ledgerAnswering(
        () => new Response(JSON.stringify({ nextNonce: 'x' }), { status: 200 }),
      ).getWallet,
    };
    expect(await fetchNextNonce(odd, address)).toBe(5);
    const down = {
      getState,
      getWallet: async () => {
        throw new TypeError('fetch failed');
      },
    };
    expect(await fetchNextNonce(down, 'cd'.repeat(32))).toBe(1);
  });
});
