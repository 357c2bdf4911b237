/**
 * Fuzzing real `murmur-relay` processes over their WebSocket (issue 10, circuit cells): three
 * relays on loopback (node dist/cli.js start, a static network file, a stand-in for the exit's
 * node), a real 3-hop circuit built first, then cases of fuzzed cells sent on fresh client links
 * to the guard and the middle relay: cells biased to the edges (real cells with a few bytes set
 * to edge values, sparse cells, random bytes, wrong lengths, text frames), sometimes after a real
 * HELLO and a CREATE with the relay's own keys, so that fuzzed RELAY cells reach a live circuit.
 *
 * What must hold: no relay exits (0 crashes), `/health` answers 200 throughout, and the circuit
 * built first still answers PING and a DATA request afterwards (other circuits unaffected).
 * In `npm test` a seed-fixed run of 2,000 cases; the long run (`pnpm run fuzz` at the root, or
 * `pnpm --filter @murmur/relay run fuzz`) sets MURMUR_FUZZ_CASES (100,000 there) and prints cases,
 * crashes and 5xx counts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CellSink,
  type Circuit,
  type CircuitBuilder,
  type CircuitRelay,
  createCircuitBuilder,
} from '@murmur/circuits';
import { CELL_BODY_LENGTH, CELL_LENGTH, encodeCell, HTYPE_NTOR } from '@murmur/circuits/relay';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { writeSecretJson } from '@murmur/registry/key-files';
import { bytesToHex, hexToBytes } from '@murmur/wire';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');
const { MURMUR_FUZZ_CASES, MURMUR_FUZZ_SEED } = process.env;
const longRun = MURMUR_FUZZ_CASES !== undefined;
const SEED = Number(MURMUR_FUZZ_SEED ?? 20_261_207);
const CASES = longRun ? Number(MURMUR_FUZZ_CASES) : 2_000;
/** Links open at once. */
const CONCURRENCY = 8;

interface Proc {
  child: ChildProcess;
  info: CircuitRelay;
}

let crypto: MurmurCrypto;
const procs: Proc[] = [];
let upstream: Server;
let builder: CircuitBuilder;
let circuit: Circuit;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

function connect(relay: CircuitRelay, sink: CellSink) {
  return new Promise<{ send(cell: Uint8Array): void; close(): void }>((done, fail) => {
    const socket = new WebSocket(`ws://${relay.ip}:${relay.port}/`);
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer) => sink.receive(new Uint8Array(data)));
    socket.on('close', () => sink.closed());
    socket.once('error', fail);
    socket.once('open', () =>
      done({ send: (cell) => socket.send(cell), close: () => socket.close() }),
    );
  });
}

beforeAll(async () => {
  crypto = await loadCrypto();
  upstream = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ messages: [], hf: [19, 3] }));
    });
  });
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', () => done()));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const dirs: string[] = [];
  const nodes: { ed25519: string; ip: string; relayPort: number }[] = [];
  const infos: CircuitRelay[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = mkdtempSync(join(tmpdir(), `murmur-relay-fuzz-${i}-`));
    const seed = crypto.randomBytes(32);
    const identity = crypto.identityFromSeed(seed);
    writeSecretJson(
      join(dir, 'key.json'),
      {
        version: 1,
        ed25519Seed: bytesToHex(seed),
        ed25519PublicKey: bytesToHex(identity.ed25519.publicKey),
      },
      'node key file',
    );
    const port = await freePort();
    dirs.push(dir);
    nodes.push({
      ed25519: bytesToHex(identity.ed25519.publicKey),
      ip: '127.0.0.1',
      relayPort: port,
    });
    infos.push({
      ed25519: bytesToHex(identity.ed25519.publicKey),
      x25519: bytesToHex(identity.x25519.publicKey),
      ip: '127.0.0.1',
      port,
    });
  }
  const networkFile = join(dirs[0] as string, 'network.json');
  writeFileSync(networkFile, JSON.stringify({ nodes }));
  for (const [i, dir] of dirs.entries()) {
    const child = spawn(
      process.execPath,
      [
        cli,
        'start',
        '--data-dir',
        dir,
        '--host',
        '127.0.0.1',
        '--port',
        String(infos[i]?.port),
        '--network-file',
        networkFile,
        '--node-url',
        upstreamUrl,
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stderr?.resume();
    await new Promise<void>((done, fail) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.length > 100_000) out = out.slice(-1_000);
        if (out.includes('"ready":true')) done();
      });
      child.once('exit', (code) => fail(new Error(`relay ${i} exited with ${code}`)));
    });
    procs.push({ child, info: infos[i] as CircuitRelay });
  }
  builder = createCircuitBuilder({}, { crypto, connect });
  circuit = await builder.build([procs[0]?.info, procs[1]?.info, procs[2]?.info] as [
    CircuitRelay,
    CircuitRelay,
    CircuitRelay,
  ]);
  await circuit.ping();
}, 120_000);

