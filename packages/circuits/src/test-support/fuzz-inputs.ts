/**
 * fast-check arbitraries for fuzzing the circuit codecs (issue 10): link cells and local relay
 * payloads biased to their edges — real encodings with a few bytes set to edge values, sparse
 * bodies (zero but for a few bytes, so that the zero-padding checks pass often and the decoders
 * go deep), fully random bytes, and wrong lengths. Bulk bytes come from a seeded xorshift
 * generator (fast-check drawing 2,048 integers per cell would dominate the run).
 */
import fc from 'fast-check';
import { type Cell, encodeCell } from '../cell.js';
import {
  CELL_BODY_LENGTH,
  CELL_LENGTH,
  CIRCUIT_HOPS,
  HTYPE_NTOR,
  localPayloadLength,
  RelayCommand,
  relayDataCapacity,
} from '../constants.js';
import {
  encodeExtend,
  encodeExtended,
  encodeFragment,
  encodeRelayPayload,
  encodeSendme,
} from '../relay-payload.js';

/** `length` pseudo-random bytes from `seed` (xorshift32). */
export function bytesFrom(seed: number, length: number): Uint8Array {
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

const seedArb = fc.integer();
const key32 = seedArb.map((seed) => bytesFrom(seed, 32));

/** CircIDs at the edges: 0, 1, the opener bit and its neighbours, the largest. */
export const circIdArb = fc.oneof(
  fc.constantFrom(0, 1, 0x7fff_ffff, 0x8000_0000, 0x8000_0001, 0xffff_ffff),
  fc.integer({ min: 0, max: 0xffff_ffff }),
);

/** Byte values at the edges. */
const edgeByte = fc.oneof(
  fc.constantFrom(0, 1, 0x7f, 0x80, 0xfe, 0xff),
  fc.integer({ min: 0, max: 255 }),
);

/** A few (position, value) writes, positions biased to a header of `header` bytes. */
function mutationsArb(length: number, header: number) {
  return fc.array(
    fc.tuple(
      fc.oneof(
        fc.integer({ min: 0, max: Math.max(0, Math.min(header, length) - 1) }),
        fc.integer({ min: 0, max: Math.max(0, length - 1) }),
      ),
      edgeByte,
    ),
    { maxLength: 3 },
  );
}

function mutate(bytes: Uint8Array, writes: [number, number][]): Uint8Array {
  const out = bytes.slice();
  for (const [at, value] of writes) if (at < out.length) out[at] = value;
  return out;
}

/** A valid cell of every type. */
export const validCellArb: fc.Arbitrary<Cell> = fc.oneof(
  fc.constant<Cell>({ type: 'PADDING', circId: 0 }),
  fc.record({ version: fc.integer({ min: 0, max: 0xffff }), seed: seedArb }).map(
    ({ version, seed }): Cell => ({
      type: 'HELLO',
      circId: 0,
      version,
      nonce: bytesFrom(seed, 32),
    }),
  ),
  fc.record({ ed25519: key32, seed: seedArb }).map(
    ({ ed25519, seed }): Cell => ({
      type: 'AUTH',
      circId: 0,
      ed25519,
      signature: bytesFrom(seed, 64),
    }),
  ),
  fc
    .record({
      circId: circIdArb.filter((id) => id !== 0),
      hop: fc.integer({ min: 1, max: CIRCUIT_HOPS }),
      id: key32,
      b: key32,
      x: key32,
    })
    .map((c): Cell => ({ type: 'CREATE', htype: HTYPE_NTOR, ...c })),
  fc
    .record({ circId: circIdArb.filter((id) => id !== 0), y: key32, auth: key32 })
    .map((c): Cell => ({ type: 'CREATED', ...c })),
  fc.record({ circId: circIdArb.filter((id) => id !== 0), seed: seedArb }).map(
    ({ circId, seed }): Cell => ({
      type: 'RELAY',
      circId,
      body: bytesFrom(seed, CELL_BODY_LENGTH),
    }),
  ),
  fc
    .record({
      circId: circIdArb.filter((id) => id !== 0),
      reason: fc.integer({ min: 0, max: 255 }),
    })
    .map((c): Cell => ({ type: 'DESTROY', ...c })),
);

/** Wrong lengths around the right one (and empty). */
function wrongLengthArb(right: number) {
  return fc
    .record({
      length: fc.constantFrom(0, 1, 4, right - 1, right + 1, right * 2),
      seed: seedArb,
    })
    .map(({ length, seed }) => bytesFrom(seed, Math.max(0, length)));
}

/** Bytes offered as one link cell. */
export const cellBytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  // A real cell with a few bytes changed.
  {
    weight: 4,
    arbitrary: fc
      .tuple(validCellArb, mutationsArb(CELL_LENGTH, 16))
      .map(([cell, writes]) => mutate(encodeCell(cell), writes)),
  },
  // A sparse cell: a CircID and a command (known or not), zero but for a few bytes.
  {
    weight: 3,
    arbitrary: fc
      .record({
        circId: circIdArb,
        command: fc.oneof(fc.integer({ min: 0, max: 7 }), fc.constant(255), edgeByte),
        writes: mutationsArb(CELL_LENGTH, 110),
      })
      .map(({ circId, command, writes }) => {
        const out = new Uint8Array(CELL_LENGTH);
        new DataView(out.buffer).setUint32(0, circId);
        out[4] = command;
        return mutate(
          out,
          writes.map(([at, value]) => [Math.max(5, at), value]),
        );
      }),
  },
  // Random bytes, the command byte biased to known ones.
  {
    weight: 2,
    arbitrary: fc
      .record({ seed: seedArb, command: fc.integer({ min: 0, max: 8 }) })
      .map(({ seed, command }) => {
        const out = bytesFrom(seed, CELL_LENGTH);
        out[4] = command;
        return out;
      }),
  },
  { weight: 1, arbitrary: wrongLengthArb(CELL_LENGTH) },
);

