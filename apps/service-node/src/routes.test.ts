/**
 * Every storage RPC method through HTTP (`fastify.inject`, a real SQLite store in a temporary
 * directory, a static network): one good request answered 200 with a body that passes the
 * method's `@murmur/wire` response schema, and one bad request answered with its status and a
 * message naming the problem, leaving the store as it was.
 */
import type { Identity } from '@murmur/crypto';
import { bytesToHex, parseResponse, type RpcMethod } from '@murmur/wire';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeContents } from './test-support/assertions.js';
import { buildTestApp, createHarness, type Harness, TEST_NOW } from './test-support/harness.js';

let h: Harness;
let app: FastifyInstance;
let alice: Identity;
let hash: string;

async function rpc(method: string, params: unknown) {
  const response = await app.inject({
    method: 'POST',
    url: '/storage_rpc/v1',
    payload: JSON.stringify({ method, params }),
  });
  return { status: response.statusCode, body: response.body };
}

beforeAll(async () => {
  h = await createHarness();
  ({ app } = await buildTestApp(h));
  alice = h.account();
  const stored = await rpc('store', {
    pubkey: alice.sessionId,
    timestamp: TEST_NOW,
    ttl: 60_000,
    data: 'c2VlZA==',
  });
  hash = JSON.parse(stored.body).hash;
});

afterAll(async () => {
  await app.close();
  h.close();
});

type Case = {
  method: RpcMethod;
  good: () => Record<string, unknown>;
  bad: () => Record<string, unknown>;
  status: number;
  message: RegExp;
};

const token = () => {
  const bytes = new Uint8Array(36);
  bytes[0] = 0x05;
  bytes[1] = 0x01;
  return bytesToHex(bytes);
};

