/**
 * Canonical JSON: the one byte form that signatures, transaction IDs and block hashes cover.
 *
 * Objects with their keys sorted (ascending code units), no whitespace, strings escaped as
 * `JSON.stringify` escapes them, integers only (bigints are written as decimal strings by the
 * codecs before they get here), `undefined` members left out.
 */
import { InvalidInputError } from '@murmur/wire';

/** A JSON value as the canonical encoder accepts it. */
export type CanonicalValue =
  | string
  | number
  | boolean
  | null
  | readonly CanonicalValue[]
  | { readonly [key: string]: CanonicalValue | undefined };

/** The canonical JSON text of `value`. Throws {@link InvalidInputError} for non-integers. */
export function canonicalJson(value: CanonicalValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new InvalidInputError('canonical JSON holds safe integers only', {
          details: { value: String(value) },
        });
      }
      return String(value);
    default:
      break;
  }
  if (Array.isArray(value)) {
    return `[${(value as readonly CanonicalValue[]).map(canonicalJson).join(',')}]`;
  }
  if (typeof value === 'object') {
    const record = value as { readonly [key: string]: CanonicalValue | undefined };
    const keys = Object.keys(record).sort();
    const parts: string[] = [];
    for (const key of keys) {
      const member = record[key];
      if (member === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
    }
    return `{${parts.join(',')}}`;
  }
  throw new InvalidInputError(`canonical JSON cannot hold a ${typeof value}`);
}

/** Domain tag that opens the bytes a transaction signature covers, and a transaction ID's input. */
export const TRANSACTION_DOMAIN = 'murmur-ledger-tx-v1\n';
/** Domain tag that opens a block header's hashed bytes. */
export const BLOCK_DOMAIN = 'murmur-ledger-block-v1\n';
/** Domain tag that opens a genesis configuration's hashed bytes. */
export const GENESIS_DOMAIN = 'murmur-ledger-genesis-v1\n';
