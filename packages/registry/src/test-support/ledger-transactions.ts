/**
 * Ledger transactions for fuzzing (issue 10): well-formed, validly signed transactions of every
 * real type (`packages/registry/src/schemas.ts`), each with one field replaced by an
 * edge-biased value, signed after the change by the key the ledger asks for (so the case
 * reaches the ledger's rules, not only its decoder), and some fully random JSON.
 *
 * The world they target: a chain whose authority, operator, a funded wallet, an unfunded one,
 * an active node and an unregistered node key are all known here, so that the plausible values
 * (the right nonce, a balance, the staking requirement, a registered node) can be accepted, and
 * the edges next to them are refused for the right reason.
 *
 * Used by the service node's fuzz of the ledger rules (`apps/service-node`, surface `ledger-tx`)
 * and by the devnet ledger's HTTP fuzz (`apps/devnet/src/ledger/fuzz.test.ts`), through
 * `@murmur/registry/test-support/ledger-transactions` (test support: not shipped).
 */
import type { MurmurCrypto } from '@murmur/crypto';
import {
  ATOMIC_UNITS_PER_COIN as COIN,
  createRegistration,
  decodeTransaction,
  devnetParams,
  type Ed25519KeyPair,
  type GenesisConfig,
  nextNonce,
  type RegistryState,
  type Transaction,
  transactionSigningBytes,
} from '@murmur/registry';
import { bytesToHex } from '@murmur/wire';
import fc from 'fast-check';

/** A key of the world, by role. */
interface WorldKey {
  pair: Ed25519KeyPair;
  hex: string;
}

/** What the generator needs to know of the chain. */
export interface LedgerFuzzWorld {
  chainId: string;
  genesis: GenesisConfig;
  authority: WorldKey;
  operator: WorldKey;
  alice: WorldKey;
  nobody: WorldKey;
  /** Registered and fully staked by `operator` (once {@link setupTransactions} are in a block). */
  node: WorldKey;
  /** Never registered. */
  stranger: WorldKey;
  /** The world's transactions that must be in a block before fuzzing (the node's registration). */
  setupTransactions: Transaction[];
}

/** The world for `chainId` at `timestamp`: its genesis and its setup transactions. */
export function createLedgerFuzzWorld(
  crypto: MurmurCrypto,
  options: { chainId: string; timestamp: number },
): LedgerFuzzWorld {
  const key = (n: number): WorldKey => {
    const pair = crypto.ed25519KeyPairFromSeed(new Uint8Array(32).fill(n));
    return { pair, hex: bytesToHex(pair.publicKey) };
  };
  const [authority, operator, alice, nobody, node, stranger] = [
    key(201),
    key(202),
    key(203),
    key(204),
    key(205),
    key(206),
  ] as [WorldKey, WorldKey, WorldKey, WorldKey, WorldKey, WorldKey];
  const genesis: GenesisConfig = {
    chainId: options.chainId,
    params: devnetParams,
    timestamp: options.timestamp,
    authority: authority.hex,
    allocations: [
      { address: operator.hex, amount: 1_000n * COIN },
      { address: alice.hex, amount: 1_000n * COIN },
    ],
  };
  const registration = createRegistration(
    {
      chainId: options.chainId,
      feeBasisPoints: 500,
      operatorStake: devnetParams.stakingRequirement,
      nonce: 1,
    },
    { node: node.pair, operator: operator.pair },
    crypto,
  );
  return {
    chainId: options.chainId,
    genesis,
    authority,
    operator,
    alice,
    nobody,
    node,
    stranger,
    setupTransactions: [registration],
  };
}

/** One field's values: mostly the plausible ones, sometimes an edge. */
const hexEdges = fc.constantFrom(
  '0'.repeat(64),
  'f'.repeat(64),
  'A'.repeat(64),
  '0'.repeat(63),
  '0'.repeat(65),
  // The Ed25519 identity and a low-order point.
  `01${'0'.repeat(62)}`,
  `ec${'f'.repeat(60)}7f`,
  '',
  ' ',
);

