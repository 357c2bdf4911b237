/**
 * The answer of `retrieve` built in one pass over the page: the objects (what `batch`, onion
 * requests and the schema check read) and, alongside, the exact bytes `JSON.stringify` would give
 * for them, written into one buffer of the right size. Base64, integers and the usual hashes need
 * no escaping, so the answer is a concatenation of fragments; any string that might need escaping
 * goes through `JSON.stringify` itself (docs/BENCHMARKS.md, "Retrieve").
 */
import type { RetrievedRow } from '../../storage/message-store.js';

/** A message as the `retrieve` answer carries it (docs/PROTOCOL.md). */
export interface RetrievedMessage {
  hash: string;
  timestamp: number;
  expiration: number;
  data: string;
}

/** The fields of the answer beside its messages. */
export interface RetrieveAnswerFields {
  more: boolean;
  t: number;
  hf: readonly [number, number];
}

/** The answer's objects and their JSON, byte for byte `JSON.stringify(body)`. */
export interface RetrieveAnswer {
  body: { messages: RetrievedMessage[]; more: boolean; t: number; hf: [number, number] };
  encoded: Buffer;
}

/** Printable ASCII without `"` and `\`: JSON writes such a string as is between quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A character beyond ASCII: a text without one is one byte per character in UTF-8 and latin1. */
const BEYOND_ASCII = /[\u0080-\uffff]/;

/** A number as JSON (`null` for what JSON cannot represent, as `JSON.stringify` does). */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? `${value}` : 'null';
}

function base64Of(data: Uint8Array): string {
  return (
    Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length)
  ).toString('base64');
}

const OPEN = '{"messages":[';

/**
 * Builds the answer of a retrieve page.
 *
 * @param rows The page, in order.
 */
export function buildRetrieveAnswer(
  rows: readonly RetrievedRow[],
  fields: RetrieveAnswerFields,
): RetrieveAnswer {
  const count = rows.length;
  const messages: RetrievedMessage[] = new Array(count);
  // Every fragment but the data: `{"hash":…,"timestamp":…,"expiration":…,"data":"` before it.
  const heads: string[] = new Array(count);
  let size = OPEN.length;
  let ascii = true;
  for (let index = 0; index < count; index++) {
    const row = rows[index] as RetrievedRow;
    const data = base64Of(row.data);
    messages[index] = {
      hash: row.hash,
      timestamp: row.timestamp,
      expiration: row.expiry,
      data,
    };
    let hash: string;
    if (PLAIN.test(row.hash)) hash = `"${row.hash}"`;
    else {
      hash = JSON.stringify(row.hash);
      if (BEYOND_ASCII.test(hash)) ascii = false;
    }
    const head = `${index === 0 ? '' : ','}{"hash":${hash},"timestamp":${jsonNumber(row.timestamp)},"expiration":${jsonNumber(row.expiry)},"data":"`;
    heads[index] = head;
    size += head.length + data.length + 2;
  }
  const hf: [number, number] = [fields.hf[0], fields.hf[1]];
  const tail = `],"more":${fields.more},"t":${jsonNumber(fields.t)},"hf":[${jsonNumber(hf[0])},${jsonNumber(hf[1])}]}`;
  size += tail.length;
  const body = { messages, more: fields.more, t: fields.t, hf };
  if (!ascii) {
    // A hash with characters beyond ASCII (escaped or not): let UTF-8 encoding do the sizing.
    let text = OPEN;
    for (let index = 0; index < count; index++) {
      text += `${heads[index]}${(messages[index] as RetrievedMessage).data}"}`;
    }
    return { body, encoded: Buffer.from(text + tail) };
  }
  // Every fragment is one byte per character: write them straight into one buffer.
  const encoded = Buffer.allocUnsafe(size);
  let offset = encoded.write(OPEN, 0, 'latin1');
  for (let index = 0; index < count; index++) {
    offset += encoded.write(heads[index] as string, offset, 'latin1');
    offset += encoded.write((messages[index] as RetrievedMessage).data, offset, 'latin1');
    encoded[offset++] = 0x22; // "
    encoded[offset++] = 0x7d; // }
  }
  offset += encoded.write(tail, offset, 'latin1');
  return { body, encoded: offset === size ? encoded : encoded.subarray(0, offset) };
}