afterAll(async () => {
  builder?.close();
  for (const proc of procs) proc.child.kill('SIGKILL');
  await new Promise<void>((done) => (upstream ? upstream.close(() => done()) : done()));
});

// ---------------------------------------------------------------------------------------------
// Inputs

/** `length` pseudo-random bytes from `seed` (xorshift32; fast-check drawing each is too slow). */
function bytesFrom(seed: number, length: number): Uint8Array {
  let x = seed | 0 || 0x9e37_79b9;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const edgeByte = fc.oneof(
  fc.constantFrom(0, 1, 0x7f, 0x80, 0xff),
  fc.integer({ min: 0, max: 255 }),
);
const circIdArb = fc.oneof(
  fc.constantFrom(0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff),
  fc.integer({ min: 0, max: 0xffff_ffff }),
);

/** One fuzzed message: the bytes (or text) and whether it goes on the case's live circuit. */
interface FuzzCell {
  kind: 'real' | 'sparse' | 'random' | 'length' | 'text';
  command: number;
  circId: number;
  onCircuit: boolean;
  seed: number;
  writes: [number, number][];
}

const cellArb: fc.Arbitrary<FuzzCell> = fc.record({
  kind: fc.constantFrom('real', 'real', 'sparse', 'sparse', 'random', 'length', 'text'),
  command: fc.oneof(fc.integer({ min: 0, max: 7 }), edgeByte),
  circId: circIdArb,
  onCircuit: fc.boolean(),
  seed: fc.integer(),
  writes: fc.array(
    fc.tuple(
      fc.oneof(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: CELL_LENGTH - 1 })),
      edgeByte,
    ),
    { maxLength: 3 },
  ),
});

interface FuzzCase {
  /** none: fuzz from the first message; hello: after a real HELLO; create: and a real CREATE. */
  prefix: 'none' | 'hello' | 'create';
  target: 0 | 1;
  cells: FuzzCell[];
}

const caseArb: fc.Arbitrary<FuzzCase> = fc.record({
  prefix: fc.constantFrom('none', 'hello', 'create', 'create'),
  target: fc.constantFrom(0, 1),
  cells: fc.array(cellArb, { minLength: 1, maxLength: 4 }),
});

/** A real cell of the command (when it has one) to mutate. */
function realCell(command: number, circId: number, seed: number, target: CircuitRelay): Uint8Array {
  const link = circId === 0 ? 1 : circId;
  switch (command % 7) {
    case 0:
      return encodeCell({ type: 'PADDING', circId: 0 });
    case 1:
      return encodeCell({
        type: 'CREATE',
        circId: link,
        hop: 1 + (seed & 1),
        htype: HTYPE_NTOR,
        id: hexToBytes(target.ed25519),
        b: hexToBytes(target.x25519),
        x: bytesFrom(seed, 32),
      });
    case 2:
      return encodeCell({
        type: 'CREATED',
        circId: link,
        y: bytesFrom(seed, 32),
        auth: bytesFrom(seed + 1, 32),
      });
    case 3:
      return encodeCell({ type: 'RELAY', circId: link, body: bytesFrom(seed, CELL_BODY_LENGTH) });
    case 4:
      return encodeCell({ type: 'DESTROY', circId: link, reason: seed & 0xff });
    case 5:
      return encodeCell({
        type: 'HELLO',
        circId: 0,
        version: seed & 3,
        nonce: bytesFrom(seed, 32),
      });
    default:
      return encodeCell({
        type: 'AUTH',
        circId: 0,
        ed25519: bytesFrom(seed, 32),
        signature: bytesFrom(seed + 1, 64),
      });
  }
}

