/**
 * Checks the worked examples of docs/PROTOCOL.md (part 2, wire formats) against the code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type BencodeDict,
  decodeBencode,
  encodeBencode,
  getBencodeBytes,
  getBencodeInteger,
  getBencodeString,
} from './bencode.js';
import { decodeCombinedPayload, encodeCombinedPayload } from './combined-payload.js';
import * as constants from './constants.js';
import { bytesToHex, hexToBytes, utf8Encode } from './encoding.js';
import { WrongSwarmError } from './errors.js';
import {
  decodeOnionV4Request,
  decodeOnionV4Response,
  encodeOnionV4Request,
  encodeOnionV4Response,
} from './onion-v4.js';
import { errorFromResponse, responseFromError } from './status.js';
import { parseOnionLayer, parseOnionSnodeReply, parseRequest, parseResponse } from './validate.js';

const candidates = ['../../../docs/PROTOCOL.md'].map((path) =>
  fileURLToPath(new URL(path, import.meta.url)),
);

function examples(): Map<string, { language: string; text: string }> {
  const found = new Map<string, { language: string; text: string }>();
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const markdown = readFileSync(file, 'utf8');
    const pattern = /<!-- example: ([a-z0-9-]+) -->\s*```([a-z]+)\n([\s\S]*?)```/g;
    for (const match of markdown.matchAll(pattern)) {
      found.set(match[1] as string, {
        language: match[2] as string,
        text: (match[3] as string).trim(),
      });
    }
  }
  return found;
}

const documented = examples();

function example(name: string, language: 'hex' | 'json'): string {
  const found = documented.get(name);
  if (found === undefined) throw new Error(`the protocol documentation has no example "${name}"`);
  expect(found.language).toBe(language);
  return language === 'hex' ? found.text.replace(/\s+/g, '') : found.text;
}

function documentation(): string {
  return candidates
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
}

describe('the protocol documentation', () => {
  it('exists and names every constant of constants.ts', () => {
    const text = documentation();
    expect(text).not.toBe('');
    for (const name of Object.keys(constants)) expect(text).toContain(`\`${name}\``);
  });

  it('combined payload: the example is what the codec writes', () => {
    const hex = example('combined-payload', 'hex');
    const blob = utf8Encode('{"method":"info","params":{}}');
    expect(bytesToHex(encodeCombinedPayload(blob, { headers: '' }))).toBe(hex);
    const decoded = decodeCombinedPayload(hexToBytes(hex));
    expect(parseOnionLayer(decoded.json)).toEqual({ role: 'final', json: false, base64: true });
    expect(parseRequest(decoded.blob)).toEqual({ method: 'info', params: {} });
  });

  it('relay layer: the example reads as a relay', () => {
    const json = JSON.parse(example('relay-layer', 'json'));
    expect(parseOnionLayer(json)).toEqual({
      role: 'relay',
      destination: 'e5'.repeat(32),
      ephemeralKey: 'd4'.repeat(32),
      encType: 'xchacha20',
    });
  });

  it('snode reply: the example is a valid reply carrying an info answer', () => {
    const reply = parseOnionSnodeReply(example('snode-reply', 'json'));
    expect(reply.status).toBe(200);
    expect(parseResponse('info', reply.body)).toEqual({
      version: [2, 8, 0],
      timestamp: 1_732_600_000_000,
      t: 1_732_600_000_000,
      hf: [19, 4],
    });
  });

  it('v4 request and response: the examples are what the codec writes', () => {
    const request = example('v4-request', 'hex');
    expect(
      bytesToHex(
        encodeOnionV4Request({
          method: 'POST',
          endpoint: '/room/lokinet/message',
          headers: { 'Content-Type': 'application/json' },
          body: '{"data":"aGk="}',
        }),
      ),
    ).toBe(request);
    expect(decodeOnionV4Request(hexToBytes(request)).endpoint).toBe('/room/lokinet/message');

    const response = example('v4-response', 'hex');
    expect(
      bytesToHex(
        encodeOnionV4Response({
          code: 200,
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
      ),
    ).toBe(response);
    expect(decodeOnionV4Response(hexToBytes(response)).code).toBe(200);
  });

  it('bencode: the example is the canonical encoding', () => {
    const hex = example('bencode', 'hex');
    const value = {
      data: new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
      enc_type: 'aes-gcm',
      hop_no: 1,
    };
    expect(bytesToHex(encodeBencode(value))).toBe(hex);
    const dict = decodeBencode(hexToBytes(hex)) as BencodeDict;
    expect(bytesToHex(getBencodeBytes(dict, 'data'))).toBe('deadbeef');
    expect(getBencodeString(dict, 'enc_type')).toBe('aes-gcm');
    expect(getBencodeInteger(dict, 'hop_no')).toBe(1);
  });

  it('421: the example body maps to WrongSwarmError and back to the same JSON', () => {
    const text = example('wrong-swarm-body', 'json');
    expect(parseResponse('get_swarm', text)).toEqual(JSON.parse(text));
    const error = errorFromResponse(421, text) as WrongSwarmError;
    expect(error).toBeInstanceOf(WrongSwarmError);
    expect(error.swarmId).toBe('3fffffffffffffff');
    const { status, body } = responseFromError(error, { now: 1_732_600_000_000 });
    expect(status).toBe(421);
    expect(JSON.stringify(body)).toBe(text);
  });
});
