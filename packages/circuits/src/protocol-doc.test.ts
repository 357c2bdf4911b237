/**
 * docs/PROTOCOL.md (part 3) shows the circuit tests' known-answer vectors as worked examples.
 * This test reads the page and checks it shows every tested value, so they cannot drift apart.
 * Skipped, saying so, where the page is not beside the package (a published tarball).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hopCapacity, relayDataCapacity } from './constants.js';
import { NTOR_PROTOID } from './ntor.js';
import { LAYER_EXAMPLE, NTOR_EXAMPLE } from './test-support/vectors.js';

const page = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'docs',
  'PROTOCOL.md',
);

if (!existsSync(page)) {
  describe('docs/PROTOCOL.md', () => {
    it.skip(`skipped: ${page} is not here`, () => {});
  });
} else {
  describe('docs/PROTOCOL.md part 3 shows the tested values', () => {
    const text = readFileSync(page, 'utf8').replace(/\s+/g, ' ');
    const shows = (value: string) => expect(text, value).toContain(value);

    it('murmur-ntor', () => {
      shows(NTOR_PROTOID);
      for (const value of Object.values(NTOR_EXAMPLE.expected)) shows(value);
    });

    it('layers', () => {
      for (const value of Object.values(LAYER_EXAMPLE.expected)) shows(value);
    });

    it('capacities', () => {
      shows(`(${[1, 2, 3].map(hopCapacity).join(', ')})`);
      shows(
        `guard ${relayDataCapacity(1)}, middle ${relayDataCapacity(2)}, exit ${relayDataCapacity(3)} bytes`,
      );
    });
  });
}
