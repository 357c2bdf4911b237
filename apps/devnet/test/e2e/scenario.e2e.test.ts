/**
 * A node's whole life on the real ledger process (`node dist/cli.js ledger`), staked for real
 * with the wallet command (its own processes): wallets funded; a node registered with the
 * operator's 25% and filled by three contributors; active with a swarm; it stops sending proofs
 * and is decommissioned, comes back and is recommissioned, then fails for good and is
 * deregistered, its stakes locked and later released. Invalid transactions are refused with
 * their reasons. The test plays the node: it signs and sends the uptime proofs.
 *
 * Parameters: the devnet set with 200 ms blocks and a proof validity of 5 s (a JSON file of
 * overrides), so that the whole life fits in a few seconds. The block counts the file sets are
 * taken as written (the test counts blocks); the ledger scales the others to the block time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import {
  createContribution,
  createTransfer,
  createUptimeProof,
  type Ed25519KeyPair,
  encodeTransaction,
} from '@murmur/registry';
import type { JsonServiceNode, StateResponse } from '@murmur/registry/ledger-http';
import { bytesToHex, parseSeedResponse } from '@murmur/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  getJson,
  LedgerProcess,
  postJson,
  runWallet,
  type WalletRun,
  Workspace,
} from './support.js';

const COIN = 1_000_000_000n;
const PARAMS = {
  base: 'devnet',
  // The proof loop sends every 400 ms: a busy machine may stall it a few seconds, not 5.
  uptimeProofValidityMs: 5_000,
  uptimeProofMinGapMs: 300,
  // 150 blocks of 200 ms: a decommissioned node keeps its place for 30 s, so the test sees the
  // decommission and proves again before the credit runs out however slowly it gets there.
  decommissionCreditInitialBlocks: 150,
  decommissionMinimumCreditBlocks: 150,
  // Credit earned while active stops at the minimum: however long the node was active before
  // (a busy machine makes the earlier tests slower), a recommissioned node has less than the
  // minimum left, and its next failure deregisters it.
  decommissionCreditMaxBlocks: 150,
  deregistrationLockBlocks: 10,
};

interface NodeAnswer {
  height: number;
  node?: JsonServiceNode;
  history: { type: string; height: number; credit?: number; reason?: string }[];
}

interface WalletAnswer {
  balance: string;
  locked: string;
  nextNonce: number;
  lockedEntries: { node: string; kind: string; releaseHeight: number; amount: string }[];
}

const workspace = new Workspace();
let crypto: MurmurCrypto;
let ledger: LedgerProcess;
let chainId: string;
const wallets: Record<'op' | 'a' | 'b' | 'c', { file: string; address: string }> = {
  op: { file: '', address: '' },
  a: { file: '', address: '' },
  b: { file: '', address: '' },
  c: { file: '', address: '' },
};
let nodeKey: Ed25519KeyPair;
let node: string;
let nodeDir: string;

function wallet(name: keyof typeof wallets, ...args: string[]): Promise<WalletRun> {
  return runWallet([...args, '--wallet', wallets[name].file, '--ledger', ledger.url]);
}

function expectOk(run: WalletRun): void {
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
}

async function nodeAnswer(): Promise<NodeAnswer> {
  return getJson<NodeAnswer>(`${ledger.url}/node/${node}`);
}

async function walletAnswer(address: string): Promise<WalletAnswer> {
  return getJson<WalletAnswer>(`${ledger.url}/wallet/${address}`);
}

/** The test as the node: one uptime proof now. */
async function sendProof(): Promise<{ status: number; body: { reason?: string } }> {
  const proof = createUptimeProof(
    {
      chainId,
      ip: '127.0.0.1',
      storagePort: 22_021,
      relayPort: 22_022,
      version: [1, 0, 0],
      timestamp: Date.now(),
    },
    nodeKey,
    crypto,
  );
  return postJson<{ reason?: string }>(`${ledger.url}/tx`, encodeTransaction(proof));
}