const amountEdges = fc.oneof(
  fc.constantFrom(
    '0',
    '1',
    '-1',
    '01',
    ' 1',
    '1e9',
    '1.5',
    String(COIN),
    String(25n * COIN - 1n),
    String(25n * COIN),
    String(100n * COIN),
    String(100n * COIN + 1n),
    String(1_000n * COIN),
    String(1_000n * COIN + 1n),
    '18446744073709551615',
    '18446744073709551616',
    '9'.repeat(36),
    `1${'0'.repeat(36)}`,
  ),
  fc.bigInt({ min: 0n, max: 2n ** 128n }).map(String),
  fc.integer(),
);

const integerEdges = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    0.5,
    10_000,
    10_001,
    65_535,
    65_536,
    2 ** 32 - 1,
    2 ** 32,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 1,
    1e308,
    Number.NaN,
  ),
  fc.integer(),
  fc.string({ maxLength: 4 }),
  fc.constant(null),
);

const textEdges = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'x'.repeat(200),
    'x'.repeat(201),
    '\u0000',
    '\ud800',
    '\r\n',
    'é'.repeat(150),
  ),
  fc.string({ maxLength: 250 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
);

const ipEdges = fc.oneof(
  fc.constantFrom(
    '127.0.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '8.8.8.8',
    '10.0.0.1',
    '1.2.3.4',
    '01.2.3.4',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.4 ',
    '::1',
    '1234567890123456',
  ),
  fc.ipV4(),
  fc.string({ maxLength: 16 }),
);

const anyJson = fc.jsonValue({ maxDepth: 3 });

/** A transaction's JSON being built: any fields, the signature fields and `node` named. */
type TransactionJson = Record<string, unknown> & {
  fee?: unknown;
  node?: unknown;
  signature?: unknown;
  nodeSignature?: unknown;
  operatorSignature?: unknown;
};

/** A timestamp relative to the next block's, resolved when the transaction is built. */
class FromNow {
  constructor(readonly offset: number) {}
}

/**
 * One case: `build()` makes the transaction's JSON against the state of the moment (the right
 * nonce and time are those of when it runs, not of when it was drawn); `toJSON()` is the recipe,
 * for reports.
 */
export interface LedgerCase {
  build(): unknown;
  toJSON(): unknown;
}

/** Transactions for `world` whose state is `state` and whose next block is at `timestamp`. */
export function ledgerTransactionArbitrary(
  world: LedgerFuzzWorld,
  crypto: MurmurCrypto,
  context: () => { state: RegistryState; timestamp: number },
): fc.Arbitrary<LedgerCase> {
  const people = [world.operator, world.alice, world.nobody, world.authority];
  const everyone = [...people, world.node, world.stranger];
  const byHex = new Map(everyone.map((k) => [k.hex, k]));
  const anyKey = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...everyone.map((k) => k.hex)) },
    { weight: 1, arbitrary: hexEdges },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(bytesToHex) },
  );
  const person = fc.constantFrom(...people.map((k) => k.hex));
  const nodeKey = fc.constantFrom(world.node.hex, world.node.hex, world.stranger.hex);
  const plausibleAmount = fc.constantFrom(
    '1',
    String(COIN),
    String(25n * COIN),
    String(100n * COIN),
  );
  /** The next nonce of whoever signs (filled in when the transaction is built). */
  const NEXT = Symbol('next nonce');
  const nonceEdge = fc.oneof(
    { weight: 4, arbitrary: fc.constant(NEXT) },
    { weight: 1, arbitrary: fc.constantFrom(0, 1, 2, 1_000, Number.MAX_SAFE_INTEGER) },
    { weight: 1, arbitrary: integerEdges },
  );
  const NOW = new FromNow(0);
  const timestampEdge = fc.oneof(
    { weight: 3, arbitrary: fc.constant(NOW) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(-5_001, -5_000, -1, 1, 5_000, 5_001, -3_600_000, 3_600_000)
        .map((offset) => new FromNow(offset)),
    },
    { weight: 1, arbitrary: integerEdges },
  );
  const reservation = fc.record({ address: anyKey, amount: plausibleAmount });

  /** Each type: its plausible fields, then the edge values of each field. */
  const types: Record<
    string,
    Record<string, { plausible: fc.Arbitrary<unknown>; edge: fc.Arbitrary<unknown> }>
  > = {
    transfer: {
      from: { plausible: person, edge: anyKey },
      to: { plausible: anyKey, edge: anyKey },
      amount: { plausible: plausibleAmount, edge: amountEdges },
      nonce: { plausible: fc.constant(NEXT), edge: nonceEdge },
    },
    faucet: {
      to: { plausible: anyKey, edge: anyKey },
      amount: { plausible: plausibleAmount, edge: amountEdges },
      nonce: { plausible: fc.constant(NEXT), edge: nonceEdge },
    },
    register: {
      node: { plausible: nodeKey, edge: anyKey },
      operator: { plausible: person, edge: anyKey },
      feeBasisPoints: { plausible: fc.constantFrom(0, 500, 10_000), edge: integerEdges },
      operatorStake: { plausible: plausibleAmount, edge: amountEdges },
      reserved: {
        plausible: fc.constant([]),
        edge: fc.oneof(
          fc.array(reservation, { maxLength: 3 }),
          fc.array(reservation, { minLength: 64, maxLength: 65 }),
          anyJson,
        ),
      },
      nonce: { plausible: fc.constant(NEXT), edge: nonceEdge },
    },
    contribute: {
      node: { plausible: nodeKey, edge: anyKey },
      contributor: { plausible: person, edge: anyKey },
      amount: { plausible: plausibleAmount, edge: amountEdges },
      nonce: { plausible: fc.constant(NEXT), edge: nonceEdge },
    },
    'request-unlock': {
      node: { plausible: nodeKey, edge: anyKey },
      contributor: { plausible: person, edge: anyKey },
      nonce: { plausible: fc.constant(NEXT), edge: nonceEdge },
    },
    'uptime-proof': {
      node: { plausible: nodeKey, edge: anyKey },
      ip: { plausible: fc.constantFrom('127.0.0.1', '8.8.8.8'), edge: ipEdges },
      storagePort: { plausible: fc.constantFrom(22_021, 443), edge: integerEdges },
      relayPort: { plausible: fc.constantFrom(22_020, 1), edge: integerEdges },
      version: {
        plausible: fc.constant([1, 2, 3]),
        edge: fc.oneof(
          fc.constantFrom(
            [0, 0, 0],
            [65_535, 65_535, 65_535],
            [65_536, 0, 0],
            [1, 2],
            [1, 2, 3, 4],
          ),
          fc.array(integerEdges, { maxLength: 4 }),
          anyJson,
        ),
      },
      timestamp: { plausible: fc.constant(NOW), edge: timestampEdge },
    },
    'state-change': {
      node: { plausible: nodeKey, edge: anyKey },
      change: {
        plausible: fc.constantFrom('decommission', 'recommission', 'deregister'),
        edge: fc.oneof(fc.constantFrom('pause', '', 'DEREGISTER'), anyJson),
      },
      reason: { plausible: fc.constantFrom('fuzz', ''), edge: textEdges },
      nonce: { plausible: fc.constant(NEXT), edge: nonceEdge },
    },
    'staking-requirement': {
      stakingRequirement: {
        plausible: fc.constantFrom(String(100n * COIN), String(50n * COIN)),
        edge: amountEdges,
      },
      minOperatorStake: {
        plausible: fc.constantFrom(String(25n * COIN), String(10n * COIN)),
        edge: amountEdges,
      },
      nonce: { plausible: fc.constant(NEXT), edge: nonceEdge },
    },
  };

  /** Who signs, by type: the field holding the signer, or the authority. */
  const signerField: Record<string, string | undefined> = {
    transfer: 'from',
    faucet: undefined,
    register: 'operator',
    contribute: 'contributor',
    'request-unlock': 'contributor',
    'uptime-proof': 'node',
    'state-change': undefined,
    'staking-requirement': undefined,
  };

  const signed = fc
    .constantFrom(...Object.keys(types))
    .chain((type) => {
      const fields = types[type] as (typeof types)[string];
      const names = Object.keys(fields);
      const plausible = Object.fromEntries(
        names.map((name) => [
          name,
          (fields[name] as { plausible: fc.Arbitrary<unknown> }).plausible,
        ]),
      );
      const edge = fc
        .constantFrom(...names, '(none)', '(extra key)', '(missing key)')
        .chain((edgeField) =>
          fc.record({
            edgeField: fc.constant(edgeField),
            edgeValue: names.includes(edgeField)
              ? (fields[edgeField] as { edge: fc.Arbitrary<unknown> }).edge
              : anyJson,
          }),
        );
      return fc.record({
        type: fc.oneof(
          { weight: 20, arbitrary: fc.constant(type) },
          { weight: 1, arbitrary: fc.constantFrom('stake', '', 'Transfer') },
        ),
        values: fc.record(plausible),
        edge,
        edgeSeed: fc.nat(),
        wrongSigner: fc.oneof(
          { weight: 12, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
        badSignature: fc.oneof(
          { weight: 12, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.oneof(hexEdges, fc.constant('0'.repeat(128)), anyJson) },
        ),
      });
    })
    .map((recipe): LedgerCase => {
      const { type, values, edge, edgeSeed, wrongSigner, badSignature } = recipe;
      const { edgeField, edgeValue } = edge;
      const build = () => {
        const { state, timestamp } = context();
        const json: TransactionJson = { type, ...values };
        const names = Object.keys(values);
        if (edgeField === '(extra key)') json.fee = edgeValue;
        else if (edgeField === '(missing key)')
          delete json[names[edgeSeed % names.length] as string];
        else if (edgeField !== '(none)') json[edgeField] = edgeValue;
        const baseType = Object.keys(types).find((t) => t === type) ?? 'transfer';
        const signerHex =
          signerField[baseType] === undefined
            ? world.authority.hex
            : json[signerField[baseType] as string];
        let signer = typeof signerHex === 'string' ? byHex.get(signerHex) : undefined;
        if (signer === undefined || wrongSigner)
          signer = everyone[edgeSeed % everyone.length] as WorldKey;
        for (const [name, value] of Object.entries(json)) {
          if (value === NEXT) json[name] = nextNonce(state, signer.hex);
          else if (value instanceof FromNow) json[name] = timestamp + value.offset;
        }
        const placeholder = '0'.repeat(128);
        if (baseType === 'register') {
          json.nodeSignature = placeholder;
          json.operatorSignature = placeholder;
        } else json.signature = placeholder;
        let tx: Transaction | undefined;
        try {
          tx = decodeTransaction(json);
        } catch {
          tx = undefined;
        }
        if (tx !== undefined) {
          const bytes = transactionSigningBytes(tx, world.chainId);
          const sign = (pair: Ed25519KeyPair) => bytesToHex(crypto.sign(bytes, pair.secretKey));
          if (baseType === 'register') {
            const nodeHex = json.node;
            const nodeSigner =
              (typeof nodeHex === 'string' ? byHex.get(nodeHex) : undefined) ?? world.stranger;
            json.nodeSignature = sign(wrongSigner ? signer.pair : nodeSigner.pair);
            json.operatorSignature = sign(signer.pair);
          } else json.signature = sign(signer.pair);
        }
        if (badSignature !== undefined) {
          if (baseType === 'register') json.operatorSignature = badSignature;
          else json.signature = badSignature;
        }
        return json;
      };
      return { build, toJSON: () => recipe };
    });

  return fc.oneof(
    { weight: 9, arbitrary: signed },
    {
      weight: 1,
      arbitrary: anyJson.map((json): LedgerCase => ({ build: () => json, toJSON: () => json })),
    },
  );
}
