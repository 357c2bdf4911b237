/**
 * The fuzz surfaces of a node (issue 10): every input another party controls, each with
 * fast-check arbitraries biased to edges, and a run that counts cases, crashes (an exception
 * that is not a Murmur error with a code, or a handler that throws) and 5xx answers (a
 * storage-RPC or onion answer of 500 or more, batch subresults included), and checks that a
 * refused request leaves the stored data unchanged.
 *
 * - `storage-rpc`: `POST /storage_rpc/v1` bodies through the dispatcher, `batch` and
 *   `sequence` included;
 * - `onion`: `POST /onion_req/v2` bodies: random bytes, combined payloads with random JSON, and
 *   real onion requests to this node whose final layer carries a fuzzed storage-RPC body;
 * - `bencode`: the bencode decoder, on random bytes and on mutated valid encodings;
 * - `peer-frames`: the peer handshake frames, message plaintexts and replication bodies;
 * - `ledger-tx`: ledger transactions, validly signed with one edge field each, through the
 *   ledger's rules (decode, then `applyTransaction` against a chain with an active node).
 */
import { buildOnionRequest, decodeOnionResponse } from '@murmur/onion';
import {
  applyTransaction,
  createMemoryLedger,
  decodeTransaction,
  stateDigest,
} from '@murmur/registry';
import {
  createLedgerFuzzWorld,
  type LedgerCase,
  ledgerTransactionArbitrary,
} from '@murmur/registry/test-support/ledger-transactions';
import {
  decodeBencode,
  encodeBencode,
  encodeCombinedPayload,
  MurmurError,
  rpcMethods,
} from '@murmur/wire';
import fc from 'fast-check';
import type { OnionForwarder } from '../onion/forwarder.js';
import { createOnionHandler } from '../onion/handler.js';
import type { OnionProxy } from '../onion/proxy.js';
import {
  bodyCheckers,
  decodeMessagePlaintext,
  encodeFrame,
  encodeMessagePlaintext,
  parseAuthFrame,
  parseHelloFrame,
  parseJsonBody,
} from '../peers/protocol.js';
import { createRpcDispatcher } from '../rpc/dispatcher.js';
import { createHarness, type Harness, TEST_NOW, testCrypto } from './harness.js';

/** What one run of a surface counted. */
export interface FuzzReport {
  surface: string;
  cases: number;
  crashes: number;
  fiveHundreds: number;
  /** Refused requests after which the stored data had changed. */
  dataChanged: number;
  /** Cases the surface accepted (counted by the surfaces that report it: ledger transactions). */
  accepted: number;
  /** The first few failing inputs, for the report. */
  examples: string[];
}

/** One case's outcome. */
interface Outcome {
  crashed?: unknown;
  status?: number;
  subStatuses?: number[];
  dataChanged?: boolean;
  /** The case was accepted (a transaction the ledger took). */
  accepted?: boolean;
}

/** A surface: its cases and how to run one. */
export interface FuzzSurface<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  run(input: T): Promise<Outcome>;
  close(): void | Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Edge-biased values

const edgeNumbers = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    -10,
    -11,
    -21,
    10,
    20,
    32_767,
    -32_768,
    32_768,
    2 ** 31,
    2 ** 53,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    1e308,
    0.5,
    TEST_NOW,
    TEST_NOW + 10_001,
    TEST_NOW - 1,
    60_000,
    9_999,
    14 * 86_400_000 + 1,
    30 * 86_400_000,
  ),
  fc.integer(),
  fc.double(),
);

const edgeStrings = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'all',
    '05',
    `05${'0'.repeat(64)}`,
    `05${'f'.repeat(64)}`,
    `03${'a'.repeat(64)}`,
    `ff${'1'.repeat(64)}`,
    '0'.repeat(64),
    'A'.repeat(43),
    'A'.repeat(86),
    `${'A'.repeat(86)}==`,
    'aGk=',
    '\u0000',
    '\r\n',
    '\ud800',
    '__proto__',
    'constructor',
    '/oxen/v4/lsrpc',
    '/oxen/ v4/lsrpc',
    'x'.repeat(10_000),
  ),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 60, maxLength: 70 }),
  fc.base64String({ maxLength: 200 }),
);

const leaf = fc.oneof(
  edgeNumbers,
  edgeStrings,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);

const jsonish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(edgeStrings, fc.string()), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const PARAM_KEYS = [
  'pubkey',
  'pubKey',
  'namespace',
  'timestamp',
  'sig_timestamp',
  'ttl',
  'expiry',
  'data',
  'signature',
  'pubkey_ed25519',
  'subaccount',
  'subaccount_sig',
  'last_hash',
  'lastHash',
  'max_count',
  'max_size',
  'messages',
  'required',
  'before',
  'shorten',
  'extend',
  'endpoint',
  'params',
  'revoke',
  'unrevoke',
  'requests',
];