/** The proofs the node sends from its activation until the decommission test stops them. */
let proving: { stop: () => Promise<void> } | undefined;

/** Sends proofs every 400 ms until `stop()`. */
function proofLoop(): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      const { status, body } = await sendProof();
      if (status !== 200 && body.reason !== 'uptime-proof-too-soon') {
        throw new Error(`uptime proof refused: ${JSON.stringify(body)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

async function faucet(address: string, coins: bigint): Promise<string> {
  const { status, body } = await postJson<{ id: string }>(`${ledger.url}/faucet`, {
    address,
    amount: String(coins * COIN),
  });
  expect(status).toBe(200);
  return body.id;
}

async function included(id: string): Promise<number> {
  return eventually(async () => {
    const status = await getJson<{ status: string; height?: number }>(`${ledger.url}/tx/${id}`);
    if (status.status === 'unknown') throw new Error(`transaction ${id} was dropped`);
    return status.status === 'included' ? status.height : undefined;
  }, `transaction ${id} in a block`);
}

function keyPair(): Ed25519KeyPair {
  return crypto.ed25519KeyPairFromSeed(crypto.randomBytes(32));
}

beforeAll(async () => {
  crypto = await loadCrypto();
  const paramsFile = join(workspace.dir, 'params.json');
  writeFileSync(paramsFile, JSON.stringify(PARAMS));
  ledger = await LedgerProcess.start(
    workspace,
    join(workspace.dir, 'ledger'),
    ['--params', paramsFile, '--block-time-ms', '200'],
    'ledger',
  );
  chainId = ledger.ready.chainId;
  // The node's key, in murmur-node's key file format.
  nodeDir = join(workspace.dir, 'node');
  mkdirSync(nodeDir);
  const seed = crypto.randomBytes(32);
  nodeKey = crypto.ed25519KeyPairFromSeed(seed);
  node = bytesToHex(nodeKey.publicKey);
  writeFileSync(
    join(nodeDir, 'key.json'),
    JSON.stringify({ version: 1, ed25519Seed: bytesToHex(seed), ed25519PublicKey: node }),
    { mode: 0o600 },
  );
});

afterAll(async () => {
  await proving?.stop();
  await ledger?.stop();
  workspace.cleanup();
});

describe('a node through its whole life on the real ledger process', () => {
  it('funds wallets made by the wallet command', async () => {
    workspace.watch();
    expect(ledger.ready).toMatchObject({ event: 'ledger-ready', created: true, height: 0 });
    const { params } = await getJson<{ params: Record<string, unknown> }>(`${ledger.url}/genesis`);
    expect(params).toMatchObject({
      blockTimeMs: 200,
      deregistrationLockBlocks: PARAMS.deregistrationLockBlocks,
      decommissionCreditMaxBlocks: PARAMS.decommissionCreditMaxBlocks,
      // Not in the file: the devnet set's 10 blocks of 1 s, scaled to 200 ms blocks.
      unlockBlocks: 50,
    });
    const created = await Promise.all(
      (Object.keys(wallets) as (keyof typeof wallets)[]).map(async (name) => {
        const file = join(workspace.dir, `${name}.json`);
        const run = await runWallet(['create', '--out', file]);
        expectOk(run);
        wallets[name] = { file, address: run.stdout.trim() };
        return run;
      }),
    );
    expect(created).toHaveLength(4);
    const funded = await Promise.all(
      (Object.keys(wallets) as (keyof typeof wallets)[]).map((name) =>
        wallet(name, 'faucet', '--amount', '100'),
      ),
    );
    for (const run of funded) expectOk(run);
    for (const { address } of Object.values(wallets)) {
      expect((await walletAnswer(address)).balance).toBe(String(100n * COIN));
    }
  });

  it('registers the node with 25% and a 10% fee; refuses an under-minimum contribution; three contributors fill it and it becomes active with a swarm', async () => {
    workspace.watch();
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
    expectOk(registered);
    expect(registered.stdout).toContain(node);
    const proofs = proofLoop();
    proving = proofs;
    try {
      const under = await wallet('a', 'contribute', '--node', node, '--amount', '1');
      expect(under.code).toBe(1);
      expect(under.stderr).toMatch(/refused: below-minimum-contribution/);
      expect(under.stderr).toMatch(/what to do:/);
      for (const name of ['a', 'b'] as const) {
        expectOk(await wallet(name, 'contribute', '--node', node, '--amount', '25'));
        expect((await nodeAnswer()).node?.status).toBe('awaiting-contributions');
      }
      expectOk(await wallet('c', 'contribute', '--node', node, '--amount', '25'));
      const answer = await nodeAnswer();
      expect(answer.node).toMatchObject({
        status: 'active',
        stake: String(100n * COIN),
        feeBasisPoints: 1_000,
        ip: '127.0.0.1',
        storagePort: 22_021,
        relayPort: 22_022,
      });
      expect(answer.node?.contributors.map((entry) => entry.address)).toEqual(
        [wallets.op, wallets.a, wallets.b, wallets.c].map((entry) => entry.address),
      );
      expect(answer.node?.swarmId).not.toBe('ffffffffffffffff');
      const state = await getJson<StateResponse>(`${ledger.url}/state?activeOnly=true`);
      expect(state.swarms).toEqual([{ id: answer.node?.swarmId, members: [node] }]);
      for (const name of ['op', 'a', 'b', 'c'] as const) {
        const info = await walletAnswer(wallets[name].address);
        expect(info.lockedEntries).toEqual([
          expect.objectContaining({ node, kind: 'staked', amount: String(25n * COIN) }),
        ]);
      }
      // The seed endpoint lists it as Session clients ask (no Content-Type).
      const seed = await fetch(`${ledger.url}/json_rpc`, {
        method: 'POST',
        body: JSON.stringify({
          method: 'get_n_service_nodes',
          params: {
            active_only: true,
            fields: { public_ip: true, storage_port: true, pubkey_ed25519: true, relay_port: true },
          },
        }),
      });
      expect(seed.headers.get('content-type')).toBe('application/json');
      expect(parseSeedResponse(await seed.text()).result.service_node_states).toEqual([
        { public_ip: '127.0.0.1', storage_port: 22_021, pubkey_ed25519: node, relay_port: 22_022 },
      ]);
    } catch (error) {
      await proofs.stop();
      throw error;
    }
    // The node keeps proving (as a live node would) until the decommission test stops it: if it
    // stopped here, it would be decommissioned and then run out of credit while the next test
    // runs, however long a busy machine makes that one.
  });

  it('refuses an 11th contributor, a wrong signature, double spending and a replay, with their reasons', async () => {
    workspace.watch();
    // A second node with 8 reserved spots (through the wallet command), one open slot.
    const reserved = Array.from({ length: 8 }, () => bytesToHex(keyPair().publicKey));
    const node2Seed = bytesToHex(crypto.randomBytes(32));
    const registered = await wallet(
      'op',
      'register',
      '--node-seed',
      node2Seed,
      '--stake',
      '25',
      '--fee',
      '0',
      ...reserved.flatMap((address) => ['--reserve', `${address}:1`]),
    );
    expectOk(registered);
    const node2 = registered.stdout.match(/registration of node ([0-9a-f]{64})/)?.[1] as string;
    const tenth = keyPair();
    const eleventh = keyPair();
    const spender = keyPair();
    const ids = await Promise.all(
      [tenth, eleventh, spender].map((pair) => faucet(bytesToHex(pair.publicKey), 100n)),
    );
    for (const id of ids) await included(id);
    const tenthTx = createContribution(
      { chainId, node: node2, amount: 67n * COIN, nonce: 1 },
      tenth,
      crypto,
    );
    expect((await postJson(`${ledger.url}/tx`, encodeTransaction(tenthTx))).status).toBe(200);
    const eleventhTx = createContribution(
      { chainId, node: node2, amount: COIN, nonce: 1 },
      eleventh,
      crypto,
    );
    const refused11 = await postJson(`${ledger.url}/tx`, encodeTransaction(eleventhTx));
    expect(refused11).toMatchObject({
      status: 400,
      body: { accepted: false, reason: 'too-many-contributors' },
    });
    expect((await nodeAnswer()).node).toBeDefined();

    // A wrong signature.
    const to = wallets.a.address;
    const transfer = (amount: bigint, nonce: number) =>
      createTransfer({ chainId, to, amount: amount * COIN, nonce }, spender, crypto);
    const signed = encodeTransaction(transfer(1n, 1)) as { signature: string };
    const forged = {
      ...signed,
      signature: `${signed.signature.slice(0, -2)}${signed.signature.endsWith('00') ? '01' : '00'}`,
    };
    expect(await postJson(`${ledger.url}/tx`, forged)).toMatchObject({
      status: 400,
      body: { reason: 'bad-signature' },
    });

    // Double spending: 70 of 100 coins twice, with the next nonce and with the same nonce.
    const first = await postJson<{ id: string }>(
      `${ledger.url}/tx`,
      encodeTransaction(transfer(70n, 1)),
    );
    expect(first.status).toBe(200);
    expect(await postJson(`${ledger.url}/tx`, encodeTransaction(transfer(70n, 2)))).toMatchObject({
      status: 400,
      body: { reason: 'insufficient-funds' },
    });
    const sameNonce = createTransfer(
      { chainId, to: wallets.b.address, amount: 70n * COIN, nonce: 1 },
      spender,
      crypto,
    );
    expect(await postJson(`${ledger.url}/tx`, encodeTransaction(sameNonce))).toMatchObject({
      status: 400,
      body: { reason: 'bad-nonce' },
    });

    // A replay of the included transfer.
    await included(first.body.id);
    const replay = await postJson<{ message: string }>(
      `${ledger.url}/tx`,
      encodeTransaction(transfer(70n, 1)),
    );
    expect(replay).toMatchObject({ status: 400, body: { reason: 'bad-nonce' } });
    expect(replay.body.message).toMatch(/replay/);
    // The wallet command refuses a transfer beyond the balance too, and says why.
    const tooMuch = await wallet('a', 'transfer', '--to', wallets.b.address, '--amount', '1000');
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.stderr).toMatch(/refused: insufficient-funds/);
  });

  it('stops proving and is decommissioned; proves again and is recommissioned; fails for good and is deregistered; its stakes stay locked, then return', async () => {
    workspace.watch();
    // The node stops proving: decommissioned once its last proof is 5 s old.
    await proving?.stop();
    proving = undefined;
    const down = await eventually(
      async () => {
        const answer = await nodeAnswer();
        return answer.node?.status === 'decommissioned' ? answer : undefined;
      },
      'the decommission',
      60_000,
    );
    expect(down.node?.swarmId).toBe('ffffffffffffffff');
    expect(down.history.map((event) => event.type).slice(-2)).toEqual([
      'proof-missed',
      'decommissioned',
    ]);
    const creditAtDecommission = down.history.at(-1)?.credit as number;
    expect(creditAtDecommission).toBeGreaterThanOrEqual(PARAMS.decommissionMinimumCreditBlocks);
    expect((await getJson<StateResponse>(`${ledger.url}/state?activeOnly=true`)).nodes).toEqual([]);

    // It comes back: a proof recommissions it (before its credit runs out), and it keeps
    // proving until the test has seen it active (else it would be deregistered 5 s after that
    // proof, and a slow look would find it gone).
    const proof = await sendProof();
    expect(proof.status).toBe(200);
    const again = proofLoop();
    let back: NodeAnswer;
    try {
      back = await eventually(
        async () => {
          const answer = await nodeAnswer();
          return answer.node?.status === 'active' ? answer : undefined;
        },
        'the recommission',
        60_000,
      );
    } finally {
      await again.stop();
    }
    const recommissioned = back.history.at(-1);
    expect(recommissioned?.type).toBe('recommissioned');
    expect(back.node?.swarmId).not.toBe('ffffffffffffffff');
    // Credit after: what it had minus twice the blocks it was down, now below the minimum.
    expect(back.node?.credit).toBeLessThan(PARAMS.decommissionMinimumCreditBlocks);

    // It fails for good: without enough credit it is deregistered, not decommissioned.
    const gone = await eventually(
      async () => {
        const answer = await nodeAnswer();
        return answer.node === undefined ? answer : undefined;
      },
      'the deregistration',
      60_000,
    );
    const deregistered = gone.history.at(-1);
    expect(gone.history.map((event) => event.type).slice(-2)).toEqual([
      'proof-missed',
      'deregistered',
    ]);
    const releaseHeight = (deregistered?.height as number) + PARAMS.deregistrationLockBlocks;
    for (const name of ['op', 'a', 'b', 'c'] as const) {
      const info = await walletAnswer(wallets[name].address);
      expect(info.lockedEntries.filter((entry) => entry.node === node)).toEqual([
        expect.objectContaining({
          node,
          kind: 'deregistered',
          releaseHeight,
          amount: String(25n * COIN),
        }),
      ]);
    }
    // The wallet command shows the lock while the chain is below the release height; on a busy
    // machine the chain may have passed it by the time the command runs (blocks are short here),
    // and then the stake shows as returned. Either way what it prints must match its height.
    const balance = await wallet('b', 'balance');
    const shownHeight = Number(/^height\s+(\d+)/m.exec(balance.stdout)?.[1]);
    expect(Number.isInteger(shownHeight)).toBe(true);
    if (shownHeight < releaseHeight) {
      expect(balance.stdout).toMatch(
        new RegExp(`deregistered: locked until height ${releaseHeight}`),
      );
    } else {
      expect(balance.stdout).toMatch(/^locked\s+0$/m);
    }

    // … and returns at the release height.
    await eventually(
      async () => {
        const answer = await nodeAnswer();
        return answer.history.at(-1)?.type === 'stake-released' ? answer : undefined;
      },
      'the stake release',
      60_000,
    );
    for (const name of ['op', 'a', 'b', 'c'] as const) {
      const info = await walletAnswer(wallets[name].address);
      expect(info.lockedEntries.filter((entry) => entry.node === node)).toEqual([]);
      // The operator still has its stake in the second node; the others have nothing locked.
      expect(info.locked).toBe(name === 'op' ? String(25n * COIN) : '0');
    }
    // Each contributor has its 25 back (plus its share of the rewards the node earned).
    expect(BigInt((await walletAnswer(wallets.c.address)).balance)).toBeGreaterThanOrEqual(
      100n * COIN,
    );
    const history = (await nodeAnswer()).history.map((event) => event.type);
    expect(history).toEqual([
      'registered',
      'contribution',
      'contribution',
      'contribution',
      'activated',
      'proof-missed',
      'decommissioned',
      'recommissioned',
      'proof-missed',
      'deregistered',
      'stake-released',
    ]);
    const nodeView = await wallet('a', 'node', node);
    expect(nodeView.stdout).toMatch(/status {6}gone \(stake-released/);
    // Hang guard for the whole life (each wait is its own 60 s guard; a busy machine is slow).
  }, 180_000);

  it('stops cleanly on SIGTERM', async () => {
    workspace.watch();
    ledger.kill('SIGTERM');
    expect(await ledger.waitForExit(10_000)).toBe(true);
    expect(ledger.exitCode).toBe(0);
  });
});