const COMMANDS = Object.values(RelayCommand);

/** A hop (sometimes an impossible one) and bytes offered as its local relay payload. */
export const relayPayloadArb: fc.Arbitrary<{ hop: number; fromExit: boolean; bytes: Uint8Array }> =
  fc
    .record({
      hop: fc.oneof(
        { weight: 9, arbitrary: fc.integer({ min: 1, max: CIRCUIT_HOPS }) },
        { weight: 1, arbitrary: fc.constantFrom(0, 4, -1, 1.5) },
      ),
      fromExit: fc.boolean(),
      kind: fc.integer({ min: 0, max: 9 }),
      command: fc.oneof(fc.constantFrom(...COMMANDS), edgeByte),
      id: fc.oneof(fc.constantFrom(0, 1, 0xffff), fc.integer({ min: 0, max: 0xffff })),
      dataLength: fc.oneof(
        fc.constantFrom(0, 1, 8, 20, 66, 132),
        fc.integer({ min: 0, max: 2_100 }),
      ),
      seed: seedArb,
      writes: mutationsArb(2_100, 8),
    })
    .map(({ hop, fromExit, kind, command, id, dataLength, seed, writes }) => {
      const validHop = Number.isInteger(hop) && hop >= 1 && hop <= CIRCUIT_HOPS ? hop : 1;
      const length = localPayloadLength(validHop);
      let bytes: Uint8Array;
      if (kind < 5 && COMMANDS.includes(command as RelayCommand)) {
        // A real payload with a few bytes changed.
        const data = bytesFrom(seed, Math.min(dataLength, relayDataCapacity(validHop)));
        bytes = mutate(
          encodeRelayPayload(validHop, { command: command as RelayCommand, id, data }),
          writes,
        );
      } else if (kind < 8) {
        // Sparse: a header, zero elsewhere but for a few bytes.
        bytes = new Uint8Array(length);
        const view = new DataView(bytes.buffer);
        bytes[0] = command;
        view.setUint16(1, id);
        view.setUint16(3, Math.min(dataLength, 0xffff));
        bytes = mutate(bytes, writes);
      } else if (kind < 9) {
        bytes = bytesFrom(seed, length);
      } else {
        bytes = bytesFrom(seed, [0, 5, length - 1, length + 1][seed & 3] as number);
      }
      return { hop, fromExit, bytes };
    });

/** Bytes offered as the data of one relay command (lengths around each command's). */
export const commandDataArb = fc
  .record({
    decoder: fc.constantFrom(
      'extend',
      'extended',
      'ping',
      'sendme',
      'notify-fragment',
      'data-fragment',
    ),
    length: fc.oneof(
      fc.constantFrom(0, 1, 2, 5, 6, 7, 8, 9, 19, 20, 21, 65, 66, 67, 131, 132, 133),
      fc.integer({ min: 0, max: 2_100 }),
    ),
    seed: seedArb,
    form: fc.constantFrom('valid', 'valid', 'sparse', 'random'),
    writes: mutationsArb(140, 40),
  })
  .map(({ decoder, length, seed, form, writes }) => {
    if (form === 'random') return { decoder, bytes: bytesFrom(seed, length) };
    if (form === 'sparse') return { decoder, bytes: mutate(new Uint8Array(length), writes) };
    // A real encoding with a few bytes changed.
    const key = (n: number) => bytesFrom(seed + n, 32);
    const slice = bytesFrom(seed, length % 400);
    const count = 1 + ((seed & 0xff) % 255);
    const fragment = { messageId: seed >>> 0, index: (seed >>> 8) % count, count, slice };
    const real: Record<string, () => Uint8Array> = {
      extend: () => encodeExtend({ id: key(1), b: key(2), x: key(3) }),
      extended: () => encodeExtended({ y: key(1), auth: key(2) }),
      ping: () => bytesFrom(seed, 8),
      sendme: () => encodeSendme({ count: seed >>> 0, tag: bytesFrom(seed, 16) }),
      'notify-fragment': () => encodeFragment('NOTIFY', fragment),
      'data-fragment': () => encodeFragment('DATA', fragment),
    };
    return { decoder, bytes: mutate((real[decoder] as () => Uint8Array)(), writes) };
  });