const METHODS = [...Object.keys(rpcMethods), 'get_snodes_for_pubkey', 'nope', '', 'BATCH'];

const params: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.constantFrom(...PARAM_KEYS),
  jsonish,
  { maxKeys: 8 },
);

const subrequest = fc.record({ method: fc.constantFrom(...METHODS), params: params });

const envelope = fc.oneof(
  fc.record({ method: fc.constantFrom(...METHODS), params }),
  fc.record({
    method: fc.constantFrom('batch', 'sequence'),
    params: fc.record({
      requests: fc.oneof(fc.array(subrequest, { maxLength: 22 }), jsonish),
    }),
  }),
  fc.record({ method: jsonish, params: jsonish, jsonrpc: jsonish }, { requiredKeys: [] }),
);

const rpcBody = fc.oneof(
  { weight: 6, arbitrary: envelope.map((value) => JSON.stringify(value) ?? 'null') },
  { weight: 1, arbitrary: jsonish.map((value) => JSON.stringify(value) ?? '') },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
);

// ---------------------------------------------------------------------------------------------
// Helpers

function crashOf(error: unknown): unknown {
  return MurmurError.isInstance(error) ? undefined : error;
}

function dataFigure(h: Harness): string {
  const stats = h.store.stats();
  return `${stats.messages}/${stats.dataBytes}`;
}

function statusesOf(body: unknown): number[] {
  const results = (body as { results?: unknown }).results;
  if (!Array.isArray(results)) return [];
  return results.map((result) => (result as { code?: number }).code ?? 0);
}

/** Runs `surface` on `cases` generated inputs (from `seed`), counting what went wrong. */
export async function runSurface<T>(
  surface: FuzzSurface<T>,
  options: { cases: number; seed: number; chunk?: number },
): Promise<FuzzReport> {
  const report: FuzzReport = {
    surface: surface.name,
    cases: 0,
    crashes: 0,
    fiveHundreds: 0,
    dataChanged: 0,
    accepted: 0,
    examples: [],
  };
  const chunk = options.chunk ?? 1_000;
  for (let start = 0; start < options.cases; start += chunk) {
    const inputs = fc.sample(surface.arbitrary, {
      numRuns: Math.min(chunk, options.cases - start),
      seed: options.seed + start,
    });
    for (const input of inputs) {
      report.cases += 1;
      let outcome: Outcome;
      try {
        outcome = await surface.run(input);
      } catch (error) {
        outcome = { crashed: error };
      }
      const five =
        (outcome.status ?? 0) >= 500 || (outcome.subStatuses ?? []).some((code) => code >= 500);
      if (outcome.crashed !== undefined) report.crashes += 1;
      if (five) report.fiveHundreds += 1;
      if (outcome.dataChanged) report.dataChanged += 1;
      if (outcome.accepted) report.accepted += 1;
      if (
        (outcome.crashed !== undefined || five || outcome.dataChanged) &&
        report.examples.length < 3
      ) {
        const shown =
          typeof input === 'string'
            ? input
            : JSON.stringify(input, (_k, v) =>
                v instanceof Uint8Array
                  ? Buffer.from(v).toString('hex')
                  : typeof v === 'bigint'
                    ? String(v)
                    : v,
              );
        report.examples.push(
          `${String(shown).slice(0, 300)} -> ${outcome.crashed ? String(outcome.crashed) : `status ${outcome.status} ${outcome.subStatuses ?? ''}`}`,
        );
      }
    }
  }
  return report;
}

// ---------------------------------------------------------------------------------------------
// The surfaces

/** Storage RPC bodies through the dispatcher (the same code `POST /storage_rpc/v1` runs). */
export async function storageRpcSurface(): Promise<FuzzSurface<string | Buffer>> {
  const h = await createHarness();
  const dispatcher = createRpcDispatcher(h.context);
  return {
    name: 'storage-rpc',
    arbitrary: rpcBody,
    async run(body) {
      const before = dataFigure(h);
      const result = await dispatcher.handleBody(body);
      const subStatuses = result.status === 200 ? statusesOf(result.body) : [];
      const refused =
        result.status !== 200 || (subStatuses.length > 0 && subStatuses.every((c) => c !== 200));
      return {
        status: result.status,
        subStatuses,
        dataChanged: refused && dataFigure(h) !== before,
      };
    },
    close: () => h.close(),
  };
}

