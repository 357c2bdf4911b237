/**
 * Onion benchmarks (`pnpm --filter @murmur/bench exec tsx src/onion.ts`; build @murmur/wire,
 * @murmur/crypto and @murmur/onion first). For each backend (native, wasm) and layer cipher
 * (aes-gcm, xchacha20) it prints the median of several runs for:
 * - client: `buildOnionRequest` for a 3-node path to a service node (a `store` of a 1 KiB
 *   message, so 4 layers), against the crypto floor measured in the same run: the same 4
 *   `encryptLayer` calls on plaintexts of the same sizes, without the codec;
 * - node: one relay hop (`parseOnionRequestBody` + `peelOnionLayer` + `encodeRelayBody`),
 *   against the floor of one `decryptLayer` of the same ciphertext;
 * - node: the final hop (parse + peel + `encryptFinalResponse`), and the client's
 *   `decodeOnionResponse` of the reply.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type LayerEncryption, loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { buildOnionRequest, decodeOnionResponse, type OnionNode } from '@murmur/onion';
import {
  encodeRelayBody,
  encryptFinalResponse,
  parseOnionRequestBody,
  peelOnionLayer,
} from '@murmur/onion/node';
import { bytesToHex, hexToBytes } from '@murmur/wire';
import { median } from './stats.js';

const RUNS = 7;
const WARMUP_RUNS = 2;
const MESSAGE_BYTES = 1024;

/** Runs `body` `iterations` times per run; returns the mean µs per call of each run. */
async function measure(iterations: number, body: () => Promise<unknown>): Promise<number[]> {
  const perCall: number[] = [];
  for (let run = 0; run < WARMUP_RUNS + RUNS; run++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) await body();
    const micros = ((performance.now() - start) * 1000) / iterations;
    if (run >= WARMUP_RUNS) perCall.push(micros);
  }
  return perCall;
}

interface Row {
  name: string;
  micros: number[];
  baseline?: { name: string; micros: number[] };
}

function makeNode(crypto: MurmurCrypto, index: number) {
  const keyPair = crypto.x25519KeyPair();
  const node: OnionNode = {
    ed25519: bytesToHex(crypto.randomBytes(32)),
    x25519: bytesToHex(keyPair.publicKey),
    ip: `10.0.${index}.1`,
    port: 22021,
  };
  return { node, keyPair };
}

