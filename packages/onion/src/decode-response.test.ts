import { loadCrypto } from '@murmur/crypto';
import {
  AbortError,
  bytesToBase64,
  ClockOutOfSyncError,
  InvalidInputError,
  InvalidResponseError,
  NextNodeNotFoundError,
  NodeNotReadyError,
  RequestTimeoutError,
  UpstreamFailedError,
  utf8Encode,
  WrongSwarmError,
} from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { buildOnionRequest } from './build-request.js';
import {
  decodeOnionResponse,
  destinationError,
  onionFailureKind,
  pathErrorFromResponse,
} from './decode-response.js';
import { encryptFinalResponse } from './peel-layer.js';
import { makeTestNodes, runOnion, type TestNode } from './test-support/fixtures.js';

const crypto = await loadCrypto();
const nodes = makeTestNodes(crypto, 4);
const destination = nodes[3] as TestNode;
const request = await buildOnionRequest(crypto, {
  path: nodes.slice(0, 3).map((entry) => entry.node),
  destination: { type: 'node', node: destination.node },
  payload: { method: 'store', params: {} },
});
const KEY = 'ab'.repeat(32);

async function destinationReply(status: number, body: string | object): Promise<Uint8Array> {
  const run = await runOnion(crypto, request, nodes);
  if (run.last.role !== 'final') throw new Error('expected final');
  return encryptFinalResponse(crypto, run.last, { status, body });
}

async function failure(response: { status: number; body: string | Uint8Array }) {
  try {
    await decodeOnionResponse(crypto, request, response);
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('decodeOnionResponse: the path failed', () => {
  it('maps 502 "Next node not found: <key>" to NextNodeNotFoundError naming the node', async () => {
    const error = await failure({ status: 502, body: `Next node not found: ${KEY}` });
    expect(error).toBeInstanceOf(NextNodeNotFoundError);
    expect((error as NextNodeNotFoundError).nodeKey).toBe(KEY);
    expect(onionFailureKind(error)).toBe('node');
    expect((error as NextNodeNotFoundError).details).toMatchObject({
      guard: (nodes[0] as TestNode).node.ed25519,
    });
  });

  it('also reads SS\'s "Next node is currently unreachable: <key>"', async () => {
    const error = await failure({
      status: 502,
      body: utf8Encode(`Next node is currently unreachable: ${KEY.toUpperCase()}`),
    });
    expect(error).toBeInstanceOf(NextNodeNotFoundError);
    expect((error as NextNodeNotFoundError).nodeKey).toBe(KEY);
    expect(onionFailureKind(error)).toBe('node');
  });

  it('strikes the path for other 502s, 503, 504 and 400 "Invalid ciphertext"', async () => {
    const cases = [
      [502, 'Bad gateway', UpstreamFailedError],
      [502, 'Next node not found', UpstreamFailedError],
      [504, 'Request time out', RequestTimeoutError],
      [503, `Snode not ready: ${KEY}`, NodeNotReadyError],
      [400, 'Invalid ciphertext', InvalidInputError],
      [500, 'Invalid response from snode', UpstreamFailedError],
      [421, '{"snodes":[],"swarm":"1"}', WrongSwarmError],
    ] as const;
    for (const [status, body, type] of cases) {
      const error = await failure({ status, body });
      expect(error, `${status} ${body}`).toBeInstanceOf(type);
      expect(onionFailureKind(error), `${status} ${body}`).toBe('path');
    }
  });

  it('strikes the path when a 200 answer does not decrypt', async () => {
    for (const body of ['garbage', bytesToBase64(crypto.randomBytes(64)), new Uint8Array(0)]) {
      const error = await failure({ status: 200, body });
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(onionFailureKind(error)).toBe('path');
    }
  });
});

describe('decodeOnionResponse: the destination answered', () => {
  it('returns a 421 wrong-swarm answer instead of throwing, and never blames the path', async () => {
    const swarm = {
      snodes: [{ ip: '10.0.0.1', port: '22021', pubkey_ed25519: KEY, pubkey_x25519: KEY }],
      swarm: '1f',
      t: 1_700_000_000_000,
      hf: [19, 3],
    };
    const reply = await destinationReply(421, swarm);
    const answer = await decodeOnionResponse(crypto, request, { status: 200, body: reply });
    expect(answer).toEqual({ status: 421, body: swarm });
    const error = destinationError(answer);
    expect(error).toBeInstanceOf(WrongSwarmError);
    expect((error as WrongSwarmError).members).toHaveLength(1);
    expect(onionFailureKind(error)).toBe('destination');
  });

  it('returns a 406 clock error as text and maps it to a destination failure', async () => {
    const reply = await destinationReply(406, 'Timestamp error: check your clock');
    const answer = await decodeOnionResponse(crypto, request, { status: 200, body: reply });
    expect(answer).toEqual({ status: 406, body: 'Timestamp error: check your clock' });
    const error = destinationError(answer);
    expect(error).toBeInstanceOf(ClockOutOfSyncError);
    expect(onionFailureKind(error)).toBe('destination');
  });

  it('returns 2xx without an error', async () => {
    const reply = await destinationReply(200, '{"hash":"x"}');
    const answer = await decodeOnionResponse(crypto, request, { status: 200, body: reply });
    expect(answer).toEqual({ status: 200, body: { hash: 'x' } });
    expect(destinationError(answer)).toBeUndefined();
  });

  it('accepts the body as text as well as bytes', async () => {
    const reply = await destinationReply(200, 'ok');
    const answer = await decodeOnionResponse(crypto, request, {
      status: 200,
      body: new TextDecoder().decode(reply),
    });
    expect(answer).toEqual({ status: 200, body: 'ok' });
  });

  it('blames the destination for a decrypted reply that is not {status, body}', async () => {
    const raw = await crypto.encryptLayerResponse(
      utf8Encode('{"code":200}'),
      request.responseKey,
      'aes-gcm',
    );
    const error = await failure({ status: 200, body: bytesToBase64(raw) });
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(onionFailureKind(error)).toBe('destination');
  });

  it('checks its inputs', async () => {
    for (const [req, response] of [
      [request, { status: 'x', body: '' }],
      [request, { status: 200, body: 5 }],
      [{ ...request }, { status: 200, body: '' }],
    ] as const) {
      await expect(decodeOnionResponse(crypto, req as never, response as never)).rejects.toThrow(
        InvalidInputError,
      );
    }
  });
});

describe('onionFailureKind', () => {
  it('judges unmarked errors by their code', () => {
    expect(onionFailureKind(new AbortError())).toBe('none');
    expect(onionFailureKind(new Error('boom'))).toBe('none');
    expect(onionFailureKind('text')).toBe('none');
    expect(onionFailureKind(new InvalidInputError('bad input'))).toBe('none');
    expect(onionFailureKind(new WrongSwarmError('moved', { members: [] }))).toBe('destination');
    expect(onionFailureKind(new ClockOutOfSyncError('clock'))).toBe('destination');
    expect(onionFailureKind(new RequestTimeoutError('slow'))).toBe('path');
    expect(onionFailureKind(new NextNodeNotFoundError('gone', KEY))).toBe('node');
    expect(onionFailureKind(new NextNodeNotFoundError('gone'))).toBe('path');
  });

  it('prefers the mark over the code', () => {
    const fromGuard = pathErrorFromResponse(421, '{}');
    expect(fromGuard).toBeInstanceOf(WrongSwarmError);
    expect(onionFailureKind(fromGuard)).toBe('path');
  });
});