const noForwarder: OnionForwarder = {
  async forward() {
    return { status: 502, body: 'Next node not found' };
  },
};
const noProxy: OnionProxy = {
  async forward() {
    return { status: 400, body: 'Invalid url' };
  },
};

/** Onion request bodies at every layer this node peels. */
export async function onionSurface(): Promise<FuzzSurface<Uint8Array>> {
  const h = await createHarness();
  const dispatcher = createRpcDispatcher(h.context);
  const onion = createOnionHandler({
    context: h.context,
    dispatcher,
    forwarder: noForwarder,
    proxy: noProxy,
  });
  const self = { ed25519: h.keys.ed25519Hex, x25519: h.keys.x25519Hex, ip: '127.0.0.1', port: 1 };
  const layerJson = fc.oneof(
    fc.record(
      {
        headers: jsonish,
        destination: fc.oneof(fc.constant(h.peers[0]?.ed25519Hex ?? ''), edgeStrings),
        ephemeral_key: fc.oneof(fc.constant(h.keys.x25519Hex), edgeStrings),
        enc_type: fc.oneof(fc.constantFrom('aes-gcm', 'xchacha20', 'gcm', 'aes-cbc'), edgeStrings),
        host: edgeStrings,
        target: edgeStrings,
        port: edgeNumbers,
        protocol: fc.oneof(fc.constantFrom('http', 'https'), edgeStrings),
        json: jsonish,
        base64: jsonish,
      },
      { requiredKeys: [] },
    ),
    jsonish,
  );
  const combined = fc.tuple(fc.uint8Array({ maxLength: 200 }), layerJson).map(([blob, json]) => {
    try {
      return encodeCombinedPayload(blob, (json ?? {}) as Record<string, unknown>);
    } catch {
      return blob;
    }
  });
  // A real onion request to this node (one hop) whose final layer is a fuzzed RPC body.
  const sealed = rpcBody.map((body) => ({ body }));
  const arbitrary = fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 400 }) },
    { weight: 2, arbitrary: combined },
    { weight: 3, arbitrary: sealed.map((value) => value as unknown as Uint8Array) },
  );
  return {
    name: 'onion',
    arbitrary,
    async run(input) {
      const before = dataFigure(h);
      if (input instanceof Uint8Array) {
        const reply = await onion.handle(input, { remoteAddress: '127.0.0.1' });
        return { status: reply.status, dataChanged: dataFigure(h) !== before };
      }
      const inner = (input as { body: string | Buffer }).body;
      const request = await buildOnionRequest(h.crypto, {
        path: [],
        destination: { type: 'node', node: self },
        payload: typeof inner === 'string' ? inner : Buffer.from(inner).toString('latin1'),
      });
      const reply = await onion.handle(request.body, { remoteAddress: '127.0.0.1' });
      if (reply.status !== 200) return { status: reply.status };
      // The final layer's own answer, inside the encrypted reply.
      const decoded = await decodeOnionResponse(h.crypto, request, {
        status: reply.status,
        body: typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body,
      });
      const refused = decoded.status !== 200;
      return {
        status: reply.status,
        subStatuses: [decoded.status],
        dataChanged: refused && dataFigure(h) !== before,
      };
    },
    close: () => h.close(),
  };
}

/** The bencode decoder. */
export function bencodeSurface(): FuzzSurface<Uint8Array> {
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.integer(),
      fc.uint8Array({ maxLength: 20 }),
      fc.array(tie('v'), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 5 }), tie('v'), { maxKeys: 3 }),
    ),
  })).v;
  const valid = value.map((v) => {
    try {
      return encodeBencode(v as Parameters<typeof encodeBencode>[0]);
    } catch {
      return new Uint8Array(0);
    }
  });
  const mutated = fc
    .tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'dup'))
    .map(([bytes, at, byte, how]) => {
      if (bytes.length === 0) return bytes;
      const i = at % bytes.length;
      if (how === 'cut') return bytes.subarray(0, i);
      if (how === 'dup') return Buffer.concat([bytes, bytes.subarray(i)]);
      const copy = Uint8Array.from(bytes);
      copy[i] = byte;
      return copy;
    });
  const nested = fc
    .integer({ min: 1, max: 5_000 })
    .map((depth) => Buffer.from(`${'l'.repeat(depth)}${'e'.repeat(depth)}`));
  const tokens = fc
    .array(
      fc.constantFrom(
        'i',
        'e',
        'l',
        'd',
        '0',
        '1',
        '9',
        ':',
        '-',
        '4:spam',
        'i-0e',
        'i03e',
        '99999999999999999999:',
      ),
      { maxLength: 20 },
    )
    .map((parts) => Buffer.from(parts.join('')));
  return {
    name: 'bencode',
    arbitrary: fc.oneof(fc.uint8Array({ maxLength: 200 }), valid, mutated, nested, tokens),
    async run(bytes) {
      try {
        decodeBencode(bytes);
        return {};
      } catch (error) {
        return { crashed: crashOf(error) };
      }
    },
    close: () => undefined,
  };
}

