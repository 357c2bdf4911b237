/**
 * Registry-backed nodes for the overload benchmark (issue 10: "uptime proofs missed (target:
 * none)"): a devnet ledger (`startLedger` of `@murmur/devnet`, the devnet parameter set: a proof
 * every 5 s, valid 11 s, 1 s blocks) in a child process of its own, so that the benchmark's
 * busy client loop cannot delay the ledger and make a proof look missed. Each node is
 * registered on it by one operator and started with `--ledger-url`, so its proof timer really
 * runs and the ledger judges it. {@link ProofLedger.figures} reports, for a window (a flood), the
 * node's proofs the ledger accepted against the proofs its interval asks for, and the ledger's
 * own `proof-missed`, `decommissioned` and `deregistered` events.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCrypto } from '@murmur/crypto';
import { startLedger } from '@murmur/devnet';
import {
  ATOMIC_UNITS_PER_COIN as COIN,
  createRegistration,
  getNode,
  nodeHistory,
} from '@murmur/registry';
import { loadNodeKeyFile, NODE_KEY_FILE_NAME } from '@murmur/registry/key-files';
import { initLocalNode, type LocalNode, startLocalNode } from '@murmur/service-node/local';
import { bytesToHex, sleep } from '@murmur/wire';

/** A node's lapses as the ledger records them. */
const LAPSES = new Set(['proof-missed', 'decommissioned', 'deregistered']);
const CHILD_FLAG = '--uptime-proof-ledger';

/** The ledger and what it saw. */
export interface ProofLedger {
  readonly url: string;
  /** Initialises, registers and starts a node of `program`; resolves once the node is active. */
  startNode(
    program: string,
    dataDir: string,
    options?: NodeOptions,
  ): Promise<LocalNode & { ed25519: string }>;
  /** The node's proofs in [from, to] (`Date.now()` times): accepted, expected, lapses since `from`. */
  figures(ed25519: string, from: number, to: number): Promise<Record<string, string>>;
  close(): void;
}

/** How a node is started besides following the ledger. */
export interface NodeOptions {
  /** Plain HTTP (the default here) or the nodes' default HTTPS. */
  plainHttp?: boolean;
  /** Extra flags for the node's `start`. */
  args?: readonly string[];
}

type Ask =
  | { op: 'register'; dataDir: string }
  | { op: 'ip'; node: string }
  | { op: 'figures'; node: string; from: number; to: number };
type Request = Ask & { id: number };

/** Starts the ledger process (its files under `work`). */
export async function startProofLedger(work: string): Promise<ProofLedger> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, work], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (value: unknown) => void>();
  let next = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ledger process exited (${code})`)));
    child.on('message', (message: { id?: number; url?: string; value?: unknown }) => {
      if (message.url !== undefined) resolve(message.url);
      else if (message.id !== undefined) pending.get(message.id)?.(message.value);
    });
  });
  const ask = <T>(request: Ask): Promise<T> =>
    new Promise((resolve) => {
      next += 1;
      pending.set(next, resolve as (value: unknown) => void);
      child.send({ ...request, id: next });
    });

  return {
    url,
    async startNode(program, dataDir, options = {}) {
      const { ed25519 } = initLocalNode({ dataDir, program });
      const refused = await ask<string | undefined>({ op: 'register', dataDir });
      if (refused !== undefined) throw new Error(`registration refused: ${refused}`);
      const node = await startLocalNode({
        dataDir,
        program,
        listen: '0.0.0.0',
        // Plain HTTP unless asked (nodes serve HTTPS by default since issue 9).
        plainHttp: options.plainHttp ?? true,
        stderr: 'inherit',
        args: ['--ledger-url', url, '--public-ip', '127.0.0.1', ...(options.args ?? [])],
      });
      // Active, with the address of its first proof.
      for (let waited = 0; (await ask<string>({ op: 'ip', node: ed25519 })) !== '127.0.0.1'; ) {
        waited += 1;
        if (waited > 300) throw new Error('the node did not send its first uptime proof in 30 s');
        await sleep(100);
      }
      return Object.assign(node, { ed25519 });
    },
    figures: (node, from, to) => ask({ op: 'figures', node, from, to }),
    close: () => child.kill('SIGKILL'),
  };
}

/** The child: the ledger, answering the parent's requests. */
async function runLedgerChild(work: string): Promise<void> {
  const crypto = await loadCrypto();
  const operator = crypto.ed25519KeyPairFromSeed(crypto.randomBytes(32));
  const operatorAddress = bytesToHex(operator.publicKey);
  const running = await startLedger(
    {
      dir: mkdtempSync(join(work, 'ledger-')),
      port: 0,
      allocations: [{ address: operatorAddress, amount: 1_000_000n * COIN }],
    },
    { crypto },
  );
  const { ledger } = running;
  const { params, chainId } = ledger.genesis;
  const proofs = new Map<string, number[]>();
  ledger.subscribe(({ block }) => {
    for (const tx of block.transactions) {
      if (tx.type !== 'uptime-proof') continue;
      const times = proofs.get(tx.node) ?? [];
      times.push(block.timestamp);
      proofs.set(tx.node, times);
    }
  });
  const answer = (id: number, value: unknown) => process.send?.({ id, value });
  process.on('message', (request: Request) => {
    if (request.op === 'register') {
      const { result } = ledger.submit(
        createRegistration(
          {
            chainId,
            feeBasisPoints: 0,
            operatorStake: params.stakingRequirement,
            nonce: ledger.nextNonce(operatorAddress),
          },
          {
            node: loadNodeKeyFile(crypto, join(request.dataDir, NODE_KEY_FILE_NAME)).ed25519,
            operator,
          },
          crypto,
        ),
      );
      answer(request.id, result.accepted ? undefined : result.message);
    } else if (request.op === 'ip') {
      answer(request.id, getNode(ledger.state, request.node)?.ip);
    } else {
      const { node, from, to } = request;
      const accepted = (proofs.get(node) ?? []).filter((t) => t >= from && t <= to).length;
      const expected = Math.floor((to - from) / params.uptimeProofIntervalMs);
      const lapses = nodeHistory(ledger.state, node).filter(
        (event) => LAPSES.has(event.type) && event.timestamp >= from,
      );
      answer(request.id, {
        'uptime proofs accepted / expected': `${accepted} / ${expected}`,
        'proofs missed (ledger events)':
          lapses.length === 0 ? 'none' : lapses.map((event) => event.type).join(', '),
      });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ url: running.url });
}

if (process.argv[2] === CHILD_FLAG) await runLedgerChild(process.argv[3] as string);
