/**
 * The bytes Murmur writes for every `Content` and envelope in `test/vectors/content-wire.json`,
 * recorded from the hand-written writer this package had before it used generated protobuf code:
 * the output must stay byte for byte the same, and each vector must read back to its input.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bytesToHex } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { decodeContent, decodeEnvelope, encodeContent, encodeEnvelope } from './content.js';

interface Vectors {
  content: { input: { text: string; sentAt: number; displayName?: string }; hex: string }[];
  envelope: { input: { ciphertext: number; seed: number; timestamp: number }; hex: string }[];
}

const vectors = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../test/vectors/content-wire.json', import.meta.url)),
    'utf8',
  ),
) as Vectors;

function ciphertext(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (index * 31 + seed) & 0xff);
}

describe('wire vectors', () => {
  it('covers the cases it promises', () => {
    expect(vectors.content.length).toBeGreaterThanOrEqual(10);
    expect(vectors.envelope.length).toBeGreaterThanOrEqual(6);
  });

  it.each(vectors.content.map((vector, index) => [index, vector] as const))(
    'writes Content vector %i byte for byte and reads it back',
    (_index, { input, hex }) => {
      const bytes = encodeContent(input);
      expect(bytesToHex(bytes)).toBe(hex);
      const expected: { kind: 'text'; text: string; sentAt: number; displayName?: string } = {
        kind: 'text',
        text: input.text,
        sentAt: input.sentAt,
      };
      if (input.displayName !== undefined && input.displayName !== '') {
        expected.displayName = input.displayName;
      }
      expect(decodeContent(bytes)).toEqual(expected);
    },
  );

  it.each(vectors.envelope.map((vector, index) => [index, vector] as const))(
    'writes envelope vector %i byte for byte and reads it back',
    (_index, { input, hex }) => {
      const content = ciphertext(input.ciphertext, input.seed);
      const bytes = encodeEnvelope(content, input.timestamp);
      expect(bytesToHex(bytes)).toBe(hex);
      expect(decodeEnvelope(bytes)).toEqual({ type: 6, timestamp: input.timestamp, content });
    },
  );
});