/** Peer-link frames: handshake frames, decrypted message plaintexts, replication bodies. */
export function peerFramesSurface(): FuzzSurface<{
  kind: number;
  text: string;
  bytes: Uint8Array;
}> {
  const checkers = Object.values(bodyCheckers) as Parameters<typeof parseJsonBody>[0][];
  const plaintext = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.tuple(jsonish, fc.uint8Array({ maxLength: 40 })).map(([header, body]) => {
      try {
        return encodeMessagePlaintext(0, [
          encodeFrame(header as Parameters<typeof encodeFrame>[0], body),
        ]);
      } catch {
        return body;
      }
    }),
  );
  return {
    name: 'peer-frames',
    arbitrary: fc.record({
      kind: fc.nat({ max: 3 }),
      text: fc.oneof(
        jsonish.map((v) => JSON.stringify(v) ?? ''),
        fc.string(),
      ),
      bytes: fc.oneof(
        plaintext,
        jsonish.map((v) => Buffer.from(JSON.stringify(v) ?? '')),
      ),
    }),
    async run({ kind, text, bytes }) {
      try {
        if (kind === 0) parseHelloFrame(text);
        else if (kind === 1) parseAuthFrame(text);
        else if (kind === 2) decodeMessagePlaintext(bytes, 0);
        else
          for (const checker of checkers) {
            try {
              parseJsonBody(checker, bytes, 'fuzz');
            } catch (error) {
              if (crashOf(error) !== undefined) throw error;
            }
          }
        return {};
      } catch (error) {
        return { crashed: crashOf(error) };
      }
    },
    close: () => undefined,
  };
}

/**
 * Ledger transactions: the JSON a ledger's `POST /tx` takes, decoded and run through the
 * ledger's rules (`applyTransaction`, what `checkTransaction` and the mempool run) against a
 * chain with a funded operator, an active node and the authority key (@murmur/registry/test-support/ledger-transactions:
 * validly signed transactions of every type with one edge-biased field, and random JSON). An
 * accepted transaction moves the state on (as a mempool does; back to the start every 100
 * cases), so later cases meet new nonces, balances and stakes; a refused one must leave the
 * state's digest unchanged.
 */
export async function ledgerTransactionSurface(): Promise<FuzzSurface<unknown>> {
  const crypto = await testCrypto();
  const world = createLedgerFuzzWorld(crypto, { chainId: 'fuzz', timestamp: TEST_NOW });
  const ledger = createMemoryLedger(
    { genesis: world.genesis },
    { crypto, clock: { now: () => TEST_NOW + 1_000 } },
  );
  for (const tx of world.setupTransactions) {
    const result = ledger.submit(tx);
    if (!result.accepted) throw new Error(`fuzz setup refused: ${result.message}`);
  }
  ledger.produceBlock();
  const initial = { state: ledger.state, digest: stateDigest(ledger.state, crypto) };
  let { state, digest } = initial;
  let run = 0;
  const at = () => ({ height: state.height + 1, timestamp: state.timestamp + 1_000 });
  return {
    name: 'ledger-tx',
    arbitrary: ledgerTransactionArbitrary(world, crypto, () => ({
      state,
      timestamp: at().timestamp,
    })),
    async run(input) {
      // Back to the start now and then (a deregistered node or a drained wallet ends whole
      // branches of the rules).
      run += 1;
      if (run % 100 === 0) ({ state, digest } = initial);
      let decoded: ReturnType<typeof decodeTransaction>;
      try {
        decoded = decodeTransaction((input as LedgerCase).build());
      } catch (error) {
        return { crashed: crashOf(error) };
      }
      const before = state;
      const outcome = applyTransaction(before, decoded, crypto, at());
      if (outcome.result.accepted) {
        state = outcome.state;
        digest = stateDigest(state, crypto);
        return { accepted: true };
      }
      return { dataChanged: outcome.state !== before || stateDigest(before, crypto) !== digest };
    },
    close: () => undefined,
  };
}

/** Every surface, by name. */
export const SURFACES = {
  'storage-rpc': storageRpcSurface,
  onion: onionSurface,
  bencode: bencodeSurface,
  'peer-frames': peerFramesSurface,
  'ledger-tx': ledgerTransactionSurface,
} as const;
