/**
 * Client benchmark (`pnpm --filter @murmur/bench run bench:client`): send → receive latency
 * between two `@murmur/client` clients on a local network of real processes (the devnet ledger
 * and murmur-node service nodes, started by `@murmur/testnet` on loopback, one /24 per node),
 * with polling at the client's default interval. Every request goes through a 3-hop onion path.
 *
 * Build first: `pnpm build` (or `pnpm exec turbo run build --filter @murmur/bench...`).
 *
 * Flags: `--messages N` (default 40), `--nodes N` (default 8), `--poll-interval MS` (default: the
 * client's `DEFAULT_POLL_INTERVAL_MS`).
 *
 * For each message: wait a random time below one poll interval (so that sends fall anywhere in
 * the recipient's poll cycle: the previous message arrived just after one of its polls),
 * `sendMessage`, then time until the recipient's `message` event (send → receive) and until the
 * sender's outbox reports it stored (send → stored, the baseline measured in the same run: what
 * the network itself costs before the recipient can see the message). Prints p50 / p90 / p99 /
 * max and the ratio of the p50 to the 1.5 s target.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClient, createMemoryStorage, DEFAULT_POLL_INTERVAL_MS } from '@murmur/client';
import { loadCrypto } from '@murmur/crypto';
import { devnetPrograms } from '@murmur/devnet';
import { startTestnet } from '@murmur/testnet';
import { positiveInteger, scriptArgs } from './args.js';
import { percentile } from './stats.js';

const TARGET_P50_MS = 1_500;

const { values } = parseArgs({
  args: scriptArgs(),
  options: {
    messages: { type: 'string', default: '40' },
    nodes: { type: 'string', default: '8' },
    'poll-interval': { type: 'string' },
  },
});
const messages = positiveInteger('--messages', values.messages);
const nodes = positiveInteger('--nodes', values.nodes);
const pollIntervalMs =
  values['poll-interval'] === undefined
    ? DEFAULT_POLL_INTERVAL_MS
    : positiveInteger('--poll-interval', values['poll-interval']);

function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}

const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-client-'));
const started = performance.now();
const testnet = await startTestnet({
  // The built murmur-devnet and murmur-node, by the bin names their apps declare.
  programs: devnetPrograms(),
  dir: join(dir, 'net'),
  nodes,
  blockTimeMs: 250,
  pooledEvery: 0,
  fresh: true,
});
try {
  await testnet.waitForActive();
  const swarms = await testnet.swarms();
  console.log(
    `testnet: ${nodes} nodes in ${swarms.size} swarm(s), up in ${ms(performance.now() - started)}`,
  );

  const crypto = await loadCrypto();
  const make = () =>
    createClient(
      { seeds: [testnet.seedUrl], pollIntervalMs },
      { crypto, storage: createMemoryStorage() },
    );
  const alice = make();
  const bob = make();
  await alice.account.create();
  await bob.account.create();
  const arrivals = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  bob.on('message', (message) => {
    arrivals.set(message.id, performance.now());
    waiting.get(message.id)?.();
  });
  await Promise.all([alice.start(), bob.start()]);
  await Promise.all([
    alice.whenReady({ signal: AbortSignal.timeout(60_000) }),
    bob.whenReady({ signal: AbortSignal.timeout(60_000) }),
  ]);
  const bobId = bob.sessionId as string;

  const sendOne = async (text: string): Promise<{ received: number; stored: number }> => {
    const start = performance.now();
    const { id } = await alice.sendMessage(bobId, text);
    // Bob sees the storage hash: the first message is held while Bob's forward-secrecy keys are
    // fetched (the warm-up covers it), so its local ID is not its hash.
    const { hash } = await alice.waitForDelivery(id, { signal: AbortSignal.timeout(60_000) });
    const stored = performance.now() - start;
    const arrived = new Promise<void>((resolve, reject) => {
      if (arrivals.has(hash)) resolve();
      waiting.set(hash, resolve);
      setTimeout(() => reject(new Error(`message ${hash} not received within 60 s`)), 60_000);
    });
    await arrived;
    waiting.delete(hash);
    return { received: (arrivals.get(hash) as number) - start, stored };
  };

  for (let i = 0; i < 3; i++) await sendOne(`warm-up ${i}`);

  const received: number[] = [];
  const stored: number[] = [];
  for (let i = 0; i < messages; i++) {
    // A random phase: the previous message arrived just after one of Bob's polls.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * pollIntervalMs));
    const sample = await sendOne(`message ${i}`);
    received.push(sample.received);
    stored.push(sample.stored);
  }
  await Promise.all([alice.stop(), bob.stop()]);

  const p50 = percentile(received, 50);
  console.log(
    `\nsend → receive, ${messages} messages, poll interval ${pollIntervalMs} ms, 3-hop onion paths:`,
  );
  console.log('| measure | p50 | p90 | p99 | max |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, list] of [
    ['send → receive', received],
    ['send → stored (baseline)', stored],
  ] as const) {
    console.log(
      `| ${name} | ${ms(percentile(list, 50))} | ${ms(percentile(list, 90))} | ${ms(percentile(list, 99))} | ${ms(Math.max(...list))} |`,
    );
  }
  console.log(`\nratio p50 / target (${TARGET_P50_MS} ms): ${(p50 / TARGET_P50_MS).toFixed(2)}`);
  console.log(
    `ratio p50 send → receive / p50 send → stored: ${(p50 / percentile(stored, 50)).toFixed(2)}`,
  );
} finally {
  await testnet.stop();
  rmSync(dir, { recursive: true, force: true });
}
