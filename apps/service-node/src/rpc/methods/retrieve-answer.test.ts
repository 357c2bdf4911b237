import { describe, expect, it } from 'vitest';
import type { RetrievedRow } from '../../storage/message-store.js';
import { buildRetrieveAnswer } from './retrieve-answer.js';

/** The answer as the handler built it before: objects, then `JSON.stringify`. */
function oldAnswer(
  rows: readonly RetrievedRow[],
  more: boolean,
  t: number,
  hf: [number, number],
): Buffer {
  const messages = rows.map((row) => ({
    hash: row.hash,
    timestamp: row.timestamp,
    expiration: row.expiry,
    data: Buffer.from(row.data.buffer, row.data.byteOffset, row.data.length).toString('base64'),
  }));
  return Buffer.from(JSON.stringify({ messages, more, t, hf }));
}

/** A small deterministic generator (xorshift32), so that a failure can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

const SPECIAL = [
  '"',
  '\\',
  '\n',
  '\r',
  '\t',
  '\b',
  '\f',
  '\u0000',
  '\u001f',
  '\u007f',
  '/',
  'é',
  '€',
  '日本',
  '😀',
  '\ud800', // a lone surrogate: JSON.stringify escapes it
  '\udfff',
  '\u2028',
  '\u2029',
  '<',
  '+',
  '=',
];

function randomString(next: () => number, asciiOnly: boolean): string {
  const kind = next();
  if (kind < 0.4) {
    // A real hash: 43 characters of unpadded base64 (url-safe or not).
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_';
    let text = '';
    for (let i = 0; i < 43; i++) text += alphabet[Math.floor(next() * alphabet.length)];
    return text;
  }
  let text = '';
  const length = Math.floor(next() * 20);
  for (let i = 0; i < length; i++) {
    const pick = next();
    if (pick < 0.3) {
      const special = SPECIAL[Math.floor(next() * SPECIAL.length)] as string;
      text += asciiOnly ? special.replace(/[\u0080-\uffff]/g, '"') : special;
    } else if (pick < 0.5) {
      text += String.fromCharCode(Math.floor(next() * (asciiOnly ? 0x80 : 0x10000)));
    } else text += String.fromCharCode(0x20 + Math.floor(next() * 95));
  }
  return text;
}

function randomInteger(next: () => number): number {
  const pick = next();
  if (pick < 0.1) return 0;
  if (pick < 0.2) return Number.MAX_SAFE_INTEGER;
  if (pick < 0.3) return -Math.floor(next() * 1e12);
  return Math.floor(next() * 2e12);
}

function randomRows(
  next: () => number,
  count: number,
  asBuffer: boolean,
  asciiOnly: boolean,
): RetrievedRow[] {
  const rows: RetrievedRow[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = new Uint8Array(Math.floor(next() * 400));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(next() * 256);
    // better-sqlite3 gives Buffers; a view into a larger buffer must encode only its bytes.
    let data: Uint8Array = bytes;
    if (asBuffer) data = Buffer.from(bytes);
    else if (next() < 0.5) {
      const larger = new Uint8Array(bytes.length + 8);
      larger.set(bytes, 3);
      data = larger.subarray(3, 3 + bytes.length);
    }
    rows.push({
      hash: randomString(next, asciiOnly),
      timestamp: randomInteger(next),
      expiry: randomInteger(next),
      data,
    });
  }
  return rows;
}

describe('buildRetrieveAnswer', () => {
  it('gives byte for byte the JSON of the old objects, over random pages', () => {
    const next = generator(20261207);
    let nonAscii = 0;
    let escaped = 0;
    for (let round = 0; round < 400; round++) {
      const count = round % 10 === 0 ? 0 : Math.floor(next() * 120);
      const asciiOnly = round % 2 === 0;
      const rows = randomRows(next, count, next() < 0.5, asciiOnly);
      const more = next() < 0.5;
      const t = randomInteger(next);
      const hf: [number, number] = [Math.floor(next() * 30), Math.floor(next() * 10)];
      const expected = oldAnswer(rows, more, t, hf);
      const answer = buildRetrieveAnswer(rows, { more, t, hf });
      expect(answer.encoded.equals(expected)).toBe(true);
      // The objects are the ones the answer encodes (batch and onion send those).
      expect(Buffer.from(JSON.stringify(answer.body)).equals(expected)).toBe(true);
      if (asciiOnly && expected.includes('\\')) escaped += 1;
      if (/[\u0080-\uffff]/.test(expected.toString())) nonAscii += 1;
    }
    // The random pages did reach the escaping (in ASCII-only pages: the one-buffer path) and the
    // non-ASCII path.
    expect(nonAscii).toBeGreaterThan(10);
    expect(escaped).toBeGreaterThan(10);
  });

  it('escapes every kind of special character in a hash exactly as JSON does', () => {
    for (const special of SPECIAL) {
      const rows: RetrievedRow[] = [
        { hash: `a${special}b`, timestamp: 1, expiry: 2, data: Buffer.from([1, 2, 3]) },
        { hash: 'plain', timestamp: 3, expiry: 4, data: Buffer.alloc(0) },
      ];
      const answer = buildRetrieveAnswer(rows, { more: true, t: 5, hf: [19, 3] });
      expect(answer.encoded.toString()).toBe(oldAnswer(rows, true, 5, [19, 3]).toString());
      expect(JSON.parse(answer.encoded.toString()).messages[0].hash).toBe(
        JSON.parse(JSON.stringify(`a${special}b`)),
      );
    }
  });

  it('writes numbers JSON cannot hold as null, as JSON.stringify does', () => {
    const rows: RetrievedRow[] = [
      {
        hash: 'h',
        timestamp: Number.NaN,
        expiry: Number.POSITIVE_INFINITY,
        data: Buffer.from('x'),
      },
    ];
    const answer = buildRetrieveAnswer(rows, { more: false, t: 1.5, hf: [1, 0] });
    expect(answer.encoded.toString()).toBe(oldAnswer(rows, false, 1.5, [1, 0]).toString());
    expect(answer.encoded.toString()).toContain('"timestamp":null,"expiration":null');
  });

  it('answers an empty page', () => {
    const answer = buildRetrieveAnswer([], { more: false, t: 7, hf: [19, 3] });
    expect(answer.encoded.toString()).toBe('{"messages":[],"more":false,"t":7,"hf":[19,3]}');
    expect(answer.body).toEqual({ messages: [], more: false, t: 7, hf: [19, 3] });
  });
});
