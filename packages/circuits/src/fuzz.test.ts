/**
 * Fuzzing the circuit codecs (issue 10, "and later circuit cells"): the link cell codec, the
 * local relay payload codec and the relay commands' data. In `npm test` a seed-fixed run of a
 * few thousand cases per surface; the long run (`pnpm run fuzz` at the root, or `pnpm --filter
 * @murmur/circuits run fuzz`) sets MURMUR_FUZZ_CASES (100,000 there) and prints cases, crashes and
 * non-canonical decodes per surface.
 *
 * What must hold for every input: the decoder returns or throws {@link PayloadMalformedError}
 * (anything else is a crash), and what it accepts re-encodes to exactly the same bytes (one
 * encoding per value; a payload with random padding is compared up to its padding).
 */
import { PayloadMalformedError } from '@murmur/wire';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCell, encodeCell } from './cell.js';
import { RELAY_HEADER_LENGTH } from './constants.js';
import {
  decodeExtend,
  decodeExtended,
  decodeFragment,
  decodePingToken,
  decodeRelayPayload,
  decodeSendme,
  encodeExtend,
  encodeExtended,
  encodeFragment,
  encodeRelayPayload,
  encodeSendme,
  hasRandomPadding,
} from './relay-payload.js';
import { cellBytesArb, commandDataArb, relayPayloadArb } from './test-support/fuzz-inputs.js';

const { MURMUR_FUZZ_CASES, MURMUR_FUZZ_SEED } = process.env;
const longRun = MURMUR_FUZZ_CASES !== undefined;
const SEED = Number(MURMUR_FUZZ_SEED ?? 20_261_207);
const CASES = longRun ? Number(MURMUR_FUZZ_CASES) : 3_000;

interface Report {
  surface: string;
  cases: number;
  accepted: number;
  crashes: number;
  nonCanonical: number;
  examples: string[];
}

const reports: Report[] = [];

afterAll(() => {
  for (const r of reports) {
    console.log(
      `fuzz ${r.surface}: ${r.cases} cases, ${r.accepted} accepted, ${r.crashes} crashes, ${r.nonCanonical} non-canonical${r.examples.length > 0 ? `\n  ${r.examples.join('\n  ')}` : ''}`,
    );
  }
});

const hex = (bytes: Uint8Array) => Buffer.from(bytes.subarray(0, 48)).toString('hex');

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}

/**
 * Runs `check` on `CASES` inputs of `arbitrary`: it returns whether the input was accepted and
 * re-encoded to the same bytes (`'canonical'`), accepted but not (`'non-canonical'`), or
 * refused; a throw other than PayloadMalformedError is a crash.
 */
function fuzz<T>(
  surface: string,
  arbitrary: fc.Arbitrary<T>,
  check: (input: T) => 'canonical' | 'non-canonical',
  describeInput: (input: T) => string,
): Report {
  const report: Report = {
    surface,
    cases: 0,
    accepted: 0,
    crashes: 0,
    nonCanonical: 0,
    examples: [],
  };
  fc.assert(
    fc.property(arbitrary, (input) => {
      report.cases += 1;
      try {
        const outcome = check(input);
        report.accepted += 1;
        if (outcome === 'non-canonical') {
          report.nonCanonical += 1;
          if (report.examples.length < 5)
            report.examples.push(`non-canonical: ${describeInput(input)}`);
        }
      } catch (error) {
        if (error instanceof PayloadMalformedError) return true;
        report.crashes += 1;
        if (report.examples.length < 5) {
          report.examples.push(`crash ${String(error)}: ${describeInput(input)}`);
        }
      }
      return true;
    }),
    { seed: SEED, numRuns: CASES },
  );
  reports.push(report);
  return report;
}

function expectClean(report: Report): void {
  expect(report.cases).toBe(CASES);
  expect(report.examples).toEqual([]);
  expect({ crashes: report.crashes, nonCanonical: report.nonCanonical }).toEqual({
    crashes: 0,
    nonCanonical: 0,
  });
  // The arbitraries reach past the length checks: some inputs are accepted, some refused.
  expect(report.accepted).toBeGreaterThan(0);
  expect(report.accepted).toBeLessThan(report.cases);
}

const timeout = longRun ? 24 * 3_600_000 : 120_000;

describe('fuzz: circuit codecs, 0 crashes, one encoding per accepted input', () => {
  it('link cells (decodeCell)', { timeout }, () => {
    const report = fuzz(
      'circuit cells',
      cellBytesArb,
      (bytes) => (equal(encodeCell(decodeCell(bytes)), bytes) ? 'canonical' : 'non-canonical'),
      (bytes) => `${bytes.length} bytes ${hex(bytes)}`,
    );
    expectClean(report);
  });

  it('local relay payloads (decodeRelayPayload)', { timeout }, () => {
    const report = fuzz(
      'relay payloads',
      relayPayloadArb,
      ({ hop, fromExit, bytes }) => {
        const payload = decodeRelayPayload(hop, bytes, { fromExit });
        const again = encodeRelayPayload(hop, payload);
        if (!hasRandomPadding(payload.command, fromExit)) {
          return equal(again, bytes) ? 'canonical' : 'non-canonical';
        }
        const end = RELAY_HEADER_LENGTH + payload.data.length;
        return again.length === bytes.length &&
          equal(again.subarray(0, end), bytes.subarray(0, end))
          ? 'canonical'
          : 'non-canonical';
      },
      ({ hop, fromExit, bytes }) =>
        `hop ${hop} fromExit ${fromExit} ${bytes.length} bytes ${hex(bytes)}`,
    );
    expectClean(report);
  });

  it('relay command data (EXTEND, EXTENDED, PING, SENDME, NOTIFY/DATA fragments)', {
    timeout,
  }, () => {
    const report = fuzz(
      'relay command data',
      commandDataArb,
      ({ decoder, bytes }) => {
        let again: Uint8Array;
        switch (decoder) {
          case 'extend':
            again = encodeExtend(decodeExtend(bytes));
            break;
          case 'extended':
            again = encodeExtended(decodeExtended(bytes));
            break;
          case 'ping':
            again = decodePingToken(bytes);
            break;
          case 'sendme':
            again = encodeSendme(decodeSendme(bytes));
            break;
          case 'notify-fragment':
            again = encodeFragment('NOTIFY', decodeFragment('NOTIFY', bytes));
            break;
          default:
            again = encodeFragment('DATA', decodeFragment('DATA', bytes));
        }
        return equal(again, bytes) ? 'canonical' : 'non-canonical';
      },
      ({ decoder, bytes }) => `${decoder} ${bytes.length} bytes ${hex(bytes)}`,
    );
    expectClean(report);
  });
});
