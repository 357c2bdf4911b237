/**
 * Session Protocol V2 benchmark (`pnpm --filter @murmur/bench run bench:v2`; build @murmur/wire
 * and @murmur/crypto first). Per message, encrypt + decrypt (the receiver holds its current and
 * one retired account key, as after a rotation): v1 (the Session-padded content sealed to the
 * long-term key), V2 with PFS and V2 no-PFS, on the native backend and the wasm backend, with
 * ML-KEM-768 from libsodium (the default) and from @noble/post-quantum, all in the same run.
 * Target: V2 encrypt + decrypt ≤ 3× v1 on the same backend.
 *
 * Each cell: a warm-up, then ROUNDS rounds of ROUND_MS, interleaved across cells (order
 * alternating) so the shared machine's noise hits them alike; µs per message of this process's
 * CPU time, the median over rounds; the ratio is the median of the per-round ratios to v1.
 * It also prints message sizes for several content sizes (v1 padded + sealed, V2).
 *
 * Options: `--rounds N` (default 9), `--round-ms N` (default 300), `--size N` content bytes
 * (default 1024).
 */
import { arch, cpus, platform } from 'node:os';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { numberOption } from './args.js';
import { median } from './stats.js';

const ROUNDS = numberOption('rounds', 9);
const ROUND_MS = numberOption('round-ms', 300);
const SIZE = numberOption('size', 1024);

let sink = 0;
function consume(value: { length: number }): void {
  sink = (sink + value.length) | 0;
}

/** µs of CPU per call of `operation`, run for about `ms` of wall time. */
function run(operation: () => void, ms: number): number {
  const cpuStart = process.cpuUsage();
  const end = performance.now() + ms;
  let count = 0;
  while (performance.now() < end) {
    operation();
    count++;
  }
  const cpu = process.cpuUsage(cpuStart);
  return (cpu.user + cpu.system) / count;
}

interface Cell {
  name: string;
  operation: () => void;
}

function cellsFor(label: string, crypto: MurmurCrypto, content: Uint8Array): Cell[] {
  const alice = crypto.generateIdentity();
  const bob = crypto.generateIdentity();
  const retired = crypto.generateAccountKeys();
  const current = crypto.generateAccountKeys();
  const accountKeys = [current, retired];
  const published = crypto.decodeAccountKeyBundle(
    crypto.encodeAccountKeyBundle(
      {
        mlkem768PublicKey: current.mlkem768.publicKey,
        x25519PublicKey: current.x25519.publicKey,
        created: Math.floor(Date.now() / 1000),
      },
      bob,
    ),
    bob.sessionId,
  );
  return [
    {
      name: `${label} v1`,
      operation: () => {
        const sealed = crypto.encryptForRecipient(crypto.padMessage(content), alice, bob.sessionId);
        consume(crypto.unpadMessage(crypto.decryptIncoming(sealed, bob).plaintext));
      },
    },
    {
      name: `${label} V2`,
      operation: () => {
        const sealed = crypto.encryptV2(content, alice, bob.sessionId, published);
        consume(crypto.decryptIncoming(sealed, bob, { accountKeys }).plaintext);
      },
    },
    {
      name: `${label} V2 no-PFS`,
      operation: () => {
        const sealed = crypto.encryptV2NoPfs(content, alice, bob.sessionId);
        consume(crypto.decryptIncoming(sealed, bob, { accountKeys }).plaintext);
      },
    },
  ];
}

async function main(): Promise<void> {
  const variants = [
    ['native/libsodium', await loadCrypto({ backend: 'native', mlkem: 'libsodium' })],
    ['native/noble', await loadCrypto({ backend: 'native', mlkem: 'noble' })],
    ['wasm/libsodium', await loadCrypto({ backend: 'wasm', mlkem: 'libsodium' })],
    ['wasm/noble', await loadCrypto({ backend: 'wasm', mlkem: 'noble' })],
  ] as const;
  const content = new Uint8Array(SIZE).fill(0x61);
  console.log(
    `# Session Protocol V2 vs v1: ${SIZE}-byte content, encrypt + decrypt per message, µs of CPU, median of ${ROUNDS} rounds of ${ROUND_MS} ms`,
  );
  console.log(
    `# ${platform()} ${arch()}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}`,
  );
  for (const [label, crypto] of variants) {
    const cells = cellsFor(label, crypto, content);
    for (const cell of cells) run(cell.operation, ROUND_MS / 2);
    const times = new Map<string, number[]>(cells.map((cell) => [cell.name, []]));
    const ratios = new Map<string, number[]>(cells.map((cell) => [cell.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? cells : [...cells].reverse();
      const measured = new Map<string, number>();
      for (const cell of order) measured.set(cell.name, run(cell.operation, ROUND_MS));
      const v1 = measured.get(cells[0]?.name as string) as number;
      for (const cell of cells) {
        const time = measured.get(cell.name) as number;
        times.get(cell.name)?.push(time);
        ratios.get(cell.name)?.push(time / v1);
      }
    }
    for (const cell of cells) {
      const time = median(times.get(cell.name) as number[]);
      const ratio = median(ratios.get(cell.name) as number[]);
      console.log(
        `${cell.name.padEnd(28)} ${time.toFixed(0).padStart(6)} µs   ${ratio.toFixed(2)}× v1`,
      );
    }
  }
  const [, crypto] = variants[0];
  const alice = crypto.generateIdentity();
  const bob = crypto.generateIdentity();
  const keys = crypto.generateAccountKeys();
  const published = {
    mlkem768PublicKey: keys.mlkem768.publicKey,
    x25519PublicKey: keys.x25519.publicKey,
  };
  console.log(
    '# message size (bytes): content → v1 (padded, sealed) / V2 / overhead of V2 over v1',
  );
  for (const size of [0, 100, 400, 1024, 4096, 16384]) {
    const data = new Uint8Array(size);
    const v1 = crypto.encryptForRecipient(crypto.padMessage(data), alice, bob.sessionId).length;
    const v2 = crypto.encryptV2(data, alice, bob.sessionId, published).length;
    console.log(
      `${String(size).padStart(6)} → ${String(v1).padStart(6)} / ${String(v2).padStart(6)} / +${v2 - v1}`,
    );
  }
  const bundle = crypto.encodeAccountKeyBundle({ ...published, created: 0 }, bob).length;
  console.log(`# account-key bundle: ${bundle} bytes (sink ${sink})`);
}

await main();