function messageOf(cell: FuzzCell, live: number, target: CircuitRelay): Uint8Array | string {
  const circId = cell.onCircuit && live !== 0 ? live : cell.circId;
  let bytes: Uint8Array;
  switch (cell.kind) {
    case 'text':
      return Buffer.from(bytesFrom(cell.seed, 64)).toString('latin1');
    case 'length':
      return bytesFrom(cell.seed, [0, 1, 5, CELL_LENGTH - 1][cell.seed & 3] as number);
    case 'random':
      bytes = bytesFrom(cell.seed, CELL_LENGTH);
      bytes[4] = cell.command;
      break;
    case 'sparse':
      bytes = new Uint8Array(CELL_LENGTH);
      bytes[4] = cell.command;
      break;
    default:
      bytes = realCell(cell.command, circId, cell.seed, target);
  }
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(0, circId);
  for (const [at, value] of cell.writes) bytes[at] = value;
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Running the cases

/** Runs one case on a fresh link; resolves when the link is closed. */
function runCase(fuzzCase: FuzzCase): Promise<void> {
  const target = procs[fuzzCase.target]?.info as CircuitRelay;
  return new Promise((done) => {
    const socket = new WebSocket(`ws://127.0.0.1:${target.port}/`);
    const guard = setTimeout(() => socket.terminate(), 10_000);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(guard);
      done();
    });
    socket.once('open', () => {
      let live = 0;
      if (fuzzCase.prefix !== 'none') {
        socket.send(
          encodeCell({ type: 'HELLO', circId: 0, version: 1, nonce: crypto.randomBytes(32) }),
        );
      }
      if (fuzzCase.prefix === 'create') {
        // A CircID the client side allocates (top bit set).
        live = (0x8000_0000 | ((fuzzCase.cells[0]?.seed ?? 1) & 0x7fff_ffff)) >>> 0;
        socket.send(
          encodeCell({
            type: 'CREATE',
            circId: live,
            hop: fuzzCase.target + 1,
            htype: HTYPE_NTOR,
            id: hexToBytes(target.ed25519),
            b: hexToBytes(target.x25519),
            x: crypto.generateIdentity().x25519.publicKey,
          }),
        );
      }
      for (const cell of fuzzCase.cells) socket.send(messageOf(cell, live, target));
      socket.close();
    });
  });
}

interface Report {
  cases: number;
  crashes: number;
  fiveHundreds: number;
  healthChecks: number;
}

async function healthy(report: Report): Promise<void> {
  for (const proc of procs) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      report.crashes += 1;
      continue;
    }
    report.healthChecks += 1;
    const status = await fetch(`http://127.0.0.1:${proc.info.port}/health`)
      .then((r) => r.status)
      .catch(() => 0);
    if (status !== 200) report.fiveHundreds += 1;
  }
}

describe('fuzz: murmur-relay processes over their WebSocket', () => {
  it('survive fuzzed cells: 0 crashes, /health 200 throughout, the circuit built before still works', {
    timeout: longRun ? 24 * 3_600_000 : 300_000,
  }, async () => {
    const report: Report = { cases: 0, crashes: 0, fiveHundreds: 0, healthChecks: 0 };
    // Cases are drawn in chunks (a long run's inputs are not held at once), each chunk from
    // the seed and its index: the same inputs every run.
    const chunk = 1_000;
    for (let start = 0; start < CASES; start += chunk) {
      const batch = fc.sample(caseArb, {
        seed: SEED + start,
        numRuns: Math.min(chunk, CASES - start),
      });
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < batch.length) {
            const fuzzCase = batch[next] as FuzzCase;
            next += 1;
            await runCase(fuzzCase);
            report.cases += 1;
          }
        }),
      );
      await healthy(report);
    }
    await healthy(report);
    // The circuit built before the fuzzing still carries a PING and a request to the exit.
    await circuit.ping();
    const answer = await circuit.request({
      method: 'retrieve',
      params: { pubkey: '05ab', max_size: 1_000 },
    });
    console.log(
      `fuzz relay cells: ${report.cases} cases, ${report.crashes} crashes, ${report.fiveHundreds} 5xx (of ${report.healthChecks} /health checks)`,
    );
    expect(answer).toEqual({ code: 200, body: { messages: [], hf: [19, 3] } });
    expect(report).toEqual({
      cases: CASES,
      crashes: 0,
      fiveHundreds: 0,
      healthChecks: report.healthChecks,
    });
    expect(report.healthChecks).toBeGreaterThan(0);
  });
});
