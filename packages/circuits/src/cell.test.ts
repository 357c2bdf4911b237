import { PayloadMalformedError } from '@murmur/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateCircId, type Cell, decodeCell, encodeCell, isOpenerCircId } from './cell.js';
import { CELL_LENGTH, CellCommand } from './constants.js';
import { expectFlipNoticed, flipBit } from './test-support/bits.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const circId = fc.integer({ min: 1, max: 0xffff_ffff });

const cellArbitrary: fc.Arbitrary<Cell> = fc.oneof(
  fc.constant<Cell>({ type: 'PADDING', circId: 0 }),
  fc
    .record({ version: fc.integer({ min: 0, max: 0xffff }), nonce: bytes(32) })
    .map((v): Cell => ({ type: 'HELLO', circId: 0, ...v })),
  fc
    .record({ ed25519: bytes(32), signature: bytes(64) })
    .map((v): Cell => ({ type: 'AUTH', circId: 0, ...v })),
  fc
    .record({
      circId,
      hop: fc.integer({ min: 1, max: 3 }),
      id: bytes(32),
      b: bytes(32),
      x: bytes(32),
    })
    .map((v): Cell => ({ type: 'CREATE', htype: 2, ...v })),
  fc
    .record({ circId, y: bytes(32), auth: bytes(32) })
    .map((v): Cell => ({ type: 'CREATED', ...v })),
  fc.record({ circId, body: bytes(2043) }).map((v): Cell => ({ type: 'RELAY', ...v })),
  fc
    .record({ circId, reason: fc.integer({ min: 0, max: 255 }) })
    .map((v): Cell => ({ type: 'DESTROY', ...v })),
);

describe('the cell codec', () => {
  it('round-trips every cell through exactly 2048 bytes', () => {
    fc.assert(
      fc.property(cellArbitrary, (cell) => {
        const encoded = encodeCell(cell);
        expect(encoded.length).toBe(CELL_LENGTH);
        expect(decodeCell(encoded)).toEqual(cell);
      }),
    );
  });

  it('notices any single-bit change: refused, or a different cell that encodes to those bytes', () => {
    fc.assert(
      fc.property(cellArbitrary, fc.integer({ min: 0, max: CELL_LENGTH * 8 - 1 }), (cell, bit) => {
        expectFlipNoticed(encodeCell(cell), bit, decodeCell, encodeCell);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses every change to the unused bytes of control cells', () => {
    const cells: [Cell, number][] = [
      [{ type: 'PADDING', circId: 0 }, 0],
      [{ type: 'HELLO', circId: 0, version: 1, nonce: new Uint8Array(32).fill(7) }, 36],
      [{ type: 'AUTH', circId: 0, ed25519: new Uint8Array(32), signature: new Uint8Array(64) }, 96],
      [
        {
          type: 'CREATE',
          circId: 9,
          hop: 1,
          htype: 2,
          id: new Uint8Array(32),
          b: new Uint8Array(32),
          x: new Uint8Array(32),
        },
        101,
      ],
      [{ type: 'CREATED', circId: 9, y: new Uint8Array(32), auth: new Uint8Array(32) }, 66],
      [{ type: 'DESTROY', circId: 9, reason: 3 }, 1],
    ];
    for (const [cell, used] of cells) {
      const encoded = encodeCell(cell);
      for (let bit = (5 + used) * 8; bit < CELL_LENGTH * 8; bit += 13) {
        expect(() => decodeCell(flipBit(encoded, bit))).toThrow(PayloadMalformedError);
      }
    }
  });

  it('refuses every other length', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4096 }).filter((n) => n !== CELL_LENGTH),
        (length) => {
          expect(() => decodeCell(new Uint8Array(length))).toThrow(PayloadMalformedError);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses unknown commands, a CircID that does not fit, HOP outside 1..3, other HTYPEs and HELLO for other cell lengths', () => {
    const create = encodeCell({
      type: 'CREATE',
      circId: 5,
      hop: 2,
      htype: 2,
      id: new Uint8Array(32),
      b: new Uint8Array(32),
      x: new Uint8Array(32),
    });
    const withByte = (bytes: Uint8Array, index: number, value: number) => {
      const out = bytes.slice();
      out[index] = value;
      return out;
    };
    expect(() => decodeCell(withByte(create, 4, 7))).toThrow(PayloadMalformedError);
    expect(() => decodeCell(withByte(create, 5, 0))).toThrow(PayloadMalformedError);
    expect(() => decodeCell(withByte(create, 5, 4))).toThrow(PayloadMalformedError);
    expect(() => decodeCell(withByte(create, 7, 3))).toThrow(PayloadMalformedError);
    expect(() => decodeCell(withByte(create, 3, 0))).toThrow(PayloadMalformedError);
    const hello = encodeCell({ type: 'HELLO', circId: 0, version: 1, nonce: new Uint8Array(32) });
    expect(() => decodeCell(withByte(hello, 3, 1))).toThrow(PayloadMalformedError);
    expect(() => decodeCell(withByte(hello, 8, 0x04))).toThrow(PayloadMalformedError);
    // A CREATE body read as a DESTROY has nonzero unused bytes.
    expect(() => decodeCell(withByte(create, 4, CellCommand.DESTROY))).toThrow(
      PayloadMalformedError,
    );
  });

  it('allocates CircIDs with the opener bit, never 0 and never one in use', () => {
    let counter = 0;
    const source = (n: number) => new Uint8Array(n).fill(counter++ % 2 === 0 ? 0 : 0x80);
    const used = new Set<number>([0x8000_0000]);
    const a = allocateCircId(true, used, source);
    expect(isOpenerCircId(a)).toBe(true);
    expect(used.has(a)).toBe(false);
    const b = allocateCircId(false, new Set(), (n) => new Uint8Array(n).fill(0xff));
    expect(isOpenerCircId(b)).toBe(false);
    expect(b).toBe(0x7fff_ffff);
  });
});