async function benchmark(crypto: MurmurCrypto, encType: LayerEncryption): Promise<Row[]> {
  const rows: Row[] = [];
  const nodes = Array.from({ length: 4 }, (_, i) => makeNode(crypto, i));
  const path = nodes.slice(0, 3).map((entry) => entry.node);
  const destination = nodes[3] as (typeof nodes)[number];
  const payload = {
    method: 'store',
    params: {
      pubkey: `05${'ab'.repeat(32)}`,
      namespace: 0,
      timestamp: 1_790_000_000_000,
      ttl: 1_209_600_000,
      data: Buffer.from(crypto.randomBytes(MESSAGE_BYTES)).toString('base64'),
    },
  };
  const input = {
    path,
    destination: { type: 'node' as const, node: destination.node },
    payload,
    encType,
  };
  const label = `${crypto.backend}, ${encType}`;

  // Client: build, against 4 bare encryptLayer calls on the same plaintext sizes.
  const sample = await buildOnionRequest(crypto, input);
  const guardLayer = parseOnionRequestBody(sample.body);
  const sizes: number[] = [];
  {
    let layer = guardLayer;
    for (const entry of nodes) {
      const peeled = await peelOnionLayer(crypto, entry.keyPair, layer);
      if (peeled.role === 'relay') {
        const { plaintext } = await crypto.decryptLayer(
          layer.ciphertext,
          entry.keyPair,
          layer.ephemeralKey,
          encType,
        );
        sizes.unshift(plaintext.length);
        layer = peeled.next;
      } else {
        sizes.unshift(layer.ciphertext.length - (encType === 'aes-gcm' ? 28 : 40));
      }
    }
  }
  const plaintexts = sizes.map((size) => crypto.randomBytes(size));
  const recipientKeys = [destination, ...nodes.slice(0, 3).reverse()].map((entry) =>
    hexToBytes(entry.node.x25519),
  );
  rows.push({
    name: `build a 3-hop request to a node (${label})`,
    micros: await measure(300, () => buildOnionRequest(crypto, input)),
    baseline: {
      name: '4 × encryptLayer',
      micros: await measure(300, async () => {
        for (const [i, plaintext] of plaintexts.entries()) {
          await crypto.encryptLayer(plaintext, recipientKeys[i] as Uint8Array, encType);
        }
      }),
    },
  });

  // Node: one relay hop (the guard's), against one bare decryptLayer.
  const guard = nodes[0] as (typeof nodes)[number];
  rows.push({
    name: `relay hop: parse + peel + encodeRelayBody (${label})`,
    micros: await measure(1000, async () => {
      const peeled = await peelOnionLayer(
        crypto,
        guard.keyPair,
        parseOnionRequestBody(sample.body),
      );
      if (peeled.role === 'relay') encodeRelayBody(peeled.next);
    }),
    baseline: {
      name: 'decryptLayer',
      micros: await measure(1000, () =>
        crypto.decryptLayer(guardLayer.ciphertext, guard.keyPair, guardLayer.ephemeralKey, encType),
      ),
    },
  });

  // Node: the final hop, and the client reading the reply.
  let layer = guardLayer;
  for (const entry of nodes.slice(0, 3)) {
    const peeled = await peelOnionLayer(crypto, entry.keyPair, layer);
    if (peeled.role !== 'relay') throw new Error('expected a relay layer');
    layer = peeled.next;
  }
  const finalBody = encodeRelayBody(layer);
  const answer = JSON.stringify({ hash: 'x'.repeat(43), swarm: {}, t: 1_790_000_000_000 });
  rows.push({
    name: `final hop: parse + peel + encryptFinalResponse (${label})`,
    micros: await measure(1000, async () => {
      const peeled = await peelOnionLayer(
        crypto,
        destination.keyPair,
        parseOnionRequestBody(finalBody),
      );
      if (peeled.role === 'final') {
        await encryptFinalResponse(crypto, peeled, { status: 200, body: answer });
      }
    }),
  });
  const final = await peelOnionLayer(crypto, destination.keyPair, parseOnionRequestBody(finalBody));
  if (final.role !== 'final') throw new Error('expected the final layer');
  const reply = await encryptFinalResponse(crypto, final, { status: 200, body: answer });
  const decodeRequest = await buildOnionRequest(crypto, input);
  const matchingReply = await (async () => {
    let next = parseOnionRequestBody(decodeRequest.body);
    for (const entry of nodes) {
      const peeled = await peelOnionLayer(crypto, entry.keyPair, next);
      if (peeled.role === 'relay') next = peeled.next;
      else if (peeled.role === 'final') {
        return encryptFinalResponse(crypto, peeled, { status: 200, body: answer });
      }
    }
    return reply;
  })();
  rows.push({
    name: `client: decodeOnionResponse (${label})`,
    micros: await measure(1000, () =>
      decodeOnionResponse(crypto, decodeRequest, { status: 200, body: matchingReply }),
    ),
  });
  return rows;
}

const rows: Row[] = [];
for (const backend of ['native', 'wasm'] as const) {
  const crypto = await loadCrypto({ backend });
  for (const encType of ['aes-gcm', 'xchacha20'] as const) {
    rows.push(...(await benchmark(crypto, encType)));
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`Onion benchmarks: Node ${process.version}, ${cpus().length} cores (${cpu})`);
console.log(
  `Medians of ${RUNS} runs (after ${WARMUP_RUNS} warm-up runs); each run averages several hundred calls.`,
);
console.log('');
console.log(
  '| benchmark | median per call | calls/s | baseline (same run) | baseline median | ratio |',
);
console.log('|---|---:|---:|---|---:|---:|');
for (const row of rows) {
  const micros = median(row.micros);
  const base = row.baseline === undefined ? undefined : median(row.baseline.micros);
  console.log(
    `| ${row.name} | ${micros.toFixed(1)} µs | ${Math.round(1e6 / micros)} | ${row.baseline?.name ?? '-'} | ${base === undefined ? '-' : `${base.toFixed(1)} µs`} | ${base === undefined ? '-' : (micros / base).toFixed(2)} |`,
  );
}
