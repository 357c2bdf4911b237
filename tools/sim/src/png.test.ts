import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32, encodePng, PNG_SIGNATURE } from './png.js';

interface Chunk {
  type: string;
  data: Uint8Array;
  crc: number;
  computedCrc: number;
}

/** Splits a PNG file into its chunks, checking nothing but the framing. */
function readChunks(file: Uint8Array): Chunk[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const chunks: Chunk[] = [];
  let offset = 8;
  while (offset < file.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...file.subarray(offset + 4, offset + 8));
    const data = file.subarray(offset + 8, offset + 8 + length);
    const crc = view.getUint32(offset + 8 + length);
    chunks.push({
      type,
      data,
      crc,
      computedCrc: crc32(file.subarray(offset + 4, offset + 8 + length)),
    });
    offset += 12 + length;
  }
  return chunks;
}

/** Decodes what encodePng writes (RGB 8-bit, filter 0 only). */
function decode(file: Uint8Array): { width: number; height: number; pixels: Uint8Array } {
  const chunks = readChunks(file);
  const header = chunks[0] as Chunk;
  const view = new DataView(header.data.buffer, header.data.byteOffset, header.data.byteLength);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  const compressed = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
  const raw = zlib.inflateSync(compressed);
  const stride = width * 3;
  expect(raw.length).toBe((stride + 1) * height);
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (stride + 1)]).toBe(0);
    pixels.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, pixels };
}

describe('crc32', () => {
  it('matches the standard check value and zlib', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc32(bytes)).toBe(zlib.crc32(bytes));
      }),
    );
  });
});

describe('encodePng', () => {
  const width = 3;
  const height = 2;
  // Red, green, blue / white, black, grey.
  const pixels = Uint8Array.of(
    255,
    0,
    0,
    0,
    255,
    0,
    0,
    0,
    255,
    255,
    255,
    255,
    0,
    0,
    0,
    128,
    128,
    128,
  );
  const file = encodePng({ width, height, pixels });

  it('opens with the PNG signature and an IHDR for 8-bit RGB', () => {
    expect(file.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    const chunks = readChunks(file);
    expect(chunks.map((chunk) => chunk.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const header = chunks[0] as Chunk;
    expect(header.data.length).toBe(13);
    expect([...header.data.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    expect((chunks[2] as Chunk).data.length).toBe(0);
  });

  it('has a correct CRC on every chunk', () => {
    for (const chunk of readChunks(file)) expect(chunk.crc).toBe(chunk.computedCrc);
  });

  it('decodes back to the same dimensions and pixels', () => {
    expect(decode(file)).toEqual({ width, height, pixels });
  });

  it('round-trips random images', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer(),
        (w, h, seed) => {
          const image = new Uint8Array(w * h * 3).map((_, i) => (i * 31 + seed) & 0xff);
          expect(decode(encodePng({ width: w, height: h, pixels: image }))).toEqual({
            width: w,
            height: h,
            pixels: image,
          });
        },
      ),
      { numRuns: 30 },
    );
  });

  it('refuses bad dimensions and a pixel buffer of the wrong size', () => {
    expect(() => encodePng({ width: 0, height: 1, pixels: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => encodePng({ width: 1.5, height: 1, pixels: new Uint8Array(3) })).toThrow(
      RangeError,
    );
    expect(() => encodePng({ width: 2, height: 2, pixels: new Uint8Array(11) })).toThrow(
      RangeError,
    );
  });
});