const cases: Case[] = [
  {
    method: 'store',
    good: () => ({ pubkey: alice.sessionId, timestamp: TEST_NOW, ttl: 60_000, data: 'aGVsbG8=' }),
    bad: () => ({ pubkey: alice.sessionId, timestamp: TEST_NOW, ttl: 60_000, data: 42 }),
    status: 400,
    message: /store: `data` must be base64 message data/,
  },
  {
    method: 'retrieve',
    good: () => ({
      pubkey: alice.sessionId,
      timestamp: TEST_NOW,
      ...h.sign('retrieve', alice, { namespace: 0, timestamp: TEST_NOW }),
    }),
    bad: () => ({
      pubkey: alice.sessionId,
      timestamp: TEST_NOW,
      signature: 'A'.repeat(86),
      pubkey_ed25519: bytesToHex(alice.ed25519.publicKey),
    }),
    status: 401,
    message: /retrieve signature verification failed/,
  },
  {
    method: 'delete',
    good: () => h.sign('delete', alice, { pubkey: alice.sessionId, messages: ['Q'.repeat(43)] }),
    bad: () => ({ pubkey: alice.sessionId, messages: [hash] }),
    status: 400,
    message: /^invalid request: Required field 'signature' missing$/,
  },
  {
    method: 'delete_all',
    good: () =>
      h.sign('delete_all', alice, { pubkey: alice.sessionId, namespace: 7, timestamp: TEST_NOW }),
    bad: () =>
      h.sign('delete_all', alice, { pubkey: alice.sessionId, timestamp: TEST_NOW - 120_000 }),
    status: 406,
    message: /delete_all timestamp too far from current time/,
  },
  {
    method: 'delete_before',
    good: () =>
      h.sign('delete_before', alice, { pubkey: alice.sessionId, namespace: 7, before: TEST_NOW }),
    bad: () => ({
      ...h.sign('delete_before', alice, { pubkey: alice.sessionId, before: TEST_NOW }),
      before: 'now',
    }),
    status: 400,
    message: /`before` must be a Unix timestamp in milliseconds/,
  },
  {
    method: 'expire',
    good: () =>
      h.sign('expire', alice, {
        pubkey: alice.sessionId,
        messages: [hash],
        expiry: TEST_NOW + 50_000,
      }),
    bad: () => ({
      ...h.sign('expire', alice, {
        pubkey: alice.sessionId,
        messages: [hash],
        expiry: TEST_NOW + 50_000,
      }),
      pubkey_ed25519: bytesToHex(h.account().ed25519.publicKey),
    }),
    status: 401,
    message: /^expire: signature verification failed$/,
  },
  {
    method: 'expire_all',
    good: () =>
      h.sign('expire_all', alice, {
        pubkey: alice.sessionId,
        namespace: 7,
        expiry: TEST_NOW + 50_000,
      }),
    bad: () => h.sign('expire_all', alice, { pubkey: alice.sessionId, expiry: TEST_NOW - 120_000 }),
    status: 406,
    message: /expire_all timestamp should be >= current time/,
  },
  {
    method: 'get_expiries',
    good: () =>
      h.sign('get_expiries', alice, {
        pubkey: alice.sessionId,
        messages: [hash],
        timestamp: TEST_NOW,
      }),
    bad: () => ({
      pubkey: alice.sessionId,
      messages: [hash],
      timestamp: TEST_NOW,
      signature: 'A'.repeat(86),
    }),
    status: 401,
    message: /^get_expiries signature verification failed$/,
  },
  {
    method: 'get_swarm',
    good: () => ({ pubkey: alice.sessionId }),
    bad: () => ({ pubkey: `06${'00'.repeat(31)}` }),
    status: 400,
    message: /^invalid request: Pubkey must be 66 hex digits \(33 bytes\) long$/,
  },
  {
    method: 'info',
    good: () => ({}),
    bad: () => ({ anything: 'is fine' }),
    status: 200,
    message: /"version":\[2,8,0\]/,
  },
  {
    method: 'oxend_request',
    good: () => ({ endpoint: 'get_service_nodes', params: { active_only: true } }),
    bad: () => ({ endpoint: 'get_everything' }),
    status: 400,
    message: /`endpoint` must be "get_service_nodes" or "ons_resolve"/,
  },
  {
    method: 'revoke_subaccount',
    good: () => ({
      pubkey: alice.sessionId,
      revoke: token(),
      timestamp: TEST_NOW,
      pubkey_ed25519: bytesToHex(alice.ed25519.publicKey),
      signature: h.crypto.signRequest(
        'revoke_subaccount',
        { timestamp: TEST_NOW, revoke: [token()] },
        alice.ed25519.secretKey,
      ),
    }),
    bad: () => ({
      pubkey: alice.sessionId,
      revoke: 'zz',
      timestamp: TEST_NOW,
      signature: 'A'.repeat(86),
    }),
    status: 400,
    message: /`revoke`/,
  },
  {
    method: 'unrevoke_subaccount',
    good: () => ({
      pubkey: alice.sessionId,
      unrevoke: token(),
      timestamp: TEST_NOW,
      pubkey_ed25519: bytesToHex(alice.ed25519.publicKey),
      signature: h.crypto.signRequest(
        'unrevoke_subaccount',
        { timestamp: TEST_NOW, unrevoke: [token()] },
        alice.ed25519.secretKey,
      ),
    }),
    bad: () => ({ pubkey: alice.sessionId, timestamp: TEST_NOW }),
    status: 400,
    message: /^invalid request: Required field 'unrevoke' missing$/,
  },
  {
    method: 'batch',
    good: () => ({
      requests: [
        { method: 'info', params: {} },
        { method: 'get_swarm', params: { pubkey: alice.sessionId } },
      ],
    }),
    bad: () => ({ requests: 'info' }),
    status: 400,
    message: /^invalid request: Invalid batch request: no valid "requests" field$/,
  },
  {
    method: 'sequence',
    good: () => ({ requests: [{ method: 'info', params: {} }] }),
    bad: () => ({ requests: [{ params: {} }] }),
    status: 400,
    message: /^invalid request: Invalid batch request: subrequests must have method\/params keys$/,
  },
];

describe('every storage RPC method over HTTP', () => {
  for (const testCase of cases) {
    it(`${testCase.method}: a good request is answered 200 in the schema's shape`, async () => {
      const { status, body } = await rpc(testCase.method, testCase.good());
      expect(status, body).toBe(200);
      expect(() => parseResponse(testCase.method, body)).not.toThrow();
    });

    it(`${testCase.method}: a bad request gets ${testCase.status} and a clear message, and changes nothing`, async () => {
      const before = storeContents(h.store);
      const { status, body } = await rpc(testCase.method, testCase.bad());
      expect(status, body).toBe(testCase.status);
      expect(body).toMatch(testCase.message);
      expect(storeContents(h.store)).toEqual(before);
    });
  }
});
