/**
 * The wallet command, in process, against a real ledger listening on loopback with short blocks.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '@murmur/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningLedger, startLedger } from '../ledger/run.js';
import { cli } from '../test-support/cli.js';
import { tempDir, testCrypto } from '../test-support/fixtures.js';
import { parseFee } from './wallet.js';

let ledger: RunningLedger;
let folder: string;
let cleanup: () => void;
const addresses = { op: '', a: '', b: '', c: '' };
let nodeKey: string;
let nodeDir: string;

function wallet(name: string, ...argv: string[]) {
  return cli(['wallet', ...argv, '--wallet', join(folder, `${name}.json`), '--ledger', ledger.url]);
}

beforeAll(async () => {
  const crypto = await testCrypto();
  ({ dir: folder, cleanup } = tempDir());
  ledger = await startLedger({ dir: join(folder, 'ledger'), port: 0, blockTimeMs: 50 }, { crypto });
  nodeDir = join(folder, 'node');
  mkdirSync(nodeDir);
  const seed = crypto.randomBytes(32);
  nodeKey = bytesToHex(crypto.ed25519KeyPairFromSeed(seed).publicKey);
  writeFileSync(
    join(nodeDir, 'key.json'),
    JSON.stringify({ version: 1, ed25519Seed: bytesToHex(seed), ed25519PublicKey: nodeKey }),
    { mode: 0o600 },
  );
});

afterAll(async () => {
  await ledger.close();
  cleanup();
});

describe('murmur-devnet wallet', () => {
  it('creates wallets and funds them from the faucet', async () => {
    for (const name of ['op', 'a', 'b', 'c'] as const) {
      const created = await cli(['wallet', 'create', '--out', join(folder, `${name}.json`)]);
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/^[0-9a-f]{64}\n$/);
      addresses[name] = created.stdout.trim();
      expect(created.stderr).toMatch(/mode 0600/);
    }
    const again = await cli(['wallet', 'create', '--out', join(folder, 'op.json')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/refusing to overwrite/);
    expect((await wallet('op', 'address')).stdout.trim()).toBe(addresses.op);

    const funded = await wallet('op', 'faucet', '--amount', '60.5');
    expect(funded.code, funded.stderr).toBe(0);
    expect(funded.stdout).toMatch(
      /faucet 60.5 to .* accepted: transaction [0-9a-f]{64}\n {2}included in block \d+/,
    );
    for (const name of ['a', 'b', 'c'])
      expect((await wallet(name, 'faucet', '--amount', '50')).code).toBe(0);

    const balance = await wallet('op', 'balance');
    expect(balance.code).toBe(0);
    expect(balance.stdout).toMatch(/balance {5}60\.5\n/);
    const json = await wallet('op', 'balance', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ balance: '60500000000', nextNonce: 1 });
    const other = await wallet('op', 'balance', '--address', addresses.a, '--json');
    expect(JSON.parse(other.stdout)).toMatchObject({
      address: addresses.a,
      balance: '50000000000',
    });
  });

  it('transfers, and refuses with the reason, the message and a hint', async () => {
    const sent = await wallet('op', 'transfer', '--to', addresses.a, '--amount', '0.5');
    expect(sent.code, sent.stderr).toBe(0);
    const refused = await wallet('b', 'transfer', '--to', addresses.a, '--amount', '1000');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /refused: insufficient-funds\n {2}wallet .* has .*\n {2}what to do: /,
    );
    const json = await wallet('b', 'transfer', '--to', addresses.a, '--amount', '1000', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      accepted: false,
      reason: 'insufficient-funds',
    });
  });

  it('registers a node with the node key, takes contributions (a pooled node) and shows it', async () => {
    const registered = await wallet(
      'op',
      'register',
      '--node-key',
      nodeDir,
      '--stake',
      '25',
      '--fee',
      '10%',
    );
    expect(registered.code, registered.stderr).toBe(0);
    expect(registered.stdout).toContain(`registration of node ${nodeKey} accepted`);
    expect(registered.stdout).toContain(`wallet contribute --node ${nodeKey}`);

    const small = await wallet('a', 'contribute', '--node', nodeKey, '--amount', '1');
    expect(small.code).toBe(1);
    expect(small.stderr).toMatch(/below-minimum-contribution/);

    const node = await wallet('a', 'node', nodeKey);
    expect(node.stdout).toMatch(/status {6}awaiting-contributions/);
    expect(node.stdout).toMatch(/open room {3}75 \(minimum contribution 8\.333333334\)/);
    expect(node.stdout).toMatch(/fee 10%/);

    expect((await wallet('a', 'contribute', '--node', nodeKey, '--amount', '25')).code).toBe(0);
    expect((await wallet('b', 'contribute', '--node', nodeKey, '--amount', 'min')).code).toBe(0);
    const rest = await wallet('c', 'contribute', '--node', nodeKey, '--amount', 'rest', '--json');
    expect(rest.code, rest.stdout).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ accepted: true, height: expect.any(Number) });

    const active = await wallet('c', 'node', nodeKey, '--json');
    const answer = JSON.parse(active.stdout);
    expect(answer.node).toMatchObject({ status: 'active', stake: '100000000000' });
    expect(answer.node.contributors.map((entry: { address: string }) => entry.address)).toEqual([
      addresses.op,
      addresses.a,
      addresses.b,
      addresses.c,
    ]);
    const text = await wallet('c', 'node', nodeKey);
    expect(text.stdout).toMatch(/status {6}active in swarm [0-9a-f]{16}/);
    expect(text.stdout).toMatch(/contributors \(4\):/);
    expect(text.stdout).toMatch(/history:\n.*registered/);
  });

  it('requests an unlock and shows the unlocking stake', async () => {
    const unlocked = await wallet('b', 'unlock', '--node', nodeKey);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(unlocked.stdout).toMatch(/the node exits and the stakes return at height \d+/);
    const balance = await wallet('a', 'balance');
    expect(balance.stdout).toMatch(/unlocking: returns at height \d+/);
    const twice = await wallet('a', 'unlock', '--node', nodeKey);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already-unlocking/);
  });

  it('reports usage errors with exit code 2 and file problems with 1', async () => {
    const missing = await wallet('a', 'contribute', '--amount', '5');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--node <64-hex key> is required/);
    expect((await wallet('a', 'transfer', '--to', 'zz', '--amount', '1')).code).toBe(2);
    expect(
      (await wallet('a', 'transfer', '--to', addresses.b, '--amount', '1.1234567891')).code,
    ).toBe(2);
    expect((await wallet('a', 'frobnicate')).code).toBe(2);
    expect((await wallet('a', 'balance', '--bogus')).code).toBe(2);
    expect((await cli(['wallet', 'balance'])).stderr).toMatch(/--wallet <file> is required/);
    chmodSync(join(folder, 'c.json'), 0o644);
    const exposed = await wallet('c', 'balance');
    expect(exposed.code).toBe(1);
    expect(exposed.stderr).toMatch(/chmod 600/);
    chmodSync(join(folder, 'c.json'), 0o600);
    const unknownNode = await wallet('a', 'node', 'ab'.repeat(32));
    expect(unknownNode.code).toBe(1);
    expect(unknownNode.stderr).toMatch(/never registered/);
    const down = await cli([
      'wallet',
      'balance',
      '--address',
      addresses.a,
      '--ledger',
      'http://127.0.0.1:9',
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/could not be reached/);
  });

  it('reads the wallet and the ledger from the environment', async () => {
    const result = await cli(['wallet', 'balance', '--json'], {
      MURMUR_WALLET: join(folder, 'a.json'),
      MURMUR_LEDGER_URL: ledger.url,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).address).toBe(addresses.a);
  });
});

describe('fees', () => {
  it('takes basis points or a percentage', () => {
    expect(parseFee('1000')).toBe(1_000);
    expect(parseFee('10%')).toBe(1_000);
    expect(parseFee('2.5%')).toBe(250);
    expect(parseFee('0.01%')).toBe(1);
    expect(() => parseFee('101%')).toThrow(/at most/);
    expect(() => parseFee('ten')).toThrow(/basis points/);
  });
});
